import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedMtime, readTar, writeTar, type TarEntry } from './tar-writer.js';

const entries: TarEntry[] = [
  { type: 'dir', path: 'bin' },
  { type: 'file', path: 'bin/tool', data: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755 },
  { type: 'symlink', path: 'bin/alias', target: 'tool' },
  { type: 'dir', path: 'tmp/', mode: 0o1777 },
  { type: 'file', path: 'empty', data: Buffer.alloc(0) },
  { type: 'file', path: 'block', data: Buffer.alloc(512, 7) },
];

test('round-trips files, directories and symlinks with modes and a fixed mtime', () => {
  const tar = writeTar(entries);
  assert.equal(tar.length % 512, 0);
  const read = readTar(tar);
  assert.deepEqual(
    read.map((e) => [e.path, e.type, e.mode.toString(8), e.mtime, e.data.toString('hex'), e.target]),
    [
      ['bin/', 'dir', '755', fixedMtime, '', ''],
      ['bin/tool', 'file', '755', fixedMtime, Buffer.from('#!/bin/sh\necho hi\n').toString('hex'), ''],
      ['bin/alias', 'symlink', '777', fixedMtime, '', 'tool'],
      ['tmp/', 'dir', '1777', fixedMtime, '', ''],
      ['empty', 'file', '644', fixedMtime, '', ''],
      ['block', 'file', '644', fixedMtime, Buffer.alloc(512, 7).toString('hex'), ''],
    ],
  );
});

test('output is a pure function of the entries', () => {
  assert.deepEqual(writeTar(entries), writeTar(entries.map((e) => ({ ...e }))));
});

test('long paths use the ustar prefix field; impossible ones and duplicates are rejected', () => {
  const dir = `${'d'.repeat(60)}/${'e'.repeat(60)}`;
  const long = `${dir}/${'f'.repeat(90)}`;
  const read = readTar(writeTar([{ type: 'file', path: long, data: Buffer.from('x') }]));
  assert.equal(read[0].path, long);
  assert.throws(() => writeTar([{ type: 'file', path: 'x'.repeat(101), data: Buffer.alloc(0) }]), /too long for ustar/);
  assert.throws(
    () =>
      writeTar([
        { type: 'dir', path: 'a' },
        { type: 'dir', path: 'a/' },
      ]),
    /duplicate entry/,
  );
  assert.throws(() => writeTar([{ type: 'symlink', path: 'l', target: 't'.repeat(101) }]), /link target/);
});

test('GNU tar reads the archive (checksums and headers are valid)', (t) => {
  if (spawnSync('tar', ['--version'], { stdio: 'ignore' }).status !== 0) {
    t.skip('tar is not installed');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'kubets-tar-'));
  try {
    const file = join(dir, 'x.tar');
    writeFileSync(file, writeTar(entries));
    const r = spawnSync('tar', ['-tvf', file], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, entries.length);
    assert.match(lines[1], /^-rwxr-xr-x 0\/0 +18 2024-01-01 00:00 bin\/tool$/);
    assert.match(lines[2], /^lrwxrwxrwx 0\/0 +0 2024-01-01 00:00 bin\/alias -> tool$/);
    assert.match(lines[3], /^drwxrwxrwt /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
