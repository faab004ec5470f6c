import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archiveFileName, buildTestImages, busyboxApplets } from './test-images.js';

test('archive file names', () => {
  const cases: [string, string][] = [
    ['kubets.local/busybox:1', 'busybox.tar'],
    ['kubets.local/pause:1', 'pause.tar'],
    ['registry.local:5000/team/app@sha256:abc', 'app.tar'],
  ];
  for (const [name, want] of cases) assert.equal(archiveFileName(name), want, name);
});

test('applets come from `busybox --list`, deduplicated, sorted, without busybox itself', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-bb-'));
  try {
    const fake = join(dir, 'busybox');
    writeFileSync(fake, '#!/bin/sh\nprintf "sh\\nls\\nbusybox\\n[\\nls\\n\\n"\n');
    chmodSync(fake, 0o755);
    assert.deepEqual(busyboxApplets(fake), ['[', 'ls', 'sh']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'only the requested images are built (pause needs no busybox)',
  { skip: process.arch !== 'x64' && 'x86-64 only' },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubets-ti-'));
    try {
      const out = join(dir, 'out');
      const built = buildTestImages(out, { only: ['pause'], busyboxPath: '/nonexistent/busybox' });
      assert.deepEqual(
        built.map((b) => [b.name, b.file]),
        [['kubets.local/pause:1', join(out, 'pause.tar')]],
      );
      assert.match(built[0].imageId, /^sha256:[0-9a-f]{64}$/);
      assert.deepEqual(readdirSync(out), ['pause.tar']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
