import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../lib/clock.js';
import { FakeRunner, type RecordedCall, service, slice, testConfig, trackerWith } from '../testing/objects.js';
import { NftablesProxier } from './nftables-proxier.js';

interface Behaviour {
  /** `nft -f` scripts matching this fail. */
  failScript?: RegExp;
  preroutingReject?: boolean;
  chainsJson?: string;
  setsJson?: string;
}

function runner(b: Behaviour = {}): FakeRunner {
  return new FakeRunner((c: RecordedCall) => {
    if (c.input && b.failScript?.test(c.input)) return { code: 1, stderr: 'Error: Could not process rule' };
    if (c.input?.includes('chain pr {') && !b.preroutingReject) return { code: 1, stderr: 'Operation not supported' };
    if (c.args.join(' ') === '-j list chains inet') return { stdout: b.chainsJson ?? '{"nftables": []}' };
    if (c.args.join(' ') === '-j -t list sets inet') return { stdout: b.setsJson ?? '{"nftables": []}' };
    return undefined;
  });
}

test('init probes in a scratch table, always removes it, and detects reject in prerouting', async () => {
  for (const pre of [true, false]) {
    const r = runner({ preroutingReject: pre });
    const p = new NftablesProxier({ runner: r, config: testConfig });
    await p.init();
    assert.equal(p.capabilities.prerouteReject, pre);
    const deletes = r.calls.filter((c) => c.args.join(' ') === 'delete table inet kubets-proxy-probe');
    assert.equal(deletes.length, 2);
    assert.ok(
      r.scripts().every((s) => !s.includes('table inet kubets-proxy {')),
      'never touches our table in init',
    );
  }
  const broken = new FakeRunner(() => ({ code: 1, stderr: 'nft: netlink: Operation not permitted' }));
  await assert.rejects(new NftablesProxier({ runner: broken, config: testConfig }).init(), /Operation not permitted/);
});

test('first sync recreates the table; later syncs send diffs; periodic full syncs keep the table', async () => {
  const r = runner({
    preroutingReject: true,
    chainsJson: JSON.stringify({
      nftables: [
        { chain: { family: 'inet', table: 'kubets-proxy', name: 'service-OLDOLDOL-ns/old/tcp/http' } },
        { chain: { family: 'inet', table: 'kubets-proxy', name: 'services' } },
        { chain: { family: 'inet', table: 'other', name: 'x/y' } },
      ],
    }),
  });
  const clock = new FakeClock();
  const p = new NftablesProxier({ runner: r, config: testConfig, clock });
  await p.init();
  const t = trackerWith([service('a', { clusterIP: '10.43.0.1' }), slice('a', [{ ip: '10.42.0.1' }])]);
  r.clear();
  await p.sync(t.state, t.drain(), true);
  assert.equal(r.scripts().length, 1);
  assert.match(r.scripts()[0]!, /^add table inet kubets-proxy\ndelete table inet kubets-proxy\n/);
  assert.ok(p.stats().rules > 20);

  r.clear();
  t.onSliceUpsert(slice('a', [{ ip: '10.42.0.1' }, { ip: '10.42.0.2' }]));
  const out = await p.sync(t.state, t.drain(), false);
  assert.deepEqual(out, { full: false, followUpMs: undefined });
  assert.equal(r.scripts().length, 1);
  assert.ok(!r.scripts()[0]!.includes('table inet kubets-proxy {'), 'incremental: no table block');

  r.clear();
  const full = await p.sync(t.state, [], true);
  assert.equal(full.followUpMs, 1000, 'a stale chain found in the kernel is deleted later');
  assert.deepEqual(
    r.calls.map((c) => c.args.join(' ')),
    ['-j list chains inet', '-j -t list sets inet', '-f -'],
  );
  assert.match(r.scripts()[0]!, /^add table inet kubets-proxy\nflush table inet kubets-proxy\n/);

  // A second later the stale chain goes, in its own transaction before the sync.
  r.clear();
  await clock.advance(1000);
  await p.sync(t.state, [], false);
  assert.deepEqual(r.scripts(), ['delete chain inet kubets-proxy service-OLDOLDOL-ns/old/tcp/http\n']);
});

test('a failing rewrite falls back to recreating the table; a failing diff throws for the core to retry', async () => {
  const r = runner({ failScript: /^add table inet kubets-proxy\nflush table/ });
  const p = new NftablesProxier({ runner: r, config: testConfig });
  await p.init();
  const t = trackerWith([service('a'), slice('a', [{ ip: '10.42.0.1' }])]);
  await p.sync(t.state, t.drain(), true);
  r.clear();
  await p.sync(t.state, [], true);
  const scripts = r.scripts();
  assert.equal(scripts.length, 2);
  assert.match(scripts[1]!, /delete table inet kubets-proxy\n/);

  const failing = runner({ failScript: /add rule/ });
  const q = new NftablesProxier({ runner: failing, config: testConfig });
  const t2 = trackerWith([service('a'), slice('a', [{ ip: '10.42.0.1' }])]);
  t2.drain();
  t2.onSliceUpsert(slice('a', [{ ip: '10.42.0.2' }]));
  await assert.rejects(q.sync(t2.state, t2.drain(), false), /nft -f - failed/);
  assert.equal(q.stats().detail.chains, 0, 'nothing committed to the model');
});

test('cleanup deletes our table and tolerates its absence', async () => {
  const r = runner();
  const p = new NftablesProxier({ runner: r, config: testConfig });
  await p.cleanup();
  assert.deepEqual(r.calls.at(-1)!.args, ['delete', 'table', 'inet', 'kubets-proxy']);
  const missing = new FakeRunner(() => ({ code: 1, stderr: 'Error: No such file or directory' }));
  await new NftablesProxier({ runner: missing, config: testConfig }).cleanup();
});
