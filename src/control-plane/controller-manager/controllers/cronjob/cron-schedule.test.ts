import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob } from 'kubernetes-types/batch/v1.js';
import { parseStandard } from './cron-schedule.js';
import { jobName, mostRecentScheduleTime, nextScheduleTimeDuration } from './cronjob-util.js';
import { Zone } from './zoned-time.js';

const iso = (ms: number) => (ms ? new Date(ms).toISOString().replace('.000Z', 'Z') : '0');

function activations(spec: string, from: string, n: number, zone = 'UTC'): string[] {
  const s = parseStandard(spec, zone);
  const out: string[] = [];
  let t = Date.parse(from);
  for (let i = 0; i < n; i++) {
    t = s.next(t);
    out.push(iso(t));
    if (!t) break;
  }
  return out;
}

test('next activations (robfig/cron v3 ParseStandard semantics)', () => {
  const cases: [string, string, number, string[], string?][] = [
    [
      '*/20 9-10 * jan-mar MON',
      '2025-01-01T00:00:00Z',
      7,
      [
        '2025-01-06T09:00:00Z',
        '2025-01-06T09:20:00Z',
        '2025-01-06T09:40:00Z',
        '2025-01-06T10:00:00Z',
        '2025-01-06T10:20:00Z',
        '2025-01-06T10:40:00Z',
        '2025-01-13T09:00:00Z',
      ],
    ],
    // Both day fields restricted: either matches (the 13th, or a Friday).
    ['0 0 13 * 5', '2024-09-01T00:00:00Z', 3, ['2024-09-06T00:00:00Z', '2024-09-13T00:00:00Z', '2024-09-20T00:00:00Z']],
    // A starred day-of-month: both must match.
    ['0 0 * * 0', '2024-09-01T00:00:00Z', 2, ['2024-09-08T00:00:00Z', '2024-09-15T00:00:00Z']],
    [
      '5/30 * * * *',
      '2024-09-01T00:00:00Z',
      3,
      ['2024-09-01T00:05:00Z', '2024-09-01T00:35:00Z', '2024-09-01T01:05:00Z'],
    ],
    ['0 12 1,15 * *', '2024-02-10T00:00:00Z', 2, ['2024-02-15T12:00:00Z', '2024-03-01T12:00:00Z']],
    ['@hourly', '2024-09-01T00:30:00Z', 2, ['2024-09-01T01:00:00Z', '2024-09-01T02:00:00Z']],
    ['@daily', '2024-09-01T00:30:00Z', 1, ['2024-09-02T00:00:00Z']],
    ['@weekly', '2024-09-01T00:00:00Z', 1, ['2024-09-08T00:00:00Z']],
    ['@monthly', '2024-09-01T00:00:00Z', 1, ['2024-10-01T00:00:00Z']],
    ['@yearly', '2024-09-01T00:00:00Z', 1, ['2025-01-01T00:00:00Z']],
    ['@every 90s', '2024-09-01T00:00:00Z', 2, ['2024-09-01T00:01:30Z', '2024-09-01T00:03:00Z']],
    ['0 0 29 2 *', '2025-01-01T00:00:00Z', 1, ['2028-02-29T00:00:00Z']],
    // Never: given up five years out.
    ['0 0 30 2 *', '2024-09-01T00:00:00Z', 1, ['0']],
    // Time zones: spring-forward skips 02:30 on 2024-03-10; fall-back repeats 01:30 on 2024-11-03.
    [
      'TZ=America/New_York 30 2 * * *',
      '2024-03-09T00:00:00Z',
      3,
      ['2024-03-09T07:30:00Z', '2024-03-11T06:30:00Z', '2024-03-12T06:30:00Z'],
    ],
    [
      'CRON_TZ=America/New_York 30 1 * * *',
      '2024-11-02T12:00:00Z',
      3,
      ['2024-11-03T05:30:00Z', '2024-11-03T06:30:00Z', '2024-11-04T06:30:00Z'],
    ],
    [
      'TZ=America/New_York 0 * * * *',
      '2024-03-10T05:30:00Z',
      3,
      ['2024-03-10T06:00:00Z', '2024-03-10T07:00:00Z', '2024-03-10T08:00:00Z'],
    ],
    ['TZ=Asia/Kolkata 0 9 * * *', '2024-01-01T00:00:00Z', 1, ['2024-01-01T03:30:00Z']],
  ];
  for (const [spec, from, n, want] of cases) assert.deepEqual(activations(spec, from, n), want, spec);
  // Without a zone the default zone applies (Go's time.Local).
  assert.deepEqual(activations('0 9 * * *', '2024-07-01T00:00:00Z', 1, 'Europe/Paris'), ['2024-07-01T07:00:00Z']);
});

test('parse errors carry robfig messages', () => {
  const cases: [string, string][] = [
    ['', 'empty spec string'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['61 * * * *', 'end of range (61) above maximum (59): 61'],
    ['TZ=Mars/Olympus * * * * *', 'provided bad location Mars/Olympus: unknown time zone Mars/Olympus'],
    ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
  ];
  for (const [spec, msg] of cases) assert.throws(() => parseStandard(spec, 'UTC'), { message: msg }, spec);
});

test('Go time.Date in a zone: gaps resolve to the earlier offset, overlaps to the first', () => {
  const ny = Zone.load('America/New_York')!;
  assert.equal(iso(ny.date(2024, 3, 10, 2, 30, 0)), '2024-03-10T06:30:00Z');
  assert.equal(iso(ny.date(2024, 11, 3, 1, 30, 0)), '2024-11-03T05:30:00Z');
  assert.equal(iso(ny.date(2024, 13, 1, 0, 0, 0)), '2025-01-01T05:00:00Z');
  assert.equal(ny.formatRFC3339(Date.parse('2024-03-11T06:30:00Z')), '2024-03-11T02:30:00-04:00');
  assert.equal(Zone.load('UTC')!.formatRFC3339(0), '1970-01-01T00:00:00Z');
  assert.equal(Zone.load('america/new_york'), undefined);
  assert.equal(Zone.load('Nowhere/Land'), undefined);
});

const cronJob = (created: string, last?: string, sds?: number): CronJob => ({
  metadata: { name: 'cj', creationTimestamp: created },
  spec: { schedule: '', jobTemplate: {}, startingDeadlineSeconds: sds },
  status: last ? { lastScheduleTime: last } : {},
});

test('mostRecentScheduleTime: none, one, few and many missed', () => {
  const every = parseStandard('*/5 * * * *', 'UTC');
  const t = Date.parse;
  const cases: [CronJob, string, boolean, { mostRecent?: string; missed: string }][] = [
    [cronJob('2026-01-01T00:01:00Z'), '2026-01-01T00:04:00Z', true, { missed: 'none' }],
    [
      cronJob('2026-01-01T00:01:00Z'),
      '2026-01-01T00:06:00Z',
      true,
      { mostRecent: '2026-01-01T00:05:00Z', missed: 'none' },
    ],
    [
      cronJob('2026-01-01T00:01:00Z', '2026-01-01T00:05:00Z'),
      '2026-01-01T00:21:00Z',
      true,
      { mostRecent: '2026-01-01T00:20:00Z', missed: 'few' },
    ],
    [
      cronJob('2026-01-01T00:00:00Z'),
      '2026-01-03T00:00:00Z',
      true,
      { mostRecent: '2026-01-03T00:00:00Z', missed: 'many' },
    ],
    // The starting deadline moves the earliest time forward.
    [
      cronJob('2026-01-01T00:00:00Z', undefined, 120),
      '2026-01-03T00:01:00Z',
      true,
      { mostRecent: '2026-01-03T00:00:00Z', missed: 'none' },
    ],
    [cronJob('2026-01-01T00:00:00Z', undefined, 30), '2026-01-03T00:01:00Z', true, { missed: 'none' }],
  ];
  for (const [cj, now, sds, want] of cases) {
    const r = mostRecentScheduleTime(cj, t(now), every, sds);
    assert.deepEqual(
      { mostRecent: r.mostRecent && iso(r.mostRecent), missed: r.missed },
      { mostRecent: want.mostRecent, missed: want.missed },
      now,
    );
  }
  assert.throws(
    () =>
      mostRecentScheduleTime(
        cronJob('2026-01-01T00:00:00Z'),
        t('2031-06-01T00:00:00Z'),
        parseStandard('0 0 30 2 *', 'UTC'),
        false,
      ),
    {
      message: 'time difference between two schedules is less than 1 second',
    },
  );
});

test('requeue lands 100 ms after the next activation; Job names count minutes', () => {
  const every = parseStandard('*/5 * * * *', 'UTC');
  const now = Date.parse('2026-01-01T00:06:10Z');
  assert.equal(
    nextScheduleTimeDuration(cronJob('2026-01-01T00:01:00Z', '2026-01-01T00:05:00Z'), now, every),
    3 * 60_000 + 50_000 + 100,
  );
  assert.equal(
    jobName(cronJob('x'), Date.parse('2026-01-01T00:05:00Z')),
    `cj-${Date.parse('2026-01-01T00:05:00Z') / 60_000}`,
  );
});
