/**
 * `npm run bench -- controllers [--deployments N] [--replicas R] [--nodes M]`
 *
 * The workload controllers end to end in one process (API server on SQLite,
 * controller-manager and simulated nodes over the in-process transport, as
 * in `kubets server`): N Deployments x R replicas created at once on M
 * simulated nodes (pods bound round-robin by the sim, Running at once).
 * Reports the time until every Deployment is Available with all replicas
 * updated and available, and the pod creation rate the ReplicaSet controller
 * sustained. Defaults: 100 x 10 on 100 nodes. BENCH_DATASTORE picks the
 * datastore (e.g. `sqlite://:memory:`; default: a SQLite file in a temp dir).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { controllerMetrics, gvr, typed } from '../src/client/index.js';
import { startControlPlane } from '../src/cmd/control-plane.js';
import { inProcessRest } from '../src/cmd/in-process.js';
import { startSimNodes } from '../src/node/sim/sim-nodes.js';
import { createLogger } from '../src/lib/log.js';
import { BenchReport } from './lib/report.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : dflt;
}

const deploymentCount = arg('deployments', 100);
const replicas = arg('replicas', 10);
const nodeCount = arg('nodes', 100);

const deployment = (i: number): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: `bench-${i}` },
  spec: {
    replicas,
    selector: { matchLabels: { app: `bench-${i}` } },
    template: {
      metadata: { labels: { app: `bench-${i}` } },
      spec: {
        containers: [{ name: 'c', image: 'busybox:1.36', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
      },
    },
  },
});

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-bench-ctl-'));
  const report = new BenchReport('controllers', {
    deployments: deploymentCount,
    replicas,
    nodes: nodeCount,
    datastore: 'sqlite',
  });
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
    controllers: ['replicaset', 'deployment', 'serviceaccount'],
    log: createLogger('bench', { level: 'error' }),
  });
  const admin = { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] };
  const rest = inProcessRest(cp.apiserver, admin, 'bench', { qps: 100_000, burst: 100_000 });
  const simRest = inProcessRest(cp.apiserver, admin, 'kubets-sim', { qps: 100_000, burst: 100_000 });
  let t0 = performance.now();
  const sim = await startSimNodes({ rest: simRest, count: nodeCount, bindUnscheduled: true, workers: 32 });
  report.add('sim.register', performance.now() - t0, 'ms');
  try {
    const deployments = typed<Deployment>(rest, gvr('apps', 'v1', 'deployments'), 'default');
    const pods = typed<Pod>(rest, gvr('', 'v1', 'pods'), 'default');
    // Pods need the default ServiceAccount (created by its controller).
    const sa = typed(rest, gvr('', 'v1', 'serviceaccounts'), 'default');
    for (let i = 0; ; i++) {
      try {
        await sa.get('default');
        break;
      } catch {
        if (i > 200) throw new Error('no default service account');
        await new Promise((r) => setTimeout(r, 50));
      }
    }

    const total = deploymentCount * replicas;
    let created = 0;
    let running = 0;
    let lastCreate = 0;
    let allRunning = 0;
    const podWatch = await pods.watch({ resourceVersion: '0' });
    const seenRunning = new Set<string>();
    const watching = (async () => {
      for await (const ev of podWatch) {
        const p = ev.object as Pod;
        if (ev.type === 'ADDED') {
          created++;
          if (created === total) lastCreate = performance.now();
        }
        if (p.status?.phase === 'Running' && !seenRunning.has(p.metadata!.name!)) {
          seenRunning.add(p.metadata!.name!);
          running++;
          if (running === total) allRunning = performance.now();
        }
      }
    })().catch(() => undefined);

    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    t0 = performance.now();
    await Promise.all(Array.from({ length: deploymentCount }, (_, i) => deployments.create(deployment(i))));
    report.add('deployments.create', performance.now() - t0, 'ms');

    const deadline = t0 + 600_000;
    let available = 0;
    while (performance.now() < deadline) {
      const list = (await deployments.list()).items;
      available = list.filter(
        (d) =>
          d.status?.availableReplicas === replicas &&
          d.status?.updatedReplicas === replicas &&
          d.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True'),
      ).length;
      if (available === deploymentCount) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const allAvailable = performance.now();
    loop.disable();
    podWatch.close();
    await watching;
    if (available < deploymentCount)
      throw new Error(`only ${available}/${deploymentCount} deployments available after 600 s`);

    report.add('deployments.available', (allAvailable - t0) / 1000, 's');
    report.add('pods.created', created, 'count');
    report.add('pods.all-created', (lastCreate - t0) / 1000, 's');
    report.add('pods.all-running', (allRunning - t0) / 1000, 's');
    report.add('pods.created-per-second', total / ((lastCreate - t0) / 1000), 'pods/s');
    report.add('rss', process.memoryUsage().rss / 2 ** 20, 'MiB');
    for (const name of ['replicaset', 'deployment']) {
      const m = controllerMetrics.get(name);
      if (m) report.add(`${name}.reconciles`, m.reconcileTotal, 'count');
    }
    report.add('eventloop.delay.p99', loop.percentile(99) / 1e6, 'ms');
    console.log(`results: ${report.save()}`);
  } finally {
    await sim.dispose();
    await cp.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
