import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service, ServiceSpec } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { ChangeTracker } from '../change-tracker.js';
import { service, slice, testConfig, trackerWith } from '../testing/objects.js';
import { staticChainRules } from './layout.js';
import { nftRenderContext, type NftPortRender, renderNftPort } from './render.js';
import { NftTableModel } from './table-model.js';

const ctx = nftRenderContext(testConfig);
const caps = { prerouteReject: true };

function updatesFrom(t: ChangeTracker): Map<string, NftPortRender | undefined> {
  const out = new Map<string, NftPortRender | undefined>();
  for (const c of t.drain())
    out.set(c.key, c.current ? renderNftPort(ctx, c.current.sp, c.current.endpoints) : undefined);
  return out;
}

/** `n` Services with two endpoints each; `external` gives each an external IP (so per-port chains). */
function loaded(n: number, external = false): { model: NftTableModel; t: ChangeTracker } {
  const objs: (Service | EndpointSlice)[] = [];
  for (let i = 0; i < n; i++) {
    const extra: Partial<ServiceSpec> = external ? { externalIPs: [`192.0.2.${i + 1}`] } : {};
    objs.push(service(`s${i}`, { clusterIP: `10.43.0.${i + 1}`, ...extra }));
    objs.push(slice(`s${i}`, [{ ip: `10.42.${i}.1` }, { ip: `10.42.${i}.2` }]));
  }
  const t = trackerWith(objs);
  const model = new NftTableModel();
  const renders = new Map([...updatesFrom(t)].map(([k, r]) => [k, r!]));
  model.planFull(renders, staticChainRules(testConfig, caps), undefined, 0, caps).commit();
  return { model, t };
}

test('a full plan recreates the table in one transaction and declares before it fills', () => {
  const { model } = loaded(2);
  const plan = model.planFull(new Map(), staticChainRules(testConfig, caps), undefined, 0, caps);
  const lines = plan.script.split('\n');
  assert.deepEqual(lines.slice(0, 3), [
    'add table inet kubets-proxy',
    'delete table inet kubets-proxy',
    'add table inet kubets-proxy',
  ]);
  assert.ok(plan.script.indexOf('map service-ips { type') < plan.script.indexOf('vmap @service-ips'));
  assert.ok(plan.script.indexOf('map service-endpoints { typeof') < plan.script.indexOf('map @service-endpoints'));
  // Per Service: cluster-ips, service-ips, two endpoint slots, two hairpin pairs.
  assert.equal(model.elementCount, 12, 'the plan was not committed');
  plan.commit();
  assert.equal(model.chainCount, 0);
  assert.equal(model.elementCount, 0);
});

test('endpoint changes of a ClusterIP-only Service are element updates only, never rules', () => {
  const { model, t } = loaded(50);
  assert.equal(model.chainCount, 0);
  const ep = (s: string) => `add element inet kubets-proxy service-endpoints { 10.43.0.8 . tcp . 80 . ${s} . 8080 }`;
  t.onSliceUpsert(slice('s7', [{ ip: '10.42.7.1' }, { ip: '10.42.7.3' }]));
  let plan = model.planIncremental(updatesFrom(t), 1000);
  assert.equal(plan.chainsWritten, 0);
  assert.deepEqual(plan.script.trim().split('\n').sort(), [
    'add element inet kubets-proxy hairpin { 10.42.7.3 . 10.42.7.3 }',
    ep('1 : 10.42.7.3'),
    'delete element inet kubets-proxy hairpin { 10.42.7.2 . 10.42.7.2 }',
    'delete element inet kubets-proxy service-endpoints { 10.43.0.8 . tcp . 80 . 1 }',
  ]);
  plan.commit();

  // A third endpoint moves the port to pick-3: its service-ips element is replaced.
  t.onSliceUpsert(slice('s7', [{ ip: '10.42.7.1' }, { ip: '10.42.7.3' }, { ip: '10.42.7.4' }]));
  plan = model.planIncremental(updatesFrom(t), 1000);
  const lines = plan.script.trim().split('\n');
  assert.ok(
    lines.every((l) => /^(add|delete) element /.test(l)),
    plan.script,
  );
  const del = lines.indexOf('delete element inet kubets-proxy service-ips { 10.43.0.8 . tcp . 80 }');
  const add = lines.indexOf('add element inet kubets-proxy service-ips { 10.43.0.8 . tcp . 80 : goto pick-3 }');
  assert.ok(del >= 0 && add > del, plan.script);
  assert.ok(lines.includes(ep('2 : 10.42.7.4')));
  plan.commit();
  t.onSliceUpsert(slice('s7', [{ ip: '10.42.7.1' }, { ip: '10.42.7.3' }, { ip: '10.42.7.4' }]));
  assert.equal(model.planIncremental(updatesFrom(t), 1000).script, '');
});

test('one endpoint change of a Service with per-port chains rewrites one chain and two hairpin elements', () => {
  const { model, t } = loaded(50, true);
  assert.equal(model.chainCount, 100);
  t.onSliceUpsert(slice('s7', [{ ip: '10.42.7.1' }, { ip: '10.42.7.3' }]));
  const plan = model.planIncremental(updatesFrom(t), 1000);
  const lines = plan.script.trim().split('\n');
  assert.equal(plan.chainsWritten, 1);
  assert.ok(
    lines.every((l) => !/s(?!7\/)\d+\//.test(l)),
    'only s7 objects are touched:\n' + plan.script,
  );
  assert.deepEqual(
    lines.map((l) => l.replace(/service-[A-Z2-7]{8}\S+/, 'CHAIN')),
    [
      'add chain inet kubets-proxy CHAIN',
      'flush chain inet kubets-proxy CHAIN',
      'delete element inet kubets-proxy hairpin { 10.42.7.2 . 10.42.7.2 }',
      'add rule inet kubets-proxy CHAIN numgen random mod 2 0 meta l4proto tcp dnat ip to 10.42.7.1:8080',
      'add rule inet kubets-proxy CHAIN meta l4proto tcp dnat ip to 10.42.7.3:8080',
      'add element inet kubets-proxy hairpin { 10.42.7.3 . 10.42.7.3 }',
    ],
  );
  plan.commit();
  // Re-planning the same state is a no-op.
  t.onSliceUpsert(slice('s7', [{ ip: '10.42.7.1' }, { ip: '10.42.7.3' }]));
  assert.equal(model.planIncremental(updatesFrom(t), 1000).script, '');
});

test('removed chains are flushed now and deleted a second later; elements leave first', () => {
  const { model, t } = loaded(3, true);
  t.onServiceDelete(service('s1'));
  const plan = model.planIncremental(updatesFrom(t), 5000);
  const lines = plan.script.trim().split('\n');
  assert.deepEqual(
    lines.slice(0, 2).map((l) => l.replace(/-[A-Z2-7]{8}-ns/, '')),
    ['flush chain inet kubets-proxy service/s1/tcp/http', 'flush chain inet kubets-proxy external/s1/tcp/http'],
  );
  assert.deepEqual(lines.slice(2).sort(), [
    'delete element inet kubets-proxy cluster-ips { 10.43.0.2 }',
    'delete element inet kubets-proxy hairpin { 10.42.1.1 . 10.42.1.1 }',
    'delete element inet kubets-proxy hairpin { 10.42.1.2 . 10.42.1.2 }',
    'delete element inet kubets-proxy service-ips { 10.43.0.2 . tcp . 80 }',
    'delete element inet kubets-proxy service-ips { 192.0.2.2 . tcp . 80 }',
  ]);
  plan.commit();
  assert.equal(model.stale.size, 2);
  assert.deepEqual(model.planStaleDeletion(5500, 1000).names, [], 'too soon');
  const del = model.planStaleDeletion(6000, 1000);
  assert.match(del.script, /^delete chain inet kubets-proxy service-\S+\/s1\/tcp\/http\n/);
  assert.equal(del.names.length, 2);
  model.forgetStale(del.names);
  assert.equal(model.stale.size, 0);
});

test('changing the affinity timeout recreates the sets after rewriting every chain that names them', () => {
  const sticky = (timeoutSeconds: number) =>
    service('a', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds } } });
  const t = trackerWith([sticky(60), slice('a', [{ ip: '10.42.0.1' }])]);
  const model = new NftTableModel();
  model.planIncremental(updatesFrom(t), 0).commit();
  t.onServiceUpsert(sticky(120));
  const lines = model.planIncremental(updatesFrom(t), 0).script.trim().split('\n');
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
  assert.ok(at(/^flush chain .*service-/) >= 0 && at(/^flush chain .*endpoint-/) >= 0, lines.join('\n'));
  assert.ok(at(/^flush chain .*endpoint-/) < at(/^delete set .*affinity-/));
  assert.ok(at(/^delete set/) < at(/^add set .*timeout 120s/));
  assert.ok(at(/^add set/) < at(/^add rule .*update @affinity-/));
});

test('a non-destructive full plan keeps the table, drops unknown sets and marks unknown chains stale', () => {
  const { model } = loaded(1);
  const listing = {
    chains: ['service-XXXXXXXX-ns/gone/tcp/http'],
    affinitySets: new Map([['affinity-XXXXXXXX-ns/gone/tcp/http__10.0.0.1/80', 10800]]),
  };
  const plan = model.planFull(new Map(), staticChainRules(testConfig, caps), listing, 42, caps);
  const lines = plan.script.split('\n');
  assert.deepEqual(lines.slice(0, 3), [
    'add table inet kubets-proxy',
    'flush table inet kubets-proxy',
    'delete set inet kubets-proxy affinity-XXXXXXXX-ns/gone/tcp/http__10.0.0.1/80',
  ]);
  assert.ok(lines.includes('flush map inet kubets-proxy service-ips'));
  assert.ok(!plan.script.includes('delete table'));
  plan.commit();
  assert.deepEqual([...model.stale], [['service-XXXXXXXX-ns/gone/tcp/http', 42]]);
});
