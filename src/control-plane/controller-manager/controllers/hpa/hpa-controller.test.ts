import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import { formatTime } from '../../../../api/values/time.js';
import type { InProcessRequest, InProcessResponse } from '../../../../client/index.js';
import { FakeApiServer, fakeRestClient } from '../../../../client/testing/fake-api-server.js';
import { FakeClock } from '../../../../lib/clock.js';
import { startControllerManager } from '../../controller-manager.js';
import { hpaController } from './hpa-controller.js';

type Obj = Record<string, any>;

interface Env {
  /** The Deployment's scale as the fake /scale serves it. */
  replicas: number;
  /** Per-pod cpu usage in millicores, by pod name; undefined = metrics.k8s.io not served. */
  usage?: Record<string, number>;
  scaleWrites: number[];
}

const json = (body: Obj, status = 200): InProcessResponse => ({ type: 'object', status, body }) as InProcessResponse;

/** Serves discovery, the Deployment's /scale and (optionally) metrics.k8s.io around the fake store. */
function serve(env: Env, clock: FakeClock) {
  return (req: InProcessRequest): InProcessResponse | undefined => {
    const p = req.path;
    if (p === '/apis')
      return json({
        kind: 'APIGroupList',
        groups: [
          { name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }] },
          ...(env.usage ? [{ name: 'metrics.k8s.io', versions: [] }] : []),
        ],
      });
    if (p === '/apis/apps')
      return json({
        kind: 'APIGroup',
        name: 'apps',
        versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
        preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
      });
    if (p === '/apis/apps/v1')
      return json({
        kind: 'APIResourceList',
        groupVersion: 'apps/v1',
        resources: [
          { name: 'deployments', kind: 'Deployment', namespaced: true, verbs: ['get'] },
          {
            name: 'deployments/scale',
            kind: 'Scale',
            group: 'autoscaling',
            version: 'v1',
            namespaced: true,
            verbs: ['get'],
          },
        ],
      });
    if (p === '/apis/apps/v1/namespaces/ns/deployments/web/scale') {
      if (req.method === 'PUT') env.scaleWrites.push((env.replicas = (req.object as Obj).spec.replicas));
      return json({
        kind: 'Scale',
        apiVersion: 'autoscaling/v1',
        metadata: { name: 'web', namespace: 'ns', uid: 'uid-web' },
        spec: { replicas: env.replicas },
        status: { replicas: env.replicas, selector: 'app=web' },
      });
    }
    if (p === '/apis/metrics.k8s.io/v1beta1/namespaces/ns/pods') {
      if (!env.usage) return json({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 }, 404);
      return json({
        kind: 'PodMetricsList',
        items: Object.entries(env.usage).map(([name, m]) => ({
          metadata: { name, namespace: 'ns' },
          timestamp: formatTime(clock.now()),
          window: '30s',
          containers: [{ name: 'c', usage: { cpu: `${m}m`, memory: '10Mi' } }],
        })),
      });
    }
    return undefined;
  };
}

function runningPod(name: string, clock: FakeClock): Obj {
  const longAgo = formatTime(clock.now() - 3_600_000);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: '100m' } } }] },
    status: {
      phase: 'Running',
      startTime: longAgo,
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: longAgo }],
    },
  };
}

function hpa(spec: Obj = {}): Obj {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'ns', generation: 1 },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      ],
      ...spec,
    },
  };
}

async function setup(env: Env, pods: number, spec: Obj = {}) {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  fake.intercept(serve(env, clock));
  for (let i = 0; i < pods; i++) fake.seed('', 'pods', runningPod(`web-${i}`, clock));
  fake.seed('autoscaling', 'horizontalpodautoscalers', hpa(spec));
  const cm = await startControllerManager({
    rest: fakeRestClient(fake, { clock }),
    controllers: [hpaController],
    clock,
  });
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 1000) await clock.advance(1000);
    for (let i = 0; i < 5; i++) await clock.advance(0);
  };
  const status = () =>
    (fake.get('autoscaling', 'horizontalpodautoscalers', 'ns', 'web') as HorizontalPodAutoscaler).status!;
  const conditions = () =>
    Object.fromEntries((status().conditions ?? []).map((c) => [c.type, [c.status, c.reason, c.message]]));
  const events = (reason: string) => fake.list('', 'events', 'ns').filter((e) => e.reason === reason);
  return { clock, fake, cm, advance, status, conditions, events };
}

const notServed =
  'failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)';

test('without metrics.k8s.io the HPA reports FailedGetResourceMetric and does not scale', async () => {
  const env: Env = { replicas: 2, scaleWrites: [] };
  const h = await setup(env, 2);
  try {
    await h.advance(1000);
    assert.deepEqual(h.conditions(), {
      AbleToScale: ['True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale"],
      ScalingActive: [
        'False',
        'FailedGetResourceMetric',
        `the HPA was unable to compute the replica count: ${notServed}`,
      ],
    });
    const st = h.status();
    assert.equal(st.currentReplicas, 2);
    assert.equal(st.desiredReplicas, 0);
    assert.deepEqual(st.currentMetrics, [{ type: '' }]);
    assert.equal(h.events('FailedGetResourceMetric')[0]?.message, notServed);
    assert.equal(
      h.events('FailedComputeMetricsReplicas')[0]?.message,
      `invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: ${notServed}`,
    );
    assert.equal(h.events('FailedGetResourceMetric')[0]?.type, 'Warning');
    assert.deepEqual(env.scaleWrites, []);
    // Re-examined every sync period, still without writing anything new.
    const writes = () => h.fake.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/status')).length;
    const before = writes();
    await h.advance(30_000);
    assert.equal(writes(), before);
    assert.ok(
      h.fake.requests.filter((r) => r.path.endsWith('/deployments/web/scale')).length >= 3,
      'the scale is read every 15 s',
    );
  } finally {
    await h.cm.stop();
  }
});

test('scale-up from resource metrics is capped at max(2x, 4) per step without behavior', async () => {
  // 2 pods requesting 100m using 200m each: 200% against a 50% target -> 8 wanted, 4 allowed.
  const env: Env = { replicas: 2, usage: { 'web-0': 200, 'web-1': 200 }, scaleWrites: [] };
  const h = await setup(env, 2);
  try {
    await h.advance(1000);
    assert.deepEqual(env.scaleWrites, [4]);
    const st = h.status();
    assert.deepEqual([st.currentReplicas, st.desiredReplicas], [2, 4]);
    assert.ok(st.lastScaleTime);
    assert.deepEqual(st.currentMetrics, [
      { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 200, averageValue: '200m' } } },
    ]);
    assert.deepEqual(h.conditions(), {
      AbleToScale: ['True', 'SucceededRescale', 'the HPA controller was able to update the target scale to 4'],
      ScalingActive: [
        'True',
        'ValidMetricFound',
        'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
      ],
      ScalingLimited: [
        'True',
        'ScaleUpLimit',
        'the desired replica count is increasing faster than the maximum scale rate',
      ],
    });
    assert.equal(
      h.events('SuccessfulRescale')[0]?.message,
      'New size: 4; reason: cpu resource utilization (percentage of request) above target',
    );
  } finally {
    await h.cm.stop();
  }
});

test('scale-down waits for the 5 minute stabilization window', async () => {
  // 4 pods using 10m of 100m: 10% against 50% -> 1 replica wanted.
  const usage = { 'web-0': 10, 'web-1': 10, 'web-2': 10, 'web-3': 10 };
  const env: Env = { replicas: 4, usage, scaleWrites: [] };
  const h = await setup(env, 4);
  try {
    await h.advance(1000);
    assert.deepEqual(env.scaleWrites, [], 'the initial recommendation (4) holds');
    assert.deepEqual(h.conditions().AbleToScale, [
      'True',
      'ScaleDownStabilized',
      'recent recommendations were higher than current one, applying the highest recent recommendation',
    ]);
    await h.advance(280_000);
    assert.deepEqual(env.scaleWrites, []);
    // The next sync after the initial recommendation (t=0) has left the window.
    await h.advance(40_000);
    assert.deepEqual(env.scaleWrites, [1]);
    assert.equal(h.events('SuccessfulRescale')[0]?.message, 'New size: 1; reason: All metrics below target');
  } finally {
    await h.cm.stop();
  }
});

test('behavior policies limit the scale-down rate', async () => {
  const usage = { 'web-0': 10, 'web-1': 10, 'web-2': 10, 'web-3': 10 };
  const env: Env = { replicas: 4, usage, scaleWrites: [] };
  const h = await setup(env, 4, {
    behavior: {
      scaleDown: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
      },
    },
  });
  try {
    await h.advance(1000);
    assert.deepEqual(env.scaleWrites, [3]);
    assert.deepEqual(h.conditions().ScalingLimited, [
      'True',
      'ScaleDownLimit',
      'the desired replica count is decreasing faster than the maximum scale rate',
    ]);
    await h.advance(45_000);
    assert.deepEqual(env.scaleWrites, [3], 'one pod per minute');
    await h.advance(30_000);
    assert.deepEqual(env.scaleWrites, [3, 2]);
  } finally {
    await h.cm.stop();
  }
});

test('a missing scale target sets AbleToScale=False/FailedGetScale', async () => {
  const env: Env = { replicas: 1, scaleWrites: [] };
  const h = await setup(env, 0, { scaleTargetRef: { apiVersion: 'example.com/v1', kind: 'Widget', name: 'w' } });
  h.fake.intercept((req) =>
    req.path === '/apis/example.com'
      ? json({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 }, 404)
      : undefined,
  );
  try {
    await h.advance(1000);
    assert.deepEqual(h.conditions().AbleToScale, [
      'False',
      'FailedGetScale',
      'the HPA controller was unable to get the target\'s current scale: no matches for kind "Widget" in group "example.com"',
    ]);
    assert.equal(h.events('FailedGetScale')[0]?.message, 'no matches for kind "Widget" in group "example.com"');
  } finally {
    await h.cm.stop();
  }
});
