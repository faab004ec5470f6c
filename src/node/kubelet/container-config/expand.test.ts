import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandVars, lookupIn } from './expand.js';

const vars = new Map([
  ['A', 'alpha'],
  ['B', 'beta'],
  ['EMPTY', ''],
]);

test('expandVars follows the Kubernetes $(VAR) rules', () => {
  const cases: [string, string][] = [
    ['plain', 'plain'],
    ['$(A)', 'alpha'],
    ['x-$(A)-$(B)-y', 'x-alpha-beta-y'],
    ['$(MISSING)', '$(MISSING)'],
    ['$$(A)', '$(A)'],
    ['$$$(A)', '$alpha'],
    ['$A', '$A'],
    ['cost: 5$', 'cost: 5$'],
    ['$(A', '$(A'],
    ['$($(A)', '$($(A)'],
    ['$(A $$', '$(A $'],
    ['$()', '$()'],
    ['$(EMPTY)x', 'x'],
    ['$x$(B)', '$xbeta'],
  ];
  for (const [input, want] of cases) assert.equal(expandVars(input, lookupIn(vars)), want, input);
});

test('lookupIn searches maps in order', () => {
  const first = new Map([['A', 'one']]);
  assert.equal(expandVars('$(A)/$(B)', lookupIn(first, vars)), 'one/beta');
});
