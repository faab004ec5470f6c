/**
 * `npm run bench -- scheduler-core [--workload basic|antiaffinity|spread|preemption|softspread|softaffinity]
 *   [--nodes N] [--pods P] [--init I] [--profile basic|spread|affinity]`
 *
 * The scheduler core in memory, no API (DESIGN.md §6): N nodes (4 cpu,
 * 32Gi, 110 pods), I pods already running, then P pods created at once and
 * scheduled with the default profile. The ports act as the informers
 * would: a binding comes back as the pod update, a status update carrying
 * nominatedNodeName as a pod update, a preemption victim's deletion as a
 * pod delete (after a microtask, like a watch event). Prints scheduled
 * pods/s and the per-cycle latency; BENCH_CPU_PROFILE=<dir> writes a
 * .cpuprofile of the measured phase.
 *
 * Workloads mirror bench/scheduler.ts (scheduler_perf's 5000Nodes shapes):
 * - basic: SchedulingBasic, 100m/500Mi pods, 1000 + 10000.
 * - antiaffinity: SchedulingPodAntiAffinity, required hostname anti-affinity
 *   on color=green over namespaces sched-0/sched-1, 1000 + 1000.
 * - spread: TopologySpreading, maxSkew 5 over 3 zones + maxSkew 1 over
 *   hostnames (DoNotSchedule), 5000 plain + 2000.
 * - preemption: PreemptionBasic, 20000 low-priority 900m pods, then 5000
 *   high-priority 3000m pods that each preempt.
 * - softspread / softaffinity (the former `--profile spread|affinity`): a
 *   zone spread constraint over 10 zones / a preferred anti-affinity,
 *   1000 + 10000.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { nullLogger } from '../src/lib/log.js';
import type { Ports } from '../src/control-plane/scheduler/framework/interfaces.js';
import { Scheduler } from '../src/control-plane/scheduler/scheduler.js';
import { makeNode, makePod, type PodOptions } from '../src/control-plane/scheduler/testing/builders.js';
import { BenchReport, summarize } from './lib/report.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : undefined;
}

const legacy: Record<string, string> = { basic: 'basic', spread: 'softspread', affinity: 'softaffinity' };
const workload = arg('workload') ?? legacy[arg('profile') ?? 'basic'] ?? 'basic';

interface Shape {
  nodes: number;
  init: number;
  pods: number;
  zones: number;
  initPod(i: number): PodOptions;
  measuredPod(i: number): PodOptions;
}

const plain = (cpu = '100m'): PodOptions => ({ req: { cpu, memory: '500Mi' } });
const green = { color: 'green' };
const blue = { color: 'blue' };
const antiAffinity = (ns: string): PodOptions => ({
  ...plain(),
  namespace: ns,
  labels: green,
  affinity: {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        {
          labelSelector: { matchLabels: green },
          topologyKey: 'kubernetes.io/hostname',
          namespaces: ['sched-0', 'sched-1'],
        },
      ],
    },
  },
});
const appLabels = (i: number) => ({ app: `app-${i % 50}` });

const shapes: Record<string, Shape> = {
  basic: { nodes: 5000, init: 1000, pods: 10000, zones: 0, initPod: () => plain(), measuredPod: () => plain() },
  antiaffinity: {
    nodes: 5000,
    init: 1000,
    pods: 1000,
    zones: 0,
    initPod: () => antiAffinity('sched-0'),
    measuredPod: () => antiAffinity('sched-1'),
  },
  spread: {
    nodes: 5000,
    init: 5000,
    pods: 2000,
    zones: 3,
    initPod: () => ({ ...plain(), namespace: 'sched-0' }),
    measuredPod: () => ({
      ...plain(),
      namespace: 'sched-1',
      labels: blue,
      topologySpreadConstraints: [
        {
          maxSkew: 5,
          topologyKey: 'topology.kubernetes.io/zone',
          whenUnsatisfiable: 'DoNotSchedule',
          labelSelector: { matchLabels: blue },
        },
        {
          maxSkew: 1,
          topologyKey: 'kubernetes.io/hostname',
          whenUnsatisfiable: 'DoNotSchedule',
          labelSelector: { matchLabels: blue },
        },
      ],
    }),
  },
  preemption: {
    nodes: 5000,
    init: 20000,
    pods: 5000,
    zones: 0,
    initPod: () => ({ ...plain('900m'), namespace: 'sched-0', priority: 1 }),
    measuredPod: () => ({ ...plain('3000m'), namespace: 'sched-1', priority: 10 }),
  },
  softspread: {
    nodes: 5000,
    init: 1000,
    pods: 10000,
    zones: 10,
    initPod: (i) => ({ ...plain(), labels: appLabels(i) }),
    measuredPod: (i) => ({
      ...plain(),
      labels: appLabels(i),
      topologySpreadConstraints: [
        {
          maxSkew: 5,
          topologyKey: 'topology.kubernetes.io/zone',
          whenUnsatisfiable: 'DoNotSchedule',
          labelSelector: { matchLabels: appLabels(i) },
        },
      ],
    }),
  },
  softaffinity: {
    nodes: 5000,
    init: 1000,
    pods: 10000,
    zones: 10,
    initPod: (i) => ({ ...plain(), labels: appLabels(i) }),
    measuredPod: (i) => ({
      ...plain(),
      labels: appLabels(i),
      affinity: {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 1,
              podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: appLabels(i) } },
            },
          ],
        },
      },
    }),
  },
};

const shape = shapes[workload];
if (!shape) throw new Error(`--workload: choose from ${Object.keys(shapes).join(',')}`);
const nodes = Number(arg('nodes') ?? shape.nodes);
const pods = Number(arg('pods') ?? shape.pods);
const initPods = Number(arg('init') ?? shape.init);

async function startProfile(): Promise<(() => Promise<void>) | undefined> {
  const dir = process.env.BENCH_CPU_PROFILE;
  if (!dir) return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    const path = join(dir, `scheduler-core-${workload}-${Date.now()}.cpuprofile`);
    writeFileSync(path, JSON.stringify(profile));
    session.disconnect();
    console.log(`profile: ${path}`);
  };
}

async function main(): Promise<void> {
  const report = new BenchReport('scheduler-core', { nodes, pods, initPods, workload });
  let preempted = 0;
  const measured = new Set<string>();
  let measuredBound = 0;
  const later = (fn: () => void) => void Promise.resolve().then(fn);
  const ports: Ports = {
    binder: {
      bind: async (pod, nodeName) => {
        // What the informer would deliver after the binding: the pod, now assigned.
        const next: Pod = {
          ...pod,
          spec: { ...pod.spec!, nodeName },
          metadata: { ...pod.metadata, resourceVersion: '2' },
        };
        sched.updatePod({ ...pod, spec: { ...pod.spec!, nodeName: undefined } }, next);
        if (measured.has(pod.metadata!.uid!)) measuredBound++;
      },
    },
    statusUpdater: {
      podScheduledFalse: async (pod, _reason, _message, nominatedNodeName) => {
        if (nominatedNodeName === undefined) return;
        const next: Pod = {
          ...pod,
          metadata: { ...pod.metadata, resourceVersion: String(Number(pod.metadata?.resourceVersion ?? '1') + 1) },
          status: { ...pod.status, nominatedNodeName: nominatedNodeName || undefined },
        };
        later(() => sched.updatePod(pod, next));
      },
      setNominatedNode: async () => {},
    },
    events: { event: () => {} },
    deleter: {
      deletePod: async (pod) => {
        preempted++;
        later(() => sched.deletePod(pod));
      },
    },
  };
  const sched: Scheduler = new Scheduler({ ports, log: nullLogger });
  for (let i = 0; i < nodes; i++) {
    const zone = shape!.zones ? `zone-${i % shape!.zones}` : undefined;
    sched.addNode(makeNode(`node-${i}`, { alloc: { cpu: '4', memory: '32Gi', pods: '110' }, zone }));
  }
  // Initial pods are scheduled by the scheduler itself, as scheduler_perf does (their placement matters).
  for (let i = 0; i < initPods; i++) sched.addPod(makePod(`init-${i}`, shape!.initPod(i)));
  await drain(sched);

  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const stopProfile = await startProfile();
  const cycleMs: number[] = [];
  const created = performance.now();
  for (let i = 0; i < pods; i++) {
    const p = makePod(`pod-${i}`, shape!.measuredPod(i));
    measured.add(p.metadata!.uid!);
    sched.addPod(p);
  }
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  report.add('enqueue', start - created, 'ms');
  await drain(sched, cycleMs, () => measuredBound >= pods);
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  await stopProfile?.();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const s = summarize(cycleMs);
  report.add('scheduled', measuredBound, 'pods');
  report.add('throughput', measuredBound / elapsed, 'pods/s');
  // Per CPU-second of this process: comparable across runs on a busy machine.
  report.add('throughput_per_cpu_second', measuredBound / cpuSeconds, 'pods/s');
  report.add('cycles', cycleMs.length, 'count');
  report.add('cycle_p50', s.p50, 'ms');
  report.add('cycle_p99', s.p99, 'ms');
  if (workload === 'preemption') report.add('preempted', preempted, 'pods');
  report.add('heap_used', process.memoryUsage().heapUsed / 1024 / 1024, 'MiB');
  const pending = sched.queue.pendingPods();
  report.add('unscheduled', pending.active + pending.backoff + pending.unschedulable, 'pods');
  sched.stop();
  console.log(`results: ${report.save()}`);
}

/**
 * Schedules until the queue is idle (or `done`); waits on backoff and
 * activation timers the way the real loop's pop() would, bounded in time.
 */
async function drain(sched: Scheduler, cycleMs: number[] = [], done = () => false): Promise<void> {
  sched.queue.run();
  const deadline = performance.now() + 600_000;
  let idleSince = 0;
  while (!done() && performance.now() < deadline) {
    const q = sched.queue.tryPop();
    if (!q) {
      if (sched.bindingsInFlight > 0) {
        await sched.waitForBindings();
        continue;
      }
      const p = sched.queue.pendingPods();
      if (p.active + p.backoff + p.unschedulable === 0) break;
      // Pods parked in backoff or unschedulable: let timers and delete events run.
      if (!idleSince) idleSince = performance.now();
      if (performance.now() - idleSince > 30_000) break;
      await new Promise<void>((r) => setTimeout(r, 1));
      continue;
    }
    idleSince = 0;
    const t0 = performance.now();
    sched.scheduleOne(q);
    cycleMs.push(performance.now() - t0);
    // Let binding promises and delete events settle now and then, as the real loop yields.
    if (cycleMs.length % 64 === 0) await new Promise<void>((r) => setImmediate(r));
  }
  await sched.waitForBindings();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
