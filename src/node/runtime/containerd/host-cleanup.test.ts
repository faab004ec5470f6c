import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { descendantPids, findShimPids, mountsUnder, removeCgroupTree } from './host-cleanup.js';

test('mountsUnder lists mount points at or below a dir, deepest first, with octal escapes decoded', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-mi-'));
  try {
    const mountinfo = join(dir, 'mountinfo');
    writeFileSync(
      mountinfo,
      [
        '22 1 8:1 / / rw - ext4 /dev/vda rw',
        '40 22 0:40 / /data/ctd/state/netns/cni-1 rw - nsfs nsfs rw',
        '41 22 0:41 / /data/ctd/state/task/abc/rootfs rw - overlay overlay rw',
        '42 22 0:42 / /data/with\\040space rw - tmpfs tmpfs rw',
        '43 22 0:43 / /data-other rw - tmpfs tmpfs rw',
        '44 22 0:44 / /data rw - tmpfs tmpfs rw',
        '',
      ].join('\n'),
    );
    assert.deepEqual(mountsUnder('/data', mountinfo), [
      '/data/ctd/state/task/abc/rootfs',
      '/data/ctd/state/netns/cni-1',
      '/data/with space',
      '/data',
    ]);
    assert.deepEqual(mountsUnder('/nothing', mountinfo), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('descendantPids finds a process tree; findShimPids ignores unrelated processes', async () => {
  const sh = spawn('sh', ['-c', 'sleep 30 & sleep 30 & wait'], { stdio: 'ignore' });
  try {
    let kids: number[] = [];
    for (let i = 0; i < 100 && kids.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
      kids = descendantPids(sh.pid!);
    }
    assert.equal(kids.length, 2, 'two sleeps under the shell');
    assert.deepEqual(descendantPids(kids[0]), []);
    assert.deepEqual(findShimPids('/nonexistent/kubets-test.sock'), []);
  } finally {
    for (const pid of descendantPids(sh.pid!)) process.kill(pid, 'SIGKILL');
    sh.kill('SIGKILL');
  }
});

test('removeCgroupTree refuses paths outside a named subtree', () => {
  for (const bad of ['', '/', 'relative', '/a/../..']) {
    assert.throws(() => removeCgroupTree(bad), /refusing to remove cgroup/, JSON.stringify(bad));
  }
  assert.deepEqual(removeCgroupTree(`/kubets-test-absent-${process.pid}`), []);
});
