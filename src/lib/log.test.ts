import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, formatJson, MemorySink, parseLevel } from './log.js';

const at = Date.UTC(2026, 10, 26, 21, 12, 13, 123);

test('text lines are klog-like: level letter, UTC time, component, message, quoted fields', () => {
  const sink = new MemorySink();
  const log = createLogger('apiserver', { sink, now: () => at, level: 'debug' });
  log.child('watch', { gvr: 'v1/pods' }).info('started', { n: 3, msg: 'two words', err: new Error('boom') });
  assert.deepEqual(sink.lines(), [
    'I1126 21:12:13.123 apiserver/watch started gvr=v1/pods n=3 msg="two words" err="boom"',
  ]);
});

test('levels below the minimum are dropped; parseLevel falls back on unknown names', () => {
  const sink = new MemorySink();
  const log = createLogger('c', { sink, level: 'warn' });
  log.debug('d');
  log.info('i');
  log.warn('w');
  log.error('e');
  assert.deepEqual(
    sink.records.map((r) => r.level),
    ['warn', 'error'],
  );
  assert.equal(log.enabled('info'), false);
  assert.equal(parseLevel('debug'), 'debug');
  assert.equal(parseLevel('loud'), 'info');
  assert.equal(parseLevel(undefined, 'error'), 'error');
});

test('JSON lines carry fields flat, errors as messages, and survive cycles', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const line = JSON.parse(
    formatJson({ time: at, level: 'error', component: 'x', msg: 'm', fields: { err: new Error('bad'), k: 1 } }),
  ) as Record<string, unknown>;
  assert.deepEqual(line, {
    ts: '2026-11-26T21:12:13.123Z',
    level: 'error',
    component: 'x',
    msg: 'm',
    err: 'bad',
    k: 1,
  });
  const safe = JSON.parse(formatJson({ time: at, level: 'info', component: 'x', msg: 'm', fields: { cyclic } })) as {
    fields: string;
  };
  assert.equal(safe.fields, '[unserializable]');
});
