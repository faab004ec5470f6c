// scripts/build-test-images.mjs end to end: the archives it writes are valid OCI
// image layouts (digests, diff IDs, names), byte-for-byte reproducible, and the
// pause binary inside reaps orphans as PID 1 of a PID namespace (root only).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { repoRootFrom } from '../../src/api/openapi/repo-root.js';
import { readTar, type TarReadEntry } from '../../src/node/runtime/images/tar-writer.js';
import { sha256 } from '../../src/node/runtime/images/oci-image.js';
import { descendantPids } from '../../src/node/runtime/containerd/host-cleanup.js';

const skip = existsSync('/bin/busybox') ? undefined : 'needs /bin/busybox (apt-get install busybox-static)';
const script = join(repoRootFrom(import.meta.url), 'scripts', 'build-test-images.mjs');

interface Built {
  name: string;
  file: string;
  manifestDigest: string;
  imageId: string;
}

function runScript(out: string, ...extra: string[]): Built[] {
  return JSON.parse(execFileSync(process.execPath, [script, '--out', out, ...extra], { encoding: 'utf8' })) as Built[];
}

/** The image's config and its layers' entries, checked against every digest on the way. */
function openImage(file: string): { config: any; layers: TarReadEntry[][] } {
  const blobs = new Map(
    readTar(readFileSync(file))
      .filter((e) => e.path.startsWith('blobs/sha256/') && e.type === 'file')
      .map((e) => [`sha256:${e.path.slice('blobs/sha256/'.length)}`, e.data]),
  );
  for (const [digest, data] of blobs) assert.equal(sha256(data), digest, `blob ${digest} matches its name`);
  const index = JSON.parse(
    readTar(readFileSync(file))
      .find((e) => e.path === 'index.json')!
      .data.toString(),
  );
  assert.equal(index.manifests.length, 1);
  const manifest = JSON.parse(blobs.get(index.manifests[0].digest)!.toString());
  const config = JSON.parse(blobs.get(manifest.config.digest)!.toString());
  const layers = manifest.layers.map((l: { digest: string; size: number }, i: number) => {
    const blob = blobs.get(l.digest)!;
    assert.equal(blob.length, l.size);
    const tar = gunzipSync(blob);
    assert.equal(sha256(tar), config.rootfs.diff_ids[i], `layer ${i} diff ID`);
    return readTar(tar);
  });
  return { config, layers };
}

describe('build-test-images script', { skip }, () => {
  let dir: string;
  let built: Built[];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubets-images-'));
    built = runScript(join(dir, 'a'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('writes one archive per image, reproducibly', () => {
    assert.deepEqual(
      built.map((b) => [b.name, b.file]),
      [
        ['kubets.local/pause:1', join(dir, 'a', 'pause.tar')],
        ['kubets.local/busybox:1', join(dir, 'a', 'busybox.tar')],
        ['kubets.local/httpd:1', join(dir, 'a', 'httpd.tar')],
      ],
    );
    const again = runScript(join(dir, 'b'));
    for (const [i, b] of built.entries()) {
      assert.equal(again[i].manifestDigest, b.manifestDigest, `${b.name} digest is stable`);
      assert.deepEqual(readFileSync(again[i].file), readFileSync(b.file), `${b.name} archive is byte-identical`);
    }
  });

  test('busybox: the static binary, an applet symlink per command, Cmd sh', () => {
    const { config, layers } = openImage(built[1].file);
    assert.deepEqual(config.config.Cmd, ['sh']);
    assert.equal(config.config.Entrypoint, undefined);
    assert.equal(layers.length, 1);
    const byPath = new Map(layers[0].map((e) => [e.path, e]));
    assert.deepEqual(byPath.get('bin/busybox')?.data, readFileSync('/bin/busybox'));
    assert.equal(byPath.get('bin/busybox')?.mode, 0o755);
    for (const applet of ['sh', 'httpd', 'sleep', 'wget', 'ip']) {
      assert.deepEqual(
        [byPath.get(`bin/${applet}`)?.type, byPath.get(`bin/${applet}`)?.target],
        ['symlink', 'busybox'],
      );
    }
    assert.match(byPath.get('etc/passwd')!.data.toString(), /^root:x:0:0:/);
    assert.equal(byPath.get('tmp/')?.mode, 0o1777);
  });

  test('httpd: the busybox layer shared, plus the page; serves :8080 by default', () => {
    const busybox = openImage(built[1].file);
    const httpd = openImage(built[2].file);
    assert.equal(httpd.config.rootfs.diff_ids[0], busybox.config.rootfs.diff_ids[0]);
    assert.deepEqual(httpd.config.config.Cmd, ['httpd', '-f', '-v', '-p', '8080', '-h', '/www']);
    assert.deepEqual(httpd.config.config.ExposedPorts, { '8080/tcp': {} });
    assert.match(httpd.layers[1].find((e) => e.path === 'www/index.html')!.data.toString(), /Hello from kubets/);
  });

  test('pause: a single binary as entrypoint', () => {
    const { config, layers } = openImage(built[0].file);
    assert.deepEqual(config.config.Entrypoint, ['/pause']);
    assert.deepEqual(
      layers[0].map((e) => [e.path, e.mode]),
      [['pause', 0o755]],
    );
  });

  test('--only builds a subset; bad names are refused', () => {
    const only = runScript(join(dir, 'c'), '--only', 'pause');
    assert.deepEqual(
      only.map((b) => b.name),
      ['kubets.local/pause:1'],
    );
    const bad = spawnSync(process.execPath, [script, '--out', join(dir, 'd'), '--only', 'nginx'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown image "nginx"/);
  });

  const rootSkip =
    process.getuid?.() !== 0 || process.arch !== 'x64' || spawnSync('nsenter', ['--version']).status !== 0
      ? 'needs root, x86-64 and util-linux (unshare/nsenter)'
      : undefined;

  test('pause reaps orphans as PID 1 of a PID namespace', { skip: rootSkip }, async () => {
    const { layers } = openImage(built[0].file);
    const bin = join(dir, 'pause-bin');
    writeFileSync(bin, layers[0][0].data);
    chmodSync(bin, 0o755);
    const unshare = spawn('unshare', ['--pid', '--fork', bin], { stdio: 'ignore' });
    try {
      let pause: number | undefined;
      for (let i = 0; i < 50 && pause === undefined; i++) {
        await new Promise((r) => setTimeout(r, 20));
        pause = descendantPids(unshare.pid!)[0];
      }
      assert.ok(pause, 'pause started in its namespace');
      // A shell in the namespace backgrounds a short sleep and exits: the sleep is re-parented to pause.
      execFileSync('nsenter', [
        '-t',
        String(pause),
        '-p',
        '--',
        '/bin/busybox',
        'sh',
        '-c',
        '/bin/busybox sleep 0.2 & exit 0',
      ]);
      await new Promise((r) => setTimeout(r, 700));
      const zombies = descendantPids(pause).filter((pid) => {
        try {
          return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
        } catch {
          return false;
        }
      });
      assert.deepEqual(zombies, [], 'no zombie left under pause');
      assert.deepEqual(descendantPids(pause), [], 'the orphan was reaped');
      const exited = new Promise<number | null>((r) => unshare.once('exit', (code) => r(code)));
      process.kill(pause, 'SIGTERM');
      assert.equal(await exited, 0, 'pause exits 0 on SIGTERM, and unshare with it');
    } finally {
      if (unshare.exitCode === null) {
        for (const pid of descendantPids(unshare.pid!)) process.kill(pid, 'SIGKILL');
        unshare.kill('SIGKILL');
      }
    }
  });
});
