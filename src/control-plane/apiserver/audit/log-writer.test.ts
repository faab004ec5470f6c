import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FakeClock } from '../../../lib/clock.js';
import type { AuditEvent } from './event.js';
import { AuditLogWriter } from './log-writer.js';

function event(i: number, pad = 0): AuditEvent {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `id-${i}`,
    stage: 'ResponseComplete',
    requestURI: `/api/v1/pods?i=${i}${'x'.repeat(pad)}`,
    verb: 'list',
    user: { username: 'admin' },
    requestReceivedTimestamp: '2026-01-01T00:00:00.000000Z',
    stageTimestamp: '2026-01-01T00:00:00.000000Z',
  };
}

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'kubets-audit-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('writes one JSON line per event and appends to an existing file', () =>
  withDir(async (dir) => {
    const path = join(dir, 'audit.log');
    await writeFile(path, 'old\n');
    const w = new AuditLogWriter({ path });
    w.processEvents(event(1), event(2));
    w.processEvents(event(3));
    await w.dispose();
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    assert.equal(lines[0], 'old');
    assert.deepEqual(
      lines.slice(1).map((l) => (JSON.parse(l) as AuditEvent).auditID),
      ['id-1', 'id-2', 'id-3'],
    );
    assert.equal(w.written, 3);
    assert.equal(w.dropped, 0);
  }));

test('rotates by size, names backups by UTC time, keeps maxBackups and honours maxAge', () =>
  withDir(async (dir) => {
    const path = join(dir, 'audit.log');
    const clock = new FakeClock(Date.UTC(2026, 2, 3, 4, 5, 6, 789));
    // Old backups: one past maxAge, one recent.
    await writeFile(join(dir, 'audit-2026-01-01T00-00-00.000.log'), 'ancient\n');
    await writeFile(join(dir, 'unrelated.txt'), 'keep\n');
    const w = new AuditLogWriter({ path, maxSizeMB: 0.002, maxBackups: 2, maxAgeDays: 30, clock }); // ~2 KiB
    for (let i = 0; i < 6; i++) {
      w.processEvents(event(i, 700)); // ~950 bytes per line: two lines per file
      await w.flush();
      await clock.advance(1000);
    }
    await w.dispose();
    const files = (await readdir(dir)).sort();
    assert.deepEqual(files, [
      'audit-2026-03-03T04-05-08.789.log',
      'audit-2026-03-03T04-05-10.789.log',
      'audit.log',
      'unrelated.txt',
    ]);
    const current = (await readFile(path, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as AuditEvent).auditID);
    assert.deepEqual(current, ['id-4', 'id-5']);
    const newest = (await readFile(join(dir, files[1]!), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as AuditEvent).auditID);
    assert.deepEqual(newest, ['id-2', 'id-3']);
  }));

test('compressed backups', () =>
  withDir(async (dir) => {
    const path = join(dir, 'audit.log');
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const w = new AuditLogWriter({ path, maxSizeMB: 0.001, compress: true, clock });
    w.processEvents(event(1, 700));
    await w.flush();
    w.processEvents(event(2, 700));
    await w.dispose();
    const gz = (await readdir(dir)).find((f) => f.endsWith('.log.gz'))!;
    assert.equal(gz, 'audit-2026-01-01T00-00-00.000.log.gz');
    assert.equal((JSON.parse(gunzipSync(await readFile(join(dir, gz))).toString()) as AuditEvent).auditID, 'id-1');
  }));

test('a full buffer drops events instead of blocking, and counts them', () =>
  withDir(async (dir) => {
    const w = new AuditLogWriter({ path: join(dir, 'audit.log'), bufferSize: 3 });
    // The first event starts a write; while it is in flight the queue holds at most 3 more.
    for (let i = 0; i < 10; i++) w.processEvents(event(i));
    await w.dispose();
    assert.equal(w.written + w.dropped, 10);
    assert.ok(w.dropped >= 6, `dropped ${w.dropped}`);
    w.processEvents(event(99));
    assert.equal(w.written + w.dropped, 11);
  }));
