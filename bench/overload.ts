import { kubetsNodeFlags } from '../src/cmd/cli-launcher.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { BenchClient, loadKubeconfig } from './lib/api-client.js';
import { BenchReport, summarize } from './lib/report.js';

/**
 * `npm run bench -- overload` (issue 5): does one client flooding LISTs push
 * another client's GET latency up? The API server runs in its own process
 * (SQLite datastore, `--token-auth-file` users). A "flooder" token user LISTs
 * 1,000 ConfigMaps with 16 requests in flight for BENCH_SECONDS (default 20),
 * from a worker thread so its response handling does not delay the
 * measurement; meanwhile a "quiet" token user GETs one ConfigMap at 20 req/s.
 * Prints the quiet user's GET p50/p99 (with and without the flood), the
 * flooder's achieved LIST rate and its 429 count. Target: quiet p99 <= 100 ms.
 */
const root = process.env.KUBETS_ROOT ?? process.cwd();
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const objects = Number(process.env.BENCH_OBJECTS ?? 1000);
const inFlight = Number(process.env.BENCH_FLOOD_INFLIGHT ?? 16);
const quietRate = Number(process.env.BENCH_QUIET_RATE ?? 20);
const flooderToken = 'bench-flooder-token-0a1b2c3d4e5f6a7b';
const quietToken = 'bench-quiet-token-8c9d0e1f2a3b4c5d';

interface Target {
  server: string;
  ca: string;
}

interface FloodResult {
  ok: number;
  tooMany: number;
  other: number;
  failed: number;
  bytes: number;
  elapsedMs: number;
}

/** GET with a bearer token over one HTTP/2 session; resolves with the status and body size. */
function get(
  session: http2.ClientHttp2Session,
  path: string,
  token: string,
): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = session.request({
      ':method': 'GET',
      ':path': path,
      accept: 'application/json',
      authorization: `Bearer ${token}`,
    });
    let status = 0;
    let bytes = 0;
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('data', (d: Buffer) => (bytes += d.length));
    req.on('end', () => resolve({ status, bytes }));
    req.on('error', reject);
    req.end();
  });
}

function connect(t: Target): http2.ClientHttp2Session {
  const s = http2.connect(t.server, { ca: t.ca, settings: { maxConcurrentStreams: 1000 } });
  s.on('error', () => undefined);
  return s;
}

/** The flooder (worker thread): `inFlight` loops of LIST until the deadline. */
async function flood(t: Target, deadline: number): Promise<FloodResult> {
  const session = connect(t);
  const r: FloodResult = { ok: 0, tooMany: 0, other: 0, failed: 0, bytes: 0, elapsedMs: 0 };
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (Date.now() < deadline) {
        try {
          const res = await get(session, '/api/v1/namespaces/flood/configmaps', flooderToken);
          r.bytes += res.bytes;
          if (res.status === 200) r.ok++;
          else if (res.status === 429) {
            r.tooMany++;
            await new Promise((x) => setTimeout(x, 100));
          } else r.other++;
        } catch {
          r.failed++;
        }
      }
    }),
  );
  r.elapsedMs = performance.now() - t0;
  session.close();
  return r;
}

if (!isMainThread) {
  const { target, deadline } = workerData as { target: Target; deadline: number };
  parentPort!.postMessage(await flood(target, deadline));
} else {
  await main();
}

async function startServer(dir: string, tokenFile: string): Promise<ChildProcess> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(
    process.execPath,
    [
      ...kubetsNodeFlags,
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
      '--token-auth-file',
      tokenFile,
      '--log-level',
      'error',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('API server ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return child;
}

/** `quietRate` GETs per second for `ms`; returns latencies of successes and the failure count. */
async function quietGets(t: Target, ms: number): Promise<{ lat: number[]; failed: number }> {
  const session = connect(t);
  const lat: number[] = [];
  let failed = 0;
  const calls: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; performance.now() - t0 < ms; i++) {
    const wait = t0 + (i * 1000) / quietRate - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const s = performance.now();
    calls.push(
      get(session, `/api/v1/namespaces/flood/configmaps/cm-${i % objects}`, quietToken).then(
        (r) => void (r.status === 200 ? lat.push(performance.now() - s) : failed++),
        () => void failed++,
      ),
    );
  }
  await Promise.all(calls);
  session.close();
  return { lat, failed };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-bench-overload-'));
  const tokenFile = join(dir, 'tokens.csv');
  writeFileSync(tokenFile, `${flooderToken},flooder,uid-flooder,""\n${quietToken},quiet,uid-quiet,""\n`);
  const report = new BenchReport('overload', { seconds, objects, inFlight, quietRate, datastore: 'sqlite' });
  const child = await startServer(join(dir, 'data'), tokenFile);
  const kcPath = join(dir, 'data', 'kubeconfig.yaml');
  const admin = new BenchClient(loadKubeconfig(kcPath));
  try {
    const must = async (p: Promise<{ status: number; body: string }>, what: string) => {
      const r = await p;
      if (r.status >= 300) throw new Error(`${what}: ${r.status} ${r.body.slice(0, 200)}`);
    };
    await must(
      admin.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flood' } }),
      'namespace',
    );
    await must(
      admin.request('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/flood/rolebindings', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'bench-view' },
        subjects: ['flooder', 'quiet'].map((name) => ({ kind: 'User', name, apiGroup: 'rbac.authorization.k8s.io' })),
        roleRef: { kind: 'ClusterRole', name: 'view', apiGroup: 'rbac.authorization.k8s.io' },
      }),
      'rolebinding',
    );
    let next = 0;
    const payload = 'x'.repeat(256);
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < objects) {
          const i = next++;
          await must(
            admin.request('POST', '/api/v1/namespaces/flood/configmaps', {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name: `cm-${i}` },
              data: { payload },
            }),
            `configmap ${i}`,
          );
        }
      }),
    );
    const kc = loadKubeconfig(kcPath);
    const target: Target = { server: kc.server, ca: kc.ca.toString() };
    // Wait until the RoleBinding has reached the authorizer.
    const probe = connect(target);
    for (
      let i = 0;
      i < 100 && (await get(probe, '/api/v1/namespaces/flood/configmaps/cm-0', quietToken)).status !== 200;
      i++
    )
      await new Promise((r) => setTimeout(r, 100));
    probe.close();

    const baseline = summarize((await quietGets(target, 5000)).lat);
    report.add('quiet.get.idle.p50', baseline.p50, 'ms');
    report.add('quiet.get.idle.p99', baseline.p99, 'ms');

    const deadline = Date.now() + seconds * 1000;
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { target, deadline } });
    const flooded = new Promise<FloodResult>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await new Promise((r) => setTimeout(r, 500));
    const quiet = await quietGets(target, Math.max(1000, deadline - Date.now() - 500));
    const f = await flooded;
    await worker.terminate();
    const q = summarize(quiet.lat);
    report.add('quiet.get.flood.count', q.count, 'req');
    report.add('quiet.get.flood.failed', quiet.failed, 'req');
    report.add('quiet.get.flood.p50', q.p50, 'ms');
    report.add('quiet.get.flood.p99', q.p99, 'ms');
    report.add('quiet.get.flood.max', q.max, 'ms');
    report.add('flooder.list.rate', f.ok / (f.elapsedMs / 1000), 'list/s');
    report.add('flooder.list.bytes', f.bytes / (f.elapsedMs / 1000) / 1024 / 1024, 'MiB/s');
    report.add('flooder.429', f.tooMany, 'count');
    report.add('flooder.errors', f.other + f.failed, 'count');
    report.add(
      'server.rss',
      Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) / 1024,
      'MiB',
    );
  } finally {
    admin.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
  console.log(`saved ${report.save()}`);
}
