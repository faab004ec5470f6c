import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../lib/clock.js';
import { FakeApiServer, fakeRestClient } from '../../../../client/testing/fake-api-server.js';
import { startControllerManager } from '../../controller-manager.js';
import { persistentVolumeBinderController } from './pv-controller.js';

type Obj = Record<string, any>;

const volume = (name: string, spec: Obj = {}, extra: Obj = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name, ...(extra.metadata ?? {}) },
  spec: {
    capacity: { storage: '1Gi' },
    accessModes: ['ReadWriteOnce'],
    persistentVolumeReclaimPolicy: 'Retain',
    hostPath: { path: `/tmp/${name}` },
    ...spec,
  },
  ...(extra.status ? { status: extra.status } : {}),
});

const claim = (name: string, spec: Obj = {}, metadata: Obj = {}, status?: Obj): Obj => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'ns', ...metadata },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
  ...(status ? { status } : {}),
});

const storageClass = (name: string, provisioner: string, extra: Obj = {}): Obj => {
  const { metadata = {}, ...rest } = extra;
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name, ...metadata },
    provisioner,
    ...rest,
  };
};

/** Runs the binder over the seeded objects until it settles; returns the fake for assertions. */
async function run(seed: (fake: FakeApiServer) => void): Promise<FakeApiServer> {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const fake = new FakeApiServer(clock);
  seed(fake);
  const cm = await startControllerManager({
    rest: fakeRestClient(fake, { clock }),
    controllers: [persistentVolumeBinderController],
    clock,
  });
  try {
    for (let i = 0; i < 60; i++) await clock.advance(10);
  } finally {
    await cm.stop();
  }
  return fake;
}

const getPV = (f: FakeApiServer, n: string) => f.get('', 'persistentvolumes', '', n) as Obj | undefined;
const getPVC = (f: FakeApiServer, n: string) => f.get('', 'persistentvolumeclaims', 'ns', n) as Obj | undefined;
const eventsOf = (f: FakeApiServer, name: string) =>
  f
    .list('', 'events')
    .filter((e) => (e as Obj).involvedObject?.name === name)
    .map((e) => `${(e as Obj).type} ${(e as Obj).reason}: ${(e as Obj).message}`);

test('a volume pre-bound by the user (claimRef without UID) binds to its claim', async () => {
  const f = await run((f) => {
    f.seed('', 'persistentvolumeclaims', claim('c', { storageClassName: '' }));
    f.seed(
      '',
      'persistentvolumes',
      volume('v', { claimRef: { namespace: 'ns', name: 'c' }, storageClassName: 'other' }),
    );
  });
  const pvc = getPVC(f, 'c')!;
  const pv = getPV(f, 'v')!;
  assert.equal(pvc.spec.volumeName, 'v');
  assert.equal(pvc.status.phase, 'Bound');
  assert.equal(pv.status.phase, 'Bound');
  assert.equal(pv.spec.claimRef.uid, pvc.metadata.uid);
  assert.equal(pv.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], undefined, 'the user bound it');
  assert.equal(pvc.metadata.annotations['pv.kubernetes.io/bound-by-controller'], 'yes');
  assert.ok(pv.status.lastPhaseTransitionTime);
});

test('a bound claim whose volume is gone is Lost, with a ClaimLost event', async () => {
  const f = await run((f) => {
    f.seed(
      '',
      'persistentvolumeclaims',
      claim(
        'c',
        { volumeName: 'missing' },
        { annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } },
        { phase: 'Bound' },
      ),
    );
  });
  assert.equal(getPVC(f, 'c')!.status.phase, 'Lost');
  assert.deepEqual(eventsOf(f, 'c'), [
    'Warning ClaimLost: Bound claim has lost its PersistentVolume. Data on the volume is lost!',
  ]);
});

test('reclaim policies of a volume whose claim was deleted', async (t) => {
  const released = (policy: string, annotations: Obj = {}) =>
    volume(
      `v-${policy.toLowerCase()}`,
      { persistentVolumeReclaimPolicy: policy, claimRef: { namespace: 'ns', name: 'gone', uid: 'old-uid' } },
      { metadata: { annotations }, status: { phase: 'Bound' } },
    );
  await t.test('Retain: Released, claimRef kept', async () => {
    const f = await run((f) => f.seed('', 'persistentvolumes', released('Retain')));
    const pv = getPV(f, 'v-retain')!;
    assert.equal(pv.status.phase, 'Released');
    assert.equal(pv.spec.claimRef.uid, 'old-uid');
  });
  await t.test('Delete, no provisioner: the PV is deleted', async () => {
    const f = await run((f) => f.seed('', 'persistentvolumes', released('Delete')));
    assert.equal(getPV(f, 'v-delete'), undefined);
  });
  await t.test('Delete, external provisioner: Released and left to it', async () => {
    const f = await run((f) =>
      f.seed('', 'persistentvolumes', released('Delete', { 'pv.kubernetes.io/provisioned-by': 'example.com/p' })),
    );
    assert.equal(getPV(f, 'v-delete')?.status.phase, 'Released');
  });
  await t.test('Recycle: Failed with VolumeFailedRecycle', async () => {
    const f = await run((f) => f.seed('', 'persistentvolumes', released('Recycle')));
    assert.equal(getPV(f, 'v-recycle')?.status.phase, 'Failed');
    assert.deepEqual(eventsOf(f, 'v-recycle'), [
      'Warning VolumeFailedRecycle: No recycler plugin found for the volume!',
    ]);
  });
  await t.test('a recreated claim of the same name does not hold the volume', async () => {
    const f = await run((f) => {
      f.seed('', 'persistentvolumeclaims', claim('gone', { storageClassName: 'none' }));
      f.seed('', 'persistentvolumes', released('Retain'));
    });
    assert.equal(getPV(f, 'v-retain')!.status.phase, 'Released');
  });
});

test('a controller-bound volume whose claim bound elsewhere is unbound and Available again', async () => {
  const f = await run((f) => {
    const c = f.seed(
      '',
      'persistentvolumeclaims',
      claim(
        'c',
        { volumeName: 'winner', storageClassName: '' },
        { annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } },
      ),
    ) as Obj;
    const ref = { namespace: 'ns', name: 'c', uid: c.metadata.uid };
    f.seed('', 'persistentvolumes', volume('winner', { claimRef: ref, storageClassName: '' }));
    f.seed(
      '',
      'persistentvolumes',
      volume(
        'loser',
        { claimRef: ref, storageClassName: '' },
        { metadata: { annotations: { 'pv.kubernetes.io/bound-by-controller': 'yes' } } },
      ),
    );
  });
  const loser = getPV(f, 'loser')!;
  assert.equal(loser.spec.claimRef, undefined);
  assert.equal(loser.metadata.annotations, undefined);
  assert.equal(loser.status.phase, 'Available');
  assert.equal(getPV(f, 'winner')!.status.phase, 'Bound');
  assert.equal(getPVC(f, 'c')!.status.phase, 'Bound');
});

test('dynamic provisioning requests and their events', async (t) => {
  await t.test('WaitForFirstConsumer without a selected node waits', async () => {
    const f = await run((f) => {
      f.seed(
        'storage.k8s.io',
        'storageclasses',
        storageClass('wffc', 'example.com/p', { volumeBindingMode: 'WaitForFirstConsumer' }),
      );
      f.seed('', 'persistentvolumeclaims', claim('c', { storageClassName: 'wffc' }));
    });
    const pvc = getPVC(f, 'c')!;
    assert.equal(pvc.status.phase, 'Pending');
    assert.equal(pvc.metadata.annotations?.['volume.kubernetes.io/storage-provisioner'], undefined);
    assert.deepEqual(eventsOf(f, 'c'), [
      'Normal WaitForFirstConsumer: waiting for first consumer to be created before binding',
    ]);
  });
  await t.test('a pending pod using the claim turns it into WaitForPodScheduled', async () => {
    const f = await run((f) => {
      f.seed(
        'storage.k8s.io',
        'storageclasses',
        storageClass('wffc', 'example.com/p', { volumeBindingMode: 'WaitForFirstConsumer' }),
      );
      f.seed('', 'persistentvolumeclaims', claim('c', { storageClassName: 'wffc' }));
      f.seed('', 'pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p', namespace: 'ns' },
        spec: {
          containers: [{ name: 'c', image: 'i' }],
          volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'c' } }],
        },
      });
    });
    assert.deepEqual(eventsOf(f, 'c'), ['Normal WaitForPodScheduled: waiting for pod p to be scheduled']);
  });
  await t.test('with the selected node, the external provisioner is asked', async () => {
    const f = await run((f) => {
      f.seed(
        'storage.k8s.io',
        'storageclasses',
        storageClass('wffc', 'example.com/p', { volumeBindingMode: 'WaitForFirstConsumer' }),
      );
      f.seed(
        '',
        'persistentvolumeclaims',
        claim('c', { storageClassName: 'wffc' }, { annotations: { 'volume.kubernetes.io/selected-node': 'n1' } }),
      );
    });
    const ann = getPVC(f, 'c')!.metadata.annotations;
    assert.equal(ann['volume.kubernetes.io/storage-provisioner'], 'example.com/p');
    assert.equal(ann['volume.beta.kubernetes.io/storage-provisioner'], 'example.com/p');
    assert.match(
      eventsOf(f, 'c')[0]!,
      /^Normal ExternalProvisioning: Waiting for a volume to be created either by the external provisioner 'example.com\/p' or manually/,
    );
  });
  await t.test('a missing class or an in-tree name fails provisioning', async () => {
    const f = await run((f) => {
      f.seed('storage.k8s.io', 'storageclasses', storageClass('none', 'kubernetes.io/no-provisioner'));
      f.seed('', 'persistentvolumeclaims', claim('a', { storageClassName: 'none' }));
      f.seed('', 'persistentvolumeclaims', claim('b', { storageClassName: 'nope' }));
    });
    assert.deepEqual(eventsOf(f, 'a'), [
      'Warning ProvisioningFailed: no volume plugin matched name: kubernetes.io/no-provisioner',
    ]);
    assert.deepEqual(eventsOf(f, 'b'), ['Warning ProvisioningFailed: storageclass.storage.k8s.io "nope" not found']);
  });
  await t.test('a classless claim gets the default class retroactively', async () => {
    const f = await run((f) => {
      f.seed(
        'storage.k8s.io',
        'storageclasses',
        storageClass('std', 'example.com/p', {
          metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
        }),
      );
      f.seed('', 'persistentvolumeclaims', claim('c'));
    });
    assert.equal(getPVC(f, 'c')!.spec.storageClassName, 'std');
  });
});
