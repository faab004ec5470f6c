import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../lib/clock.js';
import {
  formatMicroTime,
  formatRFC3339Nano,
  formatTime,
  nowMicroTime,
  nowRFC3339,
  parseMicroTime,
  parseTime,
  tryParseTime,
} from './time.js';

const T0 = Date.UTC(2026, 0, 1); // 2026-01-01T00:00:00Z

test('format: metav1.Time, MicroTime, RFC3339Nano', () => {
  const cases: [number, string, string, string][] = [
    [T0, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00Z'],
    [T0 + 1999, '2026-01-01T00:00:01Z', '2026-01-01T00:00:01.999000Z', '2026-01-01T00:00:01.999Z'],
    [T0 + 0.5, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00.000500Z', '2026-01-01T00:00:00.0005Z'],
    [0, '1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000000Z', '1970-01-01T00:00:00Z'],
    [-1, '1969-12-31T23:59:59Z', '1969-12-31T23:59:59.999000Z', '1969-12-31T23:59:59.999Z'],
  ];
  for (const [ms, time, micro, nano] of cases) {
    assert.equal(formatTime(ms), time);
    assert.equal(formatMicroTime(ms), micro);
    assert.equal(formatRFC3339Nano(ms), nano);
  }
});

test('now helpers read the injected clock', () => {
  const clock = new FakeClock(T0 + 1234);
  assert.equal(nowRFC3339(clock), '2026-01-01T00:00:01Z');
  assert.equal(nowMicroTime(clock), '2026-01-01T00:00:01.234000Z');
});

test('parseTime: RFC 3339 with optional fraction and offsets', () => {
  const cases: [string, number][] = [
    ['2026-01-01T00:00:00Z', T0],
    ['2026-01-01T00:00:00.000000Z', T0],
    ['2026-01-01T00:00:00.123456789Z', T0 + 123],
    ['2026-01-01T00:00:00.5Z', T0 + 500],
    ['2026-01-01T00:00:00,5Z', T0 + 500],
    ['2026-01-01T01:30:00+01:30', T0],
    ['2025-12-31T19:00:00-05:00', T0],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['0001-01-01T00:00:00Z', -62135596800000],
    ['2026-01-01T1:00:00Z', T0 + 3600_000],
  ];
  for (const [input, want] of cases) {
    assert.equal(parseTime(input), want, input);
    assert.equal(tryParseTime(input), want, input);
  }
  assert.equal(parseTime(formatTime(T0 + 42_000)), T0 + 42_000);
  assert.equal(parseMicroTime(formatMicroTime(T0 + 42_123)), T0 + 42_123);
  assert.equal(parseTime(formatRFC3339Nano(T0 + 7)), T0 + 7);
});

test('parse errors carry Go time.Parse messages', () => {
  const L = '"2006-01-02T15:04:05Z07:00"';
  const cases: [string, string][] = [
    ['', `parsing time "" as ${L}: cannot parse "" as "2006"`],
    ['x', `parsing time "x" as ${L}: cannot parse "x" as "2006"`],
    ['2026-01-01', `parsing time "2026-01-01" as ${L}: cannot parse "" as "T"`],
    ['2026-01-01 00:00:00Z', `parsing time "2026-01-01 00:00:00Z" as ${L}: cannot parse " 00:00:00Z" as "T"`],
    ['2026-1-01T00:00:00Z', `parsing time "2026-1-01T00:00:00Z" as ${L}: cannot parse "1-01T00:00:00Z" as "01"`],
    ['2026-01-01T00:00:00', `parsing time "2026-01-01T00:00:00" as ${L}: cannot parse "" as "Z07:00"`],
    ['2026-01-01T00:00:00+0100', `parsing time "2026-01-01T00:00:00+0100" as ${L}: cannot parse "+0100" as "Z07:00"`],
    ['2026-13-01T00:00:00Z', 'parsing time "2026-13-01T00:00:00Z": month out of range'],
    ['2026-02-29T00:00:00Z', 'parsing time "2026-02-29T00:00:00Z": day out of range'],
    ['2026-01-00T00:00:00Z', 'parsing time "2026-01-00T00:00:00Z": day out of range'],
    ['2026-01-01T24:00:00Z', 'parsing time "2026-01-01T24:00:00Z": hour out of range'],
    ['2026-01-01T00:60:00Z', 'parsing time "2026-01-01T00:60:00Z": minute out of range'],
    ['2026-01-01T00:00:60Z', 'parsing time "2026-01-01T00:00:60Z": second out of range'],
    ['2026-01-01T00:00:00Zjunk', 'parsing time "2026-01-01T00:00:00Zjunk": extra text: "junk"'],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => parseTime(input), { message }, input);
    assert.equal(tryParseTime(input), undefined);
  }
  assert.throws(() => parseMicroTime('2026-01-01T00:00:00Z'), {
    message: 'parsing time "2026-01-01T00:00:00Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"',
  });
  assert.throws(() => parseMicroTime('2026-01-01T00:00:00.1234567Z'), {
    message:
      'parsing time "2026-01-01T00:00:00.1234567Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "7Z" as "Z07:00"',
  });
});
