import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { inProcessRest } from '../../src/cmd/in-process.js';
import { compileCloudController, compileDisabledAddons } from '../../src/cmd/server.js';
import { ResourceClient, type KubeObject, type RestClient } from '../../src/client/index.js';
import {
  cloudControllerManagerUser,
  startCloudControllerManager,
  type RunningCloudControllerManager,
} from '../../src/control-plane/cloud-controller-manager/cloud-controller-manager.js';
import { localProviderFor } from '../../src/control-plane/cloud-controller-manager/local-provider.js';
import { isNotFound } from '../../src/api/errors/status-error.js';

async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

const gvr = (group: string, resource: string) => ({ group, version: 'v1', resource });
const finalizer = 'service.kubernetes.io/load-balancer-cleanup';

/**
 * The cloud-controller-manager with the local provider against the real API
 * server, acting as `system:cloud-controller-manager` (so its RBAC role is
 * exercised). Nodes are simulated by writing Node objects and their status;
 * EndpointSlices are written directly (no pods, no endpointslice controller).
 */
describe('cloud-controller-manager (local provider)', () => {
  let c: TestCluster;
  let ccm: RunningCloudControllerManager;
  let nodes: ResourceClient<Node & KubeObject>;
  let services: ResourceClient<Service & KubeObject>;
  let slices: ResourceClient<EndpointSlice & KubeObject>;
  let rest: RestClient;

  async function addNode(
    name: string,
    ip: string,
    o: { ready?: string; labels?: Record<string, string>; tainted?: boolean } = {},
  ) {
    const created = await nodes.create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
      spec: o.tainted
        ? { taints: [{ key: 'node.cloudprovider.kubernetes.io/uninitialized', value: 'true', effect: 'NoSchedule' }] }
        : {},
    } as never);
    await nodes.updateStatus({
      ...created,
      status: {
        addresses: [
          { type: 'InternalIP', address: ip },
          { type: 'Hostname', address: name },
        ],
        conditions: [{ type: 'Ready', status: o.ready ?? 'True', reason: 'KubeletReady' }],
      },
    } as never);
  }

  const ingressOf = async (name: string) =>
    ((await services.get(name)).status?.loadBalancer?.ingress ?? []).map((i) => i.ip).join(',');

  before(async () => {
    c = await startTestCluster({ controllers: [] });
    const api = c.cp.apiserver;
    rest = inProcessRest(api, { username: 'test-admin', groups: ['system:masters'] }, 'test');
    nodes = new ResourceClient(rest, gvr('', 'nodes'));
    services = new ResourceClient(rest, gvr('', 'services'), 'default');
    slices = new ResourceClient(rest, gvr('discovery.k8s.io', 'endpointslices'), 'default');
    await addNode('n1', '10.99.0.11');
    await addNode('n2', '10.99.0.12');
    await addNode('excluded', '10.99.0.13', {
      labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '' },
    });
    await addNode('down', '10.99.0.14', { ready: 'False' });
    ccm = await startCloudControllerManager({
      rest: inProcessRest(api, cloudControllerManagerUser, 'cloud-controller-manager'),
      provider: (informers) => localProviderFor(informers),
      leaderElection: { identity: 'test-ccm' },
    });
  });
  after(async () => {
    await ccm?.stop();
    await c?.dispose();
  });

  test('nodes are initialized: providerID, instance type, no uninitialized taint', async () => {
    await addNode('fresh', '10.99.0.15', { tainted: true });
    const n = await eventually(async () => {
      const got = await nodes.get('fresh');
      const tainted = got.spec?.taints?.some((t) => t.key === 'node.cloudprovider.kubernetes.io/uninitialized');
      return !tainted && got.spec?.providerID ? got : undefined;
    }, 'node fresh initialized');
    assert.equal(n.spec?.providerID, 'kubets://fresh');
    assert.equal(n.metadata?.labels?.['node.kubernetes.io/instance-type'], 'kubets');
    assert.deepEqual(n.status?.addresses?.[0], { type: 'InternalIP', address: '10.99.0.15' });
    const n1 = await eventually(async () => (await nodes.get('n1')).spec?.providerID, 'n1 initialized');
    assert.equal(n1, 'kubets://n1');
    assert.ok(ccm.isLeader());
  });

  test('a LoadBalancer Service gets the Ready eligible node IPs; kubectl shows them; delete releases it', async () => {
    await services.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { type: 'LoadBalancer', ports: [{ port: 80, targetPort: 8080 }], selector: { app: 'web' } },
    } as never);
    await eventually(async () => (await ingressOf('web')) === '10.99.0.11,10.99.0.12,10.99.0.15', 'ingress of web');
    const svc = await services.get('web');
    assert.deepEqual(svc.metadata?.finalizers, [finalizer]);
    assert.ok(svc.status?.loadBalancer?.ingress?.every((i) => i.ipMode === 'VIP'));

    const out = await c.kubectl(['get', 'svc', 'web', '--no-headers']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^web\s+LoadBalancer\s+\S+\s+10\.99\.0\.11,10\.99\.0\.12,10\.99\.0\.15\s+80:\d+\/TCP/);

    // A node leaving the Ready set leaves the ingress.
    const fresh = await nodes.get('fresh');
    await nodes.updateStatus({
      ...fresh,
      status: { ...fresh.status, conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady' }] },
    } as never);
    await eventually(async () => (await ingressOf('web')) === '10.99.0.11,10.99.0.12', 'ingress without fresh');

    const events = await new ResourceClient(rest, gvr('', 'events'), 'default').list();
    const reasons = events.items.filter(
      (e) => (e as { involvedObject?: { name?: string } }).involvedObject?.name === 'web',
    );
    assert.ok(reasons.some((e) => (e as { reason?: string }).reason === 'EnsuringLoadBalancer'));

    const del = await c.kubectl(['delete', 'svc', 'web', '--timeout=20s']);
    assert.equal(del.code, 0, del.stderr);
    await eventually(
      () =>
        services.get('web').then(
          () => false,
          (err) => isNotFound(err),
        ),
      'web gone',
    );
  });

  test('externalTrafficPolicy: Local publishes only nodes with ready local endpoints', async () => {
    await services.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'local' },
      spec: {
        type: 'LoadBalancer',
        externalTrafficPolicy: 'Local',
        ports: [{ port: 80 }],
        selector: { app: 'local' },
      },
    } as never);
    const slice = await slices.create({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'local-abc',
        labels: { 'kubernetes.io/service-name': 'local', 'endpointslice.kubernetes.io/managed-by': 'test' },
      },
      addressType: 'IPv4',
      ports: [{ port: 80, protocol: 'TCP' }],
      endpoints: [
        { addresses: ['10.42.2.5'], nodeName: 'n2', conditions: { ready: true } },
        { addresses: ['10.42.1.5'], nodeName: 'n1', conditions: { ready: false } },
      ],
    } as never);
    await eventually(async () => (await ingressOf('local')) === '10.99.0.12', 'ingress = n2 only');
    await slices.update({
      ...slice,
      endpoints: [
        { addresses: ['10.42.2.5'], nodeName: 'n2', conditions: { ready: false } },
        { addresses: ['10.42.1.5'], nodeName: 'n1', conditions: { ready: true } },
      ],
    } as never);
    await eventually(async () => (await ingressOf('local')) === '10.99.0.11', 'ingress moves to n1');
    // Switching to Cluster publishes every eligible Ready node again.
    await services.patch('local', 'merge', { spec: { externalTrafficPolicy: 'Cluster' } });
    await eventually(async () => (await ingressOf('local')) === '10.99.0.11,10.99.0.12', 'cluster policy ingress');
  });

  test('a Service that stops being a LoadBalancer loses its ingress and finalizer', async () => {
    await services.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'switch' },
      spec: { type: 'LoadBalancer', ports: [{ port: 81 }], selector: { app: 'switch' } },
    } as never);
    await eventually(async () => (await ingressOf('switch')) !== '', 'ingress of switch');
    await services.patch('switch', 'merge', {
      spec: { type: 'ClusterIP', allocateLoadBalancerNodePorts: null, externalTrafficPolicy: null },
    });
    const svc = await eventually(async () => {
      const s = await services.get('switch');
      return !s.metadata?.finalizers?.length && !s.status?.loadBalancer?.ingress ? s : undefined;
    }, 'switch released');
    assert.equal(svc.spec?.type, 'ClusterIP');
  });

  test('server flags: --disable-cloud-controller, --disable servicelb', () => {
    assert.deepEqual(compileCloudController({}), { loadBalancer: true });
    assert.deepEqual(compileCloudController({ disable: ['servicelb'] }), { loadBalancer: false });
    assert.deepEqual(compileCloudController({ disable: ['coredns,servicelb'] }), { loadBalancer: false });
    assert.equal(compileCloudController({ 'disable-cloud-controller': true }), undefined);
    assert.deepEqual([...compileDisabledAddons({ disable: ['servicelb,coredns'] })], ['coredns']);
  });
});
