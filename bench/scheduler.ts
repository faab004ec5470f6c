/**
 * `npm run bench -- scheduler [--workloads basic,antiaffinity,spread,preemption]
 *   [--profile full|small] [--nodes N] [--init I] [--pods P] [--concurrency C] [--overlap] [--verbose]`
 *
 * kube-scheduler's scheduler_perf, through the real API server (DESIGN.md §6).
 * Each workload gets a fresh control plane in this process (API server on
 * SQLite in a temp dir, no controllers, no kubelets) with N Node objects
 * registered Ready and untainted (4 cpu, 32Gi, 110 pods: scheduler_perf's
 * node-default). The scheduler component runs over the in-process client
 * and schedules I initial pods; then P measured pods are created by the
 * benchmark's own client, C requests in flight, ahead of the scheduler: it is
 * stopped while they are created and started on the backlog (`--overlap`:
 * created while it runs, scheduler_perf's literal op order, so creation
 * competes for the same CPU). From the measured phase's start, bound pods
 * are sampled every second as scheduler_perf's throughput collector does
 * (the first sample only starts the clock; a second without progress is
 * merged into the next): Average/p50/p90/p99 of the samples, the overall
 * rate, the latency from when the scheduler could first see a pod to its
 * binding, CPU per pod, and the API requests per pod. Every pod's
 * spec.nodeName transitions are recorded from a watch: `rebound` counts
 * pods that moved to another node (must be 0).
 *
 * Workloads (scheduler_perf names and templates; `full` sizes are the
 * 5000Nodes variants, `small` the 500Nodes ones):
 * - basic: SchedulingBasic, 100m/500Mi pods; full 5000 nodes, 1000 + 10000 pods.
 * - antiaffinity: SchedulingPodAntiAffinity, required anti-affinity on hostname
 *   within one group (color=green, namespaces sched-0 and sched-1); full 5000, 1000 + 1000.
 * - spread: TopologySpreading, maxSkew 5 over 3 zones plus maxSkew 1 over
 *   hostnames (DoNotSchedule); full 5000, 5000 default pods + 2000.
 * - preemption: PreemptionBasic, low-priority 900m pods fill the nodes, then
 *   high-priority 3000m pods each preempt; full 5000, 20000 + 5000.
 *
 * As in scheduler_perf, the ServiceAccount and TaintNodesByCondition
 * admission plugins are off (no token or node lifecycle controller);
 * priorities come from PriorityClasses. BENCH_DATASTORE picks the datastore
 * (default: a SQLite file in a temp dir); BENCH_CPU_PROFILE=<dir> writes a
 * .cpuprofile of each measured phase. Wall-clock rates depend on what else
 * the machine runs (the load average is recorded); `per_cpu_second` is the
 * rate per CPU-second of this process and compares better across runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Namespace, Node, Pod } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { gvr, typed, type RestClient } from '../src/client/index.js';
import { startControlPlane, type ControlPlane } from '../src/cmd/control-plane.js';
import { componentUsers, inProcessRest } from '../src/cmd/in-process.js';
import { startScheduler } from '../src/control-plane/scheduler/component.js';
import { createLogger } from '../src/lib/log.js';
import { BenchReport, percentile } from './lib/report.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const num = (name: string): number | undefined => (arg(name) === undefined ? undefined : Number(arg(name)));

const profile = arg('profile') ?? process.env.BENCH_PROFILE ?? 'full';
const selected = (arg('workloads') ?? process.env.BENCH_WORKLOADS ?? 'basic,antiaffinity,spread,preemption').split(',');
const concurrency = num('concurrency') ?? 64;
const phaseTimeoutMs = (num('timeout') ?? 600) * 1000;
const verbose = process.argv.includes('--verbose');
/** scheduler_perf's literal order: measured pods are created while the scheduler runs (else it starts on them). */
const overlap = process.argv.includes('--overlap');

type Sizes = { nodes: number; init: number; pods: number };
interface Workload {
  key: string;
  name: string;
  full: Sizes;
  small: Sizes;
  zones?: string[];
  priorityClasses?: boolean;
  initPod(i: number): Pod;
  measuredPod(i: number): Pod;
}

const resources = (cpu: string) => ({ limits: { cpu, memory: '500Mi' }, requests: { cpu, memory: '500Mi' } });
const container = (cpu: string) => ({
  name: 'pause',
  image: 'registry.k8s.io/pause:3.10',
  ports: [{ containerPort: 80 }],
  resources: resources(cpu),
});

function pod(
  name: string,
  ns: string,
  spec: Partial<NonNullable<Pod['spec']>> = {},
  labels?: Record<string, string>,
  cpu = '100m',
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
    spec: { containers: [container(cpu)], ...spec },
  };
}

const antiAffinity = (): Partial<NonNullable<Pod['spec']>> => ({
  affinity: {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        {
          labelSelector: { matchLabels: { color: 'green' } },
          topologyKey: 'kubernetes.io/hostname',
          namespaces: ['sched-0', 'sched-1'],
        },
      ],
    },
  },
});

const spreading = (): Partial<NonNullable<Pod['spec']>> => ({
  topologySpreadConstraints: [
    {
      maxSkew: 5,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'DoNotSchedule',
      labelSelector: { matchLabels: { color: 'blue' } },
    },
    {
      maxSkew: 1,
      topologyKey: 'kubernetes.io/hostname',
      whenUnsatisfiable: 'DoNotSchedule',
      labelSelector: { matchLabels: { color: 'blue' } },
    },
  ],
});

const workloads: Workload[] = [
  {
    key: 'basic',
    name: 'SchedulingBasic',
    full: { nodes: 5000, init: 1000, pods: 10000 },
    small: { nodes: 500, init: 500, pods: 1000 },
    initPod: (i) => pod(`init-${i}`, 'sched-0'),
    measuredPod: (i) => pod(`pod-${i}`, 'sched-1'),
  },
  {
    key: 'antiaffinity',
    name: 'SchedulingPodAntiAffinity',
    full: { nodes: 5000, init: 1000, pods: 1000 },
    small: { nodes: 500, init: 100, pods: 400 },
    initPod: (i) => pod(`init-${i}`, 'sched-0', antiAffinity(), { color: 'green' }),
    measuredPod: (i) => pod(`pod-${i}`, 'sched-1', antiAffinity(), { color: 'green' }),
  },
  {
    key: 'spread',
    name: 'TopologySpreading',
    full: { nodes: 5000, init: 5000, pods: 2000 },
    small: { nodes: 500, init: 1000, pods: 1000 },
    zones: ['moon-1', 'moon-2', 'moon-3'],
    initPod: (i) => pod(`init-${i}`, 'sched-0'),
    measuredPod: (i) => pod(`pod-${i}`, 'sched-1', spreading(), { color: 'blue' }),
  },
  {
    key: 'preemption',
    name: 'PreemptionBasic',
    full: { nodes: 5000, init: 20000, pods: 5000 },
    small: { nodes: 500, init: 2000, pods: 500 },
    priorityClasses: true,
    initPod: (i) =>
      pod(`init-${i}`, 'sched-0', { priorityClassName: 'low', terminationGracePeriodSeconds: 0 }, undefined, '900m'),
    measuredPod: (i) => pod(`pod-${i}`, 'sched-1', { priorityClassName: 'high' }, undefined, '3000m'),
  },
];

function node(i: number, zones: string[] | undefined): Node {
  const name = `node-${i}`;
  const capacity = { cpu: '4', memory: '32Gi', pods: '110' };
  const labels: Record<string, string> = { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' };
  if (zones) labels['topology.kubernetes.io/zone'] = zones[i % zones.length]!;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels },
    spec: {},
    status: {
      capacity,
      allocatable: capacity,
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      phase: 'Running',
    },
  };
}

/** Runs `fn(i)` for i in [0, count) with at most `limit` in flight. */
async function parallel(count: number, limit: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

/** Watches every pod: bound times, spec.nodeName history, deletions. */
class BindingWatcher {
  readonly boundAt = new Map<string, number>();
  readonly nodeOf = new Map<string, string>();
  readonly boundIn = new Map<string, number>();
  rebound = 0;
  deleted = 0;
  private waiters: { ns: string; count: number; resolve: () => void }[] = [];
  private stop?: () => void;
  private done?: Promise<void>;

  async start(rest: RestClient): Promise<void> {
    const pods = typed<Pod>(rest, gvr('', 'v1', 'pods'));
    const list = await pods.list();
    for (const p of list.items) this.observe(p);
    const w = await pods.watch({ resourceVersion: list.metadata?.resourceVersion });
    this.stop = () => w.close();
    this.done = (async () => {
      for await (const ev of w) {
        if (ev.type === 'BOOKMARK') continue;
        if (ev.type === 'DELETED') {
          this.deleted++;
          continue;
        }
        this.observe(ev.object);
      }
    })().catch((err) => console.error('pod watch failed', err));
  }

  private observe(p: Pod): void {
    const node = p.spec?.nodeName;
    if (!node) return;
    const key = `${p.metadata!.namespace}/${p.metadata!.name}/${p.metadata!.uid}`;
    const prev = this.nodeOf.get(key);
    if (prev === node) return;
    if (prev !== undefined) this.rebound++;
    this.nodeOf.set(key, node);
    if (prev !== undefined) return;
    const ns = p.metadata!.namespace!;
    this.boundAt.set(`${ns}/${p.metadata!.name}`, performance.now());
    const n = (this.boundIn.get(ns) ?? 0) + 1;
    this.boundIn.set(ns, n);
    this.waiters = this.waiters.filter((w) => {
      if (w.ns !== ns || n < w.count) return true;
      w.resolve();
      return false;
    });
  }

  bound(ns: string): number {
    return this.boundIn.get(ns) ?? 0;
  }

  /** Resolves once `count` pods of `ns` were seen bound; rejects after `timeoutMs`. */
  waitFor(ns: string, count: number, timeoutMs: number): Promise<void> {
    if (this.bound(ns) >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${this.bound(ns)}/${count} pods of ${ns} bound after ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({ ns, count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  async close(): Promise<void> {
    this.stop?.();
    await this.done;
  }
}

/**
 * scheduler_perf's throughputCollector: every second, bound pods since the
 * last sample / elapsed seconds; the first non-empty sample only starts the
 * clock, a second without progress is merged into the next sample (recorded
 * once per merged second).
 */
class ThroughputCollector {
  readonly samples: number[] = [];
  private timer?: NodeJS.Timeout;
  private last = 0;
  private lastAt = 0;
  private started = false;
  private skipped = 0;

  constructor(
    private readonly count: () => number,
    private readonly note?: () => string,
  ) {}

  start(): void {
    this.last = this.count();
    this.timer = setInterval(() => this.sample(), 1000);
  }

  private sample(): void {
    const now = performance.now();
    const scheduled = this.count();
    if (scheduled === 0) return;
    if (!this.started) {
      this.started = true;
      this.last = scheduled;
      this.lastAt = now;
      return;
    }
    const fresh = scheduled - this.last;
    if (fresh === 0) {
      this.skipped++;
      return;
    }
    const rate = fresh / ((now - this.lastAt) / 1000);
    if (verbose)
      console.log(`  sample: ${Math.round(rate)} pods/s (${scheduled} bound${this.note ? `, ${this.note()}` : ''})`);
    for (let i = 0; i <= this.skipped; i++) this.samples.push(rate);
    this.skipped = 0;
    this.last = scheduled;
    this.lastAt = now;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Counts API requests by verb and resource (`POST pods/binding`), to see what each pod costs. */
function countRequests(cp: ControlPlane): Map<string, number> {
  const counts = new Map<string, number>();
  const handle = cp.apiserver.handle.bind(cp.apiserver);
  cp.apiserver.handle = (req) => {
    const parts = req.path.split('/').filter(Boolean);
    const at = parts.indexOf('namespaces');
    const rest = at >= 0 && parts.length > at + 2 ? parts.slice(at + 2) : parts.slice(parts[0] === 'api' ? 2 : 3);
    const res = [rest[0], rest[2]].filter(Boolean).join('/');
    const verb = req.query.get('watch') === 'true' ? 'WATCH' : req.method;
    const k = `${verb} ${res}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
    return handle(req);
  };
  return counts;
}

/** BENCH_CPU_PROFILE=<dir>: a .cpuprofile of each workload's measured phase only. */
async function startProfile(): Promise<{ stop(key: string): Promise<void> } | undefined> {
  const dir = process.env.BENCH_CPU_PROFILE;
  if (!dir) return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(key) {
      const { profile } = await session.post('Profiler.stop');
      const path = join(dir, `scheduler-${key}-${Date.now()}.cpuprofile`);
      writeFileSync(path, JSON.stringify(profile));
      session.disconnect();
      console.log(`profile: ${path}`);
    },
  };
}

async function startCluster(dir: string): Promise<ControlPlane> {
  return startControlPlane({
    dataDir: dir,
    bindAddress: '127.0.0.1',
    httpsPort: 0,
    advertiseAddress: '127.0.0.1',
    kubeconfigPath: join(dir, 'kubeconfig.yaml'),
    kubeconfigMode: 0o600,
    tlsSans: [],
    serviceCIDR: '10.43.0.0/16',
    clusterCIDR: '10.42.0.0/16',
    clusterDomain: 'cluster.local',
    datastoreEndpoint: process.env.BENCH_DATASTORE,
    scheduler: false,
    controllers: [],
    disabledAdmissionPlugins: ['ServiceAccount', 'TaintNodesByCondition'],
    log: createLogger('bench', { level: 'error' }),
  });
}

async function runWorkload(w: Workload, sizes: Sizes, report: BenchReport): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-bench-sched-'));
  const cp = await startCluster(dir);
  const admin = { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] };
  const unlimited = { qps: Infinity, burst: Infinity };
  const rest = inProcessRest(cp.apiserver, admin, 'scheduler-perf', unlimited);
  const watchRest = inProcessRest(cp.apiserver, admin, 'scheduler-perf-collector', unlimited);
  const requests = countRequests(cp);
  const watcher = new BindingWatcher();
  let scheduler: Awaited<ReturnType<typeof startScheduler>> | undefined;
  const p = (name: string, value: number, unit: string) => report.add(`${w.key}.${name}`, value, unit);
  try {
    const namespaces = typed<Namespace>(rest, gvr('', 'v1', 'namespaces'));
    for (const name of ['sched-0', 'sched-1']) await namespaces.create({ metadata: { name } });
    if (w.priorityClasses) {
      const pcs = typed<PriorityClass>(rest, gvr('scheduling.k8s.io', 'v1', 'priorityclasses'));
      for (const [name, value] of [
        ['low', 1],
        ['high', 10],
      ] as const)
        await pcs.create({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value });
    }
    let t0 = performance.now();
    const nodes = typed<Node>(rest, gvr('', 'v1', 'nodes'));
    await parallel(sizes.nodes, concurrency, (i) => nodes.create(node(i, w.zones)));
    p('nodes.register', (performance.now() - t0) / 1000, 's');
    await watcher.start(watchRest);

    const startSched = () =>
      startScheduler({ rest: inProcessRest(cp.apiserver, componentUsers.scheduler, 'kube-scheduler', unlimited) });
    t0 = performance.now();
    scheduler = await startSched();
    p('scheduler.start', (performance.now() - t0) / 1000, 's');

    const pods = typed<Pod>(rest, gvr('', 'v1', 'pods'));
    t0 = performance.now();
    await parallel(sizes.init, concurrency, (i) => pods.create(w.initPod(i)));
    await watcher.waitFor('sched-0', sizes.init, phaseTimeoutMs);
    p('init.scheduled', (performance.now() - t0) / 1000, 's');

    const gc = (globalThis as { gc?: () => void }).gc;
    const createdAt = new Map<string, number>();
    let created = 0;
    const createMeasured = () =>
      parallel(sizes.pods, concurrency, async (i) => {
        createdAt.set(`sched-1/pod-${i}`, performance.now());
        await pods.create(w.measuredPod(i));
        created++;
      });
    if (!overlap) {
      // Ahead of the scheduler: it is stopped while the measured pods are created, then started on the backlog.
      await scheduler.stop();
      scheduler = undefined;
      t0 = performance.now();
      await createMeasured();
      p('create.rate', sizes.pods / ((performance.now() - t0) / 1000), 'pods/s');
    }
    gc?.();
    const collector = new ThroughputCollector(
      () => watcher.bound('sched-1'),
      () => `${created} created, ${scheduler?.scheduler.bindingsInFlight ?? 0} bindings in flight`,
    );
    requests.clear();
    const profiler = await startProfile();
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    t0 = performance.now();
    collector.start();
    try {
      if (overlap) {
        await createMeasured();
        p('create.rate', sizes.pods / ((performance.now() - t0) / 1000), 'pods/s');
      } else {
        scheduler = await startSched();
      }
      await watcher.waitFor('sched-1', sizes.pods, phaseTimeoutMs);
    } finally {
      collector.stop();
    }
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    await profiler?.stop(w.key);

    // A run shorter than two sample periods has no samples; then the overall rate stands in for them.
    const s = collector.samples.length ? collector.samples : [sizes.pods / elapsed];
    const avg = s.reduce((a, b) => a + b, 0) / s.length;
    p('throughput.average', avg, 'pods/s');
    p('throughput.p50', percentile(s, 50), 'pods/s');
    p('throughput.p90', percentile(s, 90), 'pods/s');
    p('throughput.p99', percentile(s, 99), 'pods/s');
    p('throughput.samples', collector.samples.length, 'count');
    p('throughput.overall', sizes.pods / elapsed, 'pods/s');
    // From when the scheduler could first see the pod (its creation, or the scheduler's start) to bound.
    const lat: number[] = [];
    for (const [k, at] of createdAt) {
      const b = watcher.boundAt.get(k);
      if (b !== undefined) lat.push(b - Math.max(at, t0));
    }
    p('latency.p50', percentile(lat, 50), 'ms');
    p('latency.p90', percentile(lat, 90), 'ms');
    p('latency.p99', percentile(lat, 99), 'ms');
    p('latency.max', percentile(lat, 100), 'ms');
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    p('cpu', cpuSeconds / elapsed, 'cores');
    // Per CPU-second of this process (all its threads): comparable across runs on a busy machine.
    p('throughput.per_cpu_second', sizes.pods / cpuSeconds, 'pods/s');
    p('eventloop.utilization', elu.utilization, 'ratio');
    p('rebound', watcher.rebound, 'pods');
    if (w.priorityClasses) p('preempted', watcher.deleted, 'pods');
    for (const [k, n] of [...requests].sort((a, b) => b[1] - a[1]))
      if (n / sizes.pods >= 0.01) p(`requests.${k}`, n / sizes.pods, 'per pod');
    p('heap.used', process.memoryUsage().heapUsed / 2 ** 20, 'MiB');
    if (watcher.rebound > 0) throw new Error(`${watcher.rebound} pods changed node after binding`);
  } finally {
    await scheduler?.stop();
    await watcher.close();
    await cp.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const chosen = workloads.filter((w) => selected.includes(w.key));
  if (chosen.length === 0) throw new Error(`--workloads: choose from ${workloads.map((w) => w.key).join(',')}`);
  const sizeOf = (w: Workload): Sizes => {
    const base = profile === 'small' ? w.small : w.full;
    return { nodes: num('nodes') ?? base.nodes, init: num('init') ?? base.init, pods: num('pods') ?? base.pods };
  };
  const report = new BenchReport('scheduler', {
    loadAverage: loadavg(),
    profile,
    concurrency,
    mode: overlap ? 'overlap' : 'ahead',
    datastore: process.env.BENCH_DATASTORE ?? 'sqlite',
    workloads: Object.fromEntries(chosen.map((w) => [w.name, sizeOf(w)])),
  });
  for (const w of chosen) {
    const sizes = sizeOf(w);
    console.log(
      `# ${w.name}: ${sizes.nodes} nodes, ${sizes.init} initial pods, ${sizes.pods} measured pods` +
        ` (${overlap ? 'created while scheduling' : 'created ahead'}; load average ${loadavg()[0]!.toFixed(2)})`,
    );
    await runWorkload(w, sizes, report);
  }
  console.log(`results: ${report.save()}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
