import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { isTooManyRequests } from '../../src/api/errors/status-error.js';
import { gvr, type ResourceClient, RestClient, typed } from '../../src/client/index.js';
import type { SimNodes } from '../../src/node/sim/sim-nodes.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest, eventually, startTestSimNodes } from '../harness/sim.js';

describe('disruption controller', () => {
  let c: TestCluster;
  let sim: SimNodes;
  let pdbs: ResourceClient<PodDisruptionBudget>;
  let pods: ResourceClient<Pod>;

  before(async () => {
    c = await startTestCluster({ controllers: ['replicaset', 'deployment', 'disruption', 'serviceaccount'] });
    sim = await startTestSimNodes(c, { count: 2, podStartDelayMs: 50 });
    const rest = adminRest(c);
    pdbs = typed<PodDisruptionBudget>(rest, gvr('policy', 'v1', 'poddisruptionbudgets'), 'default');
    pods = typed<Pod>(rest, gvr('', 'v1', 'pods'), 'default');
  });
  after(async () => {
    await sim?.dispose();
    await c?.dispose();
  });

  async function kubectl(...args: string[]): Promise<string> {
    const r = await c.kubectl(args, { timeoutMs: 90_000 });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }
  const numbers = (p: PodDisruptionBudget) => {
    const s = p.status;
    return s && [s.expectedPods, s.desiredHealthy, s.currentHealthy, s.disruptionsAllowed];
  };
  /** Waits until the budget's [expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed] match. */
  const settled = (name: string, want: number[]) =>
    eventually(
      async () => {
        const p = await pdbs.get(name);
        return JSON.stringify(numbers(p)) === JSON.stringify(want) &&
          p.status?.observedGeneration === p.metadata?.generation
          ? p
          : undefined;
      },
      `${name} status ${JSON.stringify(want)}`,
    );

  test('integer and percentage budgets over a Deployment; kubectl shows allowed disruptions', async () => {
    await kubectl('create', 'deployment', 'web', '--image=busybox', '--replicas=4');
    await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s');
    await kubectl('create', 'pdb', 'web-min', '--selector=app=web', '--min-available=3');
    const p = await settled('web-min', [4, 3, 4, 1]);
    const cond = p.status?.conditions?.find((x) => x.type === 'DisruptionAllowed');
    assert.deepEqual([cond?.status, cond?.reason], ['True', 'SufficientPods']);
    const table = await kubectl('get', 'pdb', 'web-min', '--no-headers');
    assert.match(table, /^web-min\s+3\s+N\/A\s+1\s+/);

    await kubectl('delete', 'pdb', 'web-min');
    await kubectl('create', 'pdb', 'web-pct', '--selector=app=web', '--max-unavailable=50%');
    await settled('web-pct', [4, 2, 4, 2]);
    // Scaling the Deployment changes what a percentage budget expects.
    await kubectl('scale', 'deployment', 'web', '--replicas=6');
    await settled('web-pct', [6, 3, 6, 3]);
    await kubectl('delete', 'pdb', 'web-pct');
  });

  test('the eviction subresource refuses with 429 once the budget is spent, and allows again when pods are replaced', async () => {
    await kubectl('create', 'deployment', 'api', '--image=busybox', '--replicas=3');
    await kubectl('rollout', 'status', 'deployment/api', '--timeout=60s');
    await kubectl('create', 'pdb', 'api', '--selector=app=api', '--min-available=2');
    await settled('api', [3, 2, 3, 1]);
    const [first, second] = (await pods.list({ labelSelector: 'app=api' })).items;
    // No client-side retries: the 429 itself is what is checked.
    const once = typed<Pod>(
      new RestClient({ transport: adminRest(c).transport, maxRetries: 0, rateLimiter: null }),
      gvr('', 'v1', 'pods'),
      'default',
    );
    const evict = (name: string) =>
      once.createSubresource(name, 'eviction', {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name, namespace: 'default' },
      });
    await evict(first!.metadata!.name!);
    const refused = await evict(second!.metadata!.name!).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(isTooManyRequests(refused), `expected 429, got ${String(refused)}`);
    assert.equal((refused as Error).message, "Cannot evict pod as it would violate the pod's disruption budget.");
    // The evicted pod is replaced; the budget recovers and the next eviction goes through.
    await settled('api', [3, 2, 3, 1]);
    assert.equal((await pdbs.get('api')).status?.disruptedPods, undefined);
    await evict(second!.metadata!.name!);
  });
});
