import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { RestClient } from '../../../client/rest-client.js';
import { createLogger, parseLevel } from '../../../lib/log.js';
import type { IptablesBackend } from '../iptables/backend.js';
import { startKubeProxy, type RunningKubeProxy } from '../kube-proxy.js';
import { ApiFixtures, portKey } from './api-fixtures.js';
import {
  externalClientIP,
  NetnsTopology,
  nodeBridgeIP,
  nodeExternalIP,
  type ProbeResult,
  tally,
} from './netns-topology.js';

/** Why the netfilter e2e cannot run here (undefined = it can). */
export function kernelE2eSkipReason(tool: string): string | undefined {
  if (process.platform !== 'linux') return 'not linux';
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, netfilter)';
  for (const [bin, args] of [
    ['ip', ['netns', 'list']],
    [tool, ['--version']],
  ] as const) {
    try {
      execFileSync(bin, [...args], { stdio: 'ignore' });
    } catch {
      return `${bin} not usable`;
    }
  }
  return undefined;
}

export function httpGet(url: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export interface KernelSuiteOptions {
  name: string;
  mode: 'nftables' | 'iptables';
  iptablesBackend?: IptablesBackend;
  /** Starts an API server and returns a client with admin rights plus its teardown. */
  api: () => Promise<{ rest: RestClient; dispose: () => Promise<void> }>;
  /**
   * Errors a client sees when a Service has no endpoints. The topology routes the
   * service CIDR to `unreachable`, which wins over REJECT rules in input/forward
   * (iptables) for forwarded traffic; nftables rejects before routing.
   */
  refusal: readonly string[];
  /** Our ruleset as text (nft list table / iptables-save) in the node namespace. */
  rules: (topo: NetnsTopology) => Promise<string>;
  /** Lists our rules in the node namespace (to check cleanup): returns "" when none are left. */
  leftovers: (topo: NetnsTopology) => Promise<string>;
}

const node = 'node-1';
const http = { name: 'http', port: 80 };
const backendPort = 8080;
const udpBackendPort = 8081;

/**
 * The functional e2e of a kernel proxier: a real API server, kube-proxy
 * programming netfilter inside a namespace "node", backends in pod
 * namespaces, and clients in a pod and an external namespace.
 */
export function kernelProxySuite(o: KernelSuiteOptions): void {
  const skip = kernelE2eSkipReason(o.mode === 'nftables' ? 'nft' : `iptables-${o.iptablesBackend ?? 'nft'}-restore`);
  if (skip) console.log(`# skipping ${o.name}: ${skip}`);

  describe(o.name, { skip, timeout: 300_000 }, () => {
    let api: { rest: RestClient; dispose: () => Promise<void> } | undefined;
    let topo: NetnsTopology | undefined;
    let kp: RunningKubeProxy | undefined;
    let fx: ApiFixtures;
    const pod = (name: string) => topo!.pods.get(name)!;
    const ep = (
      name: string,
      extra: Partial<{ node: string; ready: boolean; serving: boolean; terminating: boolean }> = {},
    ) => ({
      ip: pod(name).ip,
      node,
      ...extra,
    });
    const fromClientPod = (host: string, port: number, count = 1, proto: 'tcp' | 'udp' = 'tcp') =>
      topo!.probe(pod('client').ns, host, port, { count, proto });
    const fromExternal = (host: string, port: number, count = 1) => topo!.probe(topo!.external, host, port, { count });
    /** Waits until the proxy programmed `n` endpoints for the port (and the sync succeeded). */
    const programmed = (service: string, n: number, portName = 'http', proto = 'TCP') =>
      kp!.waitFor(
        (s) =>
          (s.endpoints.get(portKey('default', service, portName, proto))?.length ?? 0) === n &&
          s.servicePorts.has(portKey('default', service, portName, proto)),
        15_000,
      );
    const clusterIP = async (service: string) => (await fx.services.get(service)).spec!.clusterIP!;
    const nodePort = async (service: string) => (await fx.services.get(service)).spec!.ports![0]!.nodePort!;

    before(async () => {
      api = await o.api();
      fx = new ApiFixtures(api.rest);
      topo = await NetnsTopology.create({ pods: ['pod-a', 'pod-b', 'client'] });
      await topo.startBackend('pod-a', backendPort, udpBackendPort);
      await topo.startBackend('pod-b', backendPort, udpBackendPort);
      const level = process.env.KUBETS_TEST_LOG ? parseLevel(process.env.KUBETS_TEST_LOG) : 'error';
      kp = await startKubeProxy({
        rest: api.rest,
        nodeName: node,
        mode: o.mode,
        iptablesBackend: o.iptablesBackend,
        runner: topo.runner,
        clusterCIDR: '10.42.0.0/16',
        serviceCIDR: '10.43.0.0/16',
        nodeIPs: [nodeExternalIP, nodeBridgeIP],
        minSyncPeriodMs: 20,
        syncPeriodMs: 60_000,
        healthzPort: 0,
        healthzBindAddress: '127.0.0.1',
        healthCheckBindAddress: '127.0.0.1',
        log: createLogger('test', { level }),
      });
      assert.equal(kp.mode, o.mode);
    });

    after(async () => {
      try {
        if (kp && topo) {
          await kp.stop();
          assert.equal(await o.leftovers(topo), '', 'rules left after stop');
        }
      } finally {
        await topo?.dispose();
        await api?.dispose();
      }
    });

    test('ClusterIP reaches both backends; pod sources keep their IP, off-cluster sources are masqueraded', async () => {
      await fx.createService('web', { ports: [{ ...http, targetPort: backendPort }] });
      await fx.setEndpoints('web', [ep('pod-a'), ep('pod-b')], [{ name: 'http', port: backendPort }]);
      await programmed('web', 2);
      const ip = await clusterIP('web');
      const res = await fromClientPod(ip, 80, 40);
      const counts = tally(res);
      assert.equal((counts.get('pod-a') ?? 0) + (counts.get('pod-b') ?? 0), 40, JSON.stringify([...counts]));
      assert.ok((counts.get('pod-a') ?? 0) > 0 && (counts.get('pod-b') ?? 0) > 0, 'both backends used');
      assert.ok(
        res.every((r) => r.reply!.endsWith(` ${pod('client').ip}`)),
        'pod source not masqueraded',
      );
      const ext = await fromExternal(ip, 80, 3);
      assert.deepEqual(
        ext.map((r) => r.reply?.split(' ')[1]),
        [nodeBridgeIP, nodeBridgeIP, nodeBridgeIP],
      );
      // A port the Service doesn't have is refused rather than routed.
      const wrongPort = await fromClientPod(ip, 81, 1);
      assert.ok(o.refusal.includes(wrongPort[0]!.error!), JSON.stringify(wrongPort));
    });

    test('NodePort answers on the node address, masqueraded under policy Cluster', async () => {
      await fx.createService('np', { type: 'NodePort', ports: [{ ...http, targetPort: backendPort }] });
      await fx.setEndpoints('np', [ep('pod-a'), ep('pod-b')], [{ name: 'http', port: backendPort }]);
      await programmed('np', 2);
      const res = await fromExternal(nodeExternalIP, await nodePort('np'), 10);
      assert.ok(
        res.every((r) => r.reply && r.reply.endsWith(` ${nodeBridgeIP}`)),
        JSON.stringify(res),
      );
      const fromPod = await fromClientPod(nodeBridgeIP, await nodePort('np'), 2);
      assert.ok(
        fromPod.every((r) => r.reply),
        JSON.stringify(fromPod),
      );
    });

    test('sessionAffinity ClientIP pins a client to one backend', async () => {
      await fx.createService('sticky', {
        ports: [{ ...http, targetPort: backendPort }],
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
      });
      await fx.setEndpoints('sticky', [ep('pod-a'), ep('pod-b')], [{ name: 'http', port: backendPort }]);
      await programmed('sticky', 2);
      const counts = tally(await fromClientPod(await clusterIP('sticky'), 80, 20));
      assert.equal(counts.size, 1, JSON.stringify([...counts]));
      assert.equal([...counts.values()][0], 20);
    });

    test('removing an endpoint stops traffic to it after one sync; zero endpoints refuse at once', async () => {
      await fx.createService('shrink', { type: 'NodePort', ports: [{ ...http, targetPort: backendPort }] });
      await fx.setEndpoints('shrink', [ep('pod-a'), ep('pod-b')], [{ name: 'http', port: backendPort }]);
      await programmed('shrink', 2);
      const ip = await clusterIP('shrink');
      const before = kp!.core.syncCount;
      await fx.setEndpoints('shrink', [ep('pod-a')], [{ name: 'http', port: backendPort }]);
      await programmed('shrink', 1);
      assert.ok(kp!.core.syncCount > before);
      assert.deepEqual([...tally(await fromClientPod(ip, 80, 30))], [['pod-a', 30]]);
      await fx.setEndpoints('shrink', [], [{ name: 'http', port: backendPort }]);
      await programmed('shrink', 0);
      const started = Date.now();
      // The refusal must come from our rule for exactly this Service address.
      const rules = await o.rules(topo!);
      assert.match(rules, new RegExp(`${ip.replaceAll('.', '\\.')}(/32)?\\b.*(reject|REJECT)`));
      const refused: ProbeResult[] = await fromClientPod(ip, 80, 3);
      assert.ok(
        refused.every((r) => o.refusal.includes(r.error!)),
        JSON.stringify(refused),
      );
      const refusedNodePort = await fromExternal(nodeExternalIP, await nodePort('shrink'), 2);
      assert.deepEqual(
        refusedNodePort.map((r) => r.error),
        ['ECONNREFUSED', 'ECONNREFUSED'],
      );
      assert.ok(Date.now() - started < 8000, 'refusals are immediate, not timeouts');
      assert.ok(kp!.core.metrics.count('kubeproxy_sync_partial_proxy_rules_duration_seconds') > 0, 'partial syncs ran');
    });

    test('terminating endpoints are used only while no endpoint is ready', async () => {
      await fx.createService('term', { ports: [{ ...http, targetPort: backendPort }] });
      const ports = [{ name: 'http', port: backendPort }];
      await fx.setEndpoints(
        'term',
        [ep('pod-a', { ready: false, serving: true, terminating: true }), ep('pod-b')],
        ports,
      );
      await programmed('term', 2);
      const ip = await clusterIP('term');
      assert.deepEqual([...tally(await fromClientPod(ip, 80, 12))], [['pod-b', 12]]);
      await fx.setEndpoints('term', [ep('pod-a', { ready: false, serving: true, terminating: true })], ports);
      await programmed('term', 1);
      assert.deepEqual([...tally(await fromClientPod(ip, 80, 6))], [['pod-a', 6]]);
    });

    test('externalTrafficPolicy Local: node-local endpoints only, client IP kept, health check node port', async () => {
      // The API server allocates the health check node port.
      await fx.createService('local', {
        type: 'LoadBalancer',
        externalTrafficPolicy: 'Local',
        ports: [{ ...http, targetPort: backendPort }],
      });
      const ports = [{ name: 'http', port: backendPort }];
      await fx.setEndpoints('local', [ep('pod-a'), ep('pod-b', { node: 'node-2' })], ports);
      await fx.setLoadBalancerIPs('local', ['192.168.79.10']);
      await kp!.waitFor(
        (s) => (s.servicePorts.get(portKey('default', 'local', 'http'))?.loadBalancerVIPs.length ?? 0) === 1,
      );
      const svc = await fx.services.get('local');
      const nodePort = svc.spec!.ports![0]!.nodePort!;
      const viaNodePort = await fromExternal(nodeExternalIP, nodePort, 10);
      assert.deepEqual(
        viaNodePort.map((r) => r.reply),
        Array(10).fill(`pod-a ${externalClientIP}`),
        'only the local endpoint, source preserved',
      );
      const viaLB = await fromExternal('192.168.79.10', 80, 4);
      assert.deepEqual(
        viaLB.map((r) => r.reply),
        Array(4).fill(`pod-a ${externalClientIP}`),
      );
      // Cluster traffic still reaches every endpoint.
      const internal = tally(await fromClientPod(svc.spec!.clusterIP!, 80, 30));
      assert.ok(internal.has('pod-a') && internal.has('pod-b'), JSON.stringify([...internal]));
      const hc = svc.spec!.healthCheckNodePort!;
      assert.ok(hc > 0);
      const healthy = await httpGet(`http://127.0.0.1:${hc}/`);
      assert.equal(healthy.status, 200);
      assert.equal(JSON.parse(healthy.body).localEndpoints, 1);
      await fx.setEndpoints('local', [ep('pod-b', { node: 'node-2' })], ports);
      await programmed('local', 1);
      assert.equal((await httpGet(`http://127.0.0.1:${hc}/`)).status, 503);
      // External traffic is dropped (another node would serve it), not refused.
      const dropped = await topo!.probe(topo!.external, nodeExternalIP, nodePort, { timeoutMs: 700 });
      assert.equal(dropped[0]!.error, 'TIMEOUT');
    });

    test('externalIPs route to the Service; hairpin traffic comes back to its own pod', async () => {
      await fx.createService('extip', {
        externalIPs: ['192.168.78.10'],
        ports: [{ ...http, targetPort: backendPort }],
      });
      await fx.setEndpoints('extip', [ep('pod-a')], [{ name: 'http', port: backendPort }]);
      await programmed('extip', 1);
      const res = await fromExternal('192.168.78.10', 80, 3);
      assert.ok(
        res.every((r) => r.reply?.startsWith('pod-a ')),
        JSON.stringify(res),
      );
      // pod-a calling its own Service lands on itself, masqueraded so the reply is not short-circuited.
      const hairpin = await topo!.probe(pod('pod-a').ns, await clusterIP('extip'), 80, { count: 3 });
      assert.deepEqual(
        hairpin.map((r) => r.reply),
        Array(3).fill(`pod-a ${nodeBridgeIP}`),
        JSON.stringify(hairpin),
      );
    });

    test('UDP services balance datagrams across endpoints', async () => {
      await fx.createService('dns', {
        ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: udpBackendPort }],
      });
      await fx.setEndpoints(
        'dns',
        [ep('pod-a'), ep('pod-b')],
        [{ name: 'dns', port: udpBackendPort, protocol: 'UDP' }],
      );
      await programmed('dns', 2, 'dns', 'UDP');
      const counts = tally(await fromClientPod(await clusterIP('dns'), 53, 30, 'udp'));
      assert.ok((counts.get('pod-a') ?? 0) > 0 && (counts.get('pod-b') ?? 0) > 0, JSON.stringify([...counts]));
      assert.equal((counts.get('pod-a') ?? 0) + (counts.get('pod-b') ?? 0), 30);
    });

    test('headless Services get no rules; /healthz and /metrics answer', async () => {
      await fx.createService('headless', { clusterIP: 'None', ports: [{ ...http, targetPort: backendPort }] });
      await fx.setEndpoints('headless', [ep('pod-a')], [{ name: 'http', port: backendPort }]);
      await fx.createService('marker', { ports: [{ ...http, targetPort: backendPort }] });
      await kp!.waitFor((s) => s.servicePorts.has(portKey('default', 'marker', 'http')));
      assert.ok(![...kp!.core.state.servicePorts.keys()].some((k) => k.startsWith('default/headless:')));
      const healthz = await httpGet(`http://127.0.0.1:${kp!.healthzPort}/healthz`);
      assert.equal(healthz.status, 200);
      assert.equal(JSON.parse(healthz.body).nodeEligible, true);
      const metrics = (await httpGet(`http://127.0.0.1:${kp!.healthzPort}/metrics`)).body;
      assert.match(metrics, /kubeproxy_sync_proxy_rules_last_timestamp_seconds \d/);
      assert.match(metrics, /kubets_proxy_rules\{mode="(nftables|iptables)"\} [1-9]/);
    });
  });
}
