// Issue 11 acceptance: a 1-server + 2-agent cluster in three network
// namespaces on a private test LAN (192.168.250.0/24, created here; nothing
// in the host namespace changes), plus a fourth namespace on that LAN that
// is no node ("outside": a plain busybox httpd, no route to any pod CIDR).
// `kubets server` runs in the first, a join token is created with `kubets
// token create`, and `kubets agent` joins from the other two. Then, with real kubectl:
//   - all three nodes are Ready, and every node has kernel routes to the
//     other nodes' pod CIDRs (pod routes, `proto 231`);
//   - a Deployment of the local httpd image with a hostname spread
//     constraint puts one pod on each node;
//   - a pod on one agent reaches the pods of the other two nodes by pod IP,
//     and a pod on another node through a ClusterIP Service (kube-proxy);
//   - issue 10: the pods on other nodes see the client's own pod IP (no
//     masquerade inside the cluster CIDR), and the outside host, which has
//     no route back to pods, answers and sees the client node's LAN IP (the
//     node agent's pod masquerade, `ip kubets-masq`);
//   - SIGTERM to the second agent: it stops cleanly, node-lifecycle marks its
//     node NotReady after the 40 s grace, taint eviction removes its pod
//     (tolerationSeconds 5 for unreachable/not-ready) and the Deployment is
//     whole again on the two remaining nodes.
// Root only. Every process is stopped by PID, then `kubets uninstall` runs in
// each namespace for its data dir, then the namespaces go — even on failure.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import { runtimeE2eSkipReason } from '../../src/node/runtime/testing/containerd-env.js';
import { kubectlPath } from '../harness/clients.js';
import { createNetnsLan, type NetnsLan } from './multinode/netns-lan.js';
import { kubectlIn, runKubetsIn, startKubetsIn, type NodeProcess } from './multinode/kubets-in-netns.js';

const skip = runtimeE2eSkipReason();
if (skip) console.log(`# skipping multi-node cluster e2e: ${skip}`);

const serviceCIDR = '10.43.0.0/16';
const clusterCIDR = '10.42.0.0/16';
/** A CGI for busybox httpd that answers with the client address it sees. */
const peerCgi = '#!/bin/sh\necho Content-Type: text/plain\necho\necho "$REMOTE_ADDR"\n';
/** Machine index of the LAN host that is no node. */
const outside = 3;

async function poll<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000, everyMs = 500) {
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
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const isReady = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
const podReady = (p: Pod) =>
  p.status?.phase === 'Running' &&
  !p.metadata?.deletionTimestamp &&
  p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

function deployment(replicas: number): string {
  const tolerate = (key: string) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 });
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          terminationGracePeriodSeconds: 2,
          containers: [
            {
              name: 'httpd',
              image: 'kubets.local/httpd:1',
              // The image's httpd, plus /cgi-bin/peer naming the client address it sees.
              command: [
                'sh',
                '-c',
                'mkdir -p /www/cgi-bin && printf %s "$PEER_CGI" > /www/cgi-bin/peer && chmod 755 /www/cgi-bin/peer && exec httpd -f -v -p 8080 -h /www',
              ],
              env: [{ name: 'PEER_CGI', value: peerCgi }],
              ports: [{ containerPort: 8080 }],
            },
          ],
          // One per node; nodes with an untolerated taint (an unreachable node) do not count.
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'DoNotSchedule',
              nodeTaintsPolicy: 'Honor',
              labelSelector: { matchLabels: { app: 'web' } },
            },
          ],
          tolerations: [tolerate('node.kubernetes.io/unreachable'), tolerate('node.kubernetes.io/not-ready')],
        },
      },
    },
  });
}

describe('multi-node cluster: 1 server + 2 agents in network namespaces', { skip, timeout: 480_000 }, () => {
  const id = randomBytes(2).toString('hex');
  let dir = '';
  let lan: NetnsLan | undefined;
  const procs: NodeProcess[] = [];
  const dataDirs: [ns: string, dir: string][] = [];
  const names = [1, 2, 3].map((i) => `mn-${id}-${i}`);
  let server: NodeProcess;
  let agents: NodeProcess[] = [];
  let kubeconfig = '';
  let home = '';
  let outsideHttpd: ChildProcess | undefined;
  const figures: string[] = [];

  const ns = (i: number) => lan!.machines[i]!.ns;
  const kubectl = (args: string[], stdin?: string) =>
    kubectlIn(ns(0), kubectlPath(), kubeconfig, home, args, { stdin });
  const ok = async (args: string[], stdin?: string) => {
    const r = await kubectl(args, stdin);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} -> ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const getJSON = async <T>(args: string[]) => JSON.parse(await ok([...args, '-o', 'json'])) as T;
  /** What the cluster and the node processes looked like, for a failure message. */
  const diagnose = async (err: unknown) => {
    const parts = [String(err)];
    for (const args of [
      ['get', 'pods', '-o', 'wide'],
      ['get', 'nodes', '-o', 'wide'],
      ['get', 'events', '-A', '--sort-by=.lastTimestamp'],
    ]) {
      const r = await kubectl(args).catch((e: unknown) => ({ stdout: '', stderr: String(e) }));
      parts.push(`$ kubectl ${args.join(' ')}\n${r.stdout}${r.stderr}`);
    }
    for (const p of procs) parts.push(`--- ${p.name} output (tail)\n${p.output().slice(-4000)}`);
    return new Error(parts.join('\n'));
  };
  const webPods = async () => (await getJSON<{ items: Pod[] }>(['get', 'pods', '-l', 'app=web'])).items;
  /** An HTTP GET from inside `pod` to ip:port with busybox nc; the reply text. */
  const httpFrom = async (pod: string, ip: string, port: number, path = '/') => {
    const r = await kubectl([
      'exec',
      pod,
      '--',
      'sh',
      '-c',
      `printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${ip} ${port}`,
    ]);
    return r.code === 0 ? r.stdout : `exit ${r.code}: ${r.stderr}`;
  };

  /** Args every node of this test shares: its own bridge, cgroup root and names. */
  const nodeArgs = (i: number) => [
    '--data-dir', join(dir, `n${i + 1}`),
    '--node-name', names[i]!,
    '--node-ip', lan!.machines[i]!.ip,
    '--cni-bridge', `kmn${id}b${i + 1}`,
    // Pod cgroups of the three nodes must not share /kubepods (each kubelet would reap the others').
    '--kubelet-arg', `cgroup-root=/kubets-mn-${id}-n${i + 1}`,
    '--log-level', process.env.KUBETS_TEST_LOG ?? 'warn',
  ]; // prettier-ignore

  before(async () => {
    dir = mkdtempSync('/tmp/kmn-');
    home = join(dir, 'home');
    mkdirSync(home, { recursive: true });
    lan = await createNetnsLan(id, 4, { unreachable: [serviceCIDR, clusterCIDR] });
    // The outside host: busybox httpd on its LAN address, with the peer CGI.
    const www = join(dir, 'outside-www');
    mkdirSync(join(www, 'cgi-bin'), { recursive: true });
    writeFileSync(join(www, 'cgi-bin', 'peer'), peerCgi);
    chmodSync(join(www, 'cgi-bin', 'peer'), 0o755);
    const o = lan.machines[outside]!;
    const httpd = ['busybox', 'httpd', '-f', '-p', `${o.ip}:8080`, '-h', www];
    outsideHttpd = spawn('nsenter', [`--net=/run/netns/${o.ns}`, '--', ...httpd], { stdio: 'ignore' });
    for (let i = 0; i < 3; i++) dataDirs.push([ns(i), join(dir, `n${i + 1}`)]);
    kubeconfig = join(dir, 'n1', 'kubeconfig.yaml');
    server = startKubetsIn(ns(0), 'server', [
      'server',
      ...nodeArgs(0),
      '--advertise-address', lan.machines[0]!.ip,
      '--disable', 'coredns',
    ]); // prettier-ignore
    procs.push(server);
    const ready = await server.waitFor(/node (\S+) Ready (\d+) ms after launch/, 180_000);
    figures.push(`server launch -> node Ready: ${ready[2]} ms`);
    const token = await runKubetsIn(ns(0), ['token', 'create', '--data-dir', join(dir, 'n1'), '--ttl', '1h']);
    assert.equal(token.code, 0, token.stdout + token.stderr);
    const joinToken = token.stdout.trim().split('\n').at(-1)!.trim();
    assert.match(joinToken, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    const url = `https://${lan.machines[0]!.ip}:6443`;
    agents = [1, 2].map((i) => {
      const p = startKubetsIn(ns(i), `agent-${i}`, ['agent', '--server', url, '--token', joinToken, ...nodeArgs(i)]);
      procs.push(p);
      return p;
    });
    for (const a of agents) {
      const m = await a.waitFor(/node (\S+) Ready (\d+) ms after launch/, 180_000);
      figures.push(`${a.name} launch -> node ${m[1]} Ready: ${m[2]} ms`);
    }
  });

  after(async () => {
    for (const f of figures) console.log(`# ${f}`);
    await Promise.all(procs.map((p) => p.stop('SIGTERM', 20_000)));
    if (outsideHttpd && outsideHttpd.exitCode === null && outsideHttpd.signalCode === null) {
      const closed = new Promise((r) => outsideHttpd!.once('close', r));
      outsideHttpd.kill('SIGKILL');
      await closed;
    }
    // Each machine's leftovers (pods, bridge, rules, pod routes, cgroups) live in its namespace.
    await Promise.all(
      dataDirs.map(async ([n, d]) => {
        const r = await runKubetsIn(n, ['uninstall', '--data-dir', d], 180_000).catch((err: unknown) => ({
          code: -1,
          stdout: '',
          stderr: String(err),
        }));
        if (r.code !== 0) console.log(`# kubets uninstall ${d} failed: ${r.stdout}${r.stderr}`);
      }),
    );
    await lan?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('three nodes are Ready, and each routes the other nodes’ pod CIDRs', async () => {
    const nodes = await poll('3 Ready nodes with pod CIDRs', async () => {
      const list = (await getJSON<{ items: Node[] }>(['get', 'nodes'])).items;
      return list.length === 3 && list.every((n) => isReady(n) && n.spec?.podCIDR) ? list : undefined;
    });
    assert.deepEqual(nodes.map((n) => n.metadata!.name).sort(), names);
    const cidrOf = new Map(nodes.map((n) => [n.metadata!.name!, n.spec!.podCIDR!]));
    for (let i = 0; i < 3; i++) {
      const node = nodes.find((n) => n.metadata!.name === names[i])!;
      assert.deepEqual(node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address, lan!.machines[i]!.ip);
      const want = [0, 1, 2]
        .filter((j) => j !== i)
        .map((j) => `${cidrOf.get(names[j]!)} via ${lan!.machines[j]!.ip}`)
        .sort();
      const routes = await poll(
        `pod routes on ${names[i]}`,
        async () => {
          const r = await runIn(ns(i), ['ip', '-4', 'route', 'show', 'proto', '231']);
          const got = r
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((l) => /^(\S+) via (\S+)/.exec(l)?.slice(1, 3).join(' via '))
            .sort();
          return JSON.stringify(got) === JSON.stringify(want) ? got : undefined;
        },
        30_000,
      );
      assert.deepEqual(routes, want);
    }
  });

  test('a Deployment with a hostname spread constraint runs one pod per node', async () => {
    await ok(['apply', '-f', '-'], deployment(3));
    const pods = await poll(
      '3 web pods Ready',
      async () => {
        const ready = (await webPods()).filter(podReady);
        return ready.length === 3 ? ready : undefined;
      },
      90_000,
    ).catch(async (err: unknown) => {
      throw await diagnose(err);
    });
    assert.deepEqual(pods.map((p) => p.spec!.nodeName).sort(), names);
  });

  test('pods reach pods on other nodes by pod IP and through a ClusterIP Service', async () => {
    const pods = (await webPods()).filter(podReady);
    const on = (i: number) => pods.find((p) => p.spec!.nodeName === names[i])!;
    const client = on(1).metadata!.name!;
    for (const i of [0, 2]) {
      const ip = on(i).status!.podIP!;
      const reply = await poll(
        `${client} -> pod on ${names[i]} (${ip})`,
        async () => {
          const r = await httpFrom(client, ip, 8080);
          return /^HTTP\/1\.[01] 200/.test(r) ? r : undefined;
        },
        30_000,
        1000,
      );
      assert.match(reply, /Hello from kubets httpd/);
    }
    // A Service whose only endpoint is the pod on the third node: kube-proxy on the client's
    // node translates, the pod route carries the packet across.
    await ok(['label', 'pod', on(2).metadata!.name!, 'target=yes']);
    await ok(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web-far', namespace: 'default' },
        spec: { selector: { app: 'web', target: 'yes' }, ports: [{ port: 80, targetPort: 8080 }] },
      }),
    );
    const svc = await getJSON<Service>(['get', 'service', 'web-far']);
    const clusterIP = svc.spec!.clusterIP!;
    assert.ok(clusterIP.startsWith('10.43.'), clusterIP);
    const reply = await poll(
      `${client} -> Service ${clusterIP}:80`,
      async () => {
        const r = await httpFrom(client, clusterIP, 80);
        return /^HTTP\/1\.[01] 200/.test(r) ? r : undefined;
      },
      45_000,
      1000,
    );
    assert.match(reply, /Hello from kubets httpd/);
  });

  test('pods see each other’s pod IPs; traffic leaving the cluster CIDR is masqueraded', async () => {
    const pods = (await webPods()).filter(podReady);
    const on = (i: number) => pods.find((p) => p.spec!.nodeName === names[i])!;
    const client = on(1);
    const clientIP = client.status!.podIP!;
    const peerSeenBy = async (what: string, ip: string, port: number) =>
      poll(
        what,
        async () => {
          const r = await httpFrom(client.metadata!.name!, ip, port, '/cgi-bin/peer');
          // httpd on a dual-stack socket names IPv4 peers as `[::ffff:a.b.c.d]`.
          const peer = r.trim().split('\n').at(-1)!.trim();
          return /^HTTP\/1\.[01] 200/.test(r) ? peer.replace(/^\[::ffff:(.*)\]$/, '$1') : undefined;
        },
        30_000,
        1000,
      );
    for (const i of [0, 2]) {
      assert.equal(
        await peerSeenBy(`peer seen by the pod on ${names[i]}`, on(i).status!.podIP!, 8080),
        clientIP,
        `the pod on ${names[i]} sees the client's own pod IP`,
      );
    }
    const clusterIP = (await getJSON<Service>(['get', 'service', 'web-far'])).spec!.clusterIP!;
    assert.equal(await peerSeenBy('peer seen through the Service', clusterIP, 80), clientIP, 'through a ClusterIP too');
    // The outside host has no route to any pod CIDR (an unreachable route, in fact): it can only
    // answer because the client's node masqueraded the connection to its own LAN address.
    const o = lan!.machines[outside]!;
    assert.equal(await peerSeenBy('peer seen by the outside host', o.ip, 8080), lan!.machines[1]!.ip);
    for (let i = 0; i < 3; i++) {
      const table = await runIn(ns(i), ['nft', 'list', 'table', 'ip', 'kubets-masq']);
      assert.match(table, /ip daddr 10\.42\.0\.0\/16 return[\s\S]*ip saddr 10\.42\.0\.0\/16 masquerade/, names[i]);
    }
  });

  /**
   * Joins that must fail, each with one line on stderr: a token the cluster never issued (the
   * discovery waits 30 s for a signature that never comes), a server nobody listens on, and a
   * second agent on a data dir in use. Started alongside the NotReady wait below, which idles.
   */
  let failedJoins: Promise<{ name: string; code: number; stderr: string; ms: number }[]> | undefined;
  const startFailedJoins = () => {
    const url = `https://${lan!.machines[0]!.ip}:6443`;
    const attempt = async (name: string, machine: number, args: string[]) => {
      const t0 = Date.now();
      const r = await runKubetsIn(ns(machine), ['agent', ...args, '--log-level', 'error'], 90_000);
      return { name, code: r.code, stderr: r.stderr, ms: Date.now() - t0 };
    };
    // An external (absent) CRI endpoint: these nodes never get as far as a runtime.
    const noRuntime = ['--container-runtime-endpoint', 'unix:///nonexistent/cri.sock', '--node-name', 'never-joins'];
    return Promise.all([
      attempt('wrong token', 2, [
        '--server', url, '--token', 'abcdef.0123456789abcdef', '--data-dir', join(dir, 'bad-token'), ...noRuntime,
      ]),
      attempt('unreachable server', 2, [
        '--server', `https://${lan!.machines[0]!.ip}:6444`, '--token', 'abcdef.0123456789abcdef',
        '--data-dir', join(dir, 'no-server'), ...noRuntime,
      ]),
      attempt('data dir in use', 1, ['--server', url, '--token', 'abcdef.0123456789abcdef', ...nodeArgs(1)]),
    ]); // prettier-ignore
  };

  test('stopping an agent: its node goes NotReady and its pod is rescheduled', async () => {
    failedJoins = startFailedJoins();
    failedJoins.catch(() => undefined);
    const gone = agents[1]!;
    const goneNode = names[2]!;
    const before = (await webPods()).filter(podReady);
    const victim = before.find((p) => p.spec!.nodeName === goneNode)!.metadata!.name!;
    const t0 = Date.now();
    assert.equal(await gone.stop('SIGTERM', 30_000), 0, gone.output());
    assert.match(gone.output(), /received SIGTERM, shutting down/);
    figures.push(`agent SIGTERM -> exited: ${Date.now() - t0} ms`);

    await poll(
      `${goneNode} NotReady`,
      async () => {
        const n = await getJSON<Node>(['get', 'node', goneNode]);
        return isReady(n) ? undefined : n;
      },
      75_000,
      1000,
    );
    const notReadyAt = Date.now();
    figures.push(`agent stopped -> node NotReady: ${notReadyAt - t0} ms (node-monitor grace 40 s)`);
    assert.ok(notReadyAt - t0 < 60_000, `NotReady after ${notReadyAt - t0} ms`);

    const pods = await poll(
      '3 Ready web pods on the remaining nodes',
      async () => {
        const ready = (await webPods()).filter(podReady);
        return ready.length === 3 && ready.every((p) => p.spec!.nodeName !== goneNode) ? ready : undefined;
      },
      90_000,
      1000,
    );
    figures.push(`node NotReady -> replacement Ready: ${Date.now() - notReadyAt} ms`);
    assert.ok(!pods.some((p) => p.metadata!.name === victim));
    assert.deepEqual([...new Set(pods.map((p) => p.spec!.nodeName))].sort(), names.slice(0, 2));
    const node = await getJSON<Node>(['get', 'node', goneNode]);
    assert.ok(
      node.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute'),
      JSON.stringify(node.spec?.taints),
    );
  });

  test('failed joins say what happened in one line on stderr', async () => {
    const results = await (failedJoins ?? startFailedJoins());
    const want: Record<string, RegExp> = {
      'wrong token':
        /^kubets agent: the join token was rejected by https:\/\/192\.168\.250\.1:6443: check `kubets token list` on the server$/,
      'unreachable server':
        /^kubets agent: cannot reach the server at https:\/\/192\.168\.250\.1:6444 \(.*ECONNREFUSED.*\): check --server/,
      'data dir in use':
        /^kubets agent: another kubets process \(pid \d+\) is already running on \S+\/n2; stop it first or use another --data-dir$/,
    };
    for (const r of results) {
      figures.push(`failed join (${r.name}): exit ${r.code} after ${r.ms} ms`);
      assert.equal(r.code, 1, `${r.name}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `${r.name}: one line, got:\n${r.stderr}`);
      assert.match(lines[0]!, want[r.name]!, r.name);
    }
    assert.ok(agents[0]!.running(), 'the refused second agent left the running one alone');
  });
});

async function runIn(ns: string, cmd: string[]): Promise<string> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) =>
    execFile('nsenter', [`--net=/run/netns/${ns}`, '--', ...cmd], (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
    ),
  );
}
