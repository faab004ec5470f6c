import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import type { Event } from 'kubernetes-types/core/v1.js';
import { gvr, type ResourceClient, typed } from '../../src/client/index.js';
import type { SimNodes } from '../../src/node/sim/sim-nodes.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest, eventually, startTestSimNodes } from '../harness/sim.js';

const notServed =
  'failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)';

describe('horizontal pod autoscaler controller', () => {
  let c: TestCluster;
  let sim: SimNodes;
  let hpas: ResourceClient<HorizontalPodAutoscaler>;
  let deployments: ResourceClient<Deployment>;
  let events: ResourceClient<Event>;

  before(async () => {
    c = await startTestCluster({
      controllers: ['replicaset', 'deployment', 'horizontalpodautoscaling', 'serviceaccount'],
    });
    sim = await startTestSimNodes(c, { count: 2, podStartDelayMs: 50 });
    const rest = adminRest(c);
    hpas = typed<HorizontalPodAutoscaler>(rest, gvr('autoscaling', 'v2', 'horizontalpodautoscalers'), 'default');
    deployments = typed<Deployment>(rest, gvr('apps', 'v1', 'deployments'), 'default');
    events = typed<Event>(rest, gvr('', 'v1', 'events'), 'default');
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
  const conditions = (h: HorizontalPodAutoscaler) =>
    Object.fromEntries((h.status?.conditions ?? []).map((x) => [x.type, [x.status, x.reason, x.message]]));

  test('without metrics.k8s.io: ScalingActive=False/FailedGetResourceMetric and an event, no guessing', async () => {
    await kubectl('create', 'deployment', 'web', '--image=busybox', '--replicas=2');
    await kubectl('set', 'resources', 'deployment', 'web', '--requests=cpu=100m');
    await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s');
    await kubectl('autoscale', 'deployment', 'web', '--cpu-percent=50', '--min=1', '--max=5');
    const h = await eventually(async () => {
      const x = await hpas.get('web');
      return x.status?.conditions?.some((k) => k.type === 'ScalingActive') ? x : undefined;
    }, 'HPA conditions');
    assert.deepEqual(conditions(h), {
      AbleToScale: ['True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale"],
      ScalingActive: [
        'False',
        'FailedGetResourceMetric',
        `the HPA was unable to compute the replica count: ${notServed}`,
      ],
    });
    assert.equal(h.status?.currentReplicas, 2);
    const ev = await eventually(
      async () => (await events.list()).items.find((e) => e.reason === 'FailedGetResourceMetric'),
      'the FailedGetResourceMetric event',
    );
    assert.deepEqual([ev.type, ev.message, ev.source?.component], ['Warning', notServed, 'horizontal-pod-autoscaler']);
    assert.equal((await deployments.get('web')).spec?.replicas, 2, 'the target is left alone');
    const table = await kubectl('get', 'hpa', 'web', '--no-headers');
    assert.match(table, /^web\s+Deployment\/web\s+cpu: <unknown>\/50%\s+1\s+5\s+2\s+/);
  });

  test('a target below minReplicas is scaled up to it through /scale', async () => {
    await kubectl('create', 'deployment', 'small', '--image=busybox', '--replicas=1');
    await kubectl('autoscale', 'deployment', 'small', '--cpu-percent=50', '--min=3', '--max=5');
    await eventually(async () => (await deployments.get('small')).spec?.replicas === 3, 'the Deployment at 3 replicas');
    const h = await eventually(async () => {
      const x = await hpas.get('small');
      return x.status?.desiredReplicas === 3 ? x : undefined;
    }, 'HPA status desiredReplicas=3');
    assert.ok(h.status?.lastScaleTime);
    const ev = await eventually(
      async () =>
        (await events.list()).items.find((e) => e.reason === 'SuccessfulRescale' && e.involvedObject.name === 'small'),
      'the SuccessfulRescale event',
    );
    assert.equal(ev.message, 'New size: 3; reason: Current number of replicas below Spec.MinReplicas');
  });
});
