/**
 * `npm run bench -- pod-startup [--rounds N] [--pods P]`
 *
 * Pod startup on a real node: a control plane in this process (SQLite), a
 * throwaway containerd with the images already present, and the kubelet in a
 * child process talking HTTPS to the API server as `system:node:<name>` (as
 * `kubets agent` does). Each round creates P pods at once and times
 * create -> Running as seen through a watch. Reports p50/p99 over all pods,
 * the agent's RSS idle and with all pods running, and — for comparison — the
 * runtime's own floor: P sandboxes + containers started directly over CRI.
 * Defaults: 3 rounds x 10 pods (30 pods at the end). Needs root and containerd.
 * The agent's RSS is that process alone (it loads only the kubelet's modules).
 *
 * Also the CPU time per pod started, by party: the runtime (containerd, shims,
 * runc, CNI plugins), the agent, and this process (control plane + watch). On a
 * shared 2-core machine wall times swing with other load; CPU per pod does not,
 * and it bounds what a round can take: P pods x (sum of the three) / 2 cores.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node, Pod, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { CriClient, ContainerRuntime, busyboxImage } from '../src/node/runtime/index.js';
import { HttpTransport, RestClient, gvr, typed } from '../src/client/index.js';
import { startKubelet } from '../src/node/kubelet/kubelet.js';
import { ScratchVolumeManager } from '../src/node/kubelet/testing/scratch-volumes.js';
import { BenchReport, summarize } from './lib/report.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : dflt;
}

interface AgentConfig {
  server: string;
  ca: string;
  cert: string;
  key: string;
  nodeName: string;
  endpoint: string;
  podLogsRoot: string;
  dataDir: string;
  podCIDR: string;
  cgroupRoot: string;
  cniConfDir: string;
  bridge: string;
  ipamDir: string;
}

/** The child: a kubelet on the parent's containerd, until SIGTERM. */
async function agent(cfg: AgentConfig): Promise<void> {
  const rest = new RestClient({
    transport: new HttpTransport({
      server: cfg.server,
      ca: cfg.ca,
      cert: cfg.cert,
      key: cfg.key,
      userAgent: 'kubelet/v1.32.4 (bench)',
    }),
    qps: 50,
    burst: 100,
  });
  const cri = new CriClient({ endpoint: cfg.endpoint });
  const kubelet = await startKubelet({
    nodeName: cfg.nodeName,
    nodeIP: '127.0.0.1',
    dataDir: cfg.dataDir,
    rest,
    runtime: new ContainerRuntime(cri, { podLogsRoot: cfg.podLogsRoot }),
    volumes: new ScratchVolumeManager(join(cfg.dataDir, 'pods')),
    resolvConf: '',
    podCIDR: cfg.podCIDR,
    cgroupRoot: cfg.cgroupRoot,
    cni: { confDir: cfg.cniConfDir, bridgeName: cfg.bridge, ipamDataDir: cfg.ipamDir, ipMasq: false },
  });
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  await kubelet.dispose();
  cri.close();
  process.exit(0);
}

/** CPU time (user + system, including reaped children) of a process, in ms. */
function cpuMs(pid: number): number {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 10;
  } catch {
    return 0;
  }
}

/**
 * CPU time of the runtime: every process whose command line names `dir` (the
 * containerd daemon and its shims; CNI plugins and runc are reaped by them),
 * except the agent (its arguments name the socket).
 */
function runtimeCpuMs(dir: string, exceptPid?: number): number {
  let total = 0;
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === exceptPid) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dir)) total += cpuMs(Number(p));
    } catch {
      // Gone.
    }
  }
  return total;
}

function rssMB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main(): Promise<void> {
  // Loaded here, not at the top: the agent child runs this file too and must not carry the control plane.
  const { startControlPlane } = await import('../src/cmd/control-plane.js');
  const { inProcessRest } = await import('../src/cmd/in-process.js');
  const { createLogger } = await import('../src/lib/log.js');
  const { runtimeE2eSkipReason, startContainerdEnv } = await import('../src/node/runtime/testing/containerd-env.js');
  const skip = runtimeE2eSkipReason();
  if (skip) {
    console.log(`pod-startup: skipped: ${skip}`);
    return;
  }
  const rounds = arg('rounds', 3);
  const perRound = arg('pods', 10);
  const nodeName = 'bench-node';
  const ns = 'bench';
  const dir = mkdtempSync(join(tmpdir(), 'kubets-bench-pods-'));
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
    controllers: ['*', '-node-ipam'],
    log: createLogger('bench', { level: 'error' }),
  });
  const env = await startContainerdEnv({ images: ['busybox'] });
  let child: ChildProcess | undefined;
  const report = new BenchReport('pod-startup', {
    rounds,
    perRound,
    runtime: 'containerd',
    snapshotter: env.containerd.snapshotter,
  });
  try {
    const admin = inProcessRest(
      cp.apiserver,
      { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] },
      'bench',
    );
    const cert = cp.pki.clientCert('client-bench-kubelet', {
      commonName: `system:node:${nodeName}`,
      organizations: ['system:nodes'],
    });
    const cfg: AgentConfig = {
      server: cp.url,
      ca: cp.pki.serverCA.certPEM,
      cert: cert.certPEM,
      key: cert.keyPEM,
      nodeName,
      endpoint: env.containerd.endpoint,
      podLogsRoot: env.podLogsRoot,
      dataDir: join(env.dir, 'kubelet'),
      podCIDR: env.podCIDR,
      cgroupRoot: env.cgroupParent,
      cniConfDir: env.containerd.paths.cniConfDir,
      bridge: env.bridge,
      ipamDir: join(env.dir, 'cni-ipam'),
    };
    const proc = spawn(process.execPath, [...process.execArgv, process.argv[1]!, '--agent', JSON.stringify(cfg)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child = proc;
    await new Promise<void>((resolve, reject) => {
      proc.once('exit', (code) => reject(new Error(`agent exited with ${code}`)));
      proc.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    });
    const nodes = typed<Node>(admin, gvr('', 'v1', 'nodes'));
    await until('node Ready', async () =>
      (await nodes.get(nodeName)).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
        ? true
        : undefined,
    );
    await typed(admin, gvr('', 'v1', 'namespaces')).create({ metadata: { name: ns } });
    await until('default ServiceAccount', () =>
      typed<ServiceAccount>(admin, gvr('', 'v1', 'serviceaccounts'), ns).get('default'),
    );
    await new Promise((r) => setTimeout(r, 3000));
    report.add('agent_rss_idle', rssMB(proc.pid!), 'MB');

    const pods = typed<Pod>(admin, gvr('', 'v1', 'pods'), ns);
    const latencies: number[] = [];
    // CPU spent per round by each party: on a shared 2-core machine this is steadier than wall time.
    const cpu = { agent: 0, controlPlane: 0, runtime: 0 };
    for (let r = 0; r < rounds; r++) {
      const before = {
        agent: cpuMs(proc.pid!),
        controlPlane: process.cpuUsage(),
        runtime: runtimeCpuMs(env.dir, proc.pid),
      };
      const watch = await pods.watch({ labelSelector: `round=${r}` });
      const created = new Map<string, number>();
      const running = new Map<string, number>();
      const seen = (async () => {
        for await (const ev of watch) {
          const p = ev.object as Pod;
          const name = p.metadata?.name ?? '';
          if (p.status?.phase === 'Running' && !running.has(name)) running.set(name, performance.now());
          if (running.size === perRound) break;
        }
      })();
      await Promise.all(
        Array.from({ length: perRound }, async (_, i) => {
          const name = `pod-${r}-${i}`;
          created.set(name, performance.now());
          await pods.create({
            metadata: { name, labels: { round: String(r) } },
            spec: {
              nodeName,
              automountServiceAccountToken: false,
              terminationGracePeriodSeconds: 1,
              containers: [
                { name: 'main', image: busyboxImage, command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'] },
              ],
            },
          });
        }),
      );
      await seen;
      watch.close();
      const cp = process.cpuUsage(before.controlPlane);
      cpu.agent += cpuMs(proc.pid!) - before.agent;
      cpu.controlPlane += (cp.user + cp.system) / 1000;
      cpu.runtime += runtimeCpuMs(env.dir, proc.pid) - before.runtime;
      const round = [...running].map(([n, at]) => at - created.get(n)!);
      latencies.push(...round);
      const s = summarize(round);
      report.add(`round_${r}_p50`, s.p50, 'ms');
      report.add(`round_${r}_p99`, s.p99, 'ms');
      await new Promise((res) => setTimeout(res, 2000));
    }
    const all = summarize(latencies);
    report.add('pod_startup_p50', all.p50, 'ms');
    report.add('pod_startup_p99', all.p99, 'ms');
    report.add('pod_startup_max', all.max, 'ms');
    const podCount = rounds * perRound;
    report.add('cpu_per_pod_runtime', cpu.runtime / podCount, 'ms');
    report.add('cpu_per_pod_agent', cpu.agent / podCount, 'ms');
    report.add('cpu_per_pod_control_plane', cpu.controlPlane / podCount, 'ms');
    await new Promise((res) => setTimeout(res, 3000));
    report.add(`agent_rss_${rounds * perRound}_pods`, rssMB(proc.pid!), 'MB');

    // The runtime's own floor for the same work, without a kubelet or an API server.
    const raw: number[] = [];
    const rawCpu = runtimeCpuMs(env.dir, proc.pid);
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: perRound }, async (_, i) => {
        const sb = await env.runtime.ensureSandbox({
          name: `raw-${i}`,
          namespace: 'raw',
          uid: `raw-${i}-${process.pid}`,
          cgroupParent: env.cgroupParent,
        });
        const id = await env.runtime.runContainer(sb, {
          name: 'main',
          image: busyboxImage,
          command: ['sleep', '3600'],
        });
        await env.runtime.waitForContainer(id, (c) => c.state === 'CONTAINER_RUNNING');
        raw.push(performance.now() - t0);
      }),
    );
    const rs = summarize(raw);
    report.add('raw_cri_p50', rs.p50, 'ms');
    report.add('raw_cri_p99', rs.p99, 'ms');
    report.add('raw_cri_cpu_per_pod_runtime', (runtimeCpuMs(env.dir, proc.pid) - rawCpu) / perRound, 'ms');
    console.log(`results: ${report.save()}`);
  } finally {
    if (child?.pid && child.exitCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 10_000);
      await new Promise((r) => child!.once('exit', r));
      clearTimeout(timer);
    }
    await env.dispose();
    await cp.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

const agentArg = process.argv.indexOf('--agent');
if (agentArg >= 0) {
  agent(JSON.parse(process.argv[agentArg + 1]!) as AgentConfig).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
