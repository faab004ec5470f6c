import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { FakeClock } from '../../../lib/clock.js';
import { NodeSignalSource } from './signals.js';

test('the host signals are measured with sane bounds', () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const dir = tmpdir();
  const obs = new NodeSignalSource({ rootDir: dir, imageFsDir: dir, clock }).observe();
  for (const s of [
    'memory.available',
    'nodefs.available',
    'nodefs.inodesFree',
    'imagefs.available',
    'pid.available',
  ] as const) {
    const o = obs[s];
    assert.ok(o, `${s} observed`);
    assert.ok(o.capacity > 0 && o.available >= 0 && o.available <= o.capacity, `${s}: ${o.available}/${o.capacity}`);
    assert.equal(o.time, clock.now());
  }
  const fs = statfsSync(dir);
  assert.equal(obs['nodefs.available']!.capacity, fs.blocks * fs.bsize);
  assert.equal(
    new NodeSignalSource({ rootDir: dir }).observe()['imagefs.available'],
    undefined,
    'no image filesystem given: no imagefs signal',
  );
});
