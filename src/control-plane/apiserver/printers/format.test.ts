import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  accessModes,
  formatLabels,
  formatLabelSelector,
  formatRFC3339,
  intOrString,
  joinHostPort,
  labelSelectorString,
  listWithMore,
  printBoolPtr,
} from './format.js';
import { goFloat, goJson, goPrint } from './go-format.js';

test('formatLabels sorts k=v pairs', () => {
  assert.equal(formatLabels(undefined), '<none>');
  assert.equal(formatLabels({}), '<none>');
  assert.equal(formatLabels({ b: '2', a: '1', 'a.io/x': '' }), 'a.io/x=,a=1,b=2');
});

test('label selectors print like labels.Selector.String()', () => {
  const cases: [Parameters<typeof labelSelectorString>[0], string | undefined][] = [
    [undefined, ''],
    [{}, ''],
    [{ matchLabels: { app: 'web' } }, 'app=web'],
    [
      {
        matchLabels: { tier: 'fe', app: 'web' },
        matchExpressions: [
          { key: 'env', operator: 'NotIn', values: ['prod', 'dev'] },
          { key: 'canary', operator: 'DoesNotExist' },
          { key: 'zone', operator: 'Exists' },
          { key: 'b', operator: 'In', values: ['x'] },
        ],
      },
      'app=web,b in (x),!canary,env notin (dev,prod),tier=fe,zone',
    ],
    [{ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }, undefined],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, undefined],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, undefined],
    [{ matchLabels: { 'bad key!': 'x' } }, undefined],
    [{ matchLabels: { app: 'not a valid value' } }, undefined],
  ];
  for (const [sel, want] of cases) assert.equal(labelSelectorString(sel), want, JSON.stringify(sel));
  assert.equal(formatLabelSelector(undefined), '<none>');
  assert.equal(formatLabelSelector({ matchLabels: { app: 'web' } }), 'app=web');
  assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Near' }] }), '<error>');
});

test('small formatters', () => {
  assert.equal(accessModes(['ReadWriteOncePod', 'ReadWriteMany', 'ReadOnlyMany', 'ReadWriteOnce']), 'RWO,ROX,RWX,RWOP');
  assert.equal(accessModes(undefined), '');
  assert.equal(joinHostPort('10.0.0.1', 80), '10.0.0.1:80');
  assert.equal(joinHostPort('fd00::1', 80), '[fd00::1]:80');
  assert.equal(listWithMore([], false, 0, 3), '<unset>');
  assert.equal(listWithMore(['a', 'b', 'c'], true, 7, 3), 'a,b,c + 4 more...');
  assert.equal(printBoolPtr(undefined), '<unset>');
  assert.equal(printBoolPtr(true), 'True');
  assert.equal(intOrString(3), '3');
  assert.equal(intOrString('50%'), '50%');
  assert.equal(formatRFC3339('2024-06-01T14:30:05+02:00'), '2024-06-01T12:30:05Z');
  assert.equal(formatRFC3339('2024-06-01T12:30:05.999999Z'), '2024-06-01T12:30:05Z');
  assert.equal(formatRFC3339(undefined), '0001-01-01T00:00:00Z');
});

test('Go value printing for JSONPath string cells', () => {
  const floats: [number, string][] = [
    [1.5, '1.5'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [123456.5, '123456.5'],
    [1234567.5, '1.2345675e+06'],
    [-2.25, '-2.25'],
    [1e21, '1e+21'],
  ];
  for (const [v, want] of floats) assert.equal(goFloat(v), want, String(v));
  assert.equal(goPrint(42), '42');
  assert.equal(goPrint(2 ** 53), '9007199254740992');
  assert.equal(goPrint(1e21), '1e+21');
  assert.equal(goPrint(true), 'true');
  assert.equal(goPrint(null), '<no value>');
  assert.equal(goJson({ z: 1, a: ['<b>', 1.5, null, false] }), '{"a":["\\u003cb\\u003e",1.5,null,false],"z":1}');
});
