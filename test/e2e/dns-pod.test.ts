// Cluster DNS seen from inside a pod: a real containerd runs busybox pods on a
// test-only bridge; the client pod's resolv.conf (written by containerd from the
// sandbox DNS config, as kubelet asks for ClusterFirst pods) names the DNS server
// on the bridge gateway (an address this test's network created, port 53) with
// the cluster search path and ndots:5. Queries go through the pod's resolver client,
// busybox nslookup (its search list included), for every record type, and a
// StatefulSet pod's stable name is resolved in the pod and then serves HTTP. Names
// outside the cluster go to a fake upstream on 127.0.0.1. Root only; everything
// is torn down in `after`, even on failure.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Namespace, Pod, Service } from 'kubernetes-types/core/v1.js';
import { gvr, ResourceClient, type KubeObject, type RestClient } from '../../src/client/index.js';
import { startClusterDns, type ClusterDns } from '../../src/addons/dns/cluster-dns.js';
import { queryDns } from '../../src/addons/dns/dns-client.js';
import { startFakeUpstream, type FakeUpstream } from '../../src/addons/dns/testing/fake-upstream.js';
import {
  runtimeE2eSkipReason,
  startContainerdEnv,
  type ContainerdEnv,
} from '../../src/node/runtime/testing/containerd-env.js';
import { busyboxImage, httpdImage, httpdIndexHtml } from '../../src/node/runtime/images/test-images.js';
import type { ContainerRuntime } from '../../src/node/runtime/runtime.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest, eventually } from '../harness/sim.js';

const skip = runtimeE2eSkipReason();
if (skip) console.log(`# skipping dns e2e: ${skip}`);

const ns = 'dns-e2e';
const Z = 'cluster.local';

type SandboxInfo = Awaited<ReturnType<ContainerRuntime['ensureSandbox']>>;

describe('cluster DNS from a pod (e2e)', { skip, timeout: 300_000 }, () => {
  let env: ContainerdEnv;
  let c: TestCluster;
  let rest: RestClient;
  let dns: ClusterDns;
  let upstream: FakeUpstream;
  let gateway = '';
  let client = '';
  let webIP = '';
  let apiIP = '';

  const exec = async (cmd: string[]) => env.runtime.execSync(client, cmd, 20);

  async function sandbox(name: string, dnsServer?: string): Promise<SandboxInfo> {
    return env.runtime.ensureSandbox({
      name,
      namespace: ns,
      uid: `uid-${name}-${process.pid}`,
      cgroupParent: env.cgroupParent,
      ...(dnsServer
        ? { dns: { servers: [dnsServer], searches: [`${ns}.svc.${Z}`, `svc.${Z}`, Z], options: ['ndots:5'] } }
        : {}),
    });
  }

  before(async () => {
    env = await startContainerdEnv({ images: ['busybox', 'httpd'] });
    gateway = env.podCIDR.replace(/0\/24$/, '1');
    c = await startTestCluster({ controllers: ['endpointslice'] });
    rest = adminRest(c);
    upstream = await startFakeUpstream({
      records: { 'www.example.test|A': [{ type: 'A', name: 'x', ttl: 60, data: '192.0.2.80' }] },
    });
    // The first sandbox brings the bridge (and its gateway address) up.
    const clientBox = await sandbox('client', gateway);
    client = await env.runtime.runContainer(clientBox, {
      name: 'main',
      image: busyboxImage,
      command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'],
    });
    await env.runtime.waitForContainer(client, (s) => s.state === 'CONTAINER_RUNNING');
    dns = await startClusterDns({
      rest,
      listen: [{ host: gateway, port: 53 }],
      upstreams: [`127.0.0.1:${upstream.address.port}`],
      nsAddresses: [gateway],
    });

    const webBox = await sandbox('web-0');
    webIP = webBox.ip;
    const httpd = await env.runtime.runContainer(webBox, { name: 'httpd', image: httpdImage });
    await env.runtime.waitForContainer(httpd, (s) => s.state === 'CONTAINER_RUNNING');

    await new ResourceClient<Namespace & KubeObject>(rest, gvr('', 'v1', 'namespaces')).create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns },
    });
    await new ResourceClient(rest, gvr('', 'v1', 'nodes')).create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-a' },
    });
    await new ResourceClient(rest, gvr('', 'v1', 'serviceaccounts'), ns).create({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default' },
    });
    const services = new ResourceClient<Service & KubeObject>(rest, gvr('', 'v1', 'services'), ns);
    await services.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 8080 }] },
    });
    const api = await services.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'api' },
      spec: { selector: { app: 'api' }, ports: [{ name: 'grpc', port: 9000 }] },
    });
    apiIP = api.spec!.clusterIP!;
    // The API object of the running httpd pod, as its kubelet would report it.
    const pods = new ResourceClient<Pod & KubeObject>(rest, gvr('', 'v1', 'pods'), ns);
    await pods.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-0', labels: { app: 'web' } },
      spec: {
        hostname: 'web-0',
        subdomain: 'web',
        nodeName: 'node-a',
        automountServiceAccountToken: false,
        containers: [{ name: 'httpd', image: httpdImage }],
      },
    });
    const p = await pods.get('web-0');
    await pods.updateStatus({
      ...p,
      status: {
        ...p.status,
        phase: 'Running',
        podIP: webIP,
        podIPs: [{ ip: webIP }],
        conditions: [
          { type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
        ],
      },
    });
    await eventually(async () => {
      const r = await queryDns({ server: dns.addresses[0]!, name: `web-0.web.${ns}.svc.${Z}`, type: 'A' });
      return r.packet.answers?.length === 1;
    }, 'web-0 in DNS');
  });

  after(async () => {
    await dns?.dispose();
    await upstream?.close();
    await env?.dispose();
    await c?.dispose();
  });

  test('the pod resolv.conf points at cluster DNS with the search path and ndots:5', async () => {
    const r = await exec(['cat', '/etc/resolv.conf']);
    assert.match(r.stdout, new RegExp(`^nameserver ${gateway.replaceAll('.', '\\.')}$`, 'm'));
    assert.match(
      r.stdout,
      new RegExp(`^search ${ns}\\.svc\\.cluster\\.local svc\\.cluster\\.local cluster\\.local$`, 'm'),
    );
    assert.match(r.stdout, /^options ndots:5$/m);
  });

  test('nslookup in the pod: FQDNs, short names through the search list, SRV, PTR, pod records, NXDOMAIN', async () => {
    const lookups: [string[], RegExp][] = [
      [['nslookup', `web-0.web.${ns}.svc.${Z}`], new RegExp(`Address: ${webIP.replaceAll('.', '\\.')}$`, 'm')],
      [
        ['nslookup', 'api'],
        new RegExp(`Name:\\s+api\\.${ns}\\.svc\\.cluster\\.local\\nAddress: ${apiIP.replaceAll('.', '\\.')}$`, 'm'),
      ],
      [['nslookup', `kubernetes.default.svc.${Z}`], /Address: 10\.43\.0\.1$/m],
      [
        ['nslookup', '-type=srv', `_http._tcp.web.${ns}.svc.${Z}`],
        new RegExp(`service = 0 100 8080 web-0\\.web\\.${ns}\\.svc\\.cluster\\.local`),
      ],
      [['nslookup', webIP], new RegExp(`name = web-0\\.web\\.${ns}\\.svc\\.cluster\\.local`)],
      [
        ['nslookup', `${webIP.replaceAll('.', '-')}.${ns}.pod.${Z}`],
        new RegExp(`Address: ${webIP.replaceAll('.', '\\.')}$`, 'm'),
      ],
      [['nslookup', 'www.example.test'], /Address: 192\.0\.2\.80$/m],
    ];
    for (const [cmd, want] of lookups) {
      const r = await exec(cmd);
      // busybox tries every search suffix of a dotless name and exits 1 when any misses.
      if (cmd.at(-1)!.includes('.')) assert.equal(r.exitCode, 0, `${cmd.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, want, cmd.join(' '));
    }
    const nx = await exec(['nslookup', `nope.${ns}.svc.${Z}`]);
    assert.notEqual(nx.exitCode, 0);
    assert.match(nx.stdout + nx.stderr, /NXDOMAIN/);
  });

  test("a StatefulSet pod's stable name, resolved in the pod, reaches its server", async () => {
    // busybox's static getaddrinfo crashes in this image (wget and ping die with SIGSEGV,
    // no NSS), so the pod resolves with nslookup and speaks HTTP with nc to the address.
    const script = [
      `ip=$(nslookup web-0.web.${ns}.svc.${Z} | sed -n 's/^Address: \\([0-9.]*\\)$/\\1/p' | head -n 1)`,
      'echo "resolved=$ip" >&2',
      `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 "$ip" 8080`,
    ].join('; ');
    const r = await exec(['sh', '-c', script]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`resolved=${webIP.replaceAll('.', '\\.')}`));
    assert.match(r.stdout, /^HTTP\/1\.[01] 200/);
    assert.ok(r.stdout.endsWith(httpdIndexHtml), r.stdout);
    assert.ok(dns.metrics.requests.sum({ proto: 'udp' }) > 0);
  });
});
