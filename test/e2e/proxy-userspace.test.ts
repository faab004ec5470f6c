// kube-proxy in userspace mode (Node.js TCP/UDP proxies, no netfilter). Backends listen
// on loopback addresses (127.0.0.2, 127.0.0.3) in this process and clients connect to
// NodePorts on 127.0.0.1. The API rejects loopback endpoints and externalIPs (as
// upstream does), so the functional cases feed Services and EndpointSlices to the proxy
// core directly; one case goes through a real API server with startKubeProxy. Needs no
// root; everything is closed in `after`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect, createServer, type Server } from 'node:net';
import type { Service, ServicePort, ServiceSpec } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { realClock } from '../../src/lib/clock.js';
import { startKubeProxy, type RunningKubeProxy } from '../../src/node/kube-proxy/kube-proxy.js';
import { ProxyCore } from '../../src/node/kube-proxy/proxy-core.js';
import { ServiceHealthServer } from '../../src/node/kube-proxy/service-health.js';
import { UserspaceProxier } from '../../src/node/kube-proxy/userspace/userspace-proxier.js';
import { ApiFixtures, portKey } from '../../src/node/kube-proxy/testing/api-fixtures.js';
import { httpGet } from '../../src/node/kube-proxy/testing/kernel-suite.js';
import { createLogger, parseLevel } from '../../src/lib/log.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest } from '../harness/sim.js';

const backendIPs = { 'pod-a': '127.0.0.2', 'pod-b': '127.0.0.3' } as const;
type PodName = keyof typeof backendIPs;

function tcpRequest(host: string, port: number, timeoutMs = 2000): Promise<{ reply?: string; error?: string }> {
  return new Promise((resolve) => {
    let data = '';
    let done = false;
    const s = connect({ host, port });
    const finish = (r: { reply?: string; error?: string }) => {
      if (done) return;
      done = true;
      clearTimeout(t);
      s.destroy();
      resolve(r);
    };
    const t = setTimeout(() => finish({ error: 'TIMEOUT' }), timeoutMs);
    s.setEncoding('utf8');
    s.on('data', (d: string) => (data += d));
    s.on('end', () => finish(data ? { reply: data.trim() } : { error: 'EMPTY' }));
    s.on('error', (e: NodeJS.ErrnoException) => finish({ error: e.code ?? e.message }));
  });
}

function udpRequest(host: string, port: number, timeoutMs = 2000): Promise<{ reply?: string; error?: string }> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    const t = setTimeout(() => finish({ error: 'TIMEOUT' }), timeoutMs);
    const finish = (r: { reply?: string; error?: string }) => {
      clearTimeout(t);
      sock.close();
      resolve(r);
    };
    sock.on('message', (m) => finish({ reply: m.toString().trim() }));
    sock.on('error', (e: NodeJS.ErrnoException) => finish({ error: e.code ?? e.message }));
    sock.send('ping', port, host);
  });
}

async function many(n: number, fn: () => Promise<{ reply?: string; error?: string }>) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await fn());
  return out;
}

function tally(results: { reply?: string; error?: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) {
    const k = r.reply ? r.reply.split(' ')[0]! : `error:${r.error}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

interface EpSpec {
  ip: string;
  node?: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

let ipSeq = 1;
function service(name: string, spec: Partial<ServiceSpec> & { ports: ServicePort[] }): Service {
  return {
    metadata: { namespace: 'default', name },
    spec: { type: 'ClusterIP', clusterIP: `10.43.9.${ipSeq++}`, ...spec },
  };
}

function slice(
  svc: string,
  eps: EpSpec[],
  ports: { name: string; port: number; protocol?: 'TCP' | 'UDP' }[],
): EndpointSlice {
  return {
    metadata: { namespace: 'default', name: `${svc}-test`, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol ?? 'TCP' })),
    endpoints: eps.map((e) => ({
      addresses: [e.ip],
      nodeName: e.node,
      conditions: {
        ready: e.ready ?? true,
        serving: e.serving ?? e.ready ?? true,
        terminating: e.terminating ?? false,
      },
    })),
  };
}

/** A NodePort-range port nothing on this host listens on (TCP or UDP) right now. */
async function randomNodePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const p = 30000 + Math.floor(Math.random() * 2700);
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(p, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return p;
  }
  throw new Error('no free port in the NodePort range');
}

describe('kube-proxy e2e: userspace', { timeout: 180_000 }, () => {
  let core: ProxyCore;
  let proxier: UserspaceProxier;
  let serviceHealth: ServiceHealthServer;
  let port = 0;
  const servers: (Server | ReturnType<typeof createSocket>)[] = [];
  const nodePorts = new Map<string, number>();
  const log = createLogger('test', {
    level: process.env.KUBETS_TEST_LOG ? parseLevel(process.env.KUBETS_TEST_LOG) : 'error',
  });
  const ep = (name: PodName, extra: Omit<EpSpec, 'ip'> = {}): EpSpec => ({
    ip: backendIPs[name],
    node: 'node-1',
    ...extra,
  });
  const programmed = (svc: string, n: number, portName = 'http', proto = 'TCP') =>
    core.waitFor(
      (s) =>
        s.servicePorts.has(portKey('default', svc, portName, proto)) &&
        (s.endpoints.get(portKey('default', svc, portName, proto))?.length ?? 0) === n,
      15_000,
    );
  const nodePortService = async (name: string, extra: Partial<ServiceSpec> = {}) => {
    const np = await randomNodePort();
    nodePorts.set(name, np);
    core.onServiceUpsert(
      service(name, {
        type: 'NodePort',
        ports: [{ name: 'http', port: 80, targetPort: port, nodePort: np }],
        ...extra,
      }),
    );
  };
  const setEndpoints = (svc: string, eps: EpSpec[]) => core.onSliceUpsert(slice(svc, eps, [{ name: 'http', port }]));
  const viaNodePort = (svc: string, n: number) => many(n, () => tcpRequest('127.0.0.1', nodePorts.get(svc)!));

  before(async () => {
    // One port number free on both backend addresses.
    for (let attempt = 0; attempt < 20 && port === 0; attempt++) {
      const candidate = 20000 + Math.floor(Math.random() * 10000);
      const opened: (Server | ReturnType<typeof createSocket>)[] = [];
      try {
        for (const [name, ip] of Object.entries(backendIPs)) {
          const srv = createServer((s) => {
            s.on('error', () => undefined);
            s.end(`${name} ${s.remoteAddress}\n`);
          });
          await new Promise<void>((res, rej) => srv.once('error', rej).listen(candidate, ip, () => res()));
          opened.push(srv);
          const udp = createSocket('udp4');
          udp.on('message', (_m, r) => udp.send(`${name} ${r.address}\n`, r.port, r.address));
          await new Promise<void>((res, rej) => udp.once('error', rej).bind(candidate, ip, () => res()));
          opened.push(udp);
        }
        servers.push(...opened);
        port = candidate;
      } catch {
        for (const s of opened) s.close();
      }
    }
    assert.ok(port > 0, 'no free backend port');
    proxier = new UserspaceProxier({
      config: {
        nodeName: 'node-1',
        clusterCIDR: '10.42.0.0/16',
        serviceCIDR: '10.43.0.0/16',
        nodePortAddresses: ['127.0.0.0/8'],
        masqueradeAll: false,
        nodeIPs: [],
      },
      log,
    });
    serviceHealth = new ServiceHealthServer('127.0.0.1', () => core.health.healthy(), log);
    core = new ProxyCore({
      proxier,
      nodeName: 'node-1',
      clock: realClock,
      log,
      minSyncPeriodMs: 20,
      syncPeriodMs: 60_000,
      serviceHealth,
    });
    await core.start();
  });

  after(async () => {
    await core?.stop();
    await proxier?.cleanup();
    await serviceHealth?.close();
    for (const s of servers) s.close();
  });

  test('NodePort round-robins across both endpoints; the ClusterIP is not bindable without being local', async () => {
    await nodePortService('web');
    setEndpoints('web', [ep('pod-a'), ep('pod-b')]);
    await programmed('web', 2);
    assert.deepEqual(tally(await viaNodePort('web', 10)), { 'pod-a': 5, 'pod-b': 5 });
    assert.deepEqual(proxier.listening(portKey('default', 'web', 'http')), [`127.0.0.1:${nodePorts.get('web')}`]);
  });

  test('sessionAffinity ClientIP pins the client', async () => {
    await nodePortService('sticky', { sessionAffinity: 'ClientIP' });
    setEndpoints('sticky', [ep('pod-a'), ep('pod-b')]);
    await programmed('sticky', 2);
    const counts = tally(await viaNodePort('sticky', 12));
    assert.equal(Object.keys(counts).length, 1, JSON.stringify(counts));
    assert.equal(Object.values(counts)[0], 12);
  });

  test('removing an endpoint stops traffic to it after one sync; zero endpoints refuse', async () => {
    await nodePortService('shrink');
    setEndpoints('shrink', [ep('pod-a'), ep('pod-b')]);
    await programmed('shrink', 2);
    setEndpoints('shrink', [ep('pod-b')]);
    await programmed('shrink', 1);
    assert.deepEqual(tally(await viaNodePort('shrink', 8)), { 'pod-b': 8 });
    setEndpoints('shrink', []);
    await programmed('shrink', 0);
    assert.deepEqual(tally(await viaNodePort('shrink', 3)), { 'error:ECONNREFUSED': 3 });
    setEndpoints('shrink', [ep('pod-a')]);
    await programmed('shrink', 1);
    assert.deepEqual(tally(await viaNodePort('shrink', 2)), { 'pod-a': 2 });
  });

  test('terminating endpoints are used only while none is ready', async () => {
    await nodePortService('term');
    setEndpoints('term', [ep('pod-a', { ready: false, serving: true, terminating: true }), ep('pod-b')]);
    await programmed('term', 2);
    assert.deepEqual(tally(await viaNodePort('term', 6)), { 'pod-b': 6 });
    setEndpoints('term', [ep('pod-a', { ready: false, serving: true, terminating: true })]);
    await programmed('term', 1);
    assert.deepEqual(tally(await viaNodePort('term', 4)), { 'pod-a': 4 });
  });

  test('externalTrafficPolicy Local: NodePort uses node-local endpoints; health check node port', async () => {
    const hc = await randomNodePort();
    await nodePortService('local', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: hc });
    setEndpoints('local', [ep('pod-a', { node: 'node-2' }), ep('pod-b')]);
    await programmed('local', 2);
    assert.deepEqual(tally(await viaNodePort('local', 6)), { 'pod-b': 6 });
    const res = await httpGet(`http://127.0.0.1:${hc}/`);
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), {
      service: { namespace: 'default', name: 'local' },
      localEndpoints: 1,
      serviceProxyHealthy: true,
    });
    setEndpoints('local', [ep('pod-a', { node: 'node-2' })]);
    await programmed('local', 1);
    assert.equal((await httpGet(`http://127.0.0.1:${hc}/`)).status, 503);
  });

  test('a local externalIP is served on the service address itself; UDP round-robins', async () => {
    core.onServiceUpsert(
      service('udp', {
        externalIPs: ['127.0.0.5'],
        ports: [{ name: 'dns', port: 5353, protocol: 'UDP', targetPort: port }],
      }),
    );
    core.onSliceUpsert(slice('udp', [ep('pod-a'), ep('pod-b')], [{ name: 'dns', port, protocol: 'UDP' }]));
    await programmed('udp', 2, 'dns', 'UDP');
    assert.deepEqual(tally(await many(8, () => udpRequest('127.0.0.5', 5353))), { 'pod-a': 4, 'pod-b': 4 });
  });

  test('deleting a Service closes its listeners', async () => {
    const np = nodePorts.get('web')!;
    core.onServiceDelete(service('web', { ports: [] }));
    await core.waitFor((s) => !s.servicePorts.has(portKey('default', 'web', 'http')));
    assert.deepEqual(await tcpRequest('127.0.0.1', np), { error: 'ECONNREFUSED' });
  });
});

describe('kube-proxy e2e: userspace through the API', { timeout: 120_000 }, () => {
  let cluster: TestCluster | undefined;
  let kp: RunningKubeProxy | undefined;

  after(async () => {
    await kp?.stop();
    await cluster?.dispose();
  });

  test('startKubeProxy watches Services and serves /healthz and /metrics', async () => {
    cluster = await startTestCluster({ controllers: [] });
    const fx = new ApiFixtures(adminRest(cluster));
    kp = await startKubeProxy({
      rest: adminRest(cluster, 'kube-proxy'),
      nodeName: 'node-1',
      mode: 'userspace',
      nodePortAddresses: ['127.0.0.0/8'],
      minSyncPeriodMs: 20,
      healthzPort: 0,
      healthzBindAddress: '127.0.0.1',
    });
    assert.equal(kp.mode, 'userspace');
    await fx.createService('api-web', { type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
    await kp.waitFor((s) => s.servicePorts.has(portKey('default', 'api-web', 'http')));
    const np = (await fx.services.get('api-web')).spec!.ports![0]!.nodePort!;
    // No endpoints: nothing listens, the NodePort refuses.
    assert.deepEqual(await tcpRequest('127.0.0.1', np), { error: 'ECONNREFUSED' });
    const healthz = await httpGet(`http://127.0.0.1:${kp.healthzPort}/healthz`);
    assert.equal(healthz.status, 200);
    assert.match(
      (await httpGet(`http://127.0.0.1:${kp.healthzPort}/metrics`)).body,
      /kubeproxy_sync_proxy_rules_duration_seconds_count [1-9]/,
    );
  });
});
