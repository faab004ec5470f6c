/**
 * `npm run bench -- dns [--queries N] [--window W] [--services S]`
 *
 * Cluster DNS throughput and latency from one client over UDP. The server
 * runs as in `kubets server` (informers over the in-process transport of a
 * real API server on SQLite) with S ClusterIP services, a headless service
 * with 10 endpoints and a fake upstream on 127.0.0.1 (forwarded names are
 * cache hits after the first). The client is a worker thread (its own event
 * loop) with one UDP socket: first 5,000 queries one at a time (unloaded
 * latency), then N queries (default 50,000) keeping W (default 16) in flight.
 * The mix: 60% ClusterIP A, 10% headless A, 10% SRV, 10% NXDOMAIN (search-path
 * misses), 10% forwarded. Bounded in count and in time (120 s per phase).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { startClusterDns } from '../src/addons/dns/cluster-dns.js';
import { encodeQuery } from '../src/addons/dns/dns-client.js';
import { startFakeUpstream } from '../src/addons/dns/testing/fake-upstream.js';
import { gvr, typed } from '../src/client/index.js';
import { startControlPlane } from '../src/cmd/control-plane.js';
import { inProcessRest } from '../src/cmd/in-process.js';
import { createLogger } from '../src/lib/log.js';
import { BenchReport, summarize } from './lib/report.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : dflt;
}

const queryCount = arg('queries', 50_000);
const windowSize = arg('window', 16);
const serviceCount = arg('services', 200);

/** The client (plain JS, so the worker needs no TypeScript loader): sends, matches by ID, times each answer. */
const clientSource = `
const { parentPort, workerData } = require('node:worker_threads');
const dgram = require('node:dgram');
const { host, port, queries, total, window, timeoutMs, phaseMs } = workerData;
const sock = dgram.createSocket('udp4');
const inflight = new Map();
const latencies = new Float64Array(total);
let sent = 0, done = 0, lost = 0, answered = 0, truncated = 0;
const rcodes = {};
const t0 = performance.now();
function sendNext() {
  if (sent >= total) return;
  const q = Buffer.from(queries[sent % queries.length]);
  const id = sent & 0xffff;
  q.writeUInt16BE(id, 0);
  inflight.set(id, performance.now());
  sent++;
  sock.send(q);
}
function finish() {
  clearInterval(timer);
  sock.close();
  parentPort.postMessage({ latencies: latencies.subarray(0, answered), lost, truncated, rcodes, elapsedMs: performance.now() - t0 });
}
sock.on('message', (msg) => {
  const id = msg.readUInt16BE(0);
  const at = inflight.get(id);
  if (at === undefined) return;
  inflight.delete(id);
  latencies[answered++] = performance.now() - at;
  const rc = msg[3] & 15;
  rcodes[rc] = (rcodes[rc] || 0) + 1;
  if (msg[2] & 2) truncated++;
  if (++done >= total) return finish();
  sendNext();
});
const timer = setInterval(() => {
  const now = performance.now();
  for (const [id, at] of inflight) {
    if (now - at > timeoutMs) { inflight.delete(id); lost++; done++; sendNext(); }
  }
  if (done >= total || now - t0 > phaseMs) finish();
}, 50);
sock.connect(port, host, () => { for (let i = 0; i < window; i++) sendNext(); });
`;

interface PhaseResult {
  latencies: Float64Array;
  lost: number;
  truncated: number;
  rcodes: Record<string, number>;
  elapsedMs: number;
}

function runClient(port: number, queries: Buffer[], total: number, window: number): Promise<PhaseResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(clientSource, {
      eval: true,
      workerData: { host: '127.0.0.1', port, queries, total, window, timeoutMs: 2000, phaseMs: 120_000 },
    });
    w.once('message', (m: PhaseResult) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-bench-dns-'));
  const report = new BenchReport('dns', { queries: queryCount, window: windowSize, services: serviceCount });
  const cp = await startControlPlane({
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
    controllers: [],
    log: createLogger('bench', { level: 'error' }),
  });
  const admin = { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] };
  const rest = inProcessRest(cp.apiserver, admin, 'bench', { qps: 100_000, burst: 100_000 });
  const upstream = await startFakeUpstream({
    records: { 'www.example.test|A': [{ type: 'A', name: 'x', ttl: 300, data: '192.0.2.80' }] },
  });
  let dns: Awaited<ReturnType<typeof startClusterDns>> | undefined;
  try {
    const services = typed<Service>(rest, gvr('', 'v1', 'services'), 'default');
    await Promise.all(
      Array.from({ length: serviceCount }, (_, i) =>
        services.create({ metadata: { name: `svc-${i}` }, spec: { ports: [{ name: 'http', port: 80 }] } }),
      ),
    );
    await services.create({
      metadata: { name: 'hs' },
      spec: { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] },
    });
    await typed<EndpointSlice>(rest, gvr('discovery.k8s.io', 'v1', 'endpointslices'), 'default').create({
      metadata: { name: 'hs-1', labels: { 'kubernetes.io/service-name': 'hs' } },
      addressType: 'IPv4',
      endpoints: Array.from({ length: 10 }, (_, i) => ({ addresses: [`10.42.0.${i + 10}`], hostname: `hs-${i}` })),
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });

    const t0 = performance.now();
    dns = await startClusterDns({
      rest,
      listen: [{ host: '127.0.0.1', port: 0 }],
      upstreams: [`127.0.0.1:${upstream.address.port}`],
    });
    report.add('dns.start_synced', performance.now() - t0, 'ms');
    const port = dns.addresses[0]!.port;

    const Z = 'default.svc.cluster.local';
    const queries: Buffer[] = [];
    for (let i = 0; i < 100; i++) {
      const kind = i % 10;
      if (kind < 6) queries.push(encodeQuery(`svc-${(i * 7) % serviceCount}.${Z}`, 'A', { id: 0 }));
      else if (kind === 6) queries.push(encodeQuery(`hs.${Z}`, 'A', { id: 0 }));
      else if (kind === 7) queries.push(encodeQuery(`_http._tcp.svc-${i % serviceCount}.${Z}`, 'SRV', { id: 0 }));
      else if (kind === 8) queries.push(encodeQuery(`svc-${i}.default.svc.cluster.local.${Z}`, 'A', { id: 0 }));
      else queries.push(encodeQuery('www.example.test', 'A', { id: 0 }));
    }
    const summary = (name: string, r: PhaseResult, total: number) => {
      const s = summarize(Array.from(r.latencies));
      report.add(`${name}.qps`, (r.latencies.length / r.elapsedMs) * 1000, 'queries/s');
      report.add(`${name}.p50`, s.p50, 'ms');
      report.add(`${name}.p99`, s.p99, 'ms');
      report.add(`${name}.max`, s.max, 'ms');
      report.add(`${name}.lost`, r.lost + (total - r.latencies.length - r.lost), 'queries');
      report.add(`${name}.truncated`, r.truncated, 'replies');
    };
    await runClient(port, queries, 2_000, windowSize); // warm-up (JIT, cache)
    summary('dns.udp.sequential', await runClient(port, queries, 5_000, 1), 5_000);
    const loaded = await runClient(port, queries, queryCount, windowSize);
    summary(`dns.udp.window${windowSize}`, loaded, queryCount);
    const nx = loaded.rcodes['3'] ?? 0;
    report.add('dns.udp.nxdomain_share', nx / Math.max(1, loaded.latencies.length), 'ratio');
    const served = dns.metrics.responses.sum({ plugin: 'cache' });
    report.add('dns.cache_hits', served, 'replies');
    console.log(`results: ${report.save()}`);
  } finally {
    await dns?.dispose();
    await upstream.close();
    await cp.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
