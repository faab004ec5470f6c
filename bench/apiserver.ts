import { kubetsNodeFlags } from '../src/cmd/cli-launcher.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchReport } from './lib/report.js';
import { BenchClient, loadKubeconfig, percentile, type Kubeconfig } from './lib/api-client.js';

/**
 * `npm run bench -- apiserver`: the API server in its own process (SQLite
 * datastore) driven over HTTPS/HTTP2 by a separate client process: single-object
 * create/get/update latency at fixed request rates, LIST of 10,000 pods, watch
 * fan-out to 1,000 watchers, and server RSS per 10,000 pods.
 *
 * Knobs (environment): BENCH_RATES (50,200,1000), BENCH_SECONDS per rate (10),
 * BENCH_PODS, BENCH_WATCHERS, BENCH_ONLY_RATES=1, BENCH_ONLY_PODS=1, BENCH_CPU_PROF=<dir>,
 * BENCH_HEAP_SNAPSHOT=<dir>, BENCH_SERVER_ARGS.
 * `rateN.server.cpuPerRequest` is the server's CPU time (all threads) per
 * request: on a shared machine, compare that across runs; latency there
 * mostly measures how much CPU and disk the other tenants left.
 */
const root = process.env.KUBETS_ROOT ?? process.cwd();
const rates = (process.env.BENCH_RATES ?? '50,200,1000').split(',').map(Number);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const podCount = Number(process.env.BENCH_PODS ?? 10_000);
const watcherCount = Number(process.env.BENCH_WATCHERS ?? 1000);
// BENCH_CPU_PROF=<dir>: the server writes V8 CPU profiles there on exit (main
// thread and SQLite writer thread; open them in Chrome DevTools).
// BENCH_ONLY_RATES=1 skips the watch and 10k-pod phases.
const cpuProfDir = process.env.BENCH_CPU_PROF;
const onlyRates = process.env.BENCH_ONLY_RATES === '1';
// BENCH_ONLY_PODS=1 skips the fixed-rate and watch fan-out phases (memory work).
const onlyPods = process.env.BENCH_ONLY_PODS === '1';
// BENCH_HEAP_SNAPSHOT=<dir>: the server writes V8 heap snapshots there, idle and
// once the 10k pods are in, and `server.heap.*` report their live (post-GC) size:
// a steadier figure than RSS, which mostly follows when V8 last collected. Taking
// a snapshot inflates RSS, so RSS figures of such a run are not comparable.
const heapSnapshotDir = process.env.BENCH_HEAP_SNAPSHOT;
// BENCH_SETTLE_MS: after the 10k-pod figures, idle this long and report RSS again.
const settleMs = Number(process.env.BENCH_SETTLE_MS ?? 0);
// BENCH_SERVER_ARGS: extra `kubets server` flags, space-separated, e.g.
// `--controllers= --disable-cloud-controller` to separate the apiserver's own memory
// from the in-process components' informer caches.
const extraServerArgs = (process.env.BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean);
// BENCH_NODE_ARGS: extra node flags for the server, e.g. `--trace-gc` (its stdout is then echoed to stderr).
const extraNodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

/** User + system CPU time of a process so far, in ms (main thread, writer thread and GC alike). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/**
 * Resident memory by mapping kind, in MiB (from /proc/<pid>/smaps): `brk` is
 * glibc's main heap, `anon` is every other anonymous mapping (V8 heap pages,
 * malloc arenas of other threads, SQLite and Buffer memory), `file` is code and
 * other file-backed pages.
 */
function rssByKind(pid: number): Record<'brk' | 'anon' | 'file', number> {
  const out = { brk: 0, anon: 0, file: 0 };
  let kind: keyof typeof out = 'anon';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (header) {
      const path = header[1]!;
      kind = path === '[heap]' ? 'brk' : path === '' || path.startsWith('[') ? 'anon' : 'file';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kind] += Number(rss[1]) / 1024;
  }
  return out;
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

async function startServer(dir: string): Promise<{ child: ChildProcess; kubeconfig: string }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(
    process.execPath,
    [
      ...(cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : []),
      ...(heapSnapshotDir ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${heapSnapshotDir}`] : []),
      ...kubetsNodeFlags,
      ...extraNodeArgs,
      join(root, 'bin', 'kubets'),
      'server',
      '--data-dir',
      dir,
      '--https-listen-port',
      String(port),
      '--bind-address',
      '127.0.0.1',
      '--advertise-address',
      '127.0.0.1',
      '--disable-agent',
      '--log-level',
      'error',
      ...extraServerArgs,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      if (!out.includes('API server ready')) return;
      resolve();
      child.stdout!.off('data', onData);
      if (extraNodeArgs.length > 0) child.stdout!.pipe(process.stderr);
      else child.stdout!.resume();
    };
    child.stdout!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return { child, kubeconfig: join(dir, 'kubeconfig.yaml') };
}

const pod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'bench' } },
  spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
});

async function fixedRate(
  c: BenchClient,
  rate: number,
  report: BenchReport,
  round: number,
  serverPid: number,
): Promise<void> {
  const cpu0 = cpuMs(serverPid);
  const lat: Record<string, number[]> = { create: [], get: [], update: [] };
  const names: string[] = [];
  let errors = 0;
  const total = rate * seconds;
  const interval = 1000 / rate;
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const op = names.length < 5 || i % 3 === 0 ? 'create' : i % 3 === 1 ? 'get' : 'update';
    const t0 = performance.now();
    let p: Promise<{ status: number; body: string }>;
    if (op === 'create') {
      const name = `cm-${round}-${i}`;
      p = c
        .request('POST', '/api/v1/namespaces/default/configmaps', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name },
          data: { k: 'v' },
        })
        .then((r) => {
          if (r.status === 201) names.push(name);
          return r;
        });
    } else {
      const name = names[Math.floor(Math.random() * names.length)]!;
      p =
        op === 'get'
          ? c.request('GET', `/api/v1/namespaces/default/configmaps/${name}`)
          : c.request(
              'PATCH',
              `/api/v1/namespaces/default/configmaps/${name}`,
              { data: { k: String(i) } },
              'application/merge-patch+json',
            );
    }
    inflight.push(
      p.then(
        (r) => {
          if (r.status >= 300) errors++;
          lat[op]!.push(performance.now() - t0);
        },
        () => void errors++,
      ),
    );
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - start) / 1000;
  report.add(`rate${rate}.achieved`, total / elapsed, 'req/s');
  report.add(`rate${rate}.errors`, errors, 'count');
  // CPU cost per request is robust to other load on the machine, unlike latency.
  report.add(`rate${rate}.server.cpuPerRequest`, (cpuMs(serverPid) - cpu0) / total, 'ms');
  for (const [op, xs] of Object.entries(lat)) {
    xs.sort((a, b) => a - b);
    report.add(`rate${rate}.${op}.p50`, percentile(xs, 50), 'ms');
    report.add(`rate${rate}.${op}.p99`, percentile(xs, 99), 'ms');
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-bench-api-'));
  const report = new BenchReport('apiserver', { rates, seconds, podCount, watcherCount, datastore: 'sqlite' });
  const { child, kubeconfig } = await startServer(dir);
  const kc = loadKubeconfig(kubeconfig);
  const c = new BenchClient(kc);
  try {
    report.add('server.rss.idle', rssKiB(child.pid!) / 1024, 'MiB');
    let round = 0;
    if (!onlyPods) for (const rate of rates) await fixedRate(c, rate, report, round++, child.pid!);
    const heapIdle = !onlyRates && heapSnapshotDir ? await heapSnapshot(child, heapSnapshotDir) : 0;
    if (!onlyRates) await watchAndList(c, kc, child, report);
    if (!onlyRates && heapSnapshotDir) {
      const heap = await heapSnapshot(child, heapSnapshotDir);
      report.add('server.heap.idle', heapIdle, 'MiB');
      report.add('server.heap.with10kPods', heap, 'MiB');
      report.add('server.heap.per10kPods', ((heap - heapIdle) / podCount) * 10_000, 'MiB');
    }
  } finally {
    c.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
  console.log(`saved ${report.save()}`);
}

/** Live JS heap in a snapshot (sum of self sizes), in MiB. */
function snapshotLiveMiB(file: string): number {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[] } };
    nodes: number[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const at = fields.indexOf('self_size');
  let total = 0;
  for (let i = at; i < snap.nodes.length; i += fields.length) total += snap.nodes[i]!;
  return total / 1024 / 1024;
}

/**
 * Signals the server to write a heap snapshot, waits until the file stops
 * growing and returns the live heap it records, in MiB.
 */
async function heapSnapshot(child: ChildProcess, dir: string): Promise<number> {
  const before = new Set(readdirSync(dir));
  child.kill('SIGUSR2');
  const deadline = Date.now() + 300_000;
  let file: string | undefined;
  let size = -1;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    file ??= readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (file === undefined) continue;
    const now = statSync(join(dir, file)).size;
    if (now > 0 && now === size) break;
    size = now;
  }
  if (file === undefined) throw new Error(`no heap snapshot appeared in ${dir}`);
  console.log(`heap snapshot: ${join(dir, file)}`);
  return snapshotLiveMiB(join(dir, file));
}

async function watchAndList(c: BenchClient, kc: Kubeconfig, child: ChildProcess, report: BenchReport): Promise<void> {
  if (!onlyPods) await watchFanout(kc, c, report);
  await tenThousandPods(c, child, report);
}

async function watchFanout(kc: Kubeconfig, c: BenchClient, report: BenchReport): Promise<void> {
  // Watch fan-out: watchers on pods; each pod create should reach every watcher.
  const watchClients = Array.from({ length: 4 }, () => new BenchClient(kc));
  const sentAt = new Map<string, number>();
  const delivery: number[] = [];
  const closers: (() => void)[] = [];
  for (let i = 0; i < watcherCount; i++) {
    closers.push(
      watchClients[i % watchClients.length]!.watch(
        '/api/v1/namespaces/fanout/configmaps?watch=1&resourceVersion=0',
        (ev) => {
          const t = sentAt.get(ev.object?.metadata?.name);
          if (t !== undefined && ev.type === 'ADDED') delivery.push(performance.now() - t);
        },
      ),
    );
  }
  await c.request('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'fanout' },
  });
  await new Promise((r) => setTimeout(r, 1000));
  const fanoutEvents = 20;
  for (let i = 0; i < fanoutEvents; i++) {
    const name = `f-${i}`;
    sentAt.set(name, performance.now());
    await c.request('POST', '/api/v1/namespaces/fanout/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name },
      data: { x: 'y' },
    });
    await new Promise((r) => setTimeout(r, 100));
  }
  const deadline = Date.now() + 20_000;
  while (delivery.length < fanoutEvents * watcherCount && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  delivery.sort((a, b) => a - b);
  report.add('watch.fanout.watchers', watcherCount, 'count');
  report.add('watch.fanout.delivered', (delivery.length / (fanoutEvents * watcherCount)) * 100, '%');
  report.add('watch.fanout.p50', percentile(delivery, 50), 'ms');
  report.add('watch.fanout.p99', percentile(delivery, 99), 'ms');
  closers.forEach((f) => f());
  watchClients.forEach((w) => w.close());
}

async function tenThousandPods(c: BenchClient, child: ChildProcess, report: BenchReport): Promise<void> {
  // 10,000 pods: create with 64 in flight, then LIST latency and RSS.
  const rssBefore = rssKiB(child.pid!);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < podCount) {
        const i = next++;
        await c.request('POST', '/api/v1/namespaces/default/pods', pod(`p-${i}`));
      }
    }),
  );
  report.add('pods.create.rate', podCount / ((performance.now() - t0) / 1000), 'pods/s');
  const listLat: number[] = [];
  let size = 0;
  for (let i = 0; i < 5; i++) {
    const s = performance.now();
    const r = await c.request('GET', '/api/v1/namespaces/default/pods');
    listLat.push(performance.now() - s);
    size = r.body.length;
  }
  listLat.sort((a, b) => a - b);
  report.add('pods.list10k.p50', percentile(listLat, 50), 'ms');
  report.add('pods.list10k.bytes', size / 1024 / 1024, 'MiB');
  const pageLat: number[] = [];
  for (let i = 0; i < 20; i++) {
    const s = performance.now();
    await c.request('GET', '/api/v1/namespaces/default/pods?limit=500');
    pageLat.push(performance.now() - s);
  }
  pageLat.sort((a, b) => a - b);
  report.add('pods.list.limit500.p50', percentile(pageLat, 50), 'ms');
  const rssAfter = rssKiB(child.pid!);
  report.add('server.rss.with10kPods', rssAfter / 1024, 'MiB');
  report.add('server.rss.per10kPods', (((rssAfter - rssBefore) / podCount) * 10_000) / 1024, 'MiB');
  for (const [k, v] of Object.entries(rssByKind(child.pid!))) report.add(`server.rss.with10kPods.${k}`, v, 'MiB');
  if (settleMs > 0) {
    // Idle for a while: V8's memory reducer and the allocator give back what they will.
    await new Promise((r) => setTimeout(r, settleMs));
    report.add('server.rss.with10kPods.settled', rssKiB(child.pid!) / 1024, 'MiB');
  }
}

await main();
