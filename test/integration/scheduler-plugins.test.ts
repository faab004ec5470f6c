import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, Node, Pod, PodCondition, ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { typed, type ResourceClient, type RestClient } from '../../src/client/index.js';
import { componentUsers, inProcessRest } from '../../src/cmd/in-process.js';
import { startScheduler, type RunningScheduler } from '../../src/control-plane/scheduler/component.js';
import { loadConfiguration } from '../../src/control-plane/scheduler/config/load.js';
import type { SimNodes, SimNodesOptions } from '../../src/node/sim/sim-nodes.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest, eventually, startTestSimNodes, watchObjects } from '../harness/sim.js';

/*
 * kube-scheduler acceptance: the real API server, the real scheduler and
 * simulated nodes that do not bind anything themselves (bindUnscheduled:
 * false), so every placement below is the scheduler's. Each scenario gets its
 * own cluster, so node counts in FailedScheduling messages are exact.
 * Assertions are on end state read through the API.
 */

type Spec = NonNullable<Pod['spec']>;

/** One scenario's cluster: API server, node-lifecycle/disruption controllers, the scheduler, sim node groups. */
class Scenario {
  readonly rest: RestClient;
  readonly pods: ResourceClient<Pod>;
  readonly nodes: ResourceClient<Node>;
  private readonly sims: SimNodes[] = [];

  private constructor(
    readonly c: TestCluster,
    readonly scheduler: RunningScheduler,
  ) {
    this.rest = adminRest(c);
    this.pods = typed<Pod>(this.rest, { group: '', version: 'v1', resource: 'pods' }, 'default');
    this.nodes = typed<Node>(this.rest, { group: '', version: 'v1', resource: 'nodes' });
  }

  static async start(configYAML?: string): Promise<Scenario> {
    // node-lifecycle lifts the not-ready taint sim nodes register with; disruption fills PDB status.
    const c = await startTestCluster({ controllers: ['serviceaccount', 'node-lifecycle', 'disruption'] });
    let scheduler: RunningScheduler | undefined;
    try {
      scheduler = await startScheduler({
        rest: inProcessRest(c.cp.apiserver, componentUsers.scheduler, 'kube-scheduler'),
        config: configYAML ? loadConfiguration(configYAML) : undefined,
      });
      const s = new Scenario(c, scheduler);
      const sas = typed<ServiceAccount>(s.rest, { group: '', version: 'v1', resource: 'serviceaccounts' }, 'default');
      await eventually(() => sas.get('default'), 'the default service account');
      return s;
    } catch (err) {
      await scheduler?.stop();
      await c.dispose();
      throw err;
    }
  }

  /** Starts a group of sim nodes and waits until they are schedulable (no taints) in the scheduler's cache. */
  async addNodes(o: Partial<Omit<SimNodesOptions, 'rest'>>): Promise<string[]> {
    const sim = await startTestSimNodes(this.c, { bindUnscheduled: false, ...o });
    this.sims.push(sim);
    const names = sim.names;
    await this.waitForCachedTaints(Object.fromEntries(names.map((n) => [n, ''])));
    return names;
  }

  /** Waits until the scheduler's cache shows exactly these taint keys (comma-joined) on these nodes. */
  async waitForCachedTaints(want: Record<string, string>): Promise<void> {
    await eventually(
      () => {
        const cache = this.scheduler.scheduler.cache;
        return Object.entries(want).every(
          ([n, keys]) => (cache.nodeInfo(n)?.node?.spec?.taints ?? []).map((t) => t.key).join() === keys,
        );
      },
      `scheduler cache taints ${JSON.stringify(want)}`,
    );
  }

  async createPod(name: string, spec: Partial<Spec> = {}, labels: Record<string, string> = {}): Promise<Pod> {
    return this.pods.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', labels },
      spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
    });
  }

  async nodeOf(name: string): Promise<string | undefined> {
    return (await this.pods.get(name)).spec?.nodeName;
  }

  /** Waits until every named pod is bound; returns pod -> node. */
  async bound(names: string[]): Promise<Record<string, string>> {
    return eventually(
      async () => {
        const out: Record<string, string> = {};
        for (const n of names) {
          const node = await this.nodeOf(n);
          if (!node) return undefined;
          out[n] = node;
        }
        return out;
      },
      `pods ${names.join(', ')} bound`,
    );
  }

  /** Waits for the pod's PodScheduled=False condition with this message (the latest scheduling attempt). */
  async unschedulable(name: string, message: string): Promise<PodCondition> {
    let last: PodCondition | undefined;
    try {
      return await eventually(async () => {
        const p = await this.pods.get(name);
        last = p.status?.conditions?.find((c) => c.type === 'PodScheduled');
        return last?.status === 'False' && last.reason === 'Unschedulable' && last.message === message
          ? last
          : undefined;
      }, `pod ${name} Unschedulable`);
    } catch (err) {
      throw new Error(`${(err as Error).message}; last condition: ${JSON.stringify(last)}`);
    }
  }

  async events(name: string, reason: string): Promise<Event[]> {
    const events = typed<Event>(this.rest, { group: '', version: 'v1', resource: 'events' }, 'default');
    return (await events.list({ fieldSelector: `involvedObject.name=${name},reason=${reason}` })).items;
  }

  async dispose(): Promise<void> {
    for (const s of this.sims) await s.dispose().catch(() => undefined);
    await this.scheduler.stop().catch(() => undefined);
    await this.rest.dispose();
    await this.c.dispose();
  }
}

async function scenario(fn: (s: Scenario) => Promise<void>, configYAML?: string): Promise<void> {
  const s = await Scenario.start(configYAML);
  try {
    await fn(s);
  } finally {
    await s.dispose();
  }
}

const requests = (cpu: string): Partial<Spec> => ({
  containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu } } }],
});

describe('scheduler acceptance through the API server', () => {
  test('taints: a NoSchedule-tainted node gets no pods unless they tolerate the taint', () =>
    scenario(async (s) => {
      const [tainted, ...others] = await s.addNodes({ count: 3 });
      await s.nodes.patch(tainted!, 'merge', {
        spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] },
      });
      await s.waitForCachedTaints({ [tainted!]: 'dedicated', [others[0]!]: '', [others[1]!]: '' });
      const plain = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];
      for (const n of plain) await s.createPod(n);
      const toleration = { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' };
      await s.createPod('tolerates', {
        tolerations: [toleration],
        nodeSelector: { 'kubernetes.io/hostname': tainted! },
      });
      await s.createPod('pinned', { nodeSelector: { 'kubernetes.io/hostname': tainted! } });
      const placed = await s.bound([...plain, 'tolerates']);
      for (const n of plain) assert.notEqual(placed[n], tainted, `${n} avoids the tainted node`);
      assert.equal(placed.tolerates, tainted);
      await s.unschedulable(
        'pinned',
        "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
      );
      assert.equal(await s.nodeOf('pinned'), undefined);
      assert.ok((await s.events('pinned', 'FailedScheduling')).length > 0, 'a FailedScheduling event');
    }));

  test('required node affinity and hostname anti-affinity: 3 replicas on 3 nodes, a 4th stays Pending', () =>
    scenario(async (s) => {
      const ssd = await s.addNodes({ count: 3, namePrefix: 'ssd-', labels: { disktype: 'ssd' } });
      await s.addNodes({ count: 1, namePrefix: 'hdd-', labels: { disktype: 'hdd' } });
      const spec: Partial<Spec> = {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'disktype', operator: 'In', values: ['ssd'] }] }],
            },
          },
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' },
            ],
          },
        },
      };
      for (const n of ['web-0', 'web-1', 'web-2']) await s.createPod(n, spec, { app: 'web' });
      const placed = await s.bound(['web-0', 'web-1', 'web-2']);
      assert.deepEqual(Object.values(placed).sort(), [...ssd].sort(), 'one replica per ssd node');
      await s.createPod('web-3', spec, { app: 'web' });
      await s.unschedulable(
        'web-3',
        "0/4 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 3 node(s) didn't match pod anti-affinity rules. preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.",
      );
      assert.equal(await s.nodeOf('web-3'), undefined);
    }));

  test('topology spread over zones (maxSkew 1) wins over a preference for one zone', () =>
    scenario(async (s) => {
      const zoneA = await s.addNodes({ count: 2, namePrefix: 'a-', labels: { 'topology.kubernetes.io/zone': 'a' } });
      const zoneB = await s.addNodes({ count: 2, namePrefix: 'b-', labels: { 'topology.kubernetes.io/zone': 'b' } });
      const spec: Partial<Spec> = {
        // Without the constraint, every replica would go to zone a.
        affinity: {
          nodeAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 100,
                preference: {
                  matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['a'] }],
                },
              },
            ],
          },
        },
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: 'topology.kubernetes.io/zone',
            whenUnsatisfiable: 'DoNotSchedule',
            labelSelector: { matchLabels: { app: 'spread' } },
          },
        ],
      };
      const names = ['s0', 's1', 's2', 's3', 's4'];
      for (const n of names) await s.createPod(n, spec, { app: 'spread' });
      const placed = await s.bound(names);
      const perZone = { a: 0, b: 0 };
      for (const node of Object.values(placed)) {
        if (zoneA.includes(node)) perZone.a++;
        else if (zoneB.includes(node)) perZone.b++;
        else assert.fail(`unexpected node ${node}`);
      }
      assert.deepEqual(perZone, { a: 3, b: 2 });
    }));

  test('preemption: a high-priority pod preempts the low-priority pod without a PDB, and is nominated', () =>
    scenario(async (s) => {
      const [node] = await s.addNodes({ count: 1, capacity: { cpu: '2' } });
      const classes = typed<PriorityClass>(s.rest, {
        group: 'scheduling.k8s.io',
        version: 'v1',
        resource: 'priorityclasses',
      });
      for (const [name, value] of [
        ['low', 10],
        ['high', 1000],
      ] as const)
        await classes.create({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value });
      const pdbs = typed<PodDisruptionBudget>(
        s.rest,
        { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets' },
        'default',
      );
      await pdbs.create({
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'protected', namespace: 'default' },
        spec: { minAvailable: 1, selector: { matchLabels: { app: 'protected' } } },
      });
      await s.createPod('low-protected', { ...requests('1'), priorityClassName: 'low' }, { app: 'protected' });
      await s.createPod('low-free', { ...requests('1'), priorityClassName: 'low' }, { app: 'free' });
      await s.bound(['low-protected', 'low-free']);
      // The PDB allows no disruption once its pod is healthy.
      await eventually(async () => {
        const pdb = await pdbs.get('protected');
        return pdb.status?.currentHealthy === 1 && pdb.status.disruptionsAllowed === 0;
      }, 'PDB status: 1 healthy, 0 disruptions allowed');

      let nominated: string | undefined;
      const stopWatch = await watchObjects(s.pods, {}, (_all, _type, obj) => {
        if (obj?.metadata?.name === 'high' && obj.status?.nominatedNodeName) nominated ??= obj.status.nominatedNodeName;
      });
      try {
        await s.createPod('high', { ...requests('1'), priorityClassName: 'high' });
        const placed = await s.bound(['high']);
        assert.equal(placed.high, node);
      } finally {
        await stopWatch();
      }
      assert.equal(nominated, node, 'status.nominatedNodeName was set to the node of the victim');
      await eventually(async () => {
        const names = (await s.pods.list()).items.map((p) => p.metadata!.name!);
        return !names.includes('low-free') ? names : undefined;
      }, 'the victim is gone');
      const survivor = await s.pods.get('low-protected');
      assert.equal(survivor.spec?.nodeName, node);
      assert.equal(survivor.metadata?.deletionTimestamp, undefined, 'the PDB-protected pod is not a victim');
      const preempted = await s.events('low-free', 'Preempted');
      assert.ok(preempted.length > 0, 'a Preempted event on the victim');
      const high = await s.pods.get('high');
      assert.equal(preempted[0]!.message, `Preempted by pod ${high.metadata!.uid} on node ${node}`);
    }));

  test('gang (PodSet): members are bound all together or not at all', () =>
    scenario(
      async (s) => {
        await s.addNodes({ count: 2, namePrefix: 'g-', capacity: { cpu: '2' } });
        const labels = { 'scheduling.x-k8s.io/pod-group': 'trainer', 'scheduling.x-k8s.io/min-member': '3' };
        const members = ['m0', 'm1', 'm2'];
        let boundEarly: string[] = [];
        const stopWatch = await watchObjects(s.pods, {}, (all) => {
          boundEarly = [...all.values()].filter((p) => p.spec?.nodeName).map((p) => p.metadata!.name!);
        });
        try {
          // Each member needs most of a node: only 2 of the 3 fit on 2 nodes.
          for (const n of members) await s.createPod(n, requests('1500m'), labels);
          // Every member has been tried and failed at least once (the gang's waiting members rejected).
          for (const n of members) {
            await eventually(async () => {
              const p = await s.pods.get(n);
              return p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False');
            }, `${n} PodScheduled=False`);
          }
          await eventually(
            async () =>
              (await s.events('m0', 'FailedScheduling')).length > 0 &&
              (await s.events('m2', 'FailedScheduling')).length > 0,
            'FailedScheduling events',
          );
          assert.deepEqual(boundEarly, [], 'no member was bound while the gang could not fit');
          // Room for the whole gang: all members are bound.
          await s.addNodes({ count: 1, namePrefix: 'h-', capacity: { cpu: '2' } });
          const placed = await s.bound(members);
          assert.equal(new Set(Object.values(placed)).size, 3, 'one member per node');
        } finally {
          await stopWatch();
        }
      },
      `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
  plugins:
    multiPoint:
      enabled:
      - name: PodSet
  pluginConfig:
  - name: PodSet
    args:
      permitWaitingTimeSeconds: 2
`,
    ));

  test('a Pending pod is scheduled when a fitting node is added', () =>
    scenario(async (s) => {
      await s.addNodes({ count: 2 });
      await s.createPod('wants-ssd', { nodeSelector: { disktype: 'ssd' } });
      await s.unschedulable(
        'wants-ssd',
        "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
      );
      const [ssd] = await s.addNodes({ count: 1, namePrefix: 'ssd-', labels: { disktype: 'ssd' } });
      // Well before the 5-minute flush of unschedulable pods: the node events requeue it.
      const placed = await eventually(async () => s.nodeOf('wants-ssd'), 'the pod bound after the node add', 10_000);
      assert.equal(placed, ssd);
    }));
});
