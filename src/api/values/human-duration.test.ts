import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  humanDuration,
  parseRFC3339,
  shortHumanDuration,
  translateTimestampSince,
  ZERO_TIME_MS,
} from './human-duration.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

test('humanDuration matches upstream at every boundary', () => {
  const cases: [number, string][] = [
    [-2 * s, '<invalid>'],
    [-1999, '0s'],
    [-1, '0s'],
    [0, '0s'],
    [999, '0s'],
    [45 * s, '45s'],
    [2 * m - 1, '119s'],
    [2 * m, '2m'],
    [5 * m, '5m'],
    [5 * m + 30 * s, '5m30s'],
    [10 * m - 1, '9m59s'],
    [10 * m, '10m'],
    [3 * h - 1, '179m'],
    [3 * h, '3h'],
    [3 * h + 30 * m, '3h30m'],
    [8 * h - 1, '7h59m'],
    [8 * h, '8h'],
    [48 * h - 1, '47h'],
    [48 * h, '2d'],
    [2 * d + 3 * h, '2d3h'],
    [8 * d - 1, '7d23h'],
    [8 * d, '8d'],
    [2 * y - 1, '729d'],
    [2 * y, '2y'],
    [2 * y + d, '2y1d'],
    [3 * y, '3y'],
    [8 * y - 1, '7y364d'],
    [8 * y, '8y'],
    [10 * y + 100 * d, '10y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `humanDuration(${ms})`);
});

test('shortHumanDuration uses a single unit', () => {
  const cases: [number, string][] = [
    [-2 * s, '<invalid>'],
    [-500, '0s'],
    [59 * s, '59s'],
    [60 * s, '1m'],
    [60 * m - 1, '59m'],
    [60 * m, '1h'],
    [24 * h - 1, '23h'],
    [24 * h, '1d'],
    [y - 1, '364d'],
    [y, '1y'],
    [5 * y + 200 * d, '5y'],
  ];
  for (const [ms, want] of cases) assert.equal(shortHumanDuration(ms), want, `shortHumanDuration(${ms})`);
});

test('parseRFC3339 accepts metav1.Time and MicroTime forms and rejects zone-less ones', () => {
  assert.equal(parseRFC3339('2024-01-01T00:00:00Z'), Date.UTC(2024, 0, 1));
  assert.equal(parseRFC3339('2024-01-01T02:00:00+02:00'), Date.UTC(2024, 0, 1));
  assert.equal(parseRFC3339('2023-12-31T23:00:00-01:00'), Date.UTC(2024, 0, 1));
  assert.equal(parseRFC3339('2024-01-01T00:00:00.250000Z'), Date.UTC(2024, 0, 1) + 250);
  assert.equal(parseRFC3339('2024-01-01T00:00:00.0004Z'), Date.UTC(2024, 0, 1) + 0.4);
  assert.equal(parseRFC3339('0001-01-01T00:00:00Z'), ZERO_TIME_MS);
  for (const bad of [
    '2024-01-01T00:00:00',
    '2024-01-01',
    'yesterday',
    '2024-02-30T00:00:00Z',
    '2024-13-01T00:00:00Z',
  ]) {
    assert.equal(parseRFC3339(bad), undefined, bad);
  }
});

test('translateTimestampSince: <unknown> for unset, ages otherwise', () => {
  const now = Date.UTC(2024, 5, 1, 12, 0, 0);
  const cases: [string | undefined, string][] = [
    [undefined, '<unknown>'],
    ['', '<unknown>'],
    ['0001-01-01T00:00:00Z', '<unknown>'],
    ['2024-06-01T12:00:00Z', '0s'],
    ['2024-06-01T11:59:15Z', '45s'],
    ['2024-06-01T11:54:30Z', '5m30s'],
    ['2024-05-30T09:00:00Z', '2d3h'],
    ['2024-06-01T14:00:00+02:00', '0s'],
    ['2024-06-01T12:00:01Z', '0s'],
    ['2024-06-01T12:00:05Z', '<invalid>'],
    // Sub-millisecond fractions do not round an age up across a second boundary.
    ['2024-06-01T11:59:59.0004Z', '0s'],
  ];
  for (const [ts, want] of cases) assert.equal(translateTimestampSince(ts, now), want, String(ts));
});
