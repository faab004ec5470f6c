// Issue 11 acceptance, HA with an agent: three `kubets server --disable-agent`
// processes with managed etcd and one `kubets agent`, each in its own network
// namespace on a private test LAN (192.168.250.0/24, created here; nothing
// in the host namespace changes). The agent joins through the server that
// holds the controller-manager lease and learns the others from the
// `kubernetes` Endpoints. That server is then killed with SIGKILL together
// with its etcd member: the agent's client-side load balancer moves to a
// survivor, so its node Lease keeps being renewed and the node stays Ready,
// and a new pod is still scheduled to it and runs. Root only. Every process
// is stopped by PID, the agent's host state is removed with `kubets
// uninstall`, then the namespaces go — even on failure.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { serverPoolStateFile } from '../../src/node/bootstrap/server-pool.js';
import { runtimeE2eSkipReason } from '../../src/node/runtime/testing/containerd-env.js';
import { kubectlPath } from '../harness/clients.js';
import { createNetnsLan, type NetnsLan } from './multinode/netns-lan.js';
import { kubectlIn, runKubetsIn, startKubetsIn, type NodeProcess } from './multinode/kubets-in-netns.js';

const skip = runtimeE2eSkipReason();
if (skip) console.log(`# skipping HA agent e2e: ${skip}`);

const serviceCIDR = '10.43.0.0/16';
const clusterCIDR = '10.42.0.0/16';
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function poll<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 500) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await pause(everyMs);
  }
}

const readyOf = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status;

/** Whether `pid` is the etcd member of `dataDir` (never signal a PID the kernel reused). */
function etcdPidOf(dataDir: string): number | undefined {
  const f = join(dataDir, 'server', 'db', 'etcd.pid');
  if (!existsSync(f)) return undefined;
  const pid = Number(readFileSync(f, 'utf8').trim());
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes(`--data-dir=${join(dataDir, 'server', 'db', 'etcd')}`) ? pid : undefined;
  } catch {
    return undefined;
  }
}

describe('HA: 3 servers + 1 agent, the leader server is killed', { skip, timeout: 300_000 }, () => {
  const id = randomBytes(2).toString('hex');
  let dir = '';
  let home = '';
  let lan: NetnsLan | undefined;
  const servers: NodeProcess[] = [];
  const procs: NodeProcess[] = [];
  let agent: NodeProcess | undefined;
  const nodeName = `ha-agent-${id}`;
  const figures: string[] = [];

  const ns = (i: number) => lan!.machines[i]!.ns;
  const ip = (i: number) => lan!.machines[i]!.ip;
  const dataDir = (i: number) => join(dir, `m${i + 1}`);
  const url = (i: number) => `https://${ip(i)}:6443`;
  /** kubectl through server `i`, from inside its namespace (its kubeconfig points at loopback). */
  const kubectl = (i: number, args: string[], stdin?: string) =>
    kubectlIn(ns(i), kubectlPath(), join(dataDir(i), 'kubeconfig.yaml'), home, args, { stdin });
  const getJSON = async <T>(i: number, args: string[]): Promise<T> => {
    const r = await kubectl(i, [...args, '-o', 'json']);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };
  const identity = (p: NodeProcess) => /leader election as (\S+?)\)/.exec(p.output())?.[1];

  const serverArgs = (i: number, extra: string[]) => [
    'server',
    '--disable-agent',
    '--disable', 'coredns',
    '--data-dir', dataDir(i),
    '--advertise-address', ip(i),
    '--log-level', process.env.KUBETS_TEST_LOG ?? 'warn',
    ...extra,
  ]; // prettier-ignore

  const startServerIn = async (i: number, extra: string[]) => {
    const p = startKubetsIn(ns(i), `server-${i + 1}`, serverArgs(i, extra));
    procs.push(p);
    servers[i] = p;
    await p.waitFor(/kubeconfig written to/, 120_000);
    await p.waitFor(/leader election as \S+\)/, 10_000);
    return p;
  };

  before(async () => {
    dir = mkdtempSync('/tmp/kha-');
    home = join(dir, 'home');
    mkdirSync(home, { recursive: true });
    lan = await createNetnsLan(id, 4, { unreachable: [serviceCIDR, clusterCIDR] });
    const t0 = Date.now();
    await startServerIn(0, ['--cluster-init']);
    const token = readFileSync(join(dataDir(0), 'server', 'token'), 'utf8').trim();
    await startServerIn(1, ['--server', url(0), '--token', token]);
    await startServerIn(2, ['--server', url(1), '--token', token]);
    figures.push(`3 servers up: ${Date.now() - t0} ms`);
  });

  after(async () => {
    for (const f of figures) console.log(`# ${f}`);
    await Promise.all(procs.map((p) => p.stop('SIGTERM', 20_000)));
    for (let i = 0; i < 3; i++) {
      const pid = dir ? etcdPidOf(dataDir(i)) : undefined;
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
    }
    if (agent && lan) {
      const r = await runKubetsIn(ns(3), ['uninstall', '--data-dir', dataDir(3)], 180_000).catch((err: unknown) => ({
        code: -1,
        stdout: '',
        stderr: String(err),
      }));
      if (r.code !== 0) console.log(`# kubets uninstall ${dataDir(3)} failed: ${r.stdout}${r.stderr}`);
    }
    await lan?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the agent fails over: its node stays Ready and a new pod runs on it', async () => {
    try {
      // The leader: the holder of the controller-manager lease.
      const holder = await poll('a controller-manager leader', async () => {
        const l = await getJSON<Lease>(0, ['-n', 'kube-system', 'get', 'lease', 'kube-controller-manager']);
        return l.spec?.holderIdentity || undefined;
      });
      const leader = servers.findIndex((p) => identity(p) === holder);
      assert.ok(leader >= 0, `lease held by ${holder}, not one of ${servers.map(identity).join(', ')}`);
      const survivor = [0, 1, 2].find((i) => i !== leader)!;

      // The agent joins through the leader, so killing it forces the agent to fail over.
      const jt = await runKubetsIn(ns(leader), ['token', 'create', '--data-dir', dataDir(leader), '--ttl', '1h']);
      assert.equal(jt.code, 0, jt.stdout + jt.stderr);
      const joinToken = jt.stdout.trim().split('\n').at(-1)!.trim();
      agent = startKubetsIn(ns(3), 'agent', [
        'agent',
        '--server', url(leader),
        '--token', joinToken,
        '--data-dir', dataDir(3),
        '--node-name', nodeName,
        '--node-ip', ip(3),
        '--cni-bridge', `kha${id}b`,
        '--kubelet-arg', `cgroup-root=/kubets-ha-${id}`,
        '--log-level', process.env.KUBETS_TEST_LOG ?? 'warn',
      ]); // prettier-ignore
      procs.push(agent);
      const ready = await agent.waitFor(/node (\S+) Ready (\d+) ms after launch/, 120_000);
      figures.push(`agent launch -> node Ready: ${ready[2]} ms`);

      // It knows every server (the `kubernetes` Endpoints), as its saved load-balancer list shows.
      const stateFile = serverPoolStateFile(dataDir(3));
      const known = await poll('the agent to learn all 3 servers', async () => {
        if (!existsSync(stateFile)) return undefined;
        const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as { servers: string[] };
        return [0, 1, 2].every((i) => saved.servers.includes(url(i))) ? saved.servers : undefined;
      });
      assert.ok(known.length >= 3);

      // Kill the leader and its etcd member, as a machine dying would.
      const etcdPid = etcdPidOf(dataDir(leader));
      const killedAt = Date.now();
      await servers[leader]!.stop('SIGKILL');
      if (etcdPid !== undefined) process.kill(etcdPid, 'SIGKILL');

      // The node Lease is renewed through another server.
      const renewedMs = await poll(
        'a node Lease renewal after the kill',
        async () => {
          const l = await getJSON<Lease>(survivor, ['-n', 'kube-node-lease', 'get', 'lease', nodeName]);
          const t = Date.parse(String(l.spec?.renewTime ?? ''));
          return t > killedAt + 1000 ? Date.now() - killedAt : undefined;
        },
        45_000,
      );
      figures.push(`node lease renewed after the kill: ${renewedMs} ms`);

      // Past the 40 s node-monitor grace period of the new controller-manager leader, the node never left Ready.
      const seen = new Set<string>();
      while (Date.now() - killedAt < 50_000) {
        const n = await getJSON<Node>(survivor, ['get', 'node', nodeName]).catch(() => undefined);
        if (n) seen.add(readyOf(n) ?? 'missing');
        await pause(2_000);
      }
      assert.deepEqual([...seen], ['True'], `Ready condition seen after the kill: ${[...seen].join(', ')}`);
      const newHolder = await poll('the lease to move to a survivor', async () => {
        const l = await getJSON<Lease>(survivor, ['-n', 'kube-system', 'get', 'lease', 'kube-controller-manager']);
        const h = l.spec?.holderIdentity;
        return h && h !== holder ? h : undefined;
      });
      assert.ok(servers.some((p, i) => i !== leader && identity(p) === newHolder));

      // A new pod is scheduled (by a surviving scheduler) to the agent's node and runs there.
      const pod: Pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'after-failover', namespace: 'default' },
        spec: {
          nodeSelector: { 'kubernetes.io/hostname': nodeName },
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'c', image: 'kubets.local/pause:1' }],
        },
      };
      const created = await kubectl(survivor, ['apply', '-f', '-'], JSON.stringify(pod));
      assert.equal(created.code, 0, created.stderr);
      const createdAt = Date.now();
      const running = await poll(
        'the pod Running on the agent',
        async () => {
          const p = await getJSON<Pod>(survivor, ['get', 'pod', 'after-failover']);
          return p.status?.phase === 'Running' ? p : undefined;
        },
        60_000,
      );
      assert.equal(running.spec?.nodeName, nodeName);
      figures.push(`pod create -> Running after failover: ${Date.now() - createdAt} ms`);
    } catch (err) {
      const parts = [String(err)];
      for (const p of procs) parts.push(`--- ${p.name} output (tail)\n${p.output().slice(-3000)}`);
      throw new Error(parts.join('\n'));
    }
  });
});
