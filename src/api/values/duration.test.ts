import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  formatDuration,
  formatDurationMs,
  Hour,
  Microsecond,
  Millisecond,
  Minute,
  parseDuration,
  parseDurationMs,
  Second,
} from './duration.js';

const MAX = (1n << 63n) - 1n;
const MIN = -(1n << 63n);

// Go's TestParseDuration table.
const parseCases: [string, bigint][] = [
  ['0', 0n],
  ['5s', 5n * Second],
  ['30s', 30n * Second],
  ['1478s', 1478n * Second],
  ['-5s', -5n * Second],
  ['+5s', 5n * Second],
  ['-0', 0n],
  ['+0', 0n],
  ['5.0s', 5n * Second],
  ['5.6s', 5n * Second + 600n * Millisecond],
  ['5.s', 5n * Second],
  ['.5s', 500n * Millisecond],
  ['1.0s', Second],
  ['1.00s', Second],
  ['1.004s', Second + 4n * Millisecond],
  ['1.0040s', Second + 4n * Millisecond],
  ['100.00100s', 100n * Second + Millisecond],
  ['10ns', 10n],
  ['11us', 11n * Microsecond],
  ['12µs', 12n * Microsecond],
  ['12μs', 12n * Microsecond],
  ['13ms', 13n * Millisecond],
  ['14s', 14n * Second],
  ['15m', 15n * Minute],
  ['16h', 16n * Hour],
  ['3h30m', 3n * Hour + 30n * Minute],
  ['10.5s4m', 4n * Minute + 10n * Second + 500n * Millisecond],
  ['-2m3.4s', -(2n * Minute + 3n * Second + 400n * Millisecond)],
  ['1h2m3s4ms5us6ns', Hour + 2n * Minute + 3n * Second + 4n * Millisecond + 5n * Microsecond + 6n],
  ['39h9m14.425s', 39n * Hour + 9n * Minute + 14n * Second + 425n * Millisecond],
  ['52763797000ns', 52763797000n],
  ['0.3333333333333333333h', 20n * Minute],
  ['9007199254740993ns', (1n << 53n) + 1n],
  ['9223372036854775807ns', MAX],
  ['9223372036854775.807us', MAX],
  ['9223372036s854ms775us807ns', MAX],
  ['-9223372036854775808ns', MIN],
  ['-9223372036854775.808us', MIN],
  ['-9223372036s854ms775us808ns', MIN],
  ['-2562047h47m16.854775808s', MIN],
  ['0.100000000000000000000h', 6n * Minute],
  ['0.830103483285477580700h', 49n * Minute + 48n * Second + 372539827n],
  ['1h2m3.5s', Hour + 2n * Minute + 3n * Second + 500n * Millisecond],
  ['300ms', 300n * Millisecond],
  ['-1.5h', -(Hour + 30n * Minute)],
  ['1us', Microsecond],
];

test('parseDuration (Go TestParseDuration)', () => {
  for (const [input, want] of parseCases) assert.equal(parseDuration(input), want, input);
  assert.equal(parseDurationMs('1.5s'), 1500);
  assert.equal(parseDurationMs('1us'), 0.001);
});

test('parseDuration: errors carry Go messages', () => {
  const cases: [string, string][] = [
    ['', 'time: invalid duration ""'],
    ['3', 'time: missing unit in duration "3"'],
    ['-', 'time: invalid duration "-"'],
    ['s', 'time: invalid duration "s"'],
    ['.', 'time: invalid duration "."'],
    ['-.', 'time: invalid duration "-."'],
    ['.s', 'time: invalid duration ".s"'],
    ['+.s', 'time: invalid duration "+.s"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['1.1.1s', 'time: missing unit in duration "1.1.1s"'],
    ['\x85\x85', 'time: invalid duration "\x85\x85"'],
    ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
    ['9223372036854775.808us', 'time: invalid duration "9223372036854775.808us"'],
    ['9223372036854ms775us808ns', 'time: invalid duration "9223372036854ms775us808ns"'],
    ['-9223372036854775809ns', 'time: invalid duration "-9223372036854775809ns"'],
    ['3000000h', 'time: invalid duration "3000000h"'],
  ];
  for (const [input, message] of cases) assert.throws(() => parseDuration(input), { message }, JSON.stringify(input));
});

test('formatDuration (Go TestDurationString)', () => {
  const cases: [bigint, string][] = [
    [0n, '0s'],
    [1n, '1ns'],
    [1100n, '1.1µs'],
    [2200n * Microsecond, '2.2ms'],
    [3300n * Millisecond, '3.3s'],
    [4n * Minute + 5n * Second, '4m5s'],
    [4n * Minute + 5001n * Millisecond, '4m5.001s'],
    [5n * Hour + 6n * Minute + 7001n * Millisecond, '5h6m7.001s'],
    [8n * Minute + 1n, '8m0.000000001s'],
    [MAX, '2562047h47m16.854775807s'],
    [MIN, '-2562047h47m16.854775808s'],
    [-1n, '-1ns'],
    [-1100n, '-1.1µs'],
    [Hour, '1h0m0s'],
    [2n * Minute, '2m0s'],
    [300n * Millisecond, '300ms'],
  ];
  for (const [d, want] of cases) assert.equal(formatDuration(d), want, want);
  assert.equal(formatDuration(1500), '1.5µs');
  assert.equal(formatDurationMs(90_000), '1m30s');
  assert.equal(formatDurationMs(0.5), '500µs');
});

test('property: format then parse is the identity', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: MIN, max: MAX }), (d) => {
      assert.equal(parseDuration(formatDuration(d)), d);
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.string(), (s) => {
      try {
        parseDuration(s);
      } catch (e) {
        assert.ok(e instanceof Error && e.message.startsWith('time: '), String(e));
      }
    }),
    { numRuns: 2000 },
  );
});
