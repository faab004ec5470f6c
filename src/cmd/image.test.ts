import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Image } from '../node/runtime/index.js';
import { formatImageList, imageRows, nodeRuntimeTarget } from './image.js';
import { agentPaths, writeNodeHostState } from './agent-paths.js';

const img = (id: string, repoTags: string[], repoDigests: string[] = [], size = 1234): Image => ({
  id,
  repoTags,
  repoDigests,
  size,
  uid: null,
  username: '',
  spec: null,
  pinned: false,
});

const id = `sha256:${'0123456789abcdef'.repeat(4)}`;

test('imageRows: one row per tag, crictl ID truncation, <none> for untagged images', () => {
  assert.deepEqual(imageRows(img(id, ['kubets.local/busybox:1', 'localhost:5000/bb:v2'])), [
    ['kubets.local/busybox', '1', '0123456789abc', '1.23kB'],
    ['localhost:5000/bb', 'v2', '0123456789abc', '1.23kB'],
  ]);
  assert.deepEqual(imageRows(img(id, [], ['registry.example/app@sha256:ff'])), [
    ['registry.example/app', '<none>', '0123456789abc', '1.23kB'],
  ]);
  assert.deepEqual(imageRows(img(id, [])), [['<none>', '<none>', '0123456789abc', '1.23kB']]);
  assert.deepEqual(imageRows(img(id, ['a:1']), true)[0]![2], id, '--no-trunc keeps the full ID');
});

test('formatImageList: header plus rows; quiet prints full IDs only', () => {
  const list = [img(id, ['kubets.local/pause:1'], [], 1020)];
  assert.equal(
    formatImageList(list),
    'IMAGE                TAG                 IMAGE ID            SIZE\n' +
      'kubets.local/pause   1                   0123456789abc       1.02kB\n',
  );
  assert.equal(formatImageList(list, { quiet: true }), `${id}\n`);
});

test('nodeRuntimeTarget: the managed socket and its snapshotter, or the recorded external endpoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kbt-imgt-'));
  try {
    const paths = agentPaths(dir);
    assert.deepEqual(nodeRuntimeTarget(dir), {
      endpoint: `unix://${paths.containerdSocket}`,
      socket: paths.containerdSocket,
      snapshotter: 'overlayfs',
    });
    mkdirSync(paths.containerd, { recursive: true });
    writeFileSync(join(paths.containerd, 'config.toml'), '[x]\n  snapshotter = "native"\n');
    assert.equal(nodeRuntimeTarget(dir).snapshotter, 'native');
    writeNodeHostState(paths, {
      nodeName: 'n',
      bridge: 'cni0',
      cgroupRoot: '/',
      cgroupDriver: 'cgroupfs',
      sandboxImage: 'p',
      externalRuntimeEndpoint: 'unix:///run/other/containerd.sock',
    });
    assert.deepEqual(nodeRuntimeTarget(dir), {
      endpoint: 'unix:///run/other/containerd.sock',
      socket: '/run/other/containerd.sock',
      snapshotter: 'overlayfs',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
