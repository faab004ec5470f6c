import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goFloat, goNumber, goSharpV } from './go-format.js';

test('goFloat prints like Go %v for float64', () => {
  const cases: [number, string][] = [
    [0, '0'],
    [0.5, '0.5'],
    [10, '10'],
    [123456, '123456'],
    [1e6, '1e+06'],
    [1234567, '1.234567e+06'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [-2.5e-7, '-2.5e-07'],
    [1e100, '1e+100'],
    [Infinity, '+Inf'],
  ];
  for (const [v, want] of cases) assert.equal(goFloat(v), want, String(v));
});

test('goNumber prints integral values as int64', () => {
  assert.equal(goNumber(1000000), '1000000');
  assert.equal(goNumber(-3), '-3');
  assert.equal(goNumber(2.5), '2.5');
});

test('goSharpV prints unstructured values like Go %#v', () => {
  const cases: [unknown, string][] = [
    ['a', '"a"'],
    [80, '80'],
    [null, 'interface {}(nil)'],
    [{ protocol: 'TCP', containerPort: 80 }, 'map[string]interface {}{"containerPort":80, "protocol":"TCP"}'],
    [{}, 'map[string]interface {}{}'],
    [['a', 1, true], '[]interface {}{"a", 1, true}'],
  ];
  for (const [v, want] of cases) assert.equal(goSharpV(v), want);
});
