import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError, conflict, notFound } from '../../../../api/errors/status-error.js';
import type { DeleteOptions } from '../../registry/strategy.js';
import type { KubeObject } from '../../watch-cache/types.js';
import { evict, type EvictionPorts } from './pod-eviction.js';

const now = Date.parse('2026-01-02T03:04:05Z');
const ns = 'default';

/** An in-memory pod + PDB store with resourceVersions and delete preconditions, like the generic store. */
class FakeCluster implements EvictionPorts {
  rv = 10;
  pods = new Map<string, KubeObject>();
  pdbs = new Map<string, KubeObject>();
  /** The pod as it was when deleted (to see the condition written before the delete). */
  deleted = new Map<string, { pod: KubeObject; opts: DeleteOptions }>();
  sleeps = 0;
  /** Runs before each pod status write (simulates a concurrent writer). */
  beforePodStatusWrite: ((pod: KubeObject) => void) | undefined;

  addPod(pod: KubeObject): void {
    pod.metadata.resourceVersion = String(++this.rv);
    this.pods.set(String(pod.metadata.name), pod);
  }
  addPdb(pdb: KubeObject): void {
    pdb.metadata.resourceVersion = String(++this.rv);
    this.pdbs.set(String(pdb.metadata.name), pdb);
  }
  bump(pod: KubeObject): void {
    pod.metadata.resourceVersion = String(++this.rv);
  }

  getPod(_ns: string, name: string): Promise<KubeObject> {
    const p = this.pods.get(name);
    if (!p) return Promise.reject(notFound({ group: '', resource: 'pods' }, name));
    return Promise.resolve(structuredClone(p));
  }
  listPdbs(): Promise<KubeObject[]> {
    return Promise.resolve([...this.pdbs.values()].map((p) => structuredClone(p)));
  }
  updatePdbStatus(_ns: string, name: string, mutate: (cur: KubeObject) => KubeObject): Promise<void> {
    const next = mutate(structuredClone(this.pdbs.get(name)!));
    next.metadata.resourceVersion = String(++this.rv);
    this.pdbs.set(name, next);
    return Promise.resolve();
  }
  updatePodStatus(_ns: string, name: string, mutate: (cur: KubeObject) => KubeObject): Promise<KubeObject> {
    const cur = this.pods.get(name);
    if (!cur) return Promise.reject(notFound({ group: '', resource: 'pods' }, name));
    this.beforePodStatusWrite?.(cur);
    try {
      const next = mutate(structuredClone(cur));
      next.metadata.resourceVersion = String(++this.rv);
      this.pods.set(name, next);
      return Promise.resolve(structuredClone(next));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }
  deletePod(_ns: string, name: string, opts: DeleteOptions): Promise<void> {
    const cur = this.pods.get(name);
    if (!cur) return Promise.reject(notFound({ group: '', resource: 'pods' }, name));
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== cur.metadata.uid)
      return Promise.reject(conflict({ group: '', resource: 'pods' }, name));
    if (pre?.resourceVersion && pre.resourceVersion !== cur.metadata.resourceVersion)
      return Promise.reject(conflict({ group: '', resource: 'pods' }, name));
    if (!opts.dryRun) {
      this.pods.delete(name);
      this.deleted.set(name, { pod: cur, opts });
    }
    return Promise.resolve();
  }
  sleep(): Promise<void> {
    this.sleeps++;
    return Promise.resolve();
  }
  now(): number {
    return now;
  }
}

function pod(name: string, o: { phase?: string; ready?: boolean; labels?: Record<string, string> } = {}): KubeObject {
  const conditions = o.ready === undefined ? [] : [{ type: 'Ready', status: o.ready ? 'True' : 'False' }];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, uid: `uid-${name}`, labels: o.labels ?? { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
    status: { phase: o.phase ?? 'Running', conditions },
  };
}

function pdb(
  name: string,
  st: { allowed: number; current: number; desired: number; observedGeneration?: number },
  o: { policy?: string; selector?: unknown; generation?: number } = {},
): KubeObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, namespace: ns, generation: o.generation ?? 1 },
    spec: {
      selector: o.selector === undefined ? { matchLabels: { app: 'web' } } : o.selector,
      ...(o.policy ? { unhealthyPodEvictionPolicy: o.policy } : {}),
    },
    status: {
      disruptionsAllowed: st.allowed,
      currentHealthy: st.current,
      desiredHealthy: st.desired,
      expectedPods: 3,
      observedGeneration: st.observedGeneration ?? 1,
    },
  };
}

const evictionOf = (name: string, deleteOptions?: Record<string, unknown>): KubeObject => ({
  apiVersion: 'policy/v1',
  kind: 'Eviction',
  metadata: { name, namespace: ns },
  ...(deleteOptions ? { deleteOptions } : {}),
});

type Outcome = { evicted: true; budgetSpent: boolean } | { code: number; reason?: string; cause?: string };

interface Case {
  name: string;
  pod: KubeObject;
  pdbs?: KubeObject[];
  want: Outcome;
}

const budget = (allowed: number, current: number, desired: number) => ({ allowed, current, desired });

const cases: Case[] = [
  {
    name: 'no PDB: a Ready running pod goes',
    pod: pod('p', { ready: true }),
    want: { evicted: true, budgetSpent: false },
  },
  {
    name: 'Pending pod ignores a spent budget',
    pod: pod('p', { phase: 'Pending' }),
    pdbs: [pdb('b', budget(0, 1, 3))],
    want: { evicted: true, budgetSpent: false },
  },
  {
    name: 'Succeeded pod ignores a spent budget',
    pod: pod('p', { phase: 'Succeeded', ready: false }),
    pdbs: [pdb('b', budget(0, 1, 3))],
    want: { evicted: true, budgetSpent: false },
  },
  {
    name: 'Failed pod ignores a spent budget',
    pod: pod('p', { phase: 'Failed', ready: false }),
    pdbs: [pdb('b', budget(0, 1, 3))],
    want: { evicted: true, budgetSpent: false },
  },
  {
    name: 'Ready pod with budget left: one disruption is taken',
    pod: pod('p', { ready: true }),
    pdbs: [pdb('b', budget(1, 3, 2))],
    want: { evicted: true, budgetSpent: true },
  },
  {
    name: 'Ready pod with a spent budget: 429',
    pod: pod('p', { ready: true }),
    pdbs: [pdb('b', budget(0, 2, 2))],
    want: {
      code: 429,
      reason: 'TooManyRequests',
      cause: 'The disruption budget b needs 2 healthy pods and has 2 currently',
    },
  },
  {
    name: 'Ready pod, AlwaysAllow, spent budget: still 429 (the policy is about unhealthy pods)',
    pod: pod('p', { ready: true }),
    pdbs: [pdb('b', budget(0, 2, 2), { policy: 'AlwaysAllow' })],
    want: { code: 429, reason: 'TooManyRequests' },
  },
  {
    name: 'not Ready, default policy, healthy budget (current >= desired), spent: goes without spending',
    pod: pod('p', { ready: false }),
    pdbs: [pdb('b', budget(0, 2, 2))],
    want: { evicted: true, budgetSpent: false },
  },
  {
    name: 'not Ready, IfHealthyBudget, healthy budget, spent: goes without spending',
    pod: pod('p', { ready: false }),
    pdbs: [pdb('b', budget(0, 3, 2), { policy: 'IfHealthyBudget' })],
    want: { evicted: true, budgetSpent: false },
  },
  {
    name: 'not Ready, IfHealthyBudget, unhealthy budget (current < desired), spent: 429',
    pod: pod('p', { ready: false }),
    pdbs: [pdb('b', budget(0, 1, 2), { policy: 'IfHealthyBudget' })],
    want: {
      code: 429,
      reason: 'TooManyRequests',
      cause: 'The disruption budget b needs 2 healthy pods and has 1 currently',
    },
  },
  {
    name: 'not Ready, default policy, unhealthy budget with disruptions left: spends one',
    pod: pod('p', { ready: false }),
    pdbs: [pdb('b', budget(1, 1, 2))],
    want: { evicted: true, budgetSpent: true },
  },
  {
    name: 'not Ready, default policy, desiredHealthy 0: the budget decides (spent -> 429)',
    pod: pod('p', { ready: false }),
    pdbs: [pdb('b', budget(0, 0, 0))],
    want: { code: 429, reason: 'TooManyRequests' },
  },
  {
    name: 'not Ready, AlwaysAllow, unhealthy spent budget: goes without spending',
    pod: pod('p', { ready: false }),
    pdbs: [pdb('b', budget(0, 0, 2), { policy: 'AlwaysAllow' })],
    want: { evicted: true, budgetSpent: false },
  },
  {
    name: 'no Ready condition at all counts as not Ready (AlwaysAllow lets it go)',
    pod: pod('p'),
    pdbs: [pdb('b', budget(0, 0, 2), { policy: 'AlwaysAllow' })],
    want: { evicted: true, budgetSpent: false },
  },
  {
    name: 'PDB not yet observed by its controller: 429 retry in 10 s',
    pod: pod('p', { ready: true }),
    pdbs: [pdb('b', { ...budget(1, 3, 2), observedGeneration: 1 }, { generation: 2 })],
    want: {
      code: 429,
      reason: 'TooManyRequests',
      cause: 'The disruption budget b is still being processed by the server.',
    },
  },
  {
    name: 'negative disruptionsAllowed: 403',
    pod: pod('p', { ready: true }),
    pdbs: [pdb('b', budget(-1, 1, 2))],
    want: { code: 403, reason: 'Forbidden' },
  },
  {
    name: 'two covering PDBs: 500',
    pod: pod('p', { ready: true }),
    pdbs: [pdb('a', budget(1, 3, 2)), pdb('b', budget(1, 3, 2))],
    want: { code: 500 },
  },
  {
    name: 'a PDB with an empty selector covers nothing',
    pod: pod('p', { ready: true }),
    pdbs: [pdb('b', budget(0, 0, 2), { selector: {} })],
    want: { evicted: true, budgetSpent: false },
  },
  {
    name: 'a PDB selecting other labels does not apply',
    pod: pod('p', { ready: true }),
    pdbs: [pdb('b', budget(0, 0, 2), { selector: { matchLabels: { app: 'db' } } })],
    want: { evicted: true, budgetSpent: false },
  },
];

for (const c of cases) {
  test(`eviction: ${c.name}`, async () => {
    const f = new FakeCluster();
    f.addPod(c.pod);
    for (const p of c.pdbs ?? []) f.addPdb(p);
    const pdbsBefore = new Map([...f.pdbs].map(([k, v]) => [k, structuredClone(v)]));
    let res: Awaited<ReturnType<typeof evict>> | undefined;
    let err: unknown;
    try {
      res = await evict(f, ns, 'p', evictionOf('p'));
    } catch (e) {
      err = e;
    }
    if ('evicted' in c.want) {
      assert.equal(err, undefined, `unexpected error: ${String(err)}`);
      assert.equal(res?.type === 'object' && res.status, 201);
      assert.equal(f.pods.has('p'), false, 'pod deleted');
      const gone = f.deleted.get('p')!.pod;
      const cond = (gone.status as { conditions: Record<string, unknown>[] }).conditions.find(
        (x) => x.type === 'DisruptionTarget',
      );
      assert.deepEqual(cond, {
        type: 'DisruptionTarget',
        status: 'True',
        lastTransitionTime: '2026-01-02T03:04:05Z',
        reason: 'EvictionByEvictionAPI',
        message: 'Eviction API: evicting',
      });
      const b = [...f.pdbs.values()][0];
      if (c.want.budgetSpent) {
        const before = pdbsBefore.get(String(b!.metadata.name))!.status as { disruptionsAllowed: number };
        const st = b!.status as { disruptionsAllowed: number; disruptedPods: Record<string, string> };
        assert.equal(st.disruptionsAllowed, before.disruptionsAllowed - 1);
        assert.deepEqual(st.disruptedPods, { p: '2026-01-02T03:04:05Z' });
      } else {
        assert.deepEqual(f.pdbs, pdbsBefore, 'budget untouched');
      }
    } else {
      const want = c.want;
      if (res) {
        assert.equal(res.type === 'object' && res.status, want.code, 'status response code');
      } else {
        assert.ok(err instanceof StatusError, `want a StatusError, got ${String(err)}`);
        assert.equal(err.code, want.code);
        if (want.reason) assert.equal(err.reason, want.reason);
        if (want.cause) assert.equal(err.details?.causes?.[0]?.message, want.cause);
        if (want.code === 429)
          assert.equal(err.message, "Cannot evict pod as it would violate the pod's disruption budget.");
      }
      assert.equal(f.pods.has('p'), true, 'pod kept');
      const conds = (f.pods.get('p')!.status as { conditions: { type: string }[] }).conditions;
      assert.equal(
        conds.some((x) => x.type === 'DisruptionTarget'),
        false,
        'no DisruptionTarget on a refused pod',
      );
      assert.deepEqual(f.pdbs, pdbsBefore, 'budget untouched');
    }
  });
}

test('eviction: spending the last disruption sets DisruptionAllowed=False', async () => {
  const f = new FakeCluster();
  f.addPod(pod('p', { ready: true }));
  f.addPdb(pdb('b', budget(1, 3, 2)));
  await evict(f, ns, 'p', evictionOf('p'));
  const st = f.pdbs.get('b')!.status as { conditions: Record<string, unknown>[] };
  assert.deepEqual(st.conditions, [
    {
      type: 'DisruptionAllowed',
      status: 'False',
      observedGeneration: 1,
      lastTransitionTime: '2026-01-02T03:04:05Z',
      reason: 'InsufficientPods',
      message: '',
    },
  ]);
});

test('eviction: dry run (body or query) changes nothing', async () => {
  for (const [body, query] of [
    [{ dryRun: ['All'] }, []],
    [undefined, ['All']],
  ] as const) {
    const f = new FakeCluster();
    f.addPod(pod('p', { ready: true }));
    f.addPdb(pdb('b', budget(1, 3, 2)));
    const before = structuredClone(f.pdbs.get('b'));
    const res = await evict(f, ns, 'p', evictionOf('p', body), [...query]);
    assert.equal(res.type === 'object' && res.status, 201);
    assert.equal(f.pods.has('p'), true);
    assert.deepEqual((f.pods.get('p')!.status as { conditions: unknown[] }).conditions.length, 1);
    assert.deepEqual(f.pdbs.get('b'), before);
  }
});

test('eviction: a spent budget refuses even a dry run', async () => {
  const f = new FakeCluster();
  f.addPod(pod('p', { ready: true }));
  f.addPdb(pdb('b', budget(0, 2, 2)));
  await assert.rejects(evict(f, ns, 'p', evictionOf('p', { dryRun: ['All'] })), (e: StatusError) => e.code === 429);
});

test('eviction: request errors', async (t) => {
  const f = new FakeCluster();
  f.addPod(pod('p', { ready: true }));
  await t.test('name mismatch is 400 with the upstream message', async () => {
    await assert.rejects(
      evict(f, ns, 'p', evictionOf('other')),
      (e: StatusError) => e.code === 400 && e.message === 'name in URL does not match name in Eviction object',
    );
  });
  await t.test('conflicting dry-run options are 400', async () => {
    await assert.rejects(
      evict(f, ns, 'p', evictionOf('p', { dryRun: ['All'] }), ['Other']),
      (e: StatusError) =>
        e.code === 400 && e.message === 'Non-matching dry-run options in request and content: [Other] and [All]',
    );
  });
  await t.test('a missing pod is 404', async () => {
    await assert.rejects(evict(f, ns, 'nope', evictionOf('nope')), (e: StatusError) => e.code === 404);
  });
  await t.test('a UID precondition that does not match is 409 and the pod stays', async () => {
    await assert.rejects(
      evict(f, ns, 'p', evictionOf('p', { preconditions: { uid: 'someone-else' } })),
      (e: StatusError) =>
        e.code === 409 &&
        e.message ===
          'Operation cannot be fulfilled on Pod "p": the UID in the precondition (someone-else) does not match the UID in record (uid-p). The object might have been deleted and then recreated',
    );
    assert.equal(f.pods.has('p'), true);
  });
});

test('eviction: a resourceVersion precondition follows the condition write to the delete', async () => {
  const f = new FakeCluster();
  const p = pod('p', { ready: true });
  f.addPod(p);
  const rv = String(p.metadata.resourceVersion);
  await evict(f, ns, 'p', evictionOf('p', { preconditions: { resourceVersion: rv } }));
  const d = f.deleted.get('p')!;
  assert.notEqual(d.opts.preconditions?.resourceVersion, rv, 'bumped past the condition write');
  assert.equal(d.opts.preconditions?.resourceVersion, d.pod.metadata.resourceVersion);
});

test('eviction: a not-Ready pod that changes before its budget-free delete gets 429 (it may have become Ready)', async () => {
  const f = new FakeCluster();
  f.addPod(pod('p', { ready: false }));
  f.addPdb(pdb('b', budget(0, 2, 2)));
  f.beforePodStatusWrite = (cur) => f.bump(cur);
  await assert.rejects(
    evict(f, ns, 'p', evictionOf('p')),
    (e: StatusError) =>
      e.code === 429 &&
      e.details?.retryAfterSeconds === 10 &&
      e.details.causes?.[0]?.message === 'The disruption budget b is still being processed by the server.',
  );
  assert.equal(f.pods.has('p'), true);
});

test('eviction: a Pending pod that changes under the eviction is re-read and retried', async () => {
  const f = new FakeCluster();
  f.addPod(pod('p', { phase: 'Pending' }));
  let writes = 0;
  f.beforePodStatusWrite = (cur) => {
    if (writes++ === 0) f.bump(cur);
  };
  const res = await evict(f, ns, 'p', evictionOf('p'));
  assert.equal(res.type === 'object' && res.status, 201);
  assert.equal(f.pods.has('p'), false);
  assert.equal(f.sleeps, 1);
});
