import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, flushMicrotasks } from '../../../lib/clock.js';
import { FakeNft } from './fake-nft.js';
import { NftSession } from './nft-session.js';

function harness(opts: { idleMs?: number; timeoutMs?: number } = {}) {
  const clock = new FakeClock();
  const procs: FakeNft[] = [];
  const session = new NftSession({
    clock,
    ...opts,
    start: () => {
      const p = new FakeNft();
      procs.push(p);
      return p;
    },
  });
  return { clock, procs, session };
}

test('a script is one input line (one transaction); calls run in order and report success', async () => {
  const { procs, session } = harness();
  const [a, b] = await Promise.all([
    session.apply('add element inet t s { 1 }\ndelete element inet t s { 2 }\n'),
    session.apply('flush chain inet t c\n'),
  ]);
  assert.deepEqual([a.code, b.code], [0, 0]);
  assert.equal(procs.length, 1, 'one process for both');
  assert.deepEqual(procs[0]!.lines, [
    'add element inet t s { 1 }; delete element inet t s { 2 }',
    'kubets-sync-marker-1',
    'flush chain inet t c',
    'kubets-sync-marker-2',
  ]);
  assert.equal(procs[0]!.refs, 0, 'idle: the process does not hold the event loop');
  session.close();
  assert.equal(procs[0]!.killed, 'SIGTERM');
});

test("a rejected transaction reports nft's error, and only it; the next one starts clean", async () => {
  const { procs, session } = harness();
  const bad = await session.apply('add rule inet t bad x\n');
  assert.equal(bad.code, 1);
  assert.equal(
    bad.stderr,
    'Error: Could not process rule: No such file or directory\nadd rule inet t bad x\n    ^^^\n',
  );
  const good = await session.apply('add element inet t s { 3 }\n');
  assert.deepEqual([good.code, good.stderr], [0, '']);
  assert.equal(procs.length, 1);
  session.close();
});

test('a process that dies mid-transaction gives an unknown outcome (-1); the next call starts another', async () => {
  const { procs, session } = harness();
  const res = await session.apply('add element inet t die { 1 }\n');
  assert.equal(res.code, -1);
  assert.match(res.stderr, /nft -i exited \(1\)/);
  const next = await session.apply('add element inet t s { 1 }\n');
  assert.equal(next.code, 0);
  assert.equal(procs.length, 2);
  session.close();
});

test('a transaction that gets no answer times out (-1) and the process is killed', async () => {
  const { clock, procs, session } = harness({ timeoutMs: 5000 });
  const pending = session.apply('add element inet t hang { 1 }\n');
  await flushMicrotasks();
  await new Promise((r) => setImmediate(r));
  await clock.advance(5000);
  const res = await pending;
  assert.equal(res.code, -1);
  assert.match(res.stderr, /did not answer within 5000 ms/);
  assert.equal(procs[0]!.killed, 'SIGTERM');
});

test('warm starts the process without a transaction; the next transaction uses it', async () => {
  const { clock, procs, session } = harness({ idleMs: 1000 });
  session.warm();
  session.warm();
  assert.equal(procs.length, 1);
  assert.equal(procs[0]!.refs, -1, 'unref: a warm process does not hold the event loop');
  assert.equal((await session.apply('flush chain inet t c\n')).code, 0);
  assert.equal(procs.length, 1);
  assert.deepEqual(procs[0]!.lines, ['flush chain inet t c', 'kubets-sync-marker-1']);
  await clock.advance(1000);
  assert.equal(procs[0]!.killed, 'SIGTERM');
});

test('an idle session closes its process; scripts with blocks, comments or large ones are not taken', async () => {
  const { clock, procs, session } = harness({ idleMs: 1000 });
  await session.apply('flush chain inet t c\n');
  await clock.advance(999);
  assert.equal(procs[0]!.killed, undefined);
  await clock.advance(1);
  assert.equal(procs[0]!.killed, 'SIGTERM');

  assert.equal(
    NftSession.accepts('add element inet t s { 1 }\nadd set inet t a { type ipv4_addr; timeout 5s; }\n'),
    true,
  );
  assert.equal(NftSession.accepts('table inet t {\n\tchain c { }\n}\n'), false);
  assert.equal(NftSession.accepts('flush chain inet t c # why\n'), false);
  assert.equal(NftSession.accepts(`add element inet t s { ${'1, '.repeat(40_000)}2 }\n`), false);
});
