import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CtrError, importImage, parseImportOutput } from './ctr.js';

test('parseImportOutput reads the images ctr unpacked', () => {
  const d1 = `sha256:${'a'.repeat(64)}`;
  const d2 = `sha256:${'b'.repeat(64)}`;
  const out = `unpacking kubets.local/busybox:1 (${d1})...done\nunpacking kubets.local/httpd:1 (${d2})...done\n`;
  assert.deepEqual(parseImportOutput(out), [
    { name: 'kubets.local/busybox:1', digest: d1 },
    { name: 'kubets.local/httpd:1', digest: d2 },
  ]);
  assert.deepEqual(parseImportOutput('ctr: something else\n'), []);
});

test('importImage runs ctr with address, namespace, snapshotter and file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-ctr-'));
  try {
    // A fake ctr that records its argv and prints what the real one prints.
    const fake = join(dir, 'ctr');
    const argvFile = join(dir, 'argv');
    writeFileSync(
      fake,
      `#!/bin/sh\nprintf '%s\\n' "$@" > ${argvFile}\necho "unpacking kubets.local/pause:1 (sha256:${'c'.repeat(64)})...done"\n`,
    );
    chmodSync(fake, 0o755);
    const archive = join(dir, 'pause.tar');
    writeFileSync(archive, '');
    const imported = await importImage('/run/x.sock', archive, { ctrPath: fake, snapshotter: 'native' });
    assert.deepEqual(imported, [{ name: 'kubets.local/pause:1', digest: `sha256:${'c'.repeat(64)}` }]);
    assert.deepEqual(readFileSync(argvFile, 'utf8').trim().split('\n'), [
      '--address',
      '/run/x.sock',
      '--namespace',
      'k8s.io',
      'images',
      'import',
      '--snapshotter',
      'native',
      archive,
    ]);

    const failing = join(dir, 'ctr-fail');
    writeFileSync(failing, '#!/bin/sh\necho "ctr: unrecognized image format" >&2\nexit 1\n');
    chmodSync(failing, 0o755);
    await assert.rejects(
      importImage('/run/x.sock', archive, { ctrPath: failing }),
      (e: unknown) =>
        e instanceof CtrError && /ctr images import failed: ctr: unrecognized image format/.test(e.message),
    );
    await assert.rejects(importImage('/run/x.sock', join(dir, 'missing.tar'), { ctrPath: fake }), /does not exist/);
    await assert.rejects(
      importImage('/run/x.sock', archive, { ctrPath: join(dir, 'no-such-ctr') }),
      /not found: install the containerd package/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
