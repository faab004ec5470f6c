import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoLeaks, DisposableStore, liveHandles, startLeakTracking, toDisposable } from './disposable.js';

test('a store disposes its contents newest first, once, and reports the first error after all ran', async () => {
  const order: string[] = [];
  const s = new DisposableStore('test');
  s.defer(() => void order.push('a'));
  s.add({
    dispose: () => {
      order.push('b');
      throw new Error('b failed');
    },
  });
  s.defer(async () => void order.push('c'));
  await assert.rejects(s.dispose(), /b failed/);
  assert.deepEqual(order, ['c', 'b', 'a']);
  await s.dispose();
  assert.deepEqual(order, ['c', 'b', 'a'], 'a second dispose does nothing');
  assert.equal(s.isDisposed, true);
});

test('adding to a disposed store disposes at once; release hands ownership away', async () => {
  const s = new DisposableStore();
  let released = 0;
  const r = s.defer(() => void released++);
  s.release(r);
  await s.dispose();
  assert.equal(released, 0, 'a released item is not disposed by its former owner');
  let late = 0;
  s.defer(() => void late++);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(late, 1);
});

test('toDisposable runs its function once', async () => {
  let n = 0;
  const d = toDisposable(() => void n++);
  await d.dispose();
  await d.dispose();
  assert.equal(n, 1);
});

test('leak tracking names the stores still alive', async () => {
  startLeakTracking();
  const kept = new DisposableStore('kept-store');
  const gone = new DisposableStore('gone-store');
  await gone.dispose();
  assert.deepEqual(liveHandles(), ['kept-store']);
  assert.throws(() => assertNoLeaks(), /1 handle\(s\) leaked:\n- kept-store/);
  await kept.dispose();
  startLeakTracking();
  assert.doesNotThrow(() => assertNoLeaks());
});
