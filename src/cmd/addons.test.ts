import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Endpoints } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { ResourceClient, type KubeObject, type RestClient } from '../client/index.js';
import {
  kubeDnsServerAddressAnnotation,
  startKubeDnsPublisher,
  syncKubeDnsEndpoints,
} from '../addons/dns/kube-dns-service.js';
import { startControlPlane, type ControlPlane } from './control-plane.js';
import { inProcessRest } from './in-process.js';

/**
 * Cluster DNS endpoints of several servers against a real API server (server-side
 * apply, delete preconditions): each server's slice, the Endpoints union, a dead
 * server's slice removed by a live one, a clean stop withdrawing its own.
 */
describe('cluster DNS endpoints with several servers (real API server)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kbt-addons-'));
  let cp: ControlPlane;
  let rest: RestClient;
  before(async () => {
    cp = await startControlPlane({
      dataDir: dir,
      bindAddress: '127.0.0.1',
      httpsPort: 0,
      // Loopback: no lease reconciler, so the test owns default/kubernetes.
      advertiseAddress: '127.0.0.1',
      kubeconfigPath: join(dir, 'kubeconfig.yaml'),
      kubeconfigMode: 0o600,
      tlsSans: [],
      serviceCIDR: '10.43.0.0/16',
      clusterCIDR: '10.42.0.0/16',
      clusterDomain: 'cluster.local',
      controllers: [],
      scheduler: false,
    });
    rest = inProcessRest(cp.apiserver, { username: 'system:apiserver', groups: ['system:masters'] }, 'addons-test');
  });
  after(async () => {
    await cp?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const apiServers = (ips: string[]) =>
    new ResourceClient<Endpoints & KubeObject>(
      rest,
      { group: '', version: 'v1', resource: 'endpoints' },
      'default',
    ).apply(
      {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'kubernetes', namespace: 'default' },
        subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }],
      },
      { fieldManager: 'test-reconciler', force: true },
    );
  const slices = async () =>
    (
      await new ResourceClient<EndpointSlice & KubeObject>(
        rest,
        { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' },
        'kube-system',
      ).list({ labelSelector: 'kubernetes.io/service-name=kube-dns' })
    ).items
      .map((s) => `${s.metadata!.name}=${s.endpoints!.flatMap((e) => e.addresses).join(',')}`)
      .sort();
  const dnsEndpoints = async () =>
    (
      (
        await new ResourceClient<Endpoints & KubeObject>(
          rest,
          { group: '', version: 'v1', resource: 'endpoints' },
          'kube-system',
        ).get('kube-dns')
      ).subsets ?? []
    ).flatMap((s) => (s.addresses ?? []).map((a) => `${a.ip}@${a.nodeName}`));
  async function eventually(what: string, ok: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if (await ok()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`timed out waiting for ${what}`);
  }

  test('a live server removes a dead one; a clean stop withdraws its own endpoints', async () => {
    await apiServers(['10.0.0.1', '10.0.0.2']);
    const a = await startKubeDnsPublisher({
      rest,
      nodeIP: '10.0.0.1',
      nodeName: 'server-a',
      serverAddress: '10.0.0.1',
      dnsPort: 1053,
      intervalMs: 50,
    });
    try {
      assert.equal(a.objects.endpointSlice.metadata!.annotations![kubeDnsServerAddressAnnotation], '10.0.0.1');
      // Server b publishes once, then dies without cleaning up.
      await syncKubeDnsEndpoints({
        rest,
        nodeIP: '10.0.0.2',
        nodeName: 'server-b',
        serverAddress: '10.0.0.2',
        dnsPort: 1053,
      });
      assert.deepEqual(await slices(), ['kube-dns-kubets-server-a=10.0.0.1', 'kube-dns-kubets-server-b=10.0.0.2']);
      assert.deepEqual(await dnsEndpoints(), ['10.0.0.1@server-a', '10.0.0.2@server-b']);

      // Its lease expires: default/kubernetes lists only a, and a's next round takes b out.
      await apiServers(['10.0.0.1']);
      await eventually('server-b removed', async () => (await slices()).length === 1);
      assert.deepEqual(await slices(), ['kube-dns-kubets-server-a=10.0.0.1']);
      await eventually('Endpoints without b', async () => (await dnsEndpoints()).length === 1);
      assert.deepEqual(await dnsEndpoints(), ['10.0.0.1@server-a']);
    } finally {
      await a.dispose();
    }
    assert.deepEqual(await slices(), []);
    assert.deepEqual(await dnsEndpoints(), []);
  });
});
