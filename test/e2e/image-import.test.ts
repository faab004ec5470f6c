// `kubets image import` and `kubets image ls` (the real CLI, as a child
// process) against the node's containerd at its place under a data dir
// (<data>/agent/containerd, as `kubets server` runs it): an OCI archive built
// here is imported into the k8s.io namespace and unpacked, the CRI sees it,
// `image ls` lists it crictl-style next to the pause image, `-q` prints IDs;
// without containerd both commands fail with one line saying what to do.
// Root only; containerd and the temp dir are removed even on failure.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeE2eSkipReason } from '../../src/node/runtime/testing/containerd-env.js';
import { ManagedContainerd, pauseImage } from '../../src/node/runtime/index.js';
import { buildImage, buildLayer, ociArchive } from '../../src/node/runtime/images/oci-image.js';
import { agentPaths } from '../../src/cmd/agent-paths.js';
import { runKubets } from '../../src/cmd/testing/server-process.js';

const skip = runtimeE2eSkipReason();
if (skip) console.log(`# skipping kubets image e2e: ${skip}`);

describe('kubets image import / ls', { skip, timeout: 300_000 }, () => {
  let dir: string;
  let dataDir: string;
  let containerd: ManagedContainerd | undefined;
  const tag = randomBytes(3).toString('hex');
  const name = `kubets.local/e2e-import:${tag}`;
  const image = buildImage({
    name,
    layers: [buildLayer([{ type: 'file', path: 'hello.txt', data: Buffer.from(`hello ${tag}\n`) }])],
    config: { Cmd: ['/hello.txt'] },
  });

  before(async () => {
    dir = mkdtempSync('/tmp/kbt-im-');
    dataDir = join(dir, 'data');
    writeFileSync(join(dir, 'image.tar'), ociArchive([image]));
  });

  after(async () => {
    await containerd?.stop({ killPods: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('without a running containerd: one line, exit 1', async () => {
    for (const args of [['ls'], ['import', join(dir, 'image.tar')]]) {
      const r = await runKubets(['image', ...args, '--data-dir', dataDir]);
      assert.equal(r.code, 1, `image ${args[0]}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(
        r.stderr,
        /^kubets image: containerd is not running at .*containerd\.sock: is kubets server running\? start it with: kubets server --data-dir /,
      );
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    const usage = await runKubets(['image', 'import', '--data-dir', dataDir]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /image import needs at least one archive file/);
  });

  test('import unpacks the archive into the k8s.io namespace; the CRI sees it', async () => {
    containerd = new ManagedContainerd({ dataDir: agentPaths(dataDir).containerd });
    await containerd.start();
    const r = await runKubets(['image', 'import', join(dir, 'image.tar'), '--data-dir', dataDir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `imported ${name} (${image.manifest.digest})\n`);
    const cri = containerd.client();
    try {
      const status = await cri.imageStatus(name);
      assert.equal(status.image?.id, image.imageId);
      assert.deepEqual(status.image?.repoTags, [name]);
    } finally {
      cri.close();
    }
    const missing = await runKubets(['image', 'import', join(dir, 'nope.tar'), '--data-dir', dataDir]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.tar: no such file/);
  });

  test('ls prints the crictl images table; -q prints full IDs', async () => {
    const r = await runKubets(['image', 'ls', '--data-dir', dataDir]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^IMAGE +TAG +IMAGE ID +SIZE$/);
    const row = lines.find((l) => l.startsWith('kubets.local/e2e-import '));
    assert.ok(row, r.stdout);
    // Columns line up (tabwriter): every column starts where its header does, at least 20 wide.
    for (const header of ['TAG', 'IMAGE ID', 'SIZE']) {
      const at = lines[0]!.indexOf(header);
      assert.ok(at >= 20, `${header} at ${at}`);
      assert.equal(row[at - 1], ' ', `${header} column of ${JSON.stringify(row)}`);
      assert.notEqual(row[at], ' ', `${header} column of ${JSON.stringify(row)}`);
    }
    const cells = row.split(/\s{3,}/);
    assert.deepEqual(cells.slice(0, 3), ['kubets.local/e2e-import', tag, image.imageId.slice(7, 20)]);
    assert.match(cells[3]!, /^\d+(\.\d+)?(B|kB)$/);
    const pause = pauseImage.slice(0, pauseImage.lastIndexOf(':'));
    assert.ok(
      lines.some((l) => l.startsWith(`${pause} `)),
      'the pause image is listed',
    );
    const q = await runKubets(['image', 'ls', '-q', '--data-dir', dataDir]);
    assert.equal(q.code, 0, q.stderr);
    assert.ok(q.stdout.split('\n').includes(image.imageId), q.stdout);
  });
});
