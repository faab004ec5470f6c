import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { isDNS1123Subdomain } from '../../api/validation/names.js';
import { ResourceClient, type KubeObject } from '../../client/resource-client.js';
import { gvr } from '../../client/resource-path.js';
import type { RestClient } from '../../client/rest-client.js';
import { FakeApiServer, fakeRestClient } from '../../client/testing/fake-api-server.js';
import { FakeClock } from '../../lib/clock.js';
import {
  ensureKubeDnsService,
  kubeDnsManagedBy,
  kubeDnsServerAddressAnnotation,
  kubeDnsSliceName,
  kubeDnsSliceNameFor,
  removeKubeDnsEndpoints,
  startKubeDnsPublisher,
  syncKubeDnsEndpoints,
  type KubeDnsServiceOptions,
} from './kube-dns-service.js';

/** Sets the API servers `default/kubernetes` lists (what the lease endpoint reconciler maintains). */
async function setApiServers(rest: RestClient, ips: string[]): Promise<void> {
  await new ResourceClient<Endpoints & KubeObject>(rest, gvr('', 'v1', 'endpoints'), 'default').apply(
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'kubernetes', namespace: 'default' },
      subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }],
    },
    { fieldManager: 'test', force: true },
  );
}

function setup() {
  const fake = new FakeApiServer();
  const rest = fakeRestClient(fake);
  const server = (node: string, ip: string, extra: Partial<KubeDnsServiceOptions> = {}): KubeDnsServiceOptions => ({
    rest,
    nodeIP: ip,
    nodeName: node,
    serverAddress: ip,
    dnsPort: 1053,
    ...extra,
  });
  const slices = () =>
    fake
      .list('discovery.k8s.io', 'endpointslices', 'kube-system')
      .map((s) => s as EndpointSlice)
      .map((s) => [s.metadata!.name!, s.endpoints!.flatMap((e) => e.addresses)] as const)
      .sort();
  const endpoints = () =>
    ((fake.get('', 'endpoints', 'kube-system', 'kube-dns') as Endpoints | undefined)?.subsets ?? []).map((sub) => ({
      ips: (sub.addresses ?? []).map((a) => a.ip),
      port: sub.ports?.[0]?.port,
    }));
  return { fake, rest, server, slices, endpoints };
}

test('kubeDnsSliceNameFor: one valid object name per server', () => {
  const cases: [string, string][] = [
    ['node-a', 'kube-dns-kubets-node-a'],
    ['Node_A', 'kube-dns-kubets-node-a'],
    ['10.0.0.1', 'kube-dns-kubets-10.0.0.1'],
    ['fd00::1', 'kube-dns-kubets-fd00-1'],
    ['x'.repeat(300), `kube-dns-kubets-${'x'.repeat(253 - 16)}`],
  ];
  for (const [server, want] of cases) {
    assert.equal(kubeDnsSliceNameFor(server), want, server);
    assert.deepEqual(isDNS1123Subdomain(want), [], want);
  }
});

test('each server publishes its own slice; Endpoints is their union; the old shared slice goes', async () => {
  const { fake, rest, server, slices, endpoints } = setup();
  await setApiServers(rest, ['10.0.0.1', '10.0.0.2']);
  fake.seed('discovery.k8s.io', 'endpointslices', {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: kubeDnsSliceName,
      namespace: 'kube-system',
      labels: { 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': kubeDnsManagedBy },
    },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.0.0.9'] }],
    ports: [],
  });
  // A slice of the EndpointSlice controller's for the same Service is not ours: left alone.
  fake.seed('discovery.k8s.io', 'endpointslices', {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: 'kube-dns-abcde',
      namespace: 'kube-system',
      labels: {
        'kubernetes.io/service-name': 'kube-dns',
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      },
    },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.0.0.8'] }],
    ports: [],
  });

  const a = await ensureKubeDnsService(server('node-a', '10.0.0.1'));
  assert.equal(a.endpointSlice.metadata!.name, 'kube-dns-kubets-node-a');
  assert.equal(a.endpointSlice.metadata!.annotations![kubeDnsServerAddressAnnotation], '10.0.0.1');
  assert.equal(a.endpointSlice.endpoints![0]!.nodeName, 'node-a');
  const b = await ensureKubeDnsService(server('node-b', '10.0.0.2', { dnsPort: 53 }));
  assert.equal(b.service.spec!.clusterIP, '10.43.0.10');
  assert.deepEqual(slices(), [
    ['kube-dns-abcde', ['10.0.0.8']],
    ['kube-dns-kubets-node-a', ['10.0.0.1']],
    ['kube-dns-kubets-node-b', ['10.0.0.2']],
  ]);
  // Servers may listen on different ports (53 as root, 1053 otherwise): one subset per port set.
  assert.deepEqual(endpoints(), [
    { ips: ['10.0.0.1'], port: 1053 },
    { ips: ['10.0.0.2'], port: 53 },
  ]);
  const same = await syncKubeDnsEndpoints(server('node-a', '10.0.0.1'));
  assert.deepEqual(same.removed, []);
  assert.deepEqual(same.endpointSlice.endpoints, a.endpointSlice.endpoints, 'a second round changes nothing');
  assert.equal(slices().length, 3);
});

test('slices of servers gone from default/kubernetes are removed, only on a view that includes this server', async () => {
  const { fake, rest, server, slices, endpoints } = setup();
  await setApiServers(rest, ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  await syncKubeDnsEndpoints(server('node-a', '10.0.0.1'));
  await syncKubeDnsEndpoints(server('node-b', '10.0.0.2'));
  await syncKubeDnsEndpoints(server('node-c', '10.0.0.3'));
  // A server advertising loopback is not in default/kubernetes: its slice carries no address and is never judged.
  await syncKubeDnsEndpoints(server('node-l', '10.0.0.4', { serverAddress: '127.0.0.1' }));
  assert.equal(
    fake.get('discovery.k8s.io', 'endpointslices', 'kube-system', 'kube-dns-kubets-node-l')!.metadata.annotations,
    undefined,
  );

  // node-b dies: the lease reconciler drops it, and node-a's next round removes its slice.
  await setApiServers(rest, ['10.0.0.1', '10.0.0.3']);
  // A view without this server (stale, or another cluster's) deletes nothing.
  const blind = await syncKubeDnsEndpoints(server('node-x', '10.0.0.5'));
  assert.deepEqual(blind.removed, []);
  assert.equal(slices().length, 5);
  await removeKubeDnsEndpoints(server('node-x', '10.0.0.5'));

  const r = await syncKubeDnsEndpoints(server('node-a', '10.0.0.1'));
  assert.deepEqual(r.removed, ['kube-dns-kubets-node-b']);
  assert.deepEqual(slices(), [
    ['kube-dns-kubets-node-a', ['10.0.0.1']],
    ['kube-dns-kubets-node-c', ['10.0.0.3']],
    ['kube-dns-kubets-node-l', ['10.0.0.4']],
  ]);
  assert.deepEqual(endpoints(), [{ ips: ['10.0.0.1', '10.0.0.3', '10.0.0.4'], port: 1053 }]);

  // No default/kubernetes at all (a single server advertising loopback): nothing is judged.
  const solo = setup();
  await syncKubeDnsEndpoints(solo.server('node-a', '10.0.0.1'));
  await syncKubeDnsEndpoints(solo.server('node-b', '10.0.0.2'));
  assert.equal(solo.slices().length, 2);
});

test('a clean stop removes only this server from the slices and the Endpoints', async () => {
  const { rest, server, slices, endpoints } = setup();
  await setApiServers(rest, ['10.0.0.1', '10.0.0.2']);
  await syncKubeDnsEndpoints(server('node-a', '10.0.0.1'));
  await syncKubeDnsEndpoints(server('node-b', '10.0.0.2'));
  await removeKubeDnsEndpoints(server('node-b', '10.0.0.2'));
  assert.deepEqual(slices(), [['kube-dns-kubets-node-a', ['10.0.0.1']]]);
  assert.deepEqual(endpoints(), [{ ips: ['10.0.0.1'], port: 1053 }]);
  await removeKubeDnsEndpoints(server('node-a', '10.0.0.1'));
  assert.deepEqual(slices(), []);
  assert.deepEqual(endpoints(), []);
  await removeKubeDnsEndpoints(server('node-a', '10.0.0.1')); // idempotent
});

test('the publisher re-publishes its slice every interval and withdraws it on dispose', async () => {
  const { fake, rest, slices, endpoints } = setup();
  await setApiServers(rest, ['10.0.0.1']);
  const clock = new FakeClock();
  const pub = await startKubeDnsPublisher({
    rest,
    nodeIP: '10.0.0.1',
    nodeName: 'node-a',
    serverAddress: '10.0.0.1',
    dnsPort: 1053,
    clock,
    intervalMs: 30_000,
  });
  try {
    assert.equal(pub.objects.endpointSlice.metadata!.name, 'kube-dns-kubets-node-a');
    // Removed by another server during a partition: back at the next round.
    await rest.request({
      method: 'DELETE',
      path: '/apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices/kube-dns-kubets-node-a',
    });
    assert.deepEqual(slices(), []);
    await clock.advance(29_000);
    assert.deepEqual(slices(), []);
    await clock.advance(1_000);
    for (let i = 0; i < 20 && slices().length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(slices(), [['kube-dns-kubets-node-a', ['10.0.0.1']]]);
  } finally {
    await pub.dispose();
  }
  assert.deepEqual(slices(), []);
  assert.deepEqual(endpoints(), []);
  assert.equal(clock.pending(), 0, 'no timer left behind');
  assert.ok(fake.get('', 'services', 'kube-system', 'kube-dns'), 'the Service stays');
});
