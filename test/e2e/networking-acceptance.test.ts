// Issue 10's networking acceptance on a real `kubets server` with real kubectl:
// each proxy mode gets its own network namespace (node IP 192.168.251.2 on a
// veth, `unreachable` route for the service CIDR first) and its own server in
// it (containerd, kubelet, kube-proxy, cluster DNS on the node IP). Two httpd
// pods of a StatefulSet sit behind ClusterIP, headless, NodePort and
// ClientIP-affinity Services; a busybox client pod reaches them by name, the
// namespace's "host" reaches the NodePort, a pod failing readiness drops out,
// scaling to zero refuses connections at once, and DNS answers every record
// type to nslookup in a pod (through the kube-dns Service) and on the host
// (the node IP's port 53). Only cluster names are ever looked up: the DNS
// server forwards anything else to the machine's resolvers. Root only; every
// server, namespace and temp dir is removed in `after`, even on failure.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { runtimeE2eSkipReason } from '../../src/node/runtime/testing/containerd-env.js';
import { kubectlPath } from '../harness/clients.js';
import { NetnsNode } from './net/netns-node.js';
import { NetnsServer } from './net/netns-server.js';
import { deployWeb, nodePort, poll } from './net/web-workload.js';

function skipReason(): string | undefined {
  const runtime = runtimeE2eSkipReason();
  if (runtime) return runtime;
  for (const [tool, pkg] of [
    ['/usr/bin/nsenter', 'util-linux'],
    ['/usr/sbin/nft', 'nftables'],
  ]) {
    if (!existsSync(tool!)) return `networking acceptance needs ${tool} (apt-get install ${pkg})`;
  }
  return undefined;
}

const skip = skipReason();
if (skip) console.log(`# skipping networking acceptance: ${skip}`);

const Z = 'cluster.local';
const esc = (s: string) => s.replaceAll('.', '\\.');

/** "backend web-0" lines -> count per backend; anything else counts under its own text. */
function tally(out: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of out.split('\n').filter(Boolean)) {
    const key = /^backend (\S+)$/.exec(line)?.[1] ?? `other: ${line}`;
    m.set(key, (m.get(key) ?? 0) + 1);
  }
  return m;
}

/** Seconds of busybox `time` output ("real\t0m 0.01s"). */
function realSeconds(stderr: string): number {
  const m = /real\s+(\d+)m\s*([\d.]+)s/.exec(stderr);
  assert.ok(m, `no time in: ${stderr}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

function acceptance(mode: 'nftables' | 'userspace', extraArgs: string[]) {
  describe(
    `networking acceptance, kube-proxy ${mode} (kubets server in a network namespace)`,
    {
      skip,
      timeout: 240_000,
    },
    () => {
      let node: NetnsNode | undefined;
      let server: NetnsServer | undefined;
      let ips = new Map<string, string>();
      let clusterIP = '';

      const s = () => server!;
      /** Runs a shell script in the client pod. */
      const inClient = (script: string) => s().kubectl(['exec', 'client', '--', 'sh', '-c', script]);
      const requests = async (url: string, n: number) => {
        const r = await inClient(`for i in $(seq 1 ${n}); do wget -qO- ${url} || echo FAILED; done`);
        assert.equal(r.code, 0, r.stderr);
        return tally(r.stdout);
      };

      before(async () => {
        node = await NetnsNode.create();
        server = new NetnsServer({ node, kubectl: kubectlPath(), extraArgs });
        await server.waitFor(/node \S+ Ready \d+ ms after launch/);
        ips = await deployWeb(server);
        clusterIP = (await server.ok(['get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
      });

      after(async () => {
        await server?.dispose();
        await node?.dispose();
      });

      test('kube-proxy runs in the requested mode and has synced', async () => {
        const metrics = await node!.run('busybox', ['wget', '-qO-', `http://${node!.nodeIP}:10256/metrics`]);
        assert.equal(metrics.code, 0, metrics.stderr);
        assert.match(metrics.stdout, /kubeproxy_sync_proxy_rules_duration_seconds_count [1-9]/);
        const table = await node!.run('nft', ['list', 'table', 'inet', 'kubets-proxy']);
        const lo = await node!.runChecked('ip', ['-4', 'addr', 'show', 'dev', 'lo']);
        const clusterIPLocal = new RegExp(`inet ${esc(clusterIP)}/32 .*lo:kubets`).test(lo.stdout);
        if (mode === 'nftables') {
          assert.equal(table.code, 0, table.stderr);
          assert.ok(!clusterIPLocal, lo.stdout);
        } else {
          assert.notEqual(table.code, 0, 'no nftables rules in userspace mode');
          assert.ok(clusterIPLocal, `the ClusterIP is a local address:\n${lo.stdout}`);
        }
      });

      test('a client pod reaches the Service by name; both backends answer', async () => {
        // Pods are Ready before their endpoints reach the proxy: poll, bounded.
        let short = new Map<string, number>();
        await poll(
          'both backends answering http://web',
          async () => {
            short = await requests('http://web', 30);
            return short.size === 2 && short.has('web-0') && short.has('web-1') ? true : undefined;
          },
          30_000,
        ).catch((err: Error) => assert.fail(`${err.message}; last batch: ${JSON.stringify([...short])}`));
        const fqdn = await requests(`http://web.default.svc.${Z}`, 10);
        assert.equal((fqdn.get('web-0') ?? 0) + (fqdn.get('web-1') ?? 0), 10, JSON.stringify([...fqdn]));
      });

      test('the NodePort answers from the host, both backends', async () => {
        const seen = new Map<string, number>();
        for (let i = 0; i < 20; i++) {
          const r = await node!.run('busybox', ['wget', '-qO-', `http://${node!.nodeIP}:${nodePort}/`]);
          assert.equal(r.code, 0, r.stderr);
          for (const [k, v] of tally(r.stdout)) seen.set(k, (seen.get(k) ?? 0) + v);
        }
        assert.deepEqual([...seen.keys()].sort(), ['web-0', 'web-1'], JSON.stringify([...seen]));
      });

      test('a LoadBalancer Service gets the node IP (cloud controller) and answers on it from the host', async () => {
        await s().ok(['apply', '-f', '-'], {
          stdin: `apiVersion: v1
kind: Service
metadata: {name: web-lb}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{name: http, port: 8081, targetPort: 8080}]
`,
        });
        const ingress = await poll(
          'web-lb ingress',
          async () =>
            (
              await s().ok(['get', 'service', 'web-lb', '-o', 'jsonpath={.status.loadBalancer.ingress[*].ip}'])
            ).trim() || undefined,
          30_000,
        );
        assert.equal(ingress, node!.nodeIP);
        const wide = await s().ok(['get', 'service', 'web-lb', '--no-headers']);
        assert.match(wide, new RegExp(`^web-lb\\s+LoadBalancer\\s+\\S+\\s+${esc(node!.nodeIP)}\\s+8081:\\d+/TCP`));
        const seen = new Map<string, number>();
        await poll(
          'both backends answering on the load balancer IP',
          async () => {
            const r = await node!.run('busybox', ['wget', '-qO-', `http://${node!.nodeIP}:8081/`]);
            if (r.code === 0) for (const [k, v] of tally(r.stdout)) seen.set(k, (seen.get(k) ?? 0) + v);
            return seen.size === 2 ? true : undefined;
          },
          30_000,
        ).catch((err: Error) => assert.fail(`${err.message}; seen: ${JSON.stringify([...seen])}`));
      });

      test('sessionAffinity ClientIP pins the client to one backend', async () => {
        const sticky = await requests('http://web-sticky', 20);
        assert.equal(sticky.size, 1, JSON.stringify([...sticky]));
        assert.match([...sticky.keys()][0]!, /^web-[01]$/);
      });

      test('DNS from a pod (through the kube-dns Service): every record type', async () => {
        const web0 = ips.get('web-0')!;
        const web1 = ips.get('web-1')!;
        const lookups: [string[], RegExp[]][] = [
          [['nslookup', `web.default.svc.${Z}`], [new RegExp(`Address: ${esc(clusterIP)}$`, 'm')]],
          [
            ['nslookup', 'web'],
            [new RegExp(`Name:\\s+web\\.default\\.svc\\.cluster\\.local\\nAddress: ${esc(clusterIP)}$`, 'm')],
          ],
          [
            ['nslookup', `web-hl.default.svc.${Z}`],
            [new RegExp(`Address: ${esc(web0)}$`, 'm'), new RegExp(`Address: ${esc(web1)}$`, 'm')],
          ],
          [['nslookup', `web-0.web-hl.default.svc.${Z}`], [new RegExp(`Address: ${esc(web0)}$`, 'm')]],
          [
            ['nslookup', '-type=srv', `_http._tcp.web.default.svc.${Z}`],
            [/service = 0 100 80 web\.default\.svc\.cluster\.local/],
          ],
          [
            ['nslookup', '-type=srv', `_http._tcp.web-hl.default.svc.${Z}`],
            [/service = \d+ \d+ 8080 web-0\.web-hl\.default\.svc\.cluster\.local/],
          ],
          [['nslookup', clusterIP], [/name = web\.default\.svc\.cluster\.local/]],
          [['nslookup', web0], [/name = web-0\.web-hl\.default\.svc\.cluster\.local/]],
          [['nslookup', `ext.default.svc.${Z}`], [/canonical name = web\.default\.svc\.cluster\.local/]],
          [['nslookup', `${web1.replaceAll('.', '-')}.default.pod.${Z}`], [new RegExp(`Address: ${esc(web1)}$`, 'm')]],
        ];
        for (const [cmd, wants] of lookups) {
          const r = await s().kubectl(['exec', 'client', '--', ...cmd]);
          for (const want of wants) assert.match(r.stdout, want, `${cmd.join(' ')}:\n${r.stdout}${r.stderr}`);
        }
        const nx = await s().kubectl(['exec', 'client', '--', 'nslookup', `nope.default.svc.${Z}`]);
        assert.notEqual(nx.code, 0);
        assert.match(nx.stdout + nx.stderr, /NXDOMAIN/);
      });

      if (mode === 'nftables') {
        test('DNS from the host (the node IP, port 53): every record type', async () => {
          const ip = node!.nodeIP;
          const web0 = ips.get('web-0')!;
          const ask = async (args: string[]) => {
            const r = await node!.run('busybox', ['nslookup', ...args, ip]);
            return { ...r, all: r.stdout + r.stderr };
          };
          const cases: [string[], RegExp][] = [
            [[`web.default.svc.${Z}`], new RegExp(`Address: ${esc(clusterIP)}$`, 'm')],
            [[`web-0.web-hl.default.svc.${Z}`], new RegExp(`Address: ${esc(web0)}$`, 'm')],
            [[`web-hl.default.svc.${Z}`], new RegExp(`Address: ${esc(ips.get('web-1')!)}$`, 'm')],
            [['-type=srv', `_http._tcp.web.default.svc.${Z}`], /service = 0 100 80 web\.default\.svc\.cluster\.local/],
            [[clusterIP], /name = web\.default\.svc\.cluster\.local/],
            [[`ext.default.svc.${Z}`], /canonical name = web\.default\.svc\.cluster\.local/],
            [[`${web0.replaceAll('.', '-')}.default.pod.${Z}`], new RegExp(`Address: ${esc(web0)}$`, 'm')],
            [[`kube-dns.kube-system.svc.${Z}`], /Address: 10\.43\.0\.10$/m],
          ];
          for (const [args, want] of cases) {
            const r = await ask(args);
            assert.equal(r.code, 0, `${args.join(' ')}: ${r.all}`);
            assert.match(r.stdout, want, `${args.join(' ')}: ${r.all}`);
          }
          const nx = await ask([`nope.default.svc.${Z}`]);
          assert.notEqual(nx.code, 0);
          assert.match(nx.all, /NXDOMAIN/);
        });
      }

      test('a pod failing readiness stops receiving traffic', async (t) => {
        await s().ok(['exec', 'web-1', '--', 'rm', '/tmp/ready']);
        const t0 = Date.now();
        await poll(
          'only web-0 answering',
          async () => {
            const got = await requests('http://web', 8);
            return got.size === 1 && got.get('web-0') === 8 ? true : undefined;
          },
          60_000,
        );
        const took = Date.now() - t0;
        t.diagnostic(`${mode}: readiness failure -> traffic only to the ready pod in ${took} ms (incl. kubectl exec)`);
        const after = await requests('http://web', 30);
        assert.deepEqual([...after], [['web-0', 30]]);
        // Probe period 1 s, endpoint slice update, one proxy sync (min 1 s apart): well under 15 s.
        assert.ok(took < 15_000, `took ${took} ms`);
      });

      test('scaled to zero, the Service refuses connections at once', async (t) => {
        await s().ok(['scale', 'statefulset', 'web', '--replicas=0']);
        await poll(
          'web pods gone',
          async () => ((await s().ok(['get', 'pods', '-l', 'app=web', '-o', 'name'])).trim() === '' ? true : undefined),
          90_000,
        );
        // Refused (not a hang, not an answer) once the proxy has synced the empty endpoints.
        const refused = await poll(
          'connection refused from the ClusterIP',
          async () => {
            const r = await inClient('time timeout 10 wget -qO- http://web; echo "rc=$?"');
            return /Connection refused/.test(r.stderr) ? r : undefined;
          },
          60_000,
        );
        assert.match(refused.stdout, /rc=1/);
        const secs = realSeconds(refused.stderr);
        t.diagnostic(`${mode}: ClusterIP with no endpoints refused in ${secs} s`);
        assert.ok(secs < 2, `took ${secs} s: ${refused.stderr}`);
        const t0 = Date.now();
        const np = await node!.run('busybox', ['wget', '-qO-', `http://${node!.nodeIP}:${nodePort}/`]);
        assert.notEqual(np.code, 0);
        assert.match(np.stderr, /Connection refused/);
        assert.ok(Date.now() - t0 < 2000, `NodePort refusal took ${Date.now() - t0} ms`);
      });
    },
  );
}

acceptance('nftables', []);
acceptance('userspace', ['--kube-proxy-arg', 'proxy-mode=userspace']);
