import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OrderedIntervals } from './ordered-intervals.js';

test('parse and format the compressed index form', () => {
  const cases: [string, number, string, number][] = [
    // text, completions, normalized, total
    ['', 10, '', 0],
    ['0', 10, '0', 1],
    ['0,1', 10, '0,1', 2],
    ['1,3-5,7', 10, '1,3-5,7', 5],
    ['1-3,4-5', 10, '1-5', 5],
    ['3-20', 10, '3-9', 7],
    ['2,12,14', 10, '2', 1],
    ['x,2,3-y,5', 10, '2,5', 2],
  ];
  for (const [text, completions, want, total] of cases) {
    const oi = OrderedIntervals.parse(text, completions);
    assert.equal(oi.toString(), want, text);
    assert.equal(oi.total(), total, text);
  }
});

test('withOrderedIndexes merges adjacent and overlapping indexes', () => {
  const base = OrderedIntervals.parse('2-4,8', 100);
  assert.equal(base.withOrderedIndexes([0, 1, 5, 7, 9, 20]).toString(), '0-5,7-9,20');
  assert.equal(base.withOrderedIndexes([3, 3, 8]).toString(), '2-4,8');
  assert.equal(new OrderedIntervals().withOrderedIndexes([1, 2]).toString(), '1,2');
  assert.equal(base.merge(OrderedIntervals.parse('5-7', 100)).toString(), '2-8');
});

test('has', () => {
  const oi = OrderedIntervals.parse('1,3-5,9', 100);
  const inside = [1, 3, 4, 5, 9];
  for (let i = 0; i < 12; i++) assert.equal(oi.has(i), inside.includes(i), String(i));
});
