import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intOrPercentValue, intOrStringNumber, scaledValueFromIntOrPercent } from './int-or-string.js';

test('scaledValueFromIntOrPercent (upstream TestGetScaledValueFromIntOrPercent)', () => {
  const cases: [number | string, number, boolean, number][] = [
    [0, 0, false, 0],
    [5, 100, true, 5],
    [5, 100, false, 5],
    ['0%', 100, true, 0],
    ['25%', 100, true, 25],
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    ['100%', 3, false, 3],
    ['33%', 10, true, 4],
    ['33%', 10, false, 3],
    ['1%', 1, true, 1],
    ['1%', 1, false, 0],
    ['-10%', 10, false, -1],
    ['+50%', 4, false, 2],
    ['150%', 10, true, 15],
  ];
  for (const [v, total, roundUp, want] of cases) {
    assert.equal(scaledValueFromIntOrPercent(v, total, roundUp), want, `${v} of ${total} up=${roundUp}`);
  }
});

test('scaledValueFromIntOrPercent: upstream errors', () => {
  const cases: [unknown, string][] = [
    [undefined, 'nil value for IntOrString'],
    [null, 'nil value for IntOrString'],
    ['10', 'invalid value for IntOrString: invalid type: string is not a percentage'],
    ['abc', 'invalid value for IntOrString: invalid type: string is not a percentage'],
    ['abc%', 'invalid value for IntOrString: invalid value "abc%": strconv.Atoi: parsing "abc": invalid syntax'],
    ['%', 'invalid value for IntOrString: invalid value "%": strconv.Atoi: parsing "": invalid syntax'],
    ['1.5%', 'invalid value for IntOrString: invalid value "1.5%": strconv.Atoi: parsing "1.5": invalid syntax'],
    [
      '99999999999999999999%',
      'invalid value for IntOrString: invalid value "99999999999999999999%": strconv.Atoi: parsing "99999999999999999999": value out of range',
    ],
    [true, 'invalid value for IntOrString: invalid type: neither int nor percentage'],
  ];
  for (const [v, message] of cases) {
    assert.throws(() => scaledValueFromIntOrPercent(v as never, 10, true), { message }, String(v));
  }
});

test('intOrPercentValue and intOrStringNumber', () => {
  assert.deepEqual(intOrPercentValue(7), { value: 7, isPercent: false });
  assert.deepEqual(intOrPercentValue('30%'), { value: 30, isPercent: true });
  assert.deepEqual(intOrPercentValue('x'), { error: 'invalid type: string is not a percentage' });
  assert.equal(intOrStringNumber(8080), 8080);
  assert.equal(intOrStringNumber('8080'), 8080);
  assert.equal(intOrStringNumber('http'), undefined);
});
