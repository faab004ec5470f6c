import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Micro, Milli, Nano, Quantity, type QuantityFormat } from './quantity.js';
import { QUANTITY_FORMAT_MESSAGE, QUANTITY_NUMERIC_MESSAGE, QUANTITY_SUFFIX_MESSAGE } from './scan.js';

const q = (s: string) => Quantity.parse(s);
const dec = (m: bigint | number, e: number, format: QuantityFormat = 'DecimalSI') => Quantity.fromScaled(m, e, format);
const MAX = (1n << 63n) - 1n;

// Upstream TestQuantityParse: input -> exact value (m * 10^e) and remembered format.
const parseTable: [string, bigint | number, number, QuantityFormat][] = [
  ['0', 0, 0, 'DecimalSI'],
  ['0n', 0, 0, 'DecimalSI'],
  ['0u', 0, 0, 'DecimalSI'],
  ['0m', 0, 0, 'DecimalSI'],
  ['0Ki', 0, 0, 'BinarySI'],
  ['0k', 0, 0, 'DecimalSI'],
  ['0Mi', 0, 0, 'BinarySI'],
  ['0M', 0, 0, 'DecimalSI'],
  ['0Gi', 0, 0, 'BinarySI'],
  ['0G', 0, 0, 'DecimalSI'],
  ['0Ti', 0, 0, 'BinarySI'],
  ['0T', 0, 0, 'DecimalSI'],
  ['1', 1, 0, 'DecimalSI'],
  ['1Ki', 1024, 0, 'BinarySI'],
  ['8Ki', 8 * 1024, 0, 'BinarySI'],
  ['7Mi', 7 * 1024 * 1024, 0, 'BinarySI'],
  ['6Gi', 6n * 1024n ** 3n, 0, 'BinarySI'],
  ['5Ti', 5n * 1024n ** 4n, 0, 'BinarySI'],
  ['4Pi', 4n * 1024n ** 5n, 0, 'BinarySI'],
  ['3Ei', 3n * 1024n ** 6n, 0, 'BinarySI'],
  ['10Ti', 10n * 1024n ** 4n, 0, 'BinarySI'],
  ['100Ti', 100n * 1024n ** 4n, 0, 'BinarySI'],
  ['5n', 5, -9, 'DecimalSI'],
  ['4u', 4, -6, 'DecimalSI'],
  ['3m', 3, -3, 'DecimalSI'],
  ['9', 9, 0, 'DecimalSI'],
  ['8k', 8, 3, 'DecimalSI'],
  ['50k', 5, 4, 'DecimalSI'],
  ['7M', 7, 6, 'DecimalSI'],
  ['6G', 6, 9, 'DecimalSI'],
  ['5T', 5, 12, 'DecimalSI'],
  ['40T', 4, 13, 'DecimalSI'],
  ['300T', 3, 14, 'DecimalSI'],
  ['2P', 2, 15, 'DecimalSI'],
  ['1E', 1, 18, 'DecimalSI'],
  ['1E-3', 1, -3, 'DecimalExponent'],
  ['1e3', 1, 3, 'DecimalExponent'],
  ['1E6', 1, 6, 'DecimalExponent'],
  ['1e9', 1, 9, 'DecimalExponent'],
  ['1E12', 1, 12, 'DecimalExponent'],
  ['1e15', 1, 15, 'DecimalExponent'],
  ['1E18', 1, 18, 'DecimalExponent'],
  ['1e14', 1, 14, 'DecimalExponent'],
  ['1e13', 1, 13, 'DecimalExponent'],
  ['100.035k', 100035, 0, 'DecimalSI'],
  ['0.001', 1, -3, 'DecimalSI'],
  ['0.0005k', 5, -1, 'DecimalSI'],
  ['0.005', 5, -3, 'DecimalSI'],
  ['0.05', 5, -2, 'DecimalSI'],
  ['0.5', 5, -1, 'DecimalSI'],
  ['0.00050k', 5, -1, 'DecimalSI'],
  ['0.00500', 5, -3, 'DecimalSI'],
  ['0.05000', 5, -2, 'DecimalSI'],
  ['0.50000', 5, -1, 'DecimalSI'],
  ['0.5e0', 5, -1, 'DecimalExponent'],
  ['0.5e-1', 5, -2, 'DecimalExponent'],
  ['0.5e-2', 5, -3, 'DecimalExponent'],
  ['10.035M', 10035, 3, 'DecimalSI'],
  ['1.2e3', 12, 2, 'DecimalExponent'],
  ['1.3E+6', 13, 5, 'DecimalExponent'],
  ['1.40e9', 14, 8, 'DecimalExponent'],
  ['1.53E12', 153, 10, 'DecimalExponent'],
  ['1.6e15', 16, 14, 'DecimalExponent'],
  ['1.7E18', 17, 17, 'DecimalExponent'],
  ['9.01', 901, -2, 'DecimalSI'],
  ['8.1k', 81, 2, 'DecimalSI'],
  ['7.123456M', 7123456, 0, 'DecimalSI'],
  ['6.987654321G', 6987654321, 0, 'DecimalSI'],
  ['5.444T', 5444, 9, 'DecimalSI'],
  ['40.1T', 401, 11, 'DecimalSI'],
  ['300.2T', 3002, 11, 'DecimalSI'],
  ['2.5P', 25, 14, 'DecimalSI'],
  ['1.01E', 101, 16, 'DecimalSI'],
  // Things that saturate or round away from zero at nano precision.
  ['3.001n', 4, -9, 'DecimalSI'],
  ['1.1E-9', 2, -9, 'DecimalExponent'],
  ['0.0000000001', 1, -9, 'DecimalSI'],
  ['0.0000000005', 1, -9, 'DecimalSI'],
  ['0.00000000050', 1, -9, 'DecimalSI'],
  ['0.5e-9', 1, -9, 'DecimalExponent'],
  ['0.9n', 1, -9, 'DecimalSI'],
  ['0.00000012345', 124, -9, 'DecimalSI'],
  ['0.00000012354', 124, -9, 'DecimalSI'],
  ['9Ei', MAX, 0, 'BinarySI'],
  ['9223372036854775807Ki', MAX, 0, 'BinarySI'],
  ['12E', 12, 18, 'DecimalSI'],
  ['100.035Ki', 10243584, -2, 'BinarySI'],
  ['0.5Mi', 512 * 1024, 0, 'BinarySI'],
  ['0.05Gi', 536870912, -1, 'BinarySI'],
  ['0.025Ti', 274877906944, -1, 'BinarySI'],
  // Written by trolls: a sub-unit binary amount changes format.
  ['0.000000000001Ki', 2, -9, 'DecimalSI'],
  ['.001', 1, -3, 'DecimalSI'],
  ['.0001k', 100, -3, 'DecimalSI'],
  ['1.', 1, 0, 'DecimalSI'],
  ['1.G', 1, 9, 'DecimalSI'],
  ['00012', 12, 0, 'DecimalSI'],
];

test('parse: exact values and formats (upstream TestQuantityParse)', () => {
  for (const [input, m, e, format] of parseTable) {
    const got = q(input);
    assert.equal(got.cmp(dec(m, e)), 0, `${input}: got ${got}`);
    assert.equal(got.format, format, input);
    // Signs: "-x" is the negation with the same format, "+x" is the same value.
    const neg = q(`-${input}`);
    assert.equal(neg.cmp(dec(m, e).neg()), 0, `-${input}: got ${neg}`);
    assert.equal(neg.format, format, `-${input}`);
    assert.equal(q(`+${input}`).cmp(got), 0, `+${input}`);
  }
});

test('parse: scanner quirks kept from upstream (a bare sign or point is zero)', () => {
  for (const input of ['-', '+', '.', '-.', '+.']) assert.equal(Quantity.parse(input).toString(), '0', input);
  // "1." is one, and upstream echoes the canonical-shaped input as written.
  assert.equal(Quantity.parse('1.').cmp(Quantity.fromValue(1)), 0);
  assert.equal(Quantity.parse('1.').toString(), '1.');
});

test('parse: invalid input throws upstream messages', () => {
  const cases: [string, string][] = [
    ['', QUANTITY_FORMAT_MESSAGE],
    ['1.1.M', QUANTITY_FORMAT_MESSAGE],
    ['1+1.0M', QUANTITY_FORMAT_MESSAGE],
    ['aoeu', QUANTITY_FORMAT_MESSAGE],
    [' 1', QUANTITY_FORMAT_MESSAGE],
    ['1 ', QUANTITY_FORMAT_MESSAGE],
    ['1x', QUANTITY_FORMAT_MESSAGE],
    ['1e3e', QUANTITY_FORMAT_MESSAGE],
    ['0.1mi', QUANTITY_SUFFIX_MESSAGE],
    ['0.1am', QUANTITY_FORMAT_MESSAGE],
    ['.5i', QUANTITY_SUFFIX_MESSAGE],
    ['1i', QUANTITY_SUFFIX_MESSAGE],
    ['-3.01i', QUANTITY_SUFFIX_MESSAGE],
    ['-3.01e-', QUANTITY_SUFFIX_MESSAGE],
    ['1e', QUANTITY_SUFFIX_MESSAGE],
    ['1k3', QUANTITY_SUFFIX_MESSAGE],
    ['1KI', QUANTITY_FORMAT_MESSAGE],
    ['--1', QUANTITY_SUFFIX_MESSAGE],
    ['1e99999999999999999999', QUANTITY_SUFFIX_MESSAGE],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => Quantity.parse(input), { message }, JSON.stringify(input));
    assert.equal(Quantity.tryParse(input), undefined, JSON.stringify(input));
  }
  assert.equal(QUANTITY_FORMAT_MESSAGE.includes("'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"), true);
  assert.notEqual(QUANTITY_NUMERIC_MESSAGE, '');
});

// Upstream TestQuantityString: value -> canonical string, and an alternate
// spelling that must canonicalize to the same string.
const stringTable: [Quantity, string, string][] = [
  [dec(1024n ** 3n, 0, 'BinarySI'), '1Gi', '1024Mi'],
  [dec(300 * 1024 * 1024, 0, 'BinarySI'), '300Mi', '307200Ki'],
  [dec(6 * 1024, 0, 'BinarySI'), '6Ki', ''],
  [dec(1001n * 1024n ** 3n, 0, 'BinarySI'), '1001Gi', '1025024Mi'],
  [dec(1024n ** 4n, 0, 'BinarySI'), '1Ti', '1024Gi'],
  [dec(5, 0, 'BinarySI'), '5', '5000m'],
  [dec(500, -3, 'BinarySI'), '500m', '0.5'],
  [dec(1, 9), '1G', '1000M'],
  [dec(1000, 6), '1G', '0.001T'],
  [dec(1000000, 3), '1G', ''],
  [dec(1000000000, 0), '1G', ''],
  [dec(1, -3), '1m', '1000u'],
  [dec(80, -3), '80m', ''],
  [dec(1080, -3), '1080m', '1.08'],
  [dec(108, -2), '1080m', '1080000000n'],
  [dec(10800, -4), '1080m', ''],
  [dec(300, 6), '300M', ''],
  [dec(1, 12), '1T', ''],
  [dec(1, 18), '1E', ''],
  [dec(1, 21), '1e21', '1000E'],
  [dec(5, 21), '5e21', '5000E'],
  [dec(1234567, 6), '1234567M', ''],
  [dec(1234567, -3, 'BinarySI'), '1234567m', ''],
  [dec(3, 3), '3k', ''],
  [dec(1025, 0, 'BinarySI'), '1025', ''],
  [dec(0, 0), '0', ''],
  [dec(0, 0, 'BinarySI'), '0', ''],
  [dec(1, 9, 'DecimalExponent'), '1e9', '.001e12'],
  [dec(1, -3, 'DecimalExponent'), '1e-3', '0.001e0'],
  [dec(1, -9, 'DecimalExponent'), '1e-9', '1000e-12'],
  [dec(80, -3, 'DecimalExponent'), '80e-3', ''],
  [dec(300, 6, 'DecimalExponent'), '300e6', ''],
  [dec(1, 12, 'DecimalExponent'), '1e12', ''],
  [dec(1, 3, 'DecimalExponent'), '1e3', ''],
  [dec(3, 3, 'DecimalExponent'), '3e3', ''],
  [dec(0, 0, 'DecimalExponent'), '0', '00'],
  [dec(1, -9), '1n', ''],
  [dec(80, -9), '80n', ''],
  [dec(1080, -9), '1080n', ''],
  [dec(108, -8), '1080n', ''],
  [dec(10800, -10), '1080n', ''],
  [dec(1, -6), '1u', ''],
  [dec(80, -6), '80u', ''],
  [dec(1080, -6), '1080u', ''],
];

test('toString: canonical forms (upstream TestQuantityString)', () => {
  for (const [value, expect, alternate] of stringTable) {
    assert.equal(value.toString(), expect);
    assert.equal(q(expect).toString(), expect, `re-parse ${expect}`);
    if (alternate) assert.equal(q(alternate).toString(), expect, `alternate ${alternate}`);
    if (!value.isZero()) assert.equal(value.neg().toString(), `-${expect}`);
  }
});

test('toString: parse then emit', () => {
  const cases: [string, string][] = [
    ['1Ki', '1Ki'],
    ['1Mi', '1Mi'],
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['1000M', '1G'],
    ['.001Ki', '1024m'],
    ['.000001Ki', '1024u'],
    ['.000000001Ki', '1024n'],
    ['.000000000001Ki', '2n'],
    ['1.5Gi', '1536Mi'],
    ['0.5', '500m'],
    ['1000m', '1'],
    ['1500m', '1500m'],
    ['100M', '100M'],
    ['1e3', '1e3'],
    ['12e6', '12e6'],
    ['0.1m', '100u'],
    ['0.0001m', '100n'],
    ['0.00000001m', '1n'],
    ['-0', '0'],
    ['-0.0', '0'],
    ['1.5', '1500m'],
    ['2048', '2048'],
    ['100.035Ki', '102435840m'],
    ['1.1Ki', '1126400m'],
    ['9Ei', '9223372036854775807'],
    ['1000E', '1e21'],
    ['128974848', '128974848'],
    ['129e6', '129e6'],
    ['123Mi', '123Mi'],
    ['1.25e3', '1250'],
    ['10Gi', '10Gi'],
    // Upstream echoes a parsed string that is already canonical in shape.
    ['+1', '+1'],
    ['1E3', '1E3'],
    ['1e+3', '1e+3'],
    ['001', '001'],
    ['12Ki', '12Ki'],
    ['16Ki', '16Ki'],
  ];
  for (const [input, expect] of cases) {
    assert.equal(q(input).toString(), expect, input);
    if (expect !== '0' && !expect.startsWith('+')) assert.equal(q(`-${input}`).toString(), `-${expect}`, `-${input}`);
  }
});

test('cmp, sign, isZero', () => {
  const cases: [string, string, -1 | 0 | 1][] = [
    ['0', '0', 0],
    ['100m', '50m', 1],
    ['50m', '100m', -1],
    ['10000T', '100Gi', 1],
    ['1Ki', '1024', 0],
    ['1k', '1Ki', -1],
    ['-1', '1m', -1],
    ['-1', '-2', 1],
    ['-5', '-50', 1],
    ['1e100', '1e99', 1],
    ['1e-3', '1m', 0],
    ['0', '-0', 0],
    ['1n', '0', 1],
    ['9223372036854775808', '9Ei', 1],
  ];
  for (const [a, b, want] of cases) {
    assert.equal(q(a).cmp(q(b)), want, `${a} vs ${b}`);
    assert.equal(q(b).cmp(q(a)), -want || 0, `${b} vs ${a}`);
    assert.equal(q(a).equals(q(b)), want === 0);
  }
  assert.equal(q('-1m').sign(), -1);
  assert.equal(q('0Gi').sign(), 0);
  assert.equal(q('2n').sign(), 1);
  assert.equal(q('0.0').isZero(), true);
  assert.equal(q('1n').isZero(), false);
});

test('add and sub: exact, immutable, zero takes the other format', () => {
  const a = q('100m');
  const sum = a.add(q('1Gi'));
  assert.equal(a.toString(), '100m', 'receiver unchanged');
  assert.equal(sum.cmp(dec(1073741824100n, -3)), 0);
  assert.equal(sum.format, 'DecimalSI');
  const cases: [Quantity, Quantity, Quantity, 'add' | 'sub', QuantityFormat][] = [
    [dec(10, 0), dec(1, 1), dec(20, 0), 'add', 'DecimalSI'],
    [dec(10, 0), dec(1, 0, 'BinarySI'), dec(11, 0), 'add', 'DecimalSI'],
    [dec(10, 0, 'BinarySI'), dec(1, 0), dec(11, 0), 'add', 'BinarySI'],
    [dec(0, 0), dec(50, 0, 'BinarySI'), dec(50, 0), 'add', 'BinarySI'],
    [dec(10, 0), dec(1, 1), dec(0, 0), 'sub', 'DecimalSI'],
    [dec(10, 0, 'BinarySI'), dec(1, 0), dec(9, 0), 'sub', 'BinarySI'],
    [dec(0, 0), dec(50, 0, 'BinarySI'), dec(-50, 0), 'sub', 'BinarySI'],
    [dec(1, 0), dec(-(1n << 63n), 0), dec((1n << 63n) + 1n, 0), 'sub', 'DecimalSI'],
  ];
  for (const [x, y, want, op, format] of cases) {
    const got = op === 'add' ? x.add(y) : x.sub(y);
    assert.equal(got.cmp(want), 0, `${x} ${op} ${y} = ${got}`);
    assert.equal(got.format, format);
  }
  // Suffix preserved independent of order when one side is zero.
  for (const s of ['100m', '1Gi']) {
    assert.equal(q(s).add(q('0')).toString(), s);
    assert.equal(q('0').add(q(s)).toString(), s);
    assert.equal(q(s).sub(q('0')).toString(), s);
    assert.equal(q('0').sub(q(s)).toString(), `-${s}`);
  }
  assert.equal(
    dec(0, 0)
      .sub(dec(-(1n << 63n), 0, 'BinarySI'))
      .toString(),
    '8Ei',
  );
  assert.equal(q('1').sub(q('1')).toString(), '0');
  assert.equal(q('500m').mul(3).toString(), '1500m');
  assert.equal(q('1Gi').neg().toString(), '-1Gi');
});

test('value and milliValue round away from zero', () => {
  const cases: [string, bigint, bigint][] = [
    ['1', 1n, 1000n],
    ['1.5', 2n, 1500n],
    ['-1.5', -2n, -1500n],
    ['0.1m', 1n, 1n],
    ['1n', 1n, 1n],
    ['-1n', -1n, -1n],
    ['100m', 1n, 100n],
    ['1Ki', 1024n, 1024000n],
    ['1.5Gi', 1610612736n, 1610612736000n],
    ['12E', 12n * 10n ** 18n, 12n * 10n ** 21n],
    ['0', 0n, 0n],
  ];
  for (const [input, value, milli] of cases) {
    assert.equal(q(input).value(), value, `${input}.value()`);
    assert.equal(q(input).milliValue(), milli, `${input}.milliValue()`);
  }
  // Upstream TestScaledValue: 1*10^from read at scale `to`.
  const scaled: [number, number, bigint][] = [
    [Nano, Nano, 1n],
    [Nano, Micro, 1n],
    [Nano, Milli, 1n],
    [Nano, 0, 1n],
    [Micro, Nano, 1000n],
    [Milli, Micro, 1000n],
    [0, Nano, 1000000000n],
    [0, Milli, 1000n],
    [2, -2, 10000n],
  ];
  for (const [from, to, want] of scaled) assert.equal(Quantity.fromScaled(1, from).scaledValue(to), want);
});

test('roundUp (upstream TestQuantityRoundUp)', () => {
  const cases: [string, number, Quantity][] = [
    ['9.01', -3, dec(901, -2)],
    ['9.01', -2, dec(901, -2)],
    ['9.01', -1, dec(91, -1)],
    ['9.01', 0, dec(10, 0)],
    ['9.01', 1, dec(10, 0)],
    ['9.01', 2, dec(100, 0)],
    ['-9.01', -1, dec(-91, -1)],
    ['-9.01', 0, dec(-10, 0)],
    ['-9.01', 2, dec(-100, 0)],
  ];
  for (const [input, scale, want] of cases) {
    assert.equal(q(input).roundUp(scale).cmp(want), 0, `${input} @${scale}`);
  }
});

test('fromValue / fromMilli / fromScaled (upstream TestNewSet, TestMilliNewSet)', () => {
  const values: [number, QuantityFormat, string][] = [
    [1, 'DecimalSI', '1'],
    [1000, 'DecimalSI', '1k'],
    [1234000, 'DecimalSI', '1234k'],
    [1024, 'BinarySI', '1Ki'],
    [1000000, 'DecimalExponent', '1e6'],
    [1024 * 1024, 'BinarySI', '1Mi'],
  ];
  for (const [v, format, want] of values) {
    const got = Quantity.fromValue(v, format);
    assert.equal(got.toString(), want);
    assert.equal(q(want).value(), BigInt(v));
  }
  const millis: [number, QuantityFormat, string][] = [
    [1, 'DecimalSI', '1m'],
    [1000, 'DecimalSI', '1'],
    [1234000, 'DecimalSI', '1234'],
    [1024, 'BinarySI', '1024m'],
    [1000000, 'DecimalExponent', '1e3'],
    [1024 * 1024, 'BinarySI', '1048576m'],
  ];
  for (const [v, format, want] of millis) assert.equal(Quantity.fromMilli(v, format).toString(), want);
  assert.equal(Quantity.fromScaled(1000, Nano).toString(), '1u');
  assert.equal(Quantity.fromScaled(1000, Micro).toString(), '1m');
  assert.equal(Quantity.fromScaled(0, Milli).toString(), '0');
  assert.throws(() => Quantity.fromValue(1.5), RangeError);
});

test('JSON: strings and numbers decode, objects round-trip', () => {
  const cases: [unknown, string][] = [
    [' 1', '1'],
    ['1 ', '1'],
    [1, '1'],
    [10, '10'],
    [-1, '-1'],
    [0.5, '500m'],
    [1e21, '1e+21'],
    ['250m', '250m'],
    [null, '0'],
  ];
  for (const [input, want] of cases) assert.equal(Quantity.fromJSON(input).toString(), want, String(input));
  assert.throws(() => Quantity.fromJSON({}), { message: QUANTITY_FORMAT_MESSAGE });
  assert.throws(() => Quantity.parse(Number.NaN), { message: QUANTITY_FORMAT_MESSAGE });

  const obj = { requests: { cpu: q('0.5'), memory: q('1.5Gi') } };
  const text = JSON.stringify(obj);
  assert.equal(text, '{"requests":{"cpu":"500m","memory":"1536Mi"}}');
  const back = JSON.parse(text) as { requests: Record<string, string> };
  assert.equal(Quantity.fromJSON(back.requests.cpu).cmp(obj.requests.cpu), 0);
  assert.equal(Quantity.fromJSON(back.requests.memory).cmp(obj.requests.memory), 0);
});

test('asApproximateNumber', () => {
  assert.equal(q('1.5Gi').asApproximateNumber(), 1610612736);
  assert.equal(q('250m').asApproximateNumber(), 0.25);
  assert.equal(q('-1e3').asApproximateNumber(), -1000);
});

test('property: parse never crashes and the emitted form re-parses to the same value', () => {
  const quantityLike = fc.stringMatching(
    /^[+-]?[0-9]{0,20}(\.[0-9]{0,12})?([numkMGTPE]|[KMGTPE]i|[eE][+-]?[0-9]{1,3})?$/,
  );
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), quantityLike), (s) => {
      let parsed: Quantity;
      try {
        parsed = Quantity.parse(s);
      } catch (e) {
        assert.ok(e instanceof Error && !(e instanceof RangeError), String(e));
        assert.ok(
          [QUANTITY_FORMAT_MESSAGE, QUANTITY_SUFFIX_MESSAGE, QUANTITY_NUMERIC_MESSAGE].includes(e.message),
          e.message,
        );
        return;
      }
      const again = Quantity.parse(parsed.toString());
      // Binary amounts above 2^63-1 are capped when re-read, exactly as upstream.
      assert.equal(again.cmp(parsed), 0, `${s} -> ${parsed} -> ${again}`);
      assert.equal(Quantity.parse(again.toString()).toString(), again.toString());
    }),
    { numRuns: 2000 },
  );
});
