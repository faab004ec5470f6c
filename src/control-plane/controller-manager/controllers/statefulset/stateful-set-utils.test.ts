import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { isClaimOwnerUpToDate, updateClaimOwnerRefForSetAndPod } from './claim-retention.js';
import {
  applyRevision,
  completeRollingUpdate,
  getPersistentVolumeClaims,
  getStatefulSetMaxUnavailable,
  identityMatches,
  inconsistentStatus,
  newRevision,
  newStatefulSetPod,
  newVersionedStatefulSetPod,
  parentNameAndOrdinal,
  storageMatches,
} from './stateful-set-utils.js';

function makeSet(replicas = 3, extra: Partial<NonNullable<StatefulSet['spec']>> = {}): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'ns', uid: 'set-uid', generation: 1 },
    spec: {
      replicas,
      serviceName: 'svc',
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [{ name: 'c', image: 'img:1' }],
          volumes: [
            { name: 'data', emptyDir: {} },
            { name: 'cfg', configMap: { name: 'x' } },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data', labels: { tier: 'db' } },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      ],
      ...extra,
    },
    status: { replicas: 0 },
  };
}

test('parentNameAndOrdinal reads `<parent>-<ordinal>`', () => {
  const cases: [string, string, number][] = [
    ['web-0', 'web', 0],
    ['my-web-12', 'my-web', 12],
    ['web', '', -1],
    ['web-', '', -1],
    ['web-x1', '', -1],
    ['web-99999999999', 'web', -1],
  ];
  for (const [name, parent, ordinal] of cases)
    assert.deepEqual(parentNameAndOrdinal({ metadata: { name } }), { parent, ordinal }, name);
});

test('newStatefulSetPod: name, stable hostname under the service, labels, claims mounted', () => {
  const set = makeSet();
  const pod = newStatefulSetPod(set, 2);
  assert.equal(pod.metadata!.name, 'web-2');
  assert.equal(pod.metadata!.generateName, 'web-');
  assert.equal(pod.metadata!.namespace, 'ns');
  assert.deepEqual(pod.metadata!.labels, {
    app: 'web',
    'statefulset.kubernetes.io/pod-name': 'web-2',
    'apps.kubernetes.io/pod-index': '2',
  });
  assert.equal(pod.spec!.hostname, 'web-2');
  assert.equal(pod.spec!.subdomain, 'svc');
  // The claim replaces the template volume of the same name; other volumes stay.
  assert.deepEqual(pod.spec!.volumes, [
    { name: 'data', persistentVolumeClaim: { claimName: 'data-web-2', readOnly: false } },
    { name: 'cfg', configMap: { name: 'x' } },
  ]);
  assert.deepEqual(pod.metadata!.ownerReferences, [
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      name: 'web',
      uid: 'set-uid',
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  assert.ok(identityMatches(set, pod));
  assert.ok(storageMatches(set, pod));
  const moved: Pod = { ...pod, metadata: { ...pod.metadata, labels: { app: 'web' } } };
  assert.ok(!identityMatches(set, moved));
  const noClaim: Pod = { ...pod, spec: { ...pod.spec!, volumes: [] } };
  assert.ok(!storageMatches(set, noClaim));
});

test('getPersistentVolumeClaims: `<template>-<set>-<ordinal>` with template labels plus matchLabels', () => {
  const claims = getPersistentVolumeClaims(makeSet(), { metadata: { name: 'web-4' } });
  const c = claims.get('data')!;
  assert.equal(c.metadata!.name, 'data-web-4');
  assert.equal(c.metadata!.namespace, 'ns');
  assert.deepEqual(c.metadata!.labels, { tier: 'db', app: 'web' });
  assert.deepEqual(c.spec!.resources, { requests: { storage: '1Gi' } });
});

test('newVersionedStatefulSetPod: below the partition at the current revision, from it on at the update revision', () => {
  const current = makeSet(5, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 3 } } });
  const update = structuredClone(current);
  update.spec!.template!.spec!.containers[0]!.image = 'img:2';
  const at = (o: number) => newVersionedStatefulSetPod(current, update, 'rev-1', 'rev-2', o);
  assert.equal(at(2).metadata!.labels!['controller-revision-hash'], 'rev-1');
  assert.equal(at(2).spec!.containers[0]!.image, 'img:1');
  assert.equal(at(3).metadata!.labels!['controller-revision-hash'], 'rev-2');
  assert.equal(at(3).spec!.containers[0]!.image, 'img:2');
  // RollingUpdate without a rollingUpdate block: ordinals below status.currentReplicas stay current.
  const bare = makeSet(5, { updateStrategy: { type: 'RollingUpdate' } });
  bare.status = { replicas: 5, currentReplicas: 2 };
  assert.equal(
    newVersionedStatefulSetPod(bare, update, 'a', 'b', 1).metadata!.labels!['controller-revision-hash'],
    'a',
  );
  assert.equal(
    newVersionedStatefulSetPod(bare, update, 'a', 'b', 2).metadata!.labels!['controller-revision-hash'],
    'b',
  );
});

test('newRevision carries the set annotations; applyRevision restores its template', () => {
  const set = makeSet();
  set.metadata!.annotations = { 'kubernetes.io/change-cause': 'first' };
  const rev = newRevision(set, 1, 0);
  assert.equal(rev.metadata!.annotations!['kubernetes.io/change-cause'], 'first');
  const later = structuredClone(set);
  later.spec!.template!.spec!.containers[0]!.image = 'img:9';
  assert.equal(applyRevision(later, rev).spec!.template!.spec!.containers[0]!.image, 'img:1');
});

test('completeRollingUpdate and inconsistentStatus', () => {
  const set = makeSet(3);
  const status = {
    replicas: 3,
    readyReplicas: 3,
    updatedReplicas: 3,
    currentReplicas: 1,
    currentRevision: 'a',
    updateRevision: 'b',
  };
  completeRollingUpdate(set, status);
  assert.deepEqual([status.currentReplicas, status.currentRevision], [3, 'b']);
  const notReady = {
    replicas: 3,
    readyReplicas: 2,
    updatedReplicas: 3,
    currentReplicas: 1,
    currentRevision: 'a',
    updateRevision: 'b',
  };
  completeRollingUpdate(set, notReady);
  assert.equal(notReady.currentRevision, 'a');
  assert.ok(inconsistentStatus(set, { replicas: 0, observedGeneration: 1 }));
  set.status = { replicas: 0, observedGeneration: 1 };
  assert.ok(!inconsistentStatus(set, { replicas: 0, observedGeneration: 1, readyReplicas: 0 }));
});

test('getStatefulSetMaxUnavailable rounds percentages down, at least 1', () => {
  const cases: [number | string | undefined, number, number][] = [
    [undefined, 5, 1],
    [2, 5, 2],
    ['50%', 5, 2],
    ['10%', 5, 1],
    ['100%', 5, 5],
  ];
  for (const [v, replicas, want] of cases) {
    const set = makeSet(replicas, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: v } } });
    assert.equal(getStatefulSetMaxUnavailable(set), want, String(v));
  }
});

const setRef: OwnerReference = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  name: 'web',
  uid: 'set-uid',
  controller: true,
  blockOwnerDeletion: true,
};
const podRef: OwnerReference = {
  apiVersion: 'v1',
  kind: 'Pod',
  name: 'web-1',
  uid: 'pod-uid',
  controller: true,
  blockOwnerDeletion: true,
};
const claim = (refs?: OwnerReference[]): PersistentVolumeClaim => ({
  metadata: { name: 'data-web-1', namespace: 'ns', ...(refs ? { ownerReferences: refs } : {}) },
});

test('claim owner references express the retention policy', () => {
  const pod: Pod = { metadata: { name: 'web-1', namespace: 'ns', uid: 'pod-uid' } };
  // [whenScaled, whenDeleted, replicas (2 = pod in range, 1 = scaled away), expected refs]
  const cases: [string, string, number, OwnerReference[]][] = [
    ['Retain', 'Retain', 2, []],
    ['Retain', 'Delete', 2, [setRef]],
    ['Retain', 'Delete', 1, [setRef]],
    ['Delete', 'Retain', 2, []],
    ['Delete', 'Retain', 1, [podRef]],
    ['Delete', 'Delete', 2, [setRef]],
    ['Delete', 'Delete', 1, [podRef]],
  ];
  for (const [whenScaled, whenDeleted, replicas, want] of cases) {
    const set = makeSet(replicas, { persistentVolumeClaimRetentionPolicy: { whenScaled, whenDeleted } });
    const name = `${whenScaled}/${whenDeleted}/${replicas}`;
    for (const start of [undefined, [setRef], [podRef], [setRef, podRef]]) {
      const c = claim(start);
      const upToDate = isClaimOwnerUpToDate(c, set, pod);
      updateClaimOwnerRefForSetAndPod(c, set, pod);
      assert.deepEqual(c.metadata!.ownerReferences ?? [], want, `${name} from ${JSON.stringify(start)}`);
      assert.equal(upToDate, JSON.stringify(start ?? []) === JSON.stringify(want), `${name} up to date`);
      assert.ok(isClaimOwnerUpToDate(c, set, pod), `${name} fixed`);
    }
  }
});

test('claims with stale or foreign controllers are left alone', () => {
  const pod: Pod = { metadata: { name: 'web-1', namespace: 'ns', uid: 'pod-uid' } };
  const set = makeSet(2, { persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete', whenDeleted: 'Delete' } });
  // A reference to an earlier set of the same name: never touched.
  assert.ok(isClaimOwnerUpToDate(claim([{ ...setRef, uid: 'old-uid' }]), set, pod));
  // Another controller only: no references of ours are added.
  const foreign: OwnerReference = { apiVersion: 'v1', kind: 'Other', name: 'o', uid: 'o', controller: true };
  assert.ok(isClaimOwnerUpToDate(claim([foreign]), set, pod));
  // Another controller alongside ours: ours are removed.
  const both = claim([foreign, setRef]);
  assert.ok(!isClaimOwnerUpToDate(both, set, pod));
  updateClaimOwnerRefForSetAndPod(both, set, pod);
  assert.deepEqual(both.metadata!.ownerReferences, [foreign]);
  // Our reference without controller=true is fixed.
  const plain = claim([{ ...setRef, controller: undefined }]);
  assert.ok(!isClaimOwnerUpToDate(plain, set, pod));
  updateClaimOwnerRefForSetAndPod(plain, set, pod);
  assert.deepEqual(plain.metadata!.ownerReferences, [setRef]);
});
