import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { StatusError } from '../../src/api/errors/status-error.js';
import { gvr, type ResourceClient, type RestClient, typed } from '../../src/client/index.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest, eventually } from '../harness/sim.js';

/**
 * The eviction API's PodDisruptionBudget policies end to end: the disruption
 * controller computes the budget from pod readiness, and `kubectl drain` /
 * direct evictions see `unhealthyPodEvictionPolicy` applied — a crash-looping
 * (not Ready) pod goes under a spent but healthy budget, a Ready one does not,
 * and every evicted pod carries DisruptionTarget before it is deleted.
 */

const ns = 'default';

describe('eviction: unhealthyPodEvictionPolicy and DisruptionTarget (issue 7)', () => {
  let c: TestCluster;
  let rest: RestClient;
  let pods: ResourceClient<Pod>;
  let pdbs: ResourceClient<PodDisruptionBudget>;

  before(async () => {
    c = await startTestCluster({ controllers: ['disruption', 'serviceaccount'] });
    rest = adminRest(c);
    pods = typed<Pod>(rest, gvr('', 'v1', 'pods'), ns);
    pdbs = typed<PodDisruptionBudget>(rest, gvr('policy', 'v1', 'poddisruptionbudgets'), ns);
    const nodes = typed<Node>(rest, gvr('', 'v1', 'nodes'));
    for (const name of ['node-a', 'node-b']) await nodes.create({ metadata: { name } });
  });
  after(async () => {
    await c?.dispose();
  });

  /** A running pod on `node` whose status says Ready, or crash-looping (Running, not Ready). */
  async function runningPod(name: string, node: string, labels: Record<string, string>, ready: boolean): Promise<void> {
    await eventually(
      () =>
        pods
          .create({
            metadata: { name, labels },
            spec: {
              nodeName: node,
              terminationGracePeriodSeconds: 0,
              containers: [{ name: 'c', image: 'busybox' }],
            },
          })
          .then(() => true),
      `create ${name} (default ServiceAccount)`,
    );
    const cur = await pods.get(name);
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const status = ready ? 'True' : 'False';
    await pods.updateStatus({
      ...cur,
      status: {
        ...cur.status,
        phase: 'Running',
        startTime: now,
        conditions: [
          { type: 'Ready', status, lastTransitionTime: now },
          { type: 'ContainersReady', status, lastTransitionTime: now },
        ],
        containerStatuses: [
          {
            name: 'c',
            image: 'busybox',
            imageID: '',
            ready,
            restartCount: ready ? 0 : 7,
            started: ready,
            state: ready
              ? { running: { startedAt: now } }
              : { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } },
          },
        ],
      },
    });
  }

  async function budget(name: string, app: string, minAvailable: number, policy?: string): Promise<void> {
    await pdbs.create({
      metadata: { name },
      spec: {
        minAvailable,
        selector: { matchLabels: { app } },
        ...(policy ? { unhealthyPodEvictionPolicy: policy } : {}),
      },
    });
  }

  const evict = (name: string) =>
    pods.createSubresource(name, 'eviction', {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name, namespace: ns },
    });

  /** Follows `name` until it is deleted; resolves to its last state (the DELETED event's object). */
  async function lastStateOf(name: string): Promise<{ done: Promise<Pod>; stop: () => void }> {
    const list = await pods.list({ fieldSelector: `metadata.name=${name}` });
    const w = await pods.watch({
      fieldSelector: `metadata.name=${name}`,
      resourceVersion: list.metadata?.resourceVersion,
    });
    const done = (async () => {
      for await (const ev of w) if (ev.type === 'DELETED') return ev.object;
      throw new Error(`watch on ${name} ended before the pod was deleted`);
    })();
    return { done, stop: () => w.close() };
  }

  const disruptionTarget = (p: Pod) => p.status?.conditions?.find((x) => x.type === 'DisruptionTarget');

  test('kubectl drain evicts a crash-looping pod under a spent budget (default IfHealthyBudget); Ready pods stay', async () => {
    await runningPod('web-1', 'node-b', { app: 'web' }, true);
    await runningPod('web-2', 'node-b', { app: 'web' }, true);
    await runningPod('web-crash', 'node-a', { app: 'web', state: 'crash' }, false);
    await budget('web', 'web', 2);
    await eventually(async () => {
      const st = (await pdbs.get('web')).status;
      return (
        st?.observedGeneration === 1 && st.currentHealthy === 2 && st.desiredHealthy === 2 && st.expectedPods === 3
      );
    }, 'the disruption controller counts 2 healthy of 3');
    assert.equal((await pdbs.get('web')).status?.disruptionsAllowed, 0, 'the budget is spent');

    const follow = await lastStateOf('web-crash');
    try {
      const r = await c.kubectl(['drain', 'node-a', '--force', '--timeout=60s'], { timeoutMs: 90_000 });
      assert.equal(r.code, 0, `kubectl drain:\n${r.stderr}${r.stdout}`);
      assert.match(r.stdout, /pod\/web-crash evicted/);
      const last = await follow.done;
      assert.deepEqual(
        { ...disruptionTarget(last), lastTransitionTime: undefined },
        {
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'EvictionByEvictionAPI',
          message: 'Eviction API: evicting',
          lastTransitionTime: undefined,
        },
      );
    } finally {
      follow.stop();
    }
    await assert.rejects(pods.get('web-crash'), (e: StatusError) => e.code === 404);
    assert.equal((await pdbs.get('web')).status?.disruptedPods?.['web-crash'], undefined, 'no disruption was spent');

    // The same spent budget refuses a Ready pod.
    await assert.rejects(
      evict('web-1'),
      (e: StatusError) =>
        e.code === 429 &&
        e.details?.causes?.[0]?.message === 'The disruption budget web needs 2 healthy pods and has 2 currently',
    );
    const kept = await pods.get('web-1');
    assert.equal(kept.metadata?.deletionTimestamp, undefined);
    assert.equal(disruptionTarget(kept), undefined);
  });

  test('an unhealthy budget keeps a not-Ready pod under IfHealthyBudget; AlwaysAllow lets it go', async () => {
    await runningPod('db-1', 'node-b', { app: 'db' }, true);
    await runningPod('db-crash', 'node-b', { app: 'db' }, false);
    await runningPod('q-1', 'node-b', { app: 'q' }, true);
    await runningPod('q-crash', 'node-b', { app: 'q' }, false);
    // minAvailable 2 with one Ready pod: currentHealthy 1 < desiredHealthy 2.
    await budget('db', 'db', 2, 'IfHealthyBudget');
    await budget('q', 'q', 2, 'AlwaysAllow');
    for (const name of ['db', 'q']) {
      await eventually(async () => {
        const st = (await pdbs.get(name)).status;
        return st?.observedGeneration === 1 && st.currentHealthy === 1 && st.desiredHealthy === 2;
      }, `${name}: 1 healthy of 2 desired`);
    }
    await assert.rejects(evict('db-crash'), (e: StatusError) => e.code === 429);
    assert.equal((await pods.get('db-crash')).metadata?.deletionTimestamp, undefined);

    const follow = await lastStateOf('q-crash');
    try {
      await evict('q-crash');
      assert.equal(disruptionTarget(await follow.done)?.reason, 'EvictionByEvictionAPI');
    } finally {
      follow.stop();
    }
    await assert.rejects(pods.get('q-crash'), (e: StatusError) => e.code === 404);
    // AlwaysAllow is about unhealthy pods only: the Ready one stays protected.
    await assert.rejects(evict('q-1'), (e: StatusError) => e.code === 429);
  });
});
