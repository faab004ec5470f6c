// Cluster DNS against a real API server (SQLite in memory) and the EndpointSlice
// controller: Services, a StatefulSet-style headless Service whose pods set
// hostname/subdomain, an ExternalName, pod records, PTR, forwarding to a fake
// upstream on 127.0.0.1 (never a real resolver), the kube-dns Service helper,
// and the HTTP endpoints. Answers are checked with a real resolver client —
// busybox's nslookup (Debian busybox-static; `nslookup NAME 127.0.0.1:PORT`,
// dig is not installed here) — and, for exact fields (TTL, SOA, flags, TC), with
// the dns-packet client.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Endpoints, Namespace, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { gvr, ResourceClient, type KubeObject, type RestClient } from '../../src/client/index.js';
import { startClusterDns, type ClusterDns } from '../../src/addons/dns/cluster-dns.js';
import { queryDns } from '../../src/addons/dns/dns-client.js';
import type { HostPort } from '../../src/addons/dns/exchange.js';
import { ensureKubeDnsService, kubeDnsSliceNameFor } from '../../src/addons/dns/kube-dns-service.js';
import { startFakeUpstream, type FakeUpstream } from '../../src/addons/dns/testing/fake-upstream.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest, eventually } from '../harness/sim.js';

const busybox = '/bin/busybox';
const run = promisify(execFile);
const ns = 'dns-it';
const Z = 'cluster.local';

/** `busybox nslookup [-type=T] NAME 127.0.0.1:PORT`: stdout and exit code (1 on NXDOMAIN / no answer). */
async function nslookup(server: HostPort, name: string, type?: string): Promise<{ code: number; out: string }> {
  const args = ['nslookup', ...(type ? [`-type=${type}`] : []), name, `${server.host}:${server.port}`];
  try {
    const r = await run(busybox, args, { timeout: 15_000 });
    return { code: 0, out: r.stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: e.stdout ?? '' };
  }
}

/** The addresses busybox printed for names (`Address: x` lines; the server header uses a tab). */
const addresses = (out: string) => [...out.matchAll(/^Address: (\S+)$/gm)].map((m) => m[1]!).sort();

describe(
  'cluster DNS (integration)',
  { skip: existsSync(busybox) ? false : 'needs /bin/busybox (busybox-static)' },
  () => {
    let c: TestCluster;
    let rest: RestClient;
    let dns: ClusterDns;
    let upstream: FakeUpstream;
    let server: HostPort;
    let pods: ResourceClient<Pod & KubeObject>;
    let services: ResourceClient<Service & KubeObject>;
    let webIP = '';

    async function runPod(name: string, labels: Record<string, string>, ip: string, extra: Partial<Pod['spec']> = {}) {
      await pods.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, labels },
        spec: {
          nodeName: 'node-a',
          automountServiceAccountToken: false,
          containers: [{ name: 'c', image: 'busybox' }],
          ...extra,
        },
      });
      const p = await pods.get(name);
      await pods.updateStatus({
        ...p,
        status: {
          ...p.status,
          phase: 'Running',
          podIP: ip,
          podIPs: [{ ip }],
          conditions: [
            { type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
          ],
        },
      });
    }

    before(async () => {
      c = await startTestCluster({ controllers: ['endpointslice', 'endpointslice-mirroring'] });
      rest = adminRest(c);
      upstream = await startFakeUpstream({
        records: {
          'www.example.test|A': [{ type: 'A', name: 'x', ttl: 120, data: '192.0.2.80' }],
          '80.2.0.192.in-addr.arpa|PTR': [{ type: 'PTR', name: 'x', ttl: 120, data: 'www.example.test' }],
        },
      });
      dns = await startClusterDns({
        rest,
        listen: [{ host: '127.0.0.1', port: 0 }],
        upstreams: [`127.0.0.1:${upstream.address.port}`],
        metricsListen: { host: '127.0.0.1', port: 0 },
        nsAddresses: ['10.43.0.10'],
      });
      server = dns.addresses[0]!;
      assert.equal(dns.ready(), true, 'caches synced before startClusterDns returned');

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
      // The pods' ServiceAccount (the serviceaccount controller is not running here).
      await new ResourceClient(rest, gvr('', 'v1', 'serviceaccounts'), ns).create({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'default' },
      });
      pods = new ResourceClient(rest, gvr('', 'v1', 'pods'), ns);
      services = new ResourceClient(rest, gvr('', 'v1', 'services'), ns);
      const web = await services.create({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web' },
        spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
      });
      webIP = web.spec!.clusterIP!;
      await services.create({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'db' },
        spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432 }] },
      });
      await services.create({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'ext' },
        spec: { type: 'ExternalName', externalName: 'www.example.test' },
      });
      await runPod('web-1', { app: 'web' }, '10.42.0.21');
      // StatefulSet-style pods: hostname + subdomain naming the headless service.
      await runPod('db-0', { app: 'db' }, '10.42.0.30', { hostname: 'db-0', subdomain: 'db' });
      await runPod('db-1', { app: 'db' }, '10.42.0.31', { hostname: 'db-1', subdomain: 'db' });
      await eventually(async () => {
        const r = await queryDns({ server, name: `db.${ns}.svc.${Z}`, type: 'A' });
        return r.packet.answers?.length === 2;
      }, 'both db endpoints in DNS');
    });

    after(async () => {
      await dns?.dispose();
      await upstream?.close();
      await c?.dispose();
    });

    test('ClusterIP service: A via nslookup; exact TTL, flags and SOA-backed NODATA via dns-packet', async () => {
      const r = await nslookup(server, `web.${ns}.svc.${Z}`);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, new RegExp(`Name:\\s+web\\.${ns}\\.svc\\.cluster\\.local`));
      assert.deepEqual(addresses(r.out), [webIP]);
      const exact = await queryDns({ server, name: `web.${ns}.svc.${Z}`, type: 'A' });
      assert.equal(exact.packet.flag_aa, true);
      assert.deepEqual(
        exact.packet.answers!.map((a) => [(a as { ttl: number }).ttl, (a as { data: string }).data]),
        [[5, webIP]],
      );
      const nodata = await queryDns({ server, name: `web.${ns}.svc.${Z}`, type: 'AAAA' });
      assert.equal(nodata.packet.rcode, 'NOERROR');
      assert.equal(nodata.packet.answers!.length, 0);
      assert.equal(nodata.packet.authorities![0]!.type, 'SOA');
      // busybox prints no address (and no error) for NODATA.
      const busyNodata = await nslookup(server, `web.${ns}.svc.${Z}`, 'aaaa');
      assert.deepEqual([busyNodata.code, addresses(busyNodata.out)], [0, []]);
      const k = await nslookup(server, `kubernetes.default.svc.${Z}`);
      assert.deepEqual(addresses(k.out), ['10.43.0.1']);
    });

    test('headless service: every ready pod, and each StatefulSet pod by its stable name', async () => {
      const all = await nslookup(server, `db.${ns}.svc.${Z}`);
      assert.equal(all.code, 0, all.out);
      assert.deepEqual(addresses(all.out), ['10.42.0.30', '10.42.0.31']);
      for (const [pod, ip] of [
        ['db-0', '10.42.0.30'],
        ['db-1', '10.42.0.31'],
      ]) {
        const r = await nslookup(server, `${pod}.db.${ns}.svc.${Z}`);
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(addresses(r.out), [ip]);
      }
    });

    test('SRV for named ports (ClusterIP and headless), with targets resolvable', async () => {
      const web = await nslookup(server, `_http._tcp.web.${ns}.svc.${Z}`, 'srv');
      assert.match(web.out, new RegExp(`service = 0 100 80 web\\.${ns}\\.svc\\.cluster\\.local`));
      const db = await nslookup(server, `_pg._tcp.db.${ns}.svc.${Z}`, 'srv');
      const targets = [...db.out.matchAll(/service = 0 50 5432 (\S+)/g)].map((m) => m[1]).sort();
      assert.deepEqual(targets, [`db-0.db.${ns}.svc.${Z}`, `db-1.db.${ns}.svc.${Z}`]);
      const exact = await queryDns({ server, name: `_pg._tcp.db.${ns}.svc.${Z}`, type: 'SRV' });
      assert.deepEqual(exact.packet.additionals!.map((a) => [a.name, (a as { data: string }).data]).sort(), [
        [`db-0.db.${ns}.svc.${Z}`, '10.42.0.30'],
        [`db-1.db.${ns}.svc.${Z}`, '10.42.0.31'],
      ]);
      assert.equal((await nslookup(server, `_nope._tcp.web.${ns}.svc.${Z}`, 'srv')).code, 1);
    });

    test('PTR for a service IP and a pod IP; pod A records; ExternalName as CNAME', async () => {
      const svcPtr = await nslookup(server, webIP);
      assert.match(svcPtr.out, new RegExp(`name = web\\.${ns}\\.svc\\.cluster\\.local`));
      const podPtr = await nslookup(server, '10.42.0.30');
      assert.match(podPtr.out, new RegExp(`name = db-0\\.db\\.${ns}\\.svc\\.cluster\\.local`));
      const pod = await nslookup(server, `10-42-0-77.${ns}.pod.${Z}`);
      assert.deepEqual(addresses(pod.out), ['10.42.0.77']);
      const ext = await nslookup(server, `ext.${ns}.svc.${Z}`);
      assert.match(ext.out, new RegExp(`ext\\.${ns}\\.svc\\.cluster\\.local\\s+canonical name = www\\.example\\.test`));
      assert.ok(addresses(ext.out).includes('192.0.2.80'), ext.out);
    });

    test('NXDOMAIN for names that are not objects; search-path expansions fail fast and locally', async () => {
      const before = upstream.asked.length;
      for (const name of [
        `nope.${ns}.svc.${Z}`,
        `web.nonexistent.svc.${Z}`,
        `www.example.test.${ns}.svc.${Z}`,
        `www.example.test.svc.${Z}`,
        `www.example.test.${Z}`,
        `kubernetes.default.${ns}.svc.${Z}`,
      ]) {
        const r = await nslookup(server, name);
        assert.equal(r.code, 1, name);
        assert.match(r.out, /NXDOMAIN/, name);
        const exact = await queryDns({ server, name, type: 'A' });
        assert.equal(exact.packet.rcode, 'NXDOMAIN');
        assert.deepEqual(
          exact.packet.authorities!.map((a) => [a.name, a.type, (a as { ttl: number }).ttl]),
          [[Z, 'SOA', 30]],
        );
      }
      assert.equal(upstream.asked.length, before, 'nothing under the cluster domain is forwarded');
      const ns0 = await queryDns({ server, name: `${ns}.svc.${Z}`, type: 'A' });
      assert.deepEqual([ns0.packet.rcode, ns0.packet.answers!.length], ['NOERROR', 0], 'a namespace exists: NODATA');
    });

    test('other names go to the upstream (fake, on loopback) through the cache; metrics count both', async () => {
      const first = await nslookup(server, 'www.example.test');
      assert.ok(addresses(first.out).includes('192.0.2.80'), first.out);
      const asked = upstream.asked.filter((a) => a.includes('www.example.test A')).length;
      const again = await queryDns({ server, name: 'www.example.test', type: 'A' });
      assert.equal((again.packet.answers![0] as { data: string }).data, '192.0.2.80');
      assert.equal(upstream.asked.filter((a) => a.includes('www.example.test A')).length, asked, 'served from cache');
      const ptr = await nslookup(server, '192.0.2.80');
      assert.match(ptr.out, /name = www\.example\.test/, 'unknown reverse names fall through to the upstream');

      const base = `http://${dns.metricsAddress!.host}:${dns.metricsAddress!.port}`;
      const metrics = await (await fetch(`${base}/metrics`)).text();
      const value = (re: RegExp) => [...metrics.matchAll(re)].reduce((s, m) => s + Number(m[1]), 0);
      assert.ok(value(/^coredns_cache_hits_total\{[^}]*type="success"\} (\d+)/gm) >= 1, metrics);
      assert.ok(value(/^coredns_cache_misses_total\{[^}]*\} (\d+)/gm) >= 1);
      assert.ok(value(/^coredns_dns_responses_total\{[^}]*rcode="NXDOMAIN"[^}]*\} (\d+)/gm) >= 6);
      assert.ok(value(/^coredns_dns_requests_total\{[^}]*type="SRV"[^}]*\} (\d+)/gm) >= 3);
      assert.match(metrics, /^coredns_dns_request_duration_seconds_count\{[^}]*\} \d+/m);
      assert.match(metrics, /^coredns_forward_requests_total\{to="127\.0\.0\.1:\d+"\} \d+/m);
      assert.equal(await (await fetch(`${base}/health`)).text(), 'OK');
      const ready = await fetch(`${base}/ready`);
      assert.deepEqual([ready.status, await ready.text()], [200, 'OK']);
    });

    test('changes in the cluster show up: a pod leaves, a new StatefulSet pod arrives, a service is deleted', async () => {
      await pods.delete('db-1', { gracePeriodSeconds: 0 });
      await eventually(
        async () => (await queryDns({ server, name: `db-1.db.${ns}.svc.${Z}`, type: 'A' })).packet.rcode === 'NXDOMAIN',
        'db-1 gone',
      );
      await runPod('db-2', { app: 'db' }, '10.42.0.32', { hostname: 'db-2', subdomain: 'db' });
      await eventually(async () => {
        const r = await nslookup(server, `db-2.db.${ns}.svc.${Z}`);
        return addresses(r.out).includes('10.42.0.32');
      }, 'db-2 resolvable');
      await services.delete('web');
      await eventually(async () => (await nslookup(server, `web.${ns}.svc.${Z}`)).code === 1, 'web gone');
    });

    test('the kube-dns Service: created (or recreated with the right IP), idempotent, resolvable, not mirrored', async () => {
      const kube = new ResourceClient<Service & KubeObject>(rest, gvr('', 'v1', 'services'), 'kube-system');
      await kube.create({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'kube-dns' },
        spec: { clusterIP: '10.43.0.99', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] },
      });
      const first = await ensureKubeDnsService({ rest, nodeIP: '10.0.0.5', nodeName: 'node-a', dnsPort: 1053 });
      assert.equal(first.service.spec!.clusterIP, '10.43.0.10');
      assert.equal(first.service.spec!.selector, undefined, 'no selector: endpoints are ours');
      assert.deepEqual(
        first.service.spec!.ports!.map((p) => [p.name, p.port, p.protocol, p.targetPort]),
        [
          ['dns', 53, 'UDP', 1053],
          ['dns-tcp', 53, 'TCP', 1053],
          ['metrics', 9153, 'TCP', 9153],
        ],
      );
      assert.deepEqual(first.service.metadata!.labels, {
        'k8s-app': 'kube-dns',
        'kubernetes.io/cluster-service': 'true',
        'kubernetes.io/name': 'CoreDNS',
      });
      const again = await ensureKubeDnsService({ rest, nodeIP: '10.0.0.5', nodeName: 'node-a', dnsPort: 1053 });
      assert.equal(again.service.metadata!.uid, first.service.metadata!.uid, 'idempotent');
      assert.equal(again.endpointSlice.metadata!.resourceVersion, first.endpointSlice.metadata!.resourceVersion);

      // Positive control: an ordinary selectorless Service's Endpoints do get mirrored...
      await kube.create({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'manual' },
        spec: { ports: [{ port: 80 }] },
      });
      await new ResourceClient<Endpoints & KubeObject>(rest, gvr('', 'v1', 'endpoints'), 'kube-system').create({
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'manual' },
        subsets: [{ addresses: [{ ip: '10.0.0.6' }], ports: [{ port: 80 }] }],
      });
      const slices = new ResourceClient<EndpointSlice & KubeObject>(
        rest,
        gvr('discovery.k8s.io', 'v1', 'endpointslices'),
        'kube-system',
      );
      await eventually(
        async () => (await slices.list({ labelSelector: 'kubernetes.io/service-name=manual' })).items.length === 1,
        'the mirrored slice of manual',
      );
      // ...while kube-dns keeps only ours.
      const list = await slices.list({ labelSelector: 'kubernetes.io/service-name=kube-dns' });
      assert.deepEqual(
        list.items.map((s) => s.metadata!.name),
        [kubeDnsSliceNameFor('node-a')],
        'only our slice',
      );
      assert.deepEqual(
        list.items[0]!.endpoints!.map((e) => e.addresses),
        [['10.0.0.5']],
      );
      const eps = await new ResourceClient<Endpoints & KubeObject>(rest, gvr('', 'v1', 'endpoints'), 'kube-system').get(
        'kube-dns',
      );
      assert.equal(eps.metadata!.labels!['endpointslice.kubernetes.io/skip-mirror'], 'true');
      assert.deepEqual(
        eps.subsets![0]!.addresses!.map((a) => a.ip),
        ['10.0.0.5'],
      );

      await eventually(async () => {
        const r = await nslookup(server, `kube-dns.kube-system.svc.${Z}`);
        return addresses(r.out).includes('10.43.0.10');
      }, 'kube-dns resolvable');
      const srv = await queryDns({ server, name: `_dns._udp.kube-dns.kube-system.svc.${Z}`, type: 'SRV' });
      assert.equal((srv.packet.answers![0] as { data: { port: number } }).data.port, 53);
      const nsRecord = await queryDns({ server, name: Z, type: 'NS' });
      assert.deepEqual(
        nsRecord.packet.additionals!.map((a) => [a.name, (a as { data: string }).data]),
        [[`ns.dns.${Z}`, '10.43.0.10']],
      );
    });
  },
);
