import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ElementClaim, ElementRegistry } from './element-registry.js';

const claim = (key: string, value = ''): ElementClaim => ({ container: 'm', key, value });
const apply = (r: ElementRegistry, before: [string, ElementClaim[]][], after: [string, ElementClaim[]][]) => {
  const plan = r.plan(new Map(before), new Map(after));
  plan.commit();
  return plan.deltas.map((d) => [d.key, d.before, d.after]);
};

test('claims become adds, changes and deletes of the effective element', () => {
  const r = new ElementRegistry();
  assert.deepEqual(apply(r, [], [['a', [claim('k1', 'goto x'), claim('k2', 'goto x')]]]), [
    ['k1', undefined, 'goto x'],
    ['k2', undefined, 'goto x'],
  ]);
  assert.deepEqual(apply(r, [['a', [claim('k1', 'goto x'), claim('k2', 'goto x')]]], [['a', [claim('k1', 'drop')]]]), [
    ['k1', 'goto x', 'drop'],
    ['k2', 'goto x', undefined],
  ]);
  assert.equal(r.size, 1);
  assert.equal(r.get('m', 'k1'), 'drop');
});

test('a shared key stays with its first claimant; a rival takes over when it lets go', () => {
  const r = new ElementRegistry();
  apply(r, [], [['a', [claim('ip', 'goto a')]]]);
  // b claims the same key: nothing changes in the kernel.
  assert.deepEqual(apply(r, [], [['b', [claim('ip', 'goto b')]]]), []);
  // a re-renders with the same claim: it keeps its place.
  assert.deepEqual(apply(r, [['a', [claim('ip', 'goto a')]]], [['a', [claim('ip', 'goto a')]]]), []);
  // a goes away: b's value replaces it.
  assert.deepEqual(apply(r, [['a', [claim('ip', 'goto a')]]], [['a', []]]), [['ip', 'goto a', 'goto b']]);
  assert.deepEqual(apply(r, [['b', [claim('ip', 'goto b')]]], [['b', []]]), [['ip', 'goto b', undefined]]);
  assert.equal(r.size, 0);
});

test('an uncommitted plan leaves the registry as it was', () => {
  const r = new ElementRegistry();
  r.plan(new Map(), new Map([['a', [claim('k')]]]));
  assert.equal(r.size, 0);
  assert.deepEqual([...r.effective()], []);
});
