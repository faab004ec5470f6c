import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { formatTime } from '../../../../api/values/time.js';
import { FakeApiServer, fakeRestClient } from '../../../../client/testing/fake-api-server.js';
import { FakeClock } from '../../../../lib/clock.js';
import { startControllerManager } from '../../controller-manager.js';
import { disruptionController } from './disruption-controller.js';

type Obj = Record<string, any>;

const ownerRef = (apiVersion: string, kind: string, name: string, uid: string) => ({
  apiVersion,
  kind,
  name,
  uid,
  controller: true,
});

function pod(name: string, owner: Obj | undefined, o: { ready?: boolean; conditions?: Obj[] } = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', labels: { app: 'web' }, ...(owner ? { ownerReferences: [owner] } : {}) },
    spec: { containers: [{ name: 'c', image: 'i' }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }, ...(o.conditions ?? [])],
    },
  };
}

function budget(spec: Obj): Obj {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'pdb', namespace: 'ns', generation: 1 },
    spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
  };
}

/** A Deployment owning a ReplicaSet owning `pods` ready pods. */
function seedDeployment(fake: FakeApiServer, replicas: number, pods: number): Obj[] {
  const d = fake.seed('apps', 'deployments', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'ns' },
    spec: { replicas },
  });
  const rs = fake.seed('apps', 'replicasets', {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: 'web-1',
      namespace: 'ns',
      ownerReferences: [ownerRef('apps/v1', 'Deployment', 'web', d.metadata.uid)],
    },
    spec: { replicas },
  });
  const ref = ownerRef('apps/v1', 'ReplicaSet', 'web-1', rs.metadata.uid);
  return Array.from({ length: pods }, (_, i) => fake.seed('', 'pods', pod(`web-${i}`, ref)));
}

async function setup(seed: (fake: FakeApiServer, clock: FakeClock) => void) {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  seed(fake, clock);
  const cm = await startControllerManager({
    rest: fakeRestClient(fake, { clock }),
    controllers: [disruptionController],
    clock,
  });
  const settle = async (ms = 0) => {
    await clock.advance(ms);
    for (let i = 0; i < 10; i++) await clock.advance(10);
  };
  const status = () => (fake.get('policy', 'poddisruptionbudgets', 'ns', 'pdb') as PodDisruptionBudget).status;
  const numbers = () => {
    const s = status();
    return s && [s.expectedPods, s.desiredHealthy, s.currentHealthy, s.disruptionsAllowed];
  };
  return { clock, fake, cm, settle, status, numbers };
}

test('maxUnavailable and percentage budgets use the Deployment scale; integer minAvailable counts pods', async (t) => {
  const cases: { spec: Obj; unready: number; want: number[] }[] = [
    // want: [expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed]; 4 ready pods of a 4-replica Deployment.
    { spec: { maxUnavailable: 1 }, unready: 0, want: [4, 3, 4, 1] },
    { spec: { maxUnavailable: '50%' }, unready: 0, want: [4, 2, 4, 2] },
    { spec: { minAvailable: '50%' }, unready: 0, want: [4, 2, 4, 2] },
    { spec: { minAvailable: 2 }, unready: 0, want: [4, 2, 4, 2] },
    { spec: { minAvailable: 4 }, unready: 0, want: [4, 4, 4, 0] },
    // An unready extra pod: integer minAvailable counts it as expected, percentages use the scale.
    { spec: { minAvailable: 3 }, unready: 1, want: [5, 3, 4, 1] },
    { spec: { minAvailable: '100%' }, unready: 1, want: [4, 4, 4, 0] },
  ];
  for (const c of cases) {
    await t.test(JSON.stringify(c), async () => {
      const h = await setup((fake) => {
        const pods = seedDeployment(fake, 4, 4);
        for (let i = 0; i < c.unready; i++) {
          fake.seed('', 'pods', pod(`unready-${i}`, pods[0]!.metadata.ownerReferences[0], { ready: false }));
        }
        fake.seed('policy', 'poddisruptionbudgets', budget(c.spec));
      });
      try {
        await h.settle();
        assert.deepEqual(h.numbers(), c.want);
        const cond = h.status()!.conditions![0]!;
        assert.deepEqual(
          [cond.type, cond.status, cond.reason],
          c.want[3]! > 0
            ? ['DisruptionAllowed', 'True', 'SufficientPods']
            : ['DisruptionAllowed', 'False', 'InsufficientPods'],
        );
        assert.equal(h.status()!.observedGeneration, 1);
      } finally {
        await h.cm.stop();
      }
    });
  }
});

test('an evicted pod stops counting until it is deleted; a recorded disruption expires after 2 minutes', async () => {
  const h = await setup((fake) => {
    seedDeployment(fake, 3, 3);
    fake.seed('policy', 'poddisruptionbudgets', budget({ minAvailable: 2 }));
  });
  try {
    await h.settle();
    assert.deepEqual(h.numbers(), [3, 2, 3, 1]);
    // What the eviction subresource writes: one disruption used, the pod recorded.
    const cur = h.status()!;
    const evictedAt = formatTime(h.clock.now());
    await h.fake.handle({
      method: 'PUT',
      path: '/apis/policy/v1/namespaces/ns/poddisruptionbudgets/pdb/status',
      query: new URLSearchParams(),
      headers: {},
      object: {
        ...h.fake.get('policy', 'poddisruptionbudgets', 'ns', 'pdb'),
        status: { ...cur, disruptionsAllowed: 0, disruptedPods: { 'web-0': evictedAt } },
      },
      signal: new AbortController().signal,
    } as never);
    await h.settle();
    assert.deepEqual(h.numbers(), [3, 2, 2, 0], 'the evicted pod is not healthy');
    assert.deepEqual(h.status()!.disruptedPods, { 'web-0': evictedAt });
    // The pod is never deleted: after DeletionTimeout the record goes and the pod counts again.
    await h.settle(120_000);
    assert.deepEqual(h.numbers(), [3, 2, 3, 1]);
    assert.equal(h.status()!.disruptedPods, undefined);
    const ev = h.fake.list('', 'events', 'ns').find((e) => e.reason === 'NotDeleted');
    assert.equal(ev?.message, "Pod was expected by PDB ns/ns to be deleted but it wasn't");
    assert.equal(ev?.involvedObject?.name, 'web-0');
  } finally {
    await h.cm.stop();
  }
});

test('a pod whose controller cannot be resolved fails safe with SyncFailed', async () => {
  const h = await setup((fake) => {
    fake.seed('', 'pods', pod('p', ownerRef('example.com/v1', 'Widget', 'w', 'uid-w')));
    fake.seed('policy', 'poddisruptionbudgets', {
      ...budget({ maxUnavailable: 1 }),
      status: { disruptionsAllowed: 3, currentHealthy: 4, desiredHealthy: 1, expectedPods: 4, observedGeneration: 1 },
    });
    fake.intercept((req) =>
      req.path === '/apis/example.com'
        ? {
            type: 'object',
            status: 404,
            body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 },
          }
        : undefined,
    );
  });
  try {
    await h.settle();
    const st = h.status()!;
    assert.equal(st.disruptionsAllowed, 0);
    assert.deepEqual(
      st.conditions?.map((c) => [c.type, c.status, c.reason, c.message]),
      [['DisruptionAllowed', 'False', 'SyncFailed', 'no matches for kind "Widget" in version "example.com/v1"']],
    );
    const ev = h.fake.list('', 'events', 'ns').find((e) => e.reason === 'CalculateExpectedPodCountFailed');
    assert.equal(
      ev?.message,
      'Failed to calculate the number of expected pods: no matches for kind "Widget" in version "example.com/v1"',
    );
  } finally {
    await h.cm.stop();
  }
});

test('controllers of other kinds are scaled through their /scale subresource', async () => {
  const h = await setup((fake) => {
    fake.seed('', 'pods', pod('a', ownerRef('example.com/v1', 'Widget', 'w', 'uid-w')));
    fake.seed('', 'pods', pod('b', ownerRef('example.com/v1', 'Widget', 'w', 'uid-w')));
    fake.seed('policy', 'poddisruptionbudgets', budget({ minAvailable: '50%' }));
    const json = (body: Obj) => ({ type: 'object' as const, status: 200, body });
    fake.intercept((req) => {
      if (req.path === '/apis/example.com')
        return json({ kind: 'APIGroup', versions: [{ groupVersion: 'example.com/v1', version: 'v1' }] });
      if (req.path === '/apis/example.com/v1')
        return json({
          kind: 'APIResourceList',
          groupVersion: 'example.com/v1',
          resources: [
            { name: 'widgets', kind: 'Widget', namespaced: true, verbs: ['get'] },
            {
              name: 'widgets/scale',
              kind: 'Scale',
              group: 'autoscaling',
              version: 'v1',
              namespaced: true,
              verbs: ['get'],
            },
          ],
        });
      if (req.path === '/apis/example.com/v1/namespaces/ns/widgets/w/scale')
        return json({
          kind: 'Scale',
          apiVersion: 'autoscaling/v1',
          metadata: { name: 'w', namespace: 'ns', uid: 'uid-w' },
          spec: { replicas: 6 },
        });
      return undefined;
    });
  });
  try {
    await h.settle();
    // 50% of the Widget's 6 replicas = 3 desired; only 2 healthy pods exist.
    assert.deepEqual(h.numbers(), [6, 3, 2, 0]);
  } finally {
    await h.cm.stop();
  }
});

test('a DisruptionTarget condition left on a live pod is reset after 2 minutes', async () => {
  const h = await setup((fake, clock) => {
    fake.seed(
      '',
      'pods',
      pod('p', undefined, {
        conditions: [
          {
            type: 'DisruptionTarget',
            status: 'True',
            reason: 'EvictionByEvictionAPI',
            lastTransitionTime: formatTime(clock.now()),
          },
        ],
      }),
    );
  });
  try {
    const patches = () =>
      h.fake.requests.filter((r) => r.method === 'PATCH' && r.path === '/api/v1/namespaces/ns/pods/p/status');
    await h.settle(60_000);
    assert.equal(patches().length, 0, 'not stale yet');
    await h.settle(61_000);
    assert.equal(patches().length, 1);
    const body = patches()[0]!.object as Obj;
    assert.equal(body.status.conditions[0].type, 'DisruptionTarget');
    assert.equal(body.status.conditions[0].status, 'False');
    assert.match(patches()[0]!.query, /fieldManager=DisruptionController/);
  } finally {
    await h.cm.stop();
  }
});
