import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Event, PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { isNotFound } from '../../src/api/errors/status-error.js';
import { gvr, typed, type KubeObject, type ResourceClient } from '../../src/client/index.js';
import { inProcessRest, serviceAccountUser } from '../../src/cmd/in-process.js';
import {
  localPathServiceAccount,
  startLocalPath,
  type LocalPathProvisioner,
} from '../../src/addons/local-path/index.js';
import type { SimNodes } from '../../src/node/sim/sim-nodes.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest, eventually, startTestSimNodes } from '../harness/sim.js';

type PV = PersistentVolume & KubeObject;
type PVC = PersistentVolumeClaim & KubeObject;

describe('persistent volumes: binder controller, local-path provisioner, scheduler volume binding', () => {
  let c: TestCluster;
  let nodes: SimNodes;
  let provisioner: LocalPathProvisioner;
  let pvs: ResourceClient<PV>;
  let pvcs: ResourceClient<PVC>;
  let pods: ResourceClient<Pod & KubeObject>;
  let events: ResourceClient<Event & KubeObject>;
  let storageDir: string;

  before(async () => {
    c = await startTestCluster({
      controllers: ['persistentvolume-binder', 'serviceaccount', 'node-lifecycle'],
      scheduler: true,
    });
    nodes = await startTestSimNodes(c, { count: 2, bindUnscheduled: false });
    const admin = adminRest(c);
    storageDir = join(c.dir, 'storage');
    provisioner = await startLocalPath({
      admin,
      rest: inProcessRest(c.cp.apiserver, serviceAccountUser(localPathServiceAccount), 'local-path-provisioner'),
      storageDir,
      localNode: 'sim-node-0',
    });
    pvs = typed<PV>(admin, gvr('', 'v1', 'persistentvolumes'));
    pvcs = typed<PVC>(admin, gvr('', 'v1', 'persistentvolumeclaims'), 'default');
    pods = typed<Pod & KubeObject>(admin, gvr('', 'v1', 'pods'), 'default');
    events = typed<Event & KubeObject>(admin, gvr('', 'v1', 'events'), 'default');
  });
  after(async () => {
    await provisioner?.dispose();
    await nodes?.dispose();
    await c?.dispose();
  });

  const hostPathPV = (name: string, size: string, extra: Partial<PersistentVolume['spec']> = {}): PV => ({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name },
    spec: {
      capacity: { storage: size },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: '',
      hostPath: { path: `/tmp/kubets-pv-${name}` },
      ...extra,
    },
  });
  const claim = (name: string, size: string, storageClassName?: string): PVC => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: size } },
      ...(storageClassName === undefined ? {} : { storageClassName }),
    },
  });
  const podUsing = (name: string, claimName: string, nodeSelector?: Record<string, string>): Pod & KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      nodeSelector,
      containers: [{ name: 'c', image: 'busybox' }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }],
    },
  });
  const eventFor = (name: string, reason: string) =>
    eventually(async () => {
      const list = await events.list({ fieldSelector: `involvedObject.name=${name},reason=${reason}` });
      return list.items[0];
    }, `event ${reason} for ${name}`);
  const gone = async (get: () => Promise<unknown>) => {
    try {
      await get();
      return false;
    } catch (err) {
      return isNotFound(err);
    }
  };

  test('a static claim binds to the smallest matching Available volume; Retain leaves it Released', async () => {
    await pvs.create(hostPathPV('static-big', '5Gi'));
    await pvs.create(hostPathPV('static-small', '1Gi'));
    await pvs.create(hostPathPV('static-rox', '1Gi', { accessModes: ['ReadOnlyMany'] }));
    await pvs.create(hostPathPV('static-tiny', '100Mi'));
    await pvcs.create(claim('static-claim', '512Mi', ''));
    const bound = await eventually(async () => {
      const pvc = await pvcs.get('static-claim');
      return pvc.status?.phase === 'Bound' ? pvc : undefined;
    }, 'claim Bound');
    assert.equal(bound.spec?.volumeName, 'static-small');
    assert.equal(bound.status?.capacity?.storage, '1Gi');
    assert.deepEqual(bound.status?.accessModes, ['ReadWriteOnce']);
    assert.equal(bound.metadata?.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
    assert.equal(bound.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
    const pv = await eventually(async () => {
      const v = await pvs.get('static-small');
      return v.status?.phase === 'Bound' ? v : undefined;
    }, 'volume Bound');
    assert.equal(pv.spec?.claimRef?.uid, bound.metadata?.uid);
    assert.equal(pv.spec?.claimRef?.name, 'static-claim');
    assert.equal(pv.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
    for (const other of ['static-big', 'static-rox', 'static-tiny']) {
      const v = await eventually(async () => {
        const o = await pvs.get(other);
        return o.status?.phase ? o : undefined;
      }, `${other} has a phase`);
      assert.equal(v.status?.phase, 'Available', other);
      assert.equal(v.spec?.claimRef, undefined, other);
    }

    await pvcs.delete('static-claim');
    const released = await eventually(async () => {
      const v = await pvs.get('static-small');
      return v.status?.phase === 'Released' ? v : undefined;
    }, 'volume Released');
    assert.equal(released.spec?.claimRef?.name, 'static-claim', 'Retain keeps the claimRef');
  });

  test('a claim pre-bound by volumeName binds to that volume; a too-small one is a VolumeMismatch', async () => {
    await pvs.create(hostPathPV('wanted', '2Gi'));
    await pvcs.create({
      ...claim('prebound', '1Gi', ''),
      spec: { ...claim('x', '1Gi', '').spec, volumeName: 'wanted' },
    });
    await eventually(async () => (await pvcs.get('prebound')).status?.phase === 'Bound', 'pre-bound claim Bound');
    const pv = await pvs.get('wanted');
    assert.equal(pv.spec?.claimRef?.name, 'prebound');

    await pvs.create(hostPathPV('too-small', '1Gi'));
    await pvcs.create({
      ...claim('wants-more', '3Gi', ''),
      spec: { ...claim('x', '3Gi', '').spec, volumeName: 'too-small' },
    });
    const ev = await eventFor('wants-more', 'VolumeMismatch');
    assert.equal(ev.message, 'Cannot bind to requested volume "too-small": requested PV is too small');
    assert.equal((await pvcs.get('wants-more')).status?.phase, 'Pending');
  });

  test('a classless claim without volumes gets FailedBinding and stays Pending', async () => {
    await pvcs.create(claim('nothing-fits', '100Gi', ''));
    const ev = await eventFor('nothing-fits', 'FailedBinding');
    assert.equal(ev.message, 'no persistent volumes available for this claim and no storage class is set');
    assert.equal((await pvcs.get('nothing-fits')).status?.phase, 'Pending');
  });

  test('default local-path class: Pending until a pod uses it, then provisioned on the pod node, bound, and deleted with the claim', async () => {
    const sc = await typed<StorageClass & KubeObject>(adminRest(c), gvr('storage.k8s.io', 'v1', 'storageclasses')).get(
      'local-path',
    );
    assert.equal(sc.volumeBindingMode, 'WaitForFirstConsumer');
    assert.equal(sc.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'], 'true');

    const created = await pvcs.create(claim('data', '1Gi'));
    assert.equal(created.spec?.storageClassName, 'local-path', 'DefaultStorageClass admission');
    const wait = await eventFor('data', 'WaitForFirstConsumer');
    assert.equal(wait.message, 'waiting for first consumer to be created before binding');
    assert.equal((await pvcs.get('data')).status?.phase, 'Pending');
    assert.equal((await pvcs.get('data')).spec?.volumeName, undefined);

    // Pin the pod to the node whose directory this process may remove.
    await pods.create(podUsing('writer', 'data', { 'kubernetes.io/hostname': 'sim-node-0' }));
    const pod = await eventually(
      async () => {
        const p = await pods.get('writer');
        return p.spec?.nodeName ? p : undefined;
      },
      'pod scheduled',
      60_000,
    );
    assert.equal(pod.spec?.nodeName, 'sim-node-0');
    const pvc = await pvcs.get('data');
    assert.equal(pvc.status?.phase, 'Bound');
    assert.equal(pvc.metadata?.annotations?.['volume.kubernetes.io/selected-node'], 'sim-node-0');
    assert.equal(pvc.metadata?.annotations?.['volume.kubernetes.io/storage-provisioner'], 'rancher.io/local-path');
    const pvName = `pvc-${pvc.metadata?.uid}`;
    assert.equal(pvc.spec?.volumeName, pvName);
    const pv = await pvs.get(pvName);
    assert.equal(pv.spec?.hostPath?.path, `${storageDir}/${pvName}_default_data`);
    assert.equal(pv.spec?.hostPath?.type, 'DirectoryOrCreate');
    assert.equal(pv.spec?.persistentVolumeReclaimPolicy, 'Delete');
    assert.deepEqual(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms, [
      { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['sim-node-0'] }] },
    ]);
    assert.equal(pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'], 'rancher.io/local-path');
    await eventFor('data', 'ProvisioningSucceeded');

    // What a kubelet's DirectoryOrCreate would have made, with data in it.
    mkdirSync(pv.spec!.hostPath!.path, { recursive: true });
    writeFileSync(join(pv.spec!.hostPath!.path, 'file'), 'x');
    await pods.delete('writer', { gracePeriodSeconds: 0 });
    await eventually(() => gone(() => pods.get('writer')), 'pod gone');
    await pvcs.delete('data');
    await eventually(() => gone(() => pvs.get(pvName)), 'provisioned volume deleted', 30_000);
    assert.equal(existsSync(pv.spec!.hostPath!.path), false, 'volume directory removed');
  });

  test('WaitForFirstConsumer with a static volume: the scheduler picks the volume on a feasible node', async () => {
    const scs = typed<StorageClass & KubeObject>(adminRest(c), gvr('storage.k8s.io', 'v1', 'storageclasses'));
    await scs.create({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'local-static' },
      provisioner: 'kubernetes.io/no-provisioner',
      volumeBindingMode: 'WaitForFirstConsumer',
    });
    await pvs.create(
      hostPathPV('node1-disk', '10Gi', {
        storageClassName: 'local-static',
        nodeAffinity: {
          required: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['sim-node-1'] }] },
            ],
          },
        },
      }),
    );
    await pvcs.create(claim('static-wffc', '1Gi', 'local-static'));
    await eventFor('static-wffc', 'WaitForFirstConsumer');
    assert.equal((await pvs.get('node1-disk')).spec?.claimRef, undefined, 'the controller leaves delayed claims alone');
    await pods.create(podUsing('reader', 'static-wffc'));
    const pod = await eventually(
      async () => {
        const p = await pods.get('reader');
        return p.spec?.nodeName ? p : undefined;
      },
      'pod scheduled',
      60_000,
    );
    assert.equal(pod.spec?.nodeName, 'sim-node-1', 'only node 1 has the volume');
    const pvc = await pvcs.get('static-wffc');
    assert.equal(pvc.spec?.volumeName, 'node1-disk');
    assert.equal(pvc.status?.phase, 'Bound');
    const pv = await pvs.get('node1-disk');
    assert.equal(pv.spec?.claimRef?.uid, pvc.metadata?.uid);
    assert.equal(pv.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
  });
});
