import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abortable, AbortError, anySignal, isAbortError, throwIfAborted, timeoutSignal } from './abort.js';
import { FakeClock } from './clock.js';

test('anySignal aborts with the first input reason and detaches its listeners on dispose', () => {
  const a = new AbortController();
  const b = new AbortController();
  const any = anySignal([a.signal, undefined, b.signal]);
  b.abort(new Error('b'));
  assert.equal(any.signal.aborted, true);
  assert.equal((any.signal.reason as Error).message, 'b');
  any.dispose();
  const pre = new AbortController();
  pre.abort('already');
  assert.equal(anySignal([pre.signal]).signal.reason, 'already', 'an already aborted input aborts at once');
});

test('timeoutSignal aborts after ms on the clock, not before, and not after dispose', async () => {
  const clock = new FakeClock();
  const t = timeoutSignal(500, clock);
  await clock.advance(499);
  assert.equal(t.signal.aborted, false);
  await clock.advance(1);
  assert.equal(t.signal.aborted, true);
  assert.ok(isAbortError(t.signal.reason));
  assert.match((t.signal.reason as Error).message, /timed out after 500ms/);
  const cancelled = timeoutSignal(10, clock);
  cancelled.dispose();
  await clock.advance(100);
  assert.equal(cancelled.signal.aborted, false);
});

test('abortable rejects with the abort reason, or passes the result through', async () => {
  assert.equal(await abortable(Promise.resolve(7), undefined), 7);
  const c = new AbortController();
  const never = new Promise<number>(() => undefined);
  const p = abortable(never, c.signal);
  c.abort();
  await assert.rejects(p, (err: unknown) => isAbortError(err));
  await assert.rejects(abortable(Promise.resolve(1), c.signal), (err: unknown) => isAbortError(err));
  const ok = new AbortController();
  await assert.rejects(abortable(Promise.reject(new Error('inner')), ok.signal), /inner/);
});

test('throwIfAborted throws the reason or an AbortError', () => {
  assert.doesNotThrow(() => throwIfAborted(undefined));
  const c = new AbortController();
  assert.doesNotThrow(() => throwIfAborted(c.signal));
  c.abort(new AbortError('stop'));
  assert.throws(() => throwIfAborted(c.signal), /stop/);
  assert.equal(isAbortError(new Error('x')), false);
});
