import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlreadyRunningError, acquirePidFile, livePidFromFile, parsePidFile, processStartTime } from './pid-file.js';

test('acquire writes pid and start time; release removes only our own file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kbt-pid-'));
  try {
    const path = join(dir, 'sub', 'kubets.pid');
    const release = acquirePidFile(path);
    assert.deepEqual(parsePidFile(readFileSync(path, 'utf8')), {
      pid: process.pid,
      startTime: processStartTime(process.pid),
    });
    assert.equal(livePidFromFile(path), process.pid);
    assert.doesNotThrow(() => acquirePidFile(path), 'the holder itself may re-acquire');
    release();
    assert.ok(!existsSync(path));
    writeFileSync(path, '1 0\n');
    release();
    assert.ok(existsSync(path), "someone else's file is left alone");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a live holder is refused; stale files (gone process, reused PID, garbage) are taken over', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kbt-pid-'));
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    const path = join(dir, 'kubets.pid');
    const pid = child.pid!;
    await new Promise((r) => setTimeout(r, 50));
    writeFileSync(path, `${pid} ${processStartTime(pid)}\n`);
    assert.throws(
      () => acquirePidFile(path),
      (err: unknown) =>
        err instanceof AlreadyRunningError && err.pid === pid && /another kubets server \(pid \d+\)/.test(err.message),
    );
    for (const stale of [`${pid} 1\n`, '999999999 5\n', 'garbage', '']) {
      writeFileSync(path, stale);
      assert.equal(livePidFromFile(path), undefined, JSON.stringify(stale));
      acquirePidFile(path)();
    }
    assert.equal(livePidFromFile(join(dir, 'missing.pid')), undefined);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
