import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findContainerdDaemons, removeCniResults } from './host-teardown.js';

test('removeCniResults removes the cached results of our sandboxes only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kbt-cni-'));
  try {
    const ours = 'a'.repeat(64);
    const theirs = 'b'.repeat(64);
    const files = [
      `cni-loopback-${ours}-lo`,
      `kubets-${ours}-eth0`,
      `cni-loopback-${theirs}-lo`,
      `kubets-${theirs}-eth0`,
      'unrelated',
    ];
    for (const f of files) writeFileSync(join(dir, f), '{}');
    assert.deepEqual(removeCniResults([ours], dir).sort(), [`cni-loopback-${ours}-lo`, `kubets-${ours}-eth0`]);
    assert.deepEqual(readdirSync(dir).sort(), [`cni-loopback-${theirs}-lo`, `kubets-${theirs}-eth0`, 'unrelated']);
    assert.deepEqual(removeCniResults([], dir), []);
    assert.deepEqual(removeCniResults([ours], join(dir, 'missing')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('findContainerdDaemons matches the config path exactly', () => {
  assert.deepEqual(findContainerdDaemons(`/nonexistent/${process.pid}/config.toml`), []);
});
