import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  containerLogRelativePath,
  criLogLines,
  formatCriLog,
  formatCriTimestamp,
  isCriLogEntry,
  parseCriLog,
  parseRFC3339Nano,
  podLogDirectory,
} from './cri-log.js';

test('parses CRI log records', () => {
  const cases: [string, { timestamp: string; iso: string; stream: string; partial: boolean; content: string }][] = [
    [
      '2026-01-01T00:00:00.000000000Z stdout F text',
      {
        timestamp: '2026-01-01T00:00:00.000000000Z',
        iso: '2026-01-01T00:00:00.000Z',
        stream: 'stdout',
        partial: false,
        content: 'text',
      },
    ],
    [
      '2016-10-06T00:17:09.669794202Z stderr P log content 1\n',
      {
        timestamp: '2016-10-06T00:17:09.669794202Z',
        iso: '2016-10-06T00:17:09.669Z',
        stream: 'stderr',
        partial: true,
        content: 'log content 1',
      },
    ],
    [
      '2016-10-06T00:17:09.5+02:00 stdout F:x:y  two  spaces ',
      {
        timestamp: '2016-10-06T00:17:09.5+02:00',
        iso: '2016-10-05T22:17:09.500Z',
        stream: 'stdout',
        partial: false,
        content: ' two  spaces ',
      },
    ],
    [
      '2016-10-06T00:17:09Z stdout F ',
      {
        timestamp: '2016-10-06T00:17:09Z',
        iso: '2016-10-06T00:17:09.000Z',
        stream: 'stdout',
        partial: false,
        content: '',
      },
    ],
  ];
  for (const [line, want] of cases) {
    const got = parseCriLog(line);
    assert.ok(isCriLogEntry(got), line);
    assert.deepEqual(
      {
        timestamp: got.timestamp,
        iso: got.time.toISOString(),
        stream: got.stream,
        partial: got.partial,
        content: got.content,
      },
      want,
      line,
    );
  }
});

test('rejects malformed records with the kubelet messages', () => {
  const cases: [string, string][] = [
    ['garbage', 'timestamp is not found'],
    ['2016-10-06 stdout F x', 'unexpected timestamp format "2006-01-02T15:04:05.999999999Z07:00": "2016-10-06"'],
    [
      '2016-13-06T00:17:09Z stdout F x',
      'unexpected timestamp format "2006-01-02T15:04:05.999999999Z07:00": "2016-13-06T00:17:09Z"',
    ],
    ['2016-10-06T00:17:09Z stdout', 'stream type is not found'],
    ['2016-10-06T00:17:09Z stdin F x', 'unexpected stream type "stdin"'],
    ['2016-10-06T00:17:09Z stdout F', 'log tag is not found'],
  ];
  for (const [line, error] of cases) assert.deepEqual(parseCriLog(line), { error }, line);
  assert.equal(parseRFC3339Nano('2016-10-06T00:17:09.1234567890Z'), undefined, 'at most 9 fraction digits');
});

test('formats records the way containerd writes them', () => {
  const t = new Date('2026-01-01T00:00:00.123Z');
  assert.equal(formatCriTimestamp(t), '2026-01-01T00:00:00.123000000Z');
  assert.equal(formatCriTimestamp(t, 456_789), '2026-01-01T00:00:00.123456789Z');
  assert.equal(formatCriLog(t, 'stdout', 'hi'), '2026-01-01T00:00:00.123000000Z stdout F hi');
  assert.equal(formatCriLog(t, 'stderr', 'part', true), '2026-01-01T00:00:00.123000000Z stderr P part');
  const round = parseCriLog(formatCriLog(t, 'stderr', 'x y'));
  assert.ok(isCriLogEntry(round));
  assert.deepEqual([round.time, round.stream, round.content], [t, 'stderr', 'x y']);
});

test('criLogLines joins partial records per stream and skips malformed lines', () => {
  const t = '2026-01-01T00:00:00.000000000Z';
  const t2 = '2026-01-01T00:00:01.000000000Z';
  const log = [
    `${t} stdout P hello `,
    `${t} stderr F err line`,
    'not a record',
    `${t2} stdout P wor`,
    `${t2} stdout F ld`,
    `${t2} stdout F second`,
    `${t2} stderr P unterminated`,
    '',
  ].join('\n');
  assert.deepEqual(
    criLogLines(log).map((l) => [l.stream, l.text, l.time.toISOString()]),
    [
      ['stderr', 'err line', '2026-01-01T00:00:00.000Z'],
      ['stdout', 'hello world', '2026-01-01T00:00:00.000Z'],
      ['stdout', 'second', '2026-01-01T00:00:01.000Z'],
      ['stderr', 'unterminated', '2026-01-01T00:00:01.000Z'],
    ],
  );
});

test('log paths follow the kubelet layout', () => {
  assert.equal(podLogDirectory('default', 'web', 'u-1'), '/var/log/pods/default_web_u-1');
  assert.equal(podLogDirectory('ns', 'p', 'u', '/tmp/pods'), '/tmp/pods/ns_p_u');
  assert.equal(containerLogRelativePath('app', 3), 'app/3.log');
});
