import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Lister } from '../../client/index.js';
import type { ContainerRuntime } from '../runtime/index.js';
import { fakeRestClient } from '../../client/testing/fake-api-server.js';
import { kubeletServerDeps } from './server-deps.js';
import { FakeKubelet } from './testing/fake-context.js';

test('server deps: pods, container IDs by attempt, pod IPs, SubjectAccessReview', async () => {
  const k = new FakeKubelet();
  try {
    let runs = 0;
    k.runtime.onStart.set('app', (c, rt) => {
      if (runs++ === 0) rt.exit(c.id, 1);
    });
    const pod = k.add({
      metadata: { name: 'web' },
      spec: { containers: [{ name: 'app', image: 'kubets.local/busybox:1' }] },
    });
    await k.settle();
    k.workers.wake(pod.metadata!.uid!);
    await k.settle();
    const uid = pod.metadata!.uid!;
    const reviews: unknown[] = [];
    k.api.intercept((req) => {
      if (!req.path.endsWith('/subjectaccessreviews')) return undefined;
      reviews.push(req.object);
      const spec = (req.object as { spec: { user: string } }).spec;
      return {
        type: 'object',
        status: 201,
        body: { kind: 'SubjectAccessReview', spec, status: { allowed: spec.user === 'alice' } },
      };
    });
    const pods = {
      list: () => [pod],
      get: (ns: string, n: string) => (ns === 'default' && n === 'web' ? pod : undefined),
    };
    const deps = kubeletServerDeps({
      nodeName: 'node-1',
      runtime: k.runtime as unknown as ContainerRuntime,
      rest: fakeRestClient(k.api),
      pods: pods as unknown as Lister<Pod>,
      podByUid: (u) => (u === uid ? pod : undefined),
      syncer: k.syncer,
      status: k.status,
    });
    assert.deepEqual(
      deps.pods().map((p) => p.metadata?.name),
      ['web'],
    );
    assert.equal(deps.getPod('default', 'web'), pod);
    const [latest, previous] = k.runtime.byName('app');
    assert.equal(deps.containerId(uid, 'app'), latest!.id);
    assert.equal(deps.containerId(uid, 'app', true), previous!.id);
    assert.equal(deps.containerId(uid, 'nope'), undefined);
    assert.equal(deps.podIP(uid), '10.88.0.2');
    const attrs = { verb: 'get', resource: 'nodes', subresource: 'log', namespace: '', name: 'node-1' };
    assert.equal(await deps.authorize({ username: 'alice', groups: ['g'] }, attrs), true);
    assert.equal(await deps.authorize({ username: 'bob', groups: [] }, attrs), false);
    assert.deepEqual((reviews[0] as { spec: unknown }).spec, {
      user: 'alice',
      groups: ['g'],
      resourceAttributes: { verb: 'get', resource: 'nodes', subresource: 'log', namespace: '', name: 'node-1' },
    });
  } finally {
    await k.dispose();
  }
});
