import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, NodeAddress, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { LocalProvider, readyEndpointNodesOf } from './local-provider.js';

const node = (name: string, addresses: NodeAddress[], ready = 'True'): Node => ({
  metadata: { name },
  status: { addresses, conditions: [{ type: 'Ready', status: ready }] },
});
const internal = (address: string): NodeAddress => ({ type: 'InternalIP', address });
const external = (address: string): NodeAddress => ({ type: 'ExternalIP', address });
const svc = (spec: Service['spec'] = {}): Service => ({
  metadata: { name: 'web', namespace: 'default' },
  spec: { type: 'LoadBalancer', ...spec },
});

test('instance metadata comes from the Node itself', async () => {
  const addrs = [internal('10.0.0.5'), { type: 'Hostname', address: 'n1' }];
  const n = node('n1', addrs);
  const plain = new LocalProvider({ readyEndpointNodes: () => new Set() });
  assert.deepEqual(await plain.instances.instanceMetadata(n), {
    providerID: 'kubets://n1',
    instanceType: 'kubets',
    nodeAddresses: addrs,
    zone: '',
    region: '',
  });
  const zoned = new LocalProvider({ zone: 'z1', region: 'r1', readyEndpointNodes: () => new Set() });
  const meta = await zoned.instances.instanceMetadata(n);
  assert.equal(meta.zone, 'z1');
  assert.equal(meta.region, 'r1');
  // A registered node is its own instance: never gone, never shut down.
  assert.equal(await plain.instances.instanceExists(node('n1', [], 'False')), true);
  assert.equal(await plain.instances.instanceShutdown(node('n1', [], 'Unknown')), false);
});

test('load balancer ingress: Ready candidates, ExternalIP over InternalIP, families, eTP=Local', async () => {
  const nodes = [
    node('c', [internal('10.0.0.30')]),
    node('a', [internal('10.0.0.9'), external('192.0.2.1')]),
    node('b', [internal('10.0.0.10'), internal('fd00::10')]),
    node('down', [internal('10.0.0.40')], 'False'),
    node('unknown', [internal('10.0.0.41')], 'Unknown'),
  ];
  const local = new Set(['b', 'down']);
  const p = new LocalProvider({ readyEndpointNodes: () => local });
  const ips = (s: Service) =>
    p.loadBalancer!.ensureLoadBalancer('kubernetes', s, nodes).then((st) => st.ingress?.map((i) => i.ip));
  const table: { name: string; spec: Service['spec']; want: string[] | undefined }[] = [
    { name: 'cluster policy', spec: {}, want: ['10.0.0.10', '10.0.0.30', '192.0.2.1', 'fd00::10'] },
    { name: 'IPv4 only', spec: { ipFamilies: ['IPv4'] }, want: ['10.0.0.10', '10.0.0.30', '192.0.2.1'] },
    { name: 'IPv6 only', spec: { ipFamilies: ['IPv6'] }, want: ['fd00::10'] },
    {
      name: 'local: ready nodes with endpoints',
      spec: { externalTrafficPolicy: 'Local' },
      want: ['10.0.0.10', 'fd00::10'],
    },
  ];
  for (const t of table) assert.deepEqual(await ips(svc(t.spec)), t.want, t.name);
  const st = await p.loadBalancer!.ensureLoadBalancer('kubernetes', svc(), nodes);
  assert.ok(st.ingress!.every((i) => i.ipMode === 'VIP'));
  // No eligible node: an empty status, not an empty ingress list.
  assert.deepEqual(await p.loadBalancer!.ensureLoadBalancer('kubernetes', svc(), [nodes[3]!]), {});
  const updated = await p.loadBalancer!.updateLoadBalancer('kubernetes', svc(), [nodes[2]!]);
  assert.deepEqual(updated, {
    ingress: [
      { ip: '10.0.0.10', ipMode: 'VIP' },
      { ip: 'fd00::10', ipMode: 'VIP' },
    ],
  });
});

test('a balancer exists while the Service publishes ingress; no LB part when disabled', async () => {
  const p = new LocalProvider({ readyEndpointNodes: () => new Set() });
  assert.equal((await p.loadBalancer!.getLoadBalancer('k', svc())).exists, false);
  const withIngress = { ...svc(), status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } } };
  assert.equal((await p.loadBalancer!.getLoadBalancer('k', withIngress)).exists, true);
  await p.loadBalancer!.ensureLoadBalancerDeleted('k', withIngress);
  assert.equal(new LocalProvider({ loadBalancer: false, readyEndpointNodes: () => new Set() }).loadBalancer, undefined);
});

test('ready endpoint nodes: unset readiness counts as ready, endpoints without a node do not count', () => {
  const slice = (eps: EndpointSlice['endpoints']): EndpointSlice => ({
    addressType: 'IPv4',
    metadata: { name: 's' },
    endpoints: eps,
  });
  const got = readyEndpointNodesOf([
    slice([
      { addresses: ['10.42.0.5'], nodeName: 'a', conditions: { ready: true } },
      { addresses: ['10.42.1.5'], nodeName: 'b', conditions: { ready: false } },
    ]),
    slice([
      { addresses: ['10.42.2.5'], nodeName: 'c', conditions: {} },
      { addresses: ['10.42.3.5'], conditions: { ready: true } },
    ]),
  ]);
  assert.deepEqual([...got].sort(), ['a', 'c']);
});
