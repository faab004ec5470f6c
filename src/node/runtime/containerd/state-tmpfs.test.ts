import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mountsUnder, unmountUnder } from './host-cleanup.js';
import { ensureStateTmpfs } from './state-tmpfs.js';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function mountinfoWith(point: string): string {
  return `36 25 0:32 / ${point.replace(/ /g, '\\040')} rw,nosuid,nodev shared:1 - tmpfs kubets-containerd-state rw\n`;
}

test('a state dir that is already a mount point, or holds state, is left as it is', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctd-state-'));
  try {
    const state = join(dir, 'state');
    mkdirSync(state);
    const info = join(dir, 'mountinfo');
    writeFileSync(info, mountinfoWith(state));
    assert.equal(ensureStateTmpfs(state, info), 'already-mounted');
    writeFileSync(info, mountinfoWith(join(dir, 'other')));
    writeFileSync(join(state, 'shim.sock'), '');
    assert.equal(ensureStateTmpfs(state, info), 'in-use');
    assert.equal(ensureStateTmpfs(join(dir, 'missing'), info), 'failed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an empty state dir gets a tmpfs, once; unmountUnder takes it away', { skip: !isRoot && 'needs root' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctd-state-'));
  try {
    const state = join(dir, 'state');
    mkdirSync(state);
    assert.equal(ensureStateTmpfs(state), 'mounted');
    assert.deepEqual(mountsUnder(dir), [state]);
    const fstype = spawnSync('findmnt', ['-n', '-o', 'FSTYPE', state], { encoding: 'utf8' }).stdout.trim();
    assert.equal(fstype, 'tmpfs');
    writeFileSync(join(state, 'x'), 'y');
    assert.equal(ensureStateTmpfs(state), 'already-mounted');
    assert.deepEqual(unmountUnder(dir), [state]);
    assert.deepEqual(mountsUnder(dir), []);
  } finally {
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});
