import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, flushMicrotasks } from '../../lib/clock.js';
import { nullLogger } from '../../lib/log.js';
import type { PortChange, ProxyState } from './change-tracker.js';
import type { Proxier, ProxierStats, SyncOutcome } from './proxier.js';
import { ProxyCore } from './proxy-core.js';
import type { ServiceHealthServer } from './service-health.js';
import { service, slice } from './testing/objects.js';

/** A proxier that records what it was asked to do and can be told to fail. */
class RecordingProxier implements Proxier {
  readonly mode = 'nftables' as const;
  syncs: { full: boolean; keys: string[] }[] = [];
  failNext = 0;
  followUpMs: number | undefined;
  async init(): Promise<void> {}
  async sync(state: ProxyState, changes: readonly PortChange[], full: boolean): Promise<SyncOutcome> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('nft: boom');
    }
    this.syncs.push({ full, keys: full ? [...state.servicePorts.keys()] : changes.map((c) => c.key) });
    return { full, followUpMs: this.followUpMs };
  }
  stats(): ProxierStats {
    return { rules: 7, detail: {} };
  }
  async cleanup(): Promise<void> {}
}

function setup() {
  const clock = new FakeClock();
  const proxier = new RecordingProxier();
  const core = new ProxyCore({
    proxier,
    nodeName: 'node-1',
    clock,
    log: nullLogger,
    minSyncPeriodMs: 1000,
    syncPeriodMs: 30_000,
  });
  return { clock, proxier, core };
}

test('events before start are programmed by the first (full) sync; later events make partial syncs', async () => {
  const { clock, proxier, core } = setup();
  core.onServiceUpsert(service('a'));
  core.onSliceUpsert(slice('a', [{ ip: '10.42.0.1' }]));
  await flushMicrotasks();
  assert.equal(proxier.syncs.length, 0, 'nothing before start');
  await core.start();
  assert.deepEqual(proxier.syncs, [{ full: true, keys: ['ns/a:http/TCP'] }]);
  core.onServiceUpsert(service('b', { clusterIP: '10.43.0.2' }));
  await clock.advance(1);
  assert.deepEqual(proxier.syncs.at(-1), { full: false, keys: ['ns/b:http/TCP'] });
  // A burst of events is coalesced by the rate limit into one more sync.
  for (const ip of ['10.42.0.2', '10.42.0.3', '10.42.0.4']) core.onSliceUpsert(slice('a', [{ ip }]));
  await clock.advance(2000);
  assert.equal(proxier.syncs.length, 3);
  assert.deepEqual(proxier.syncs[2], { full: false, keys: ['ns/a:http/TCP'] });
  // The periodic resync is full.
  await clock.advance(30_000);
  assert.equal(proxier.syncs.at(-1)!.full, true);
  assert.equal(core.metrics.count('kubeproxy_sync_full_proxy_rules_duration_seconds'), 2);
  assert.equal(core.metrics.count('kubeproxy_sync_partial_proxy_rules_duration_seconds'), 2);
  assert.equal(core.metrics.value('kubets_proxy_rules', { mode: 'nftables' }), 7);
  await core.stop();
});

test('a failed sync makes the next one full and retries with backoff; health turns bad when updates wait', async () => {
  const { clock, proxier, core } = setup();
  await core.start();
  proxier.failNext = 2;
  core.onServiceUpsert(service('a'));
  await clock.advance(1);
  assert.equal(core.lastSyncOk, false);
  assert.equal(core.metrics.value('kubeproxy_sync_proxy_rules_nftables_sync_failures_total'), 1);
  await clock.advance(1000);
  assert.equal(core.metrics.value('kubets_proxy_sync_failures_total'), 2, 'retried after 1 s');
  assert.equal(proxier.syncs.length, 1);
  await clock.advance(2000);
  assert.deepEqual(proxier.syncs.at(-1), { full: true, keys: ['ns/a:http/TCP'] }, 'recovery is a full sync');
  assert.equal(core.lastSyncOk, true);
  assert.equal(core.health.healthy(), true);

  proxier.failNext = 1000;
  core.onServiceUpsert(service('b', { clusterIP: '10.43.0.2' }));
  await clock.advance(61_000);
  assert.equal(core.health.healthy(), false, 'an update waited longer than 2 x syncPeriod');
  assert.match(core.health.body(true), /"nodeEligible": true/);
  await core.stop();
});

test('a failed first sync is retried soon, not a syncPeriod later', async () => {
  const { clock, proxier, core } = setup();
  proxier.failNext = 1;
  await core.start();
  assert.equal(core.lastSyncOk, false);
  await clock.advance(1000);
  assert.equal(core.lastSyncOk, true);
  assert.deepEqual(proxier.syncs, [{ full: true, keys: [] }]);
  await core.stop();
});

test('waitFor resolves after a sync programmed the wanted state; follow-ups are scheduled', async () => {
  const { clock, proxier, core } = setup();
  await core.start();
  proxier.followUpMs = 1000;
  const reached = core.waitFor((s) => s.servicePorts.has('ns/x:http/TCP'), 5000);
  core.onServiceUpsert(service('x'));
  await clock.advance(1);
  await reached;
  proxier.followUpMs = undefined;
  const before = proxier.syncs.length;
  await clock.advance(1000);
  assert.equal(proxier.syncs.length, before + 1, 'the follow-up sync ran');
  await core.stop();
  await assert.rejects(
    core.waitFor(() => false, 10),
    /not reached/,
  );
});

test('health check node ports follow the local ready endpoints of eTP=Local LoadBalancers', async () => {
  const clock = new FakeClock();
  const proxier = new RecordingProxier();
  const seen: Map<number, { namespace: string; name: string; localEndpoints: number }>[] = [];
  const fakeHealth = {
    sync: async (m: Map<number, never>) => void seen.push(new Map(m)),
  } as unknown as ServiceHealthServer;
  const core = new ProxyCore({
    proxier,
    nodeName: 'node-1',
    clock,
    log: nullLogger,
    minSyncPeriodMs: 1,
    syncPeriodMs: 30_000,
    serviceHealth: fakeHealth,
  });
  const lb = service('lb', {
    type: 'LoadBalancer',
    externalTrafficPolicy: 'Local',
    healthCheckNodePort: 32000,
    ports: [
      { name: 'http', port: 80, nodePort: 30080 },
      { name: 'https', port: 443, nodePort: 30443 },
    ],
  });
  core.onServiceUpsert(lb);
  const twoPorts = (eps: Parameters<typeof slice>[1]) => ({
    ...slice('lb', eps),
    ports: [
      { name: 'http', port: 8080, protocol: 'TCP' as const },
      { name: 'https', port: 8443, protocol: 'TCP' as const },
    ],
  });
  core.onSliceUpsert(
    twoPorts([{ ip: '10.42.0.1' }, { ip: '10.42.0.2', node: 'node-2' }, { ip: '10.42.0.3', ready: false }]),
  );
  await core.start();
  assert.deepEqual(
    seen.at(-1),
    new Map([[32000, { namespace: 'ns', name: 'lb', localEndpoints: 1 }]]),
    'one IP, counted once',
  );
  assert.equal(
    core.metrics.value('kubeproxy_sync_proxy_rules_no_local_endpoints_total', { traffic_policy: 'external' }),
    0,
  );
  core.onSliceUpsert(twoPorts([{ ip: '10.42.0.2', node: 'node-2' }]));
  await clock.advance(10);
  assert.deepEqual(seen.at(-1), new Map([[32000, { namespace: 'ns', name: 'lb', localEndpoints: 0 }]]));
  assert.equal(
    core.metrics.value('kubeproxy_sync_proxy_rules_no_local_endpoints_total', { traffic_policy: 'external' }),
    2,
  );
  core.onServiceDelete(lb);
  await clock.advance(10);
  assert.deepEqual(seen.at(-1), new Map());
  await core.stop();
});
