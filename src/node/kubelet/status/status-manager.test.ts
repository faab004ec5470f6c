import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { FakeApiServer, fakeRestClient } from '../../../client/testing/fake-api-server.js';
import { FakeClock, flushMicrotasks } from '../../../lib/clock.js';
import { nullLogger } from '../../../lib/log.js';
import { StatusManager, statusPatch } from './status-manager.js';

test('statusPatch carries only what changed, nulls cleared condition fields, never undoes a terminal phase', () => {
  const base: PodStatus = {
    phase: 'Pending',
    hostIP: '1.2.3.4',
    conditions: [
      { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'm', lastTransitionTime: 't0' },
      { type: 'PodScheduled', status: 'True', lastTransitionTime: 't0' },
    ],
  };
  const desired: PodStatus = {
    phase: 'Running',
    hostIP: '1.2.3.4',
    conditions: [
      { type: 'Ready', status: 'True', lastTransitionTime: 't1' },
      { type: 'PodScheduled', status: 'True', lastTransitionTime: 't0' },
    ],
  };
  assert.deepEqual(statusPatch('u1', base, desired), {
    metadata: { uid: 'u1' },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: 't1', reason: null, message: null }],
    },
  });
  assert.equal(statusPatch('u1', desired, desired), undefined);
  assert.equal(statusPatch('u1', { phase: 'Succeeded' }, { phase: 'Running' }), undefined);
});

test('writes coalesce per pod and skip pods whose UID changed', async () => {
  const clock = new FakeClock();
  const api = new FakeApiServer(clock);
  const pod = api.seed('', 'pods', {
    metadata: { name: 'p', namespace: 'ns' },
    spec: { containers: [] },
    status: { phase: 'Pending' },
  }) as Pod;
  let apiPod: Pod | undefined = pod;
  const sm = new StatusManager({ rest: fakeRestClient(api), apiPod: () => apiPod, clock, log: nullLogger, writers: 1 });
  sm.start();
  const patches = () => api.requests.filter((r) => r.method === 'PATCH');
  sm.set(pod, { phase: 'Pending', hostIP: '10.0.0.1' });
  sm.set(pod, { phase: 'Running', hostIP: '10.0.0.1' });
  sm.set(pod, { phase: 'Running', hostIP: '10.0.0.1', podIP: '10.1.1.1' });
  await flushMicrotasks(30);
  assert.equal(patches().length, 1, 'three updates, one write');
  assert.deepEqual(patches()[0]!.object, {
    metadata: { uid: pod.metadata!.uid },
    status: { phase: 'Running', hostIP: '10.0.0.1', podIP: '10.1.1.1' },
  });
  assert.match(patches()[0]!.path, /\/namespaces\/ns\/pods\/p\/status$/);
  assert.equal(patches()[0]!.headers['content-type'], 'application/strategic-merge-patch+json');
  // Same status again: nothing to write (the acknowledged status is the base).
  sm.set(pod, { phase: 'Running', hostIP: '10.0.0.1', podIP: '10.1.1.1' });
  await flushMicrotasks(30);
  assert.equal(patches().length, 1);
  // A pod recreated under the same name is not ours to write.
  apiPod = { ...pod, metadata: { ...pod.metadata, uid: 'another' } };
  sm.set(pod, { phase: 'Failed' });
  await flushMicrotasks(30);
  assert.equal(patches().length, 1);
  await sm.dispose();
});
