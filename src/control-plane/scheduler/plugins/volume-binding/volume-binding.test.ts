import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { FakeClock } from '../../../../lib/clock.js';
import { CycleState } from '../../framework/cycle-state.js';
import { PodInfo } from '../../framework/pod-info.js';
import { Code } from '../../framework/status.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { noopPorts, runFilter, testHandle } from '../../testing/framework.js';
import { listerOf } from '../helpers/fake-listers.js';
import { newVolumeBinding } from './volume-binding.js';

const pvc = (name: string, o: { volumeName?: string; cls?: string; size?: string } = {}): PersistentVolumeClaim => ({
  metadata: { name, namespace: 'default' },
  spec: {
    volumeName: o.volumeName,
    storageClassName: o.cls,
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: o.size ?? '1Gi' } },
  },
});
const pv = (name: string, o: { node?: string; cls?: string; size?: string } = {}): PersistentVolume => ({
  metadata: { name },
  spec: {
    capacity: { storage: o.size ?? '1Gi' },
    accessModes: ['ReadWriteOnce'],
    storageClassName: o.cls,
    nodeAffinity: o.node
      ? {
          required: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [o.node] }] },
            ],
          },
        }
      : undefined,
  },
  status: { phase: 'Available' },
});
const sc = (name: string, mode: string, provisioner = 'kubernetes.io/no-provisioner'): StorageClass => ({
  metadata: { name },
  provisioner,
  volumeBindingMode: mode,
});
const withClaim = (name: string) =>
  makePod('p', { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: name } }] });

function setup(pvcs: PersistentVolumeClaim[], pvs: PersistentVolume[], classes: StorageClass[]) {
  return testHandle({
    nodes: [makeNode('n1'), makeNode('n2')],
    listers: { pvcs: listerOf(pvcs), pvs: listerOf(pvs), storageClasses: listerOf(classes) },
  });
}

test('VolumeBinding Filter (upstream TestVolumeBinding shapes)', async (t) => {
  await t.test('pod without claims: skipped', () => {
    const { handle, snapshot } = setup([], [], []);
    assert.equal(runFilter(newVolumeBinding({}, handle), makePod('p'), snapshot.get('n1')!), null);
  });
  await t.test('claim not found', () => {
    const { handle, snapshot } = setup([], [], []);
    const s = runFilter(newVolumeBinding({}, handle), withClaim('missing'), snapshot.get('n1')!);
    assert.equal(s?.message(), 'persistentvolumeclaim "missing" not found');
    assert.equal(s?.code, Code.UnschedulableAndUnresolvable);
  });
  await t.test('unbound immediate claim', () => {
    const { handle, snapshot } = setup([pvc('c', { cls: 'fast' })], [], [sc('fast', 'Immediate')]);
    assert.equal(
      runFilter(newVolumeBinding({}, handle), withClaim('c'), snapshot.get('n1')!)?.message(),
      'pod has unbound immediate PersistentVolumeClaims',
    );
  });
  await t.test('bound claim: the volume node affinity decides', () => {
    const { handle, snapshot } = setup([pvc('c', { volumeName: 'v1' })], [pv('v1', { node: 'n2' })], []);
    const pl = newVolumeBinding({}, handle);
    assert.equal(
      runFilter(pl, withClaim('c'), snapshot.get('n1')!)?.message(),
      'node(s) had volume node affinity conflict',
    );
    assert.equal(runFilter(pl, withClaim('c'), snapshot.get('n2')!), null);
  });
  await t.test('bound to a missing volume', () => {
    const { handle, snapshot } = setup([pvc('c', { volumeName: 'gone' })], [], []);
    assert.equal(
      runFilter(newVolumeBinding({}, handle), withClaim('c'), snapshot.get('n1')!)?.message(),
      'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)',
    );
  });
  await t.test('delayed binding: a matching local volume, or none', () => {
    const { handle, snapshot } = setup(
      [pvc('c', { cls: 'local', size: '5Gi' })],
      [pv('small', { node: 'n1', cls: 'local', size: '1Gi' }), pv('big', { node: 'n2', cls: 'local', size: '10Gi' })],
      [sc('local', 'WaitForFirstConsumer')],
    );
    const pl = newVolumeBinding({}, handle);
    assert.equal(
      runFilter(pl, withClaim('c'), snapshot.get('n1')!)?.message(),
      "node(s) didn't find available persistent volumes to bind",
    );
    assert.equal(runFilter(pl, withClaim('c'), snapshot.get('n2')!), null);
  });
  await t.test('delayed binding with a provisioner: provisionable anywhere allowed', () => {
    const { handle, snapshot } = setup(
      [pvc('c', { cls: 'dyn' })],
      [],
      [sc('dyn', 'WaitForFirstConsumer', 'example.com/csi')],
    );
    assert.equal(runFilter(newVolumeBinding({}, handle), withClaim('c'), snapshot.get('n1')!), null);
  });
});

test('VolumeBinding PreBind binds the chosen volume and waits for the claim to be bound', async () => {
  const claims = [pvc('c', { cls: 'local' })];
  const clock = new FakeClock();
  const bound: string[] = [];
  const { handle, snapshot } = testHandle({
    clock,
    nodes: [makeNode('n1')],
    listers: {
      pvcs: listerOf(claims),
      pvs: listerOf([pv('v1', { node: 'n1', cls: 'local' })]),
      storageClasses: listerOf([sc('local', 'WaitForFirstConsumer')]),
    },
    ports: {
      ...noopPorts,
      volumeBinder: {
        bindClaim: async (c, pvName) => {
          bound.push(`${c.metadata?.name}->${pvName}`);
          // The PV controller completes the binding a bit later.
          clock.setTimeout(
            () => (claims[0] = { ...claims[0]!, spec: { ...claims[0]!.spec, volumeName: pvName } }),
            250,
          );
        },
        setSelectedNode: async () => {},
      },
    },
  });
  const pl = newVolumeBinding({}, handle);
  const state = new CycleState();
  const pi = new PodInfo(withClaim('c'));
  assert.equal(pl.preFilter!(state, pi, snapshot.list()), null);
  assert.equal(pl.filter!(state, pi, snapshot.get('n1')!), null);
  assert.equal(pl.reserve!(state, pi, 'n1'), null);
  const done = pl.preBind!(state, pi, 'n1') as Promise<unknown>;
  await clock.advance(500);
  assert.equal(await done, null);
  assert.deepEqual(bound, ['c->v1']);
});
