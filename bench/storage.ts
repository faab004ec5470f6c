/**
 * `npm run bench -- storage [--objects N] [--seconds S] [--watchers W] [--backends sqlite,etcd]`
 *
 * The datastore backends side by side, durable settings (SQLite synchronous=FULL,
 * etcd with its default fsync), on this machine:
 * - creates/s with 1 and 64 concurrent writers (1 KiB values),
 * - get and list latency with 100k objects stored,
 * - watch delivery latency (write call -> listener) with 1,000 watchers,
 * - memory and disk per 100k objects.
 * Targets (sqlite, 2 cores): >= 10,000 creates/s with 64 writers; watch p99 <= 10 ms.
 */
import { readFileSync, readdirSync, statSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdStorage } from '../src/control-plane/storage/etcd/backend.js';
import { LocalEtcdCluster } from '../src/control-plane/storage/etcd/launcher.js';
import type { Storage, WatchEvent } from '../src/control-plane/storage/interface.js';
import { SqliteStorage } from '../src/control-plane/storage/sqlite/backend.js';
import { BenchReport, summarize } from './lib/report.js';

interface Args {
  objects: number;
  seconds: number;
  watchers: number;
  writes: number;
  backends: string[];
}

function parseArgs(argv: string[]): Args {
  const get = (name: string, dflt: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
  };
  return {
    objects: Number(get('objects', '100000')),
    seconds: Number(get('seconds', '3')),
    watchers: Number(get('watchers', '1000')),
    writes: Number(get('writes', '100')),
    backends: get('backends', 'sqlite,etcd').split(','),
  };
}

/** A ~1 KiB JSON-ish value, like a small Kubernetes object. */
function value(i: number): Buffer {
  const base = `{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p${i}","namespace":"ns${i % 1000}","uid":"${i.toString(16).padStart(32, '0')}"},"spec":{"containers":[{"name":"c","image":"busybox"}]},"pad":"`;
  return Buffer.from(base + 'x'.repeat(Math.max(0, 1000 - base.length)) + '"}');
}

const now = () => performance.now();
const gc = () => (globalThis as { gc?: () => void }).gc?.();

async function createsPerSecond(s: Storage, writers: number, seconds: number, prefix: string): Promise<number> {
  let done = 0;
  const start = now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; now() < deadline; i++) {
        await s.create(`${prefix}${w}/${i}`, value(i));
        done++;
      }
    }),
  );
  return done / ((now() - start) / 1000);
}

async function fill(s: Storage, total: number): Promise<number> {
  const start = now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < total) {
        const i = next++;
        await s.create(`/registry/pods/ns${i % 1000}/p${i}`, value(i));
      }
    }),
  );
  return total / ((now() - start) / 1000);
}

async function latencies(fn: (i: number) => Promise<unknown>, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = now();
    await fn(i);
    out.push(now() - t);
  }
  return out;
}

/** End-to-end watch latency: from the write call to each watcher's listener. */
async function watchLatency(s: Storage, watchers: number, writes: number): Promise<number[]> {
  const sent = new Map<string, number>();
  const samples: number[] = [];
  let delivered = 0;
  const start = (await s.currentRevision()) + 1;
  const handles = Array.from({ length: watchers }, () =>
    s.watch(
      '/bench/watch/',
      { startRevision: start },
      {
        onEvents: (events: WatchEvent[]) => {
          const t = now();
          for (const ev of events) {
            samples.push(t - sent.get(ev.kv.key)!);
            delivered++;
          }
        },
        onError: (err) => {
          throw err;
        },
      },
    ),
  );
  for (let i = 0; i < writes; i++) {
    const key = `/bench/watch/${i}`;
    sent.set(key, now());
    await s.create(key, value(i));
    await new Promise((r) => setTimeout(r, 20));
  }
  const deadline = now() + 120_000;
  while (delivered < watchers * writes && now() < deadline) await new Promise((r) => setTimeout(r, 10));
  for (const h of handles) await h.dispose();
  if (delivered < watchers * writes) throw new Error(`only ${delivered} of ${watchers * writes} events delivered`);
  return samples;
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

function duBytes(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, e) => sum + duBytes(join(path, e)), 0);
}

const MB = 1024 * 1024;

async function runBackend(
  name: string,
  s: Storage,
  args: Args,
  report: BenchReport,
  extra: { serverPid?: number; diskPath: string },
) {
  const per100k = 100_000 / args.objects;
  report.add(`${name}.creates_1_writer`, await createsPerSecond(s, 1, args.seconds, '/bench/c1/'), 'creates/s');
  const batches0 = s instanceof SqliteStorage ? s.batchStats : undefined;
  report.add(`${name}.creates_64_writers`, await createsPerSecond(s, 64, args.seconds, '/bench/c64/'), 'creates/s');
  if (s instanceof SqliteStorage && batches0) {
    const b = s.batchStats;
    report.add(
      `${name}.avg_batch_64_writers`,
      (b.ops - batches0.ops) / (b.batches - batches0.batches),
      'writes/commit',
    );
  }

  gc();
  const heap0 = process.memoryUsage();
  const server0 = extra.serverPid ? rssOf(extra.serverPid) : 0;
  const disk0 = duBytes(extra.diskPath);
  report.add(`${name}.fill_64_writers`, await fill(s, args.objects), 'creates/s');
  gc();
  const heap1 = process.memoryUsage();
  if (extra.serverPid) {
    report.add(`${name}.server_rss_per_100k_objects`, ((rssOf(extra.serverPid) - server0) * per100k) / MB, 'MiB');
  }
  report.add(`${name}.process_rss_per_100k_objects`, ((heap1.rss - heap0.rss) * per100k) / MB, 'MiB');
  report.add(`${name}.js_heap_per_100k_objects`, ((heap1.heapUsed - heap0.heapUsed) * per100k) / MB, 'MiB');
  report.add(`${name}.disk_per_100k_objects`, ((duBytes(extra.diskPath) - disk0) * per100k) / MB, 'MiB');

  const n = args.objects;
  const get = summarize(
    await latencies((i) => s.get(`/registry/pods/ns${(i * 7919) % 1000}/p${(i * 7919) % n}`), 2000),
  );
  report.add(`${name}.get_p50`, get.p50, 'ms');
  report.add(`${name}.get_p99`, get.p99, 'ms');
  const list = summarize(await latencies((i) => s.list(`/registry/pods/ns${(i * 31) % 1000}/`), 300));
  report.add(`${name}.list_100_p50`, list.p50, 'ms');
  report.add(`${name}.list_100_p99`, list.p99, 'ms');
  const page = summarize(await latencies(() => s.list('/registry/pods/', { limit: 500 }), 100));
  report.add(`${name}.list_page_500_p50`, page.p50, 'ms');
  const full = await latencies(() => s.list('/registry/pods/'), 1);
  report.add(`${name}.list_all_${n}`, full[0], 'ms');

  const w = summarize(await watchLatency(s, args.watchers, args.writes));
  report.add(`${name}.watch_delivery_p50_${args.watchers}_watchers`, w.p50, 'ms');
  report.add(`${name}.watch_delivery_p99_${args.watchers}_watchers`, w.p99, 'ms');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const report = new BenchReport('storage', { ...args });
  if (!(globalThis as { gc?: unknown }).gc) console.log('note: run with --expose-gc for steadier memory figures');
  const dir = mkdtempSync(join(tmpdir(), 'kubets-bench-storage-'));
  try {
    if (args.backends.includes('sqlite')) {
      const path = join(dir, 'sqlite', 'state.db');
      const s = SqliteStorage.open({ path, compactionIntervalMs: 0, durability: 'full' });
      try {
        await runBackend('sqlite', s, args, report, { diskPath: join(dir, 'sqlite') });
      } finally {
        await s.dispose();
      }
    }
    if (args.backends.includes('etcd')) {
      const cluster = await LocalEtcdCluster.start({ dir: join(dir, 'etcd') });
      const s = new EtcdStorage({ endpoints: cluster.endpoints, compactionIntervalMs: 0 });
      try {
        await runBackend('etcd', s, args, report, { serverPid: cluster.pid(0), diskPath: cluster.members[0].dataDir });
      } finally {
        await s.dispose();
        await cluster.dispose();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`results: ${report.save()}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
