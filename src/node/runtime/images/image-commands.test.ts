import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeCriServer } from '../cri/testing/fake-cri-server.js';
import { listImages, pullImage, removeImage } from './image-commands.js';

test('one-shot image commands talk CRI and close their client', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-imgcmd-'));
  const server = await startFakeCriServer(join(dir, 'cri.sock'), {
    ListImages: () => ({
      images: [
        { id: 'sha256:3', repoTags: [] },
        { id: 'sha256:2', repoTags: ['kubets.local/pause:1'] },
        { id: 'sha256:1', repoTags: ['kubets.local/busybox:1'] },
      ],
    }),
    PullImage: (req: { image: { image: string }; auth: { username: string } | null }) => ({
      imageRef: `sha256:${req.image.image}:${req.auth?.username ?? ''}`,
    }),
    RemoveImage: () => ({}),
  });
  try {
    const endpoint = `unix://${server.socketPath}`;
    assert.deepEqual(
      (await listImages(endpoint)).map((i) => [i.id, i.repoTags]),
      [
        ['sha256:1', ['kubets.local/busybox:1']],
        ['sha256:2', ['kubets.local/pause:1']],
        ['sha256:3', []],
      ],
      'tagged images by tag, untagged last',
    );
    assert.equal(await pullImage(endpoint, 'img:1', { username: 'me' }), 'sha256:img:1:me');
    await removeImage(endpoint, 'img:1');
    assert.deepEqual(
      server.calls.map(([m]) => m),
      ['ListImages', 'PullImage', 'RemoveImage'],
    );
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
