import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../lib/clock.js';
import { SqliteStorage } from '../../storage/sqlite/backend.js';
import { ApiServer } from '../server.js';
import { LeaseEndpointReconciler, masterLeasesPrefix } from './lease-endpoint-reconciler.js';

/**
 * Two API servers (in-process) on one datastore, as HA servers share etcd:
 * the `kubernetes` Endpoints and EndpointSlice follow the live servers.
 * Addresses are only data here; nothing is sent to them.
 */
test('the kubernetes endpoints list every live API server and drop dead ones', async () => {
  const clock = new FakeClock(Date.UTC(2026, 2, 1, 12));
  const storage = SqliteStorage.open({ path: ':memory:', clock, ttlSweepIntervalMs: 1000 });
  const s1 = new ApiServer({ storage, clock, advertiseAddress: '10.0.0.1', securePort: 6443 });
  const s2 = new ApiServer({ storage, clock, advertiseAddress: '10.0.0.2', securePort: 6443 });
  const reconcilers: LeaseEndpointReconciler[] = [];
  const reconciler = (server: ApiServer, ip: string, intervalMs = 10_000) => {
    const r = new LeaseEndpointReconciler({ server, storage, ip, port: 6443, clock, intervalMs });
    reconcilers.push(r);
    return r;
  };
  const endpoints = async () => {
    const ep = await s1.resource('', 'v1', 'endpoints')!.store.getFromStorage('default', 'kubernetes');
    const slice = await s1
      .resource('discovery.k8s.io', 'v1', 'endpointslices')!
      .store.getFromStorage('default', 'kubernetes');
    const subsets = (ep as { subsets?: { addresses?: { ip: string }[]; ports?: { port: number }[] }[] }).subsets;
    assert.equal(subsets?.length, 1);
    assert.deepEqual(
      subsets![0]!.ports?.map((p) => p.port),
      [6443],
    );
    const ips = (subsets![0]!.addresses ?? []).map((a) => a.ip);
    const sliceIps = ((slice as { endpoints?: { addresses: string[] }[] }).endpoints ?? []).flatMap((e) => e.addresses);
    assert.deepEqual(sliceIps, ips, 'the EndpointSlice mirrors the Endpoints');
    return ips;
  };
  try {
    await s1.start();
    await s2.start();
    assert.deepEqual(await endpoints(), ['10.0.0.2'], 'bootstrap alone: the last server to start wins');

    const r1 = reconciler(s1, '10.0.0.1');
    const r2 = reconciler(s2, '10.0.0.2');
    await r1.start();
    await r2.start();
    assert.deepEqual(await endpoints(), ['10.0.0.1', '10.0.0.2']);
    assert.equal(await storage.count(masterLeasesPrefix), 2);

    // A clean shutdown takes the server out at once.
    await r2.dispose();
    assert.deepEqual(await endpoints(), ['10.0.0.1']);

    // A server that dies stops renewing: its lease expires and the next round of the others drops it.
    const dead = reconciler(s2, '10.0.0.2', 1e9);
    await dead.start();
    assert.deepEqual(await endpoints(), ['10.0.0.1', '10.0.0.2']);
    await clock.advance(10_000);
    assert.deepEqual(await endpoints(), ['10.0.0.1', '10.0.0.2'], 'still within its 15 s lease');
    await clock.advance(10_000);
    assert.deepEqual(await endpoints(), ['10.0.0.1']);
    assert.equal(await storage.count(masterLeasesPrefix), 1);

    // The last server going away does not erase the endpoints (as upstream).
    await r1.dispose();
    assert.equal(await storage.count(masterLeasesPrefix), 0);
    assert.deepEqual(await endpoints(), ['10.0.0.1']);
  } finally {
    for (const r of reconcilers) await r.dispose();
    await s1.dispose();
    await s2.dispose();
    await storage.dispose();
  }
});
