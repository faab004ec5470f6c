/**
 * `npm run bench -- scheduler-core [--nodes N] [--pods P] [--init I] [--profile basic|spread|affinity]`
 *
 * The scheduler core in memory, no API (DESIGN.md §6): N nodes (4 cpu,
 * 32Gi, 110 pods, 10 zones), I pods already running, then P pods created at
 * once and scheduled with the default profile; the binder confirms each
 * binding to the scheduler as an informer would. Prints scheduled pods/s and
 * the per-cycle latency. Shapes follow scheduler_perf's SchedulingBasic
 * (5000 nodes, 10000 pods; pods request 100m/500Mi); `spread` adds a
 * zone topology spread constraint, `affinity` a preferred pod anti-affinity.
 * Target: the API-path figure >= 1,500 pods/s on 2 cores, so the core must be
 * well above that.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { nullLogger } from '../src/lib/log.js';
import type { Ports } from '../src/control-plane/scheduler/framework/interfaces.js';
import { Scheduler } from '../src/control-plane/scheduler/scheduler.js';
import { makeNode, makePod } from '../src/control-plane/scheduler/testing/builders.js';
import { BenchReport, summarize } from './lib/report.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

const nodes = Number(arg('nodes', '5000'));
const pods = Number(arg('pods', '10000'));
const initPods = Number(arg('init', '1000'));
const profile = arg('profile', 'basic');

function podFor(i: number, prefix: string): Pod {
  const labels = { app: `app-${i % 50}` };
  const spec: Parameters<typeof makePod>[1] = { req: { cpu: '100m', memory: '500Mi' }, labels, uid: `${prefix}-${i}` };
  if (profile === 'spread') {
    spec.topologySpreadConstraints = [
      {
        maxSkew: 5,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: labels },
      },
    ];
  }
  if (profile === 'affinity') {
    spec.affinity = {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 1,
            podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: labels } },
          },
        ],
      },
    };
  }
  return makePod(`${prefix}-${i}`, spec);
}

async function main(): Promise<void> {
  const report = new BenchReport('scheduler-core', { nodes, pods, initPods, profile });
  let bound = 0;
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
        bound++;
      },
    },
    statusUpdater: { podScheduledFalse: async () => {}, setNominatedNode: async () => {} },
    events: { event: () => {} },
    deleter: { deletePod: async () => {} },
  };
  const sched: Scheduler = new Scheduler({ ports, log: nullLogger });
  for (let i = 0; i < nodes; i++) {
    sched.addNode(makeNode(`node-${i}`, { alloc: { cpu: '4', memory: '32Gi', pods: '110' }, zone: `zone-${i % 10}` }));
  }
  for (let i = 0; i < initPods; i++) {
    const p = podFor(i, 'init');
    sched.addPod({ ...p, spec: { ...p.spec!, nodeName: `node-${i % nodes}` } });
  }

  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const cycleMs: number[] = [];
  const created = performance.now();
  for (let i = 0; i < pods; i++) sched.addPod(podFor(i, 'pod'));
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  report.add('enqueue', start - created, 'ms');
  for (;;) {
    const q = sched.queue.tryPop();
    if (!q) {
      if (sched.bindingsInFlight === 0) break;
      await sched.waitForBindings();
      continue;
    }
    const t0 = performance.now();
    sched.scheduleOne(q);
    cycleMs.push(performance.now() - t0);
    // Let binding promises settle now and then, as the real loop yields.
    if (cycleMs.length % 64 === 0) await new Promise<void>((r) => setImmediate(r));
  }
  await sched.waitForBindings();
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const s = summarize(cycleMs);
  report.add('scheduled', bound, 'pods');
  report.add('throughput', bound / elapsed, 'pods/s');
  // Per CPU-second of this process: comparable across runs on a busy machine.
  report.add('throughput_per_cpu_second', bound / cpuSeconds, 'pods/s');
  report.add('cycle_p50', s.p50, 'ms');
  report.add('cycle_p99', s.p99, 'ms');
  report.add('heap_used', process.memoryUsage().heapUsed / 1024 / 1024, 'MiB');
  const pending = sched.queue.pendingPods();
  report.add('unscheduled', pending.active + pending.backoff + pending.unschedulable, 'pods');
  console.log(`results: ${report.save()}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
