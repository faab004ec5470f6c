import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { ChangeTracker } from '../change-tracker.js';
import { service, slice, testConfig, trackerWith } from '../testing/objects.js';
import { staticIptRules } from './layout.js';
import { iptRenderContext, type IptPortRender, renderIptPort } from './render.js';
import { type IptListing, IptRulesModel } from './rules-model.js';

const ctx = iptRenderContext(testConfig);
const emptyListing = (): IptListing => ({
  chains: { filter: new Set(), nat: new Set() },
  missingHooks: { filter: [], nat: [] },
});

function updatesFrom(t: ChangeTracker): Map<string, IptPortRender | undefined> {
  const out = new Map<string, IptPortRender | undefined>();
  for (const c of t.drain())
    out.set(c.key, c.current ? renderIptPort(ctx, c.current.sp, c.current.endpoints) : undefined);
  return out;
}

function loaded(n: number) {
  const objs: (Service | EndpointSlice)[] = [];
  for (let i = 0; i < n; i++) {
    objs.push(service(`s${i}`, { clusterIP: `10.43.0.${i + 1}` }));
    objs.push(slice(`s${i}`, [{ ip: `10.42.${i}.1` }, { ip: `10.42.${i}.2` }]));
  }
  const t = trackerWith(objs);
  const model = new IptRulesModel();
  const renders = new Map([...updatesFrom(t)].map(([k, r]) => [k, r!]));
  model.planFull(renders, staticIptRules(testConfig), emptyListing()).commit();
  return { t, model };
}

test('full restore: every KUBETS chain declared, hooks inserted where missing, stale port chains deleted', () => {
  const { model } = loaded(1);
  const listing = emptyListing();
  listing.chains.nat.add('KUBETS-SVC-AAAAAAAAAAAAAAAA').add('KUBETS-SERVICES');
  listing.missingHooks.nat.push('PREROUTING');
  const plan = model.planFull(new Map(), staticIptRules(testConfig), listing);
  const nat = plan.script.slice(plan.script.indexOf('*nat'));
  assert.match(nat, /^:KUBETS-SVC-AAAAAAAAAAAAAAAA - \[0:0\]$/m);
  assert.match(nat, /^-X KUBETS-SVC-AAAAAAAAAAAAAAAA$/m);
  assert.doesNotMatch(nat, /^-X KUBETS-SERVICES$/m, 'fixed chains are never deleted');
  assert.match(nat, /^-I PREROUTING 1 -m comment --comment "kubets hook" -j KUBETS-HOOK-PREROUTING$/m);
  assert.doesNotMatch(nat, /-I OUTPUT/);
  assert.ok(nat.indexOf('-X KUBETS-SVC') > nat.lastIndexOf('-A '), 'deletions come after every rule');
  assert.match(plan.script, /^\*filter\n[\s\S]*\nCOMMIT\n\*nat\n[\s\S]*\nCOMMIT\n$/);
});

test('one endpoint change restores one SVC chain, one new and one deleted SEP chain', () => {
  const { t, model } = loaded(30);
  const before = model.rules('nat');
  t.onSliceUpsert(slice('s4', [{ ip: '10.42.4.1' }, { ip: '10.42.4.3' }]));
  const plan = model.planIncremental(updatesFrom(t));
  const lines = plan.script.trim().split('\n');
  assert.equal(lines[0], '*nat');
  assert.equal(lines.at(-1), 'COMMIT');
  assert.ok(!plan.script.includes('*filter'), 'the filter table is untouched');
  const declared = lines.filter((l) => l.startsWith(':'));
  const deleted = lines.filter((l) => l.startsWith('-X '));
  assert.equal(declared.length, 3, plan.script);
  assert.equal(deleted.length, 1);
  assert.ok(
    declared.some((d) => d.startsWith(`:${deleted[0]!.slice(3)} `)),
    'a deleted chain is flushed first',
  );
  assert.ok(
    lines.every((l) => !l.startsWith('-D')),
    'the shared ClusterIP rule is unchanged',
  );
  assert.equal(plan.chainsWritten, 2);
  plan.commit();
  assert.equal(model.rules('nat'), before);
});

test('shared-chain rules are edited one by one when a Service loses its endpoints', () => {
  const { t, model } = loaded(3);
  const filterBefore = model.rules('filter');
  t.onSliceUpsert(slice('s1', []));
  const plan = model.planIncremental(updatesFrom(t));
  const nat = plan.script.slice(plan.script.indexOf('*nat'));
  const filter = plan.script.slice(0, plan.script.indexOf('*nat'));
  assert.match(nat, /^-D KUBETS-SERVICE-IPS .*-d 10\.43\.0\.2\/32 .*-j KUBETS-SVC-/m);
  assert.equal((nat.match(/^-X /gm) ?? []).length, 3, 'SVC and both SEP chains go');
  assert.match(filter, /^-A KUBETS-SERVICES .*"ns\/s1:http has no endpoints".*-d 10\.43\.0\.2\/32 .*-j REJECT/m);
  assert.ok(nat.indexOf('-D KUBETS-SERVICE-IPS') < nat.indexOf('-X '), 'references go before the chain');
  plan.commit();
  assert.equal(model.rules('filter'), filterBefore + 1);
});
