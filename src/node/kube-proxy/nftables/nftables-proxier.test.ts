import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../lib/clock.js';
import { FakeRunner, type RecordedCall, service, slice, testConfig, trackerWith } from '../testing/objects.js';
import { FakeNft } from './fake-nft.js';
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

  const failing = runner({ failScript: /add element/ });
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

test('incremental syncs go through one persistent nft -i; full syncs, and every sync after it broke, use nft -f', async () => {
  const procs: FakeNft[] = [];
  const r = Object.assign(runner({ preroutingReject: true }), {
    start: (cmd: string, args: readonly string[]) => {
      assert.deepEqual([cmd, ...args], ['nft', '-i']);
      const p = new FakeNft({ fails: /10\.42\.0\.8 /, dies: /10\.42\.0\.7 / });
      procs.push(p);
      return p;
    },
  });
  const p = new NftablesProxier({ runner: r, config: testConfig });
  await p.init();
  const t = trackerWith([
    service('a', { clusterIP: '10.43.0.1' }),
    slice('a', [{ ip: '10.42.0.1' }]),
    service('bad', { clusterIP: '10.43.0.2' }),
    slice('bad', [{ ip: '10.42.0.2' }]),
    service('die', { clusterIP: '10.43.0.3' }),
    slice('die', [{ ip: '10.42.0.3' }]),
  ]);
  r.clear();
  await p.sync(t.state, t.drain(), true);
  assert.equal(r.scripts().length, 1, 'the full sync is one nft -f');
  assert.equal(procs.length, 1, 'nft -i is started after a full sync, ahead of the next change');
  assert.deepEqual(procs[0]!.lines, []);

  r.clear();
  t.onSliceUpsert(slice('a', [{ ip: '10.42.0.1' }, { ip: '10.42.0.9' }]));
  await p.sync(t.state, t.drain(), false);
  assert.deepEqual(r.scripts(), []);
  assert.equal(procs.length, 1);
  assert.match(procs[0]!.lines[0]!, /^delete element inet kubets-proxy service-ips .*; add element /);
  assert.equal(procs[0]!.lines[1], 'kubets-sync-marker-1');

  // nft rejects a transaction: the sync fails, the session stays.
  t.onSliceUpsert(slice('bad', [{ ip: '10.42.0.8' }]));
  await assert.rejects(p.sync(t.state, t.drain(), false), /nft -i failed \(exit 1\): Error: Could not process rule/);
  // The process dies: the outcome is unknown, the sync fails and nft -f takes over.
  t.onSliceUpsert(slice('die', [{ ip: '10.42.0.7' }]));
  await assert.rejects(p.sync(t.state, t.drain(), false), /nft -i exited/);
  t.onSliceUpsert(slice('a', [{ ip: '10.42.0.9' }]));
  await p.sync(t.state, t.drain(), false);
  assert.equal(r.scripts().length, 1);
  assert.equal(procs.length, 1);
  assert.equal(procs[0]!.lines.length, 6, 'three transactions, each with its marker');
  p.close();
});
