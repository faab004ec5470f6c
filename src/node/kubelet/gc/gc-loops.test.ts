import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../../lib/clock.js';
import type { ContainerRuntime, ContainerSummary, Image } from '../../runtime/index.js';
import { GarbageCollector } from './gc-loops.js';

/** Just enough of ContainerRuntime for GC. */
class Runtime {
  containers: ContainerSummary[] = [];
  images: Image[] = [];
  removed: string[] = [];
  listContainers = async () => this.containers;
  listSandboxes = async () => [];
  containerStatus = async () => ({ logPath: '' });
  stopContainer = async () => {};
  removeContainer = async (id: string) => {
    this.removed.push(id);
    this.containers = this.containers.filter((c) => c.id !== id);
  };
  listImages = async () => this.images;
  imageStatus = async (ref: string) => this.images.find((i) => i.repoTags.includes(ref)) ?? null;
  removeImage = async (id: string) => {
    this.removed.push(id);
    this.images = this.images.filter((i) => i.id !== id);
  };
  cri = { imageFsInfo: async () => ({ imageFilesystems: [{ fsId: { mountpoint: '/' } }] }) };
}

const dead = (id: string, uid: string, createdAt: number): ContainerSummary => ({
  id,
  sandboxId: `sb-${uid}`,
  name: 'app',
  attempt: 0,
  state: 'CONTAINER_EXITED',
  image: 'sha256:app',
  imageRef: 'sha256:app',
  createdAt,
  labels: { 'io.kubernetes.pod.uid': uid, 'io.kubernetes.container.name': 'app' },
  annotations: {},
});

const image = (id: string, tags: string[]): Image => ({
  id,
  repoTags: tags,
  repoDigests: [],
  size: 100,
  uid: null,
  username: '',
  spec: null,
  pinned: false,
});

const pod = (uid: string, phase: string): Pod => ({ metadata: { uid, name: uid }, status: { phase } });

function setup(sandboxImage = 'kubets.local/pause:1') {
  const clock = new FakeClock();
  const rt = new Runtime();
  const pods = new Map([
    ['live', pod('live', 'Running')],
    ['done', pod('done', 'Succeeded')],
  ]);
  const gc = new GarbageCollector({
    runtime: rt as unknown as ContainerRuntime,
    pods: {
      shouldPodContentBeRemoved: (uid) => !pods.has(uid) && uid !== 'tearing-down',
      shouldPodRuntimeBeRemoved: (uid) => pods.get(uid)?.status?.phase !== 'Running',
    },
    sandboxImage,
    podLogsRoot: '/nonexistent-kubets-logs',
    imageGC: { minAgeMs: 0 },
    clock,
  });
  return { clock, rt, gc };
}

test('container GC runs every minute: deleted pods lose their containers, live pods keep the newest', async () => {
  const { clock, rt, gc } = setup();
  rt.containers = [
    dead('gone-1', 'gone', 1),
    dead('live-old', 'live', 1),
    dead('live-new', 'live', 2),
    dead('td-1', 'tearing-down', 1),
  ];
  gc.start();
  await clock.advance(59_000);
  assert.deepEqual([...rt.removed], [], 'nothing before the first period');
  await clock.advance(1000);
  await gc.idle();
  assert.deepEqual([...rt.removed].sort(), ['gone-1', 'live-old']);
  assert.deepEqual(
    rt.containers.map((c) => c.id).sort(),
    ['live-new', 'td-1'],
    'a pod still being torn down keeps its',
  );
  await gc.dispose();
  rt.containers.push(dead('gone-2', 'gone', 3));
  await clock.advance(120_000);
  assert.ok(!rt.removed.includes('gone-2'), 'no runs after dispose');
});

test('disk reclaim removes dead containers of terminated pods and every unused image but the sandbox image', async () => {
  for (const sandbox of ['kubets.local/pause:1', 'registry.local/other-pause:3.10']) {
    const { rt, gc } = setup(sandbox);
    rt.containers = [dead('done-1', 'done', 1), dead('live-1', 'live', 1)];
    rt.images = [
      image('sha256:pause', ['kubets.local/pause:1']),
      image('sha256:other', ['registry.local/other-pause:3.10']),
      image('sha256:unused', ['x:1']),
    ];
    await gc.reclaimDisk();
    assert.ok(rt.removed.includes('done-1'), 'terminated pod containers reclaimed');
    assert.ok(!rt.removed.includes('live-1'), "a running pod's last dead container stays");
    assert.ok(rt.removed.includes('sha256:unused'), `unused image deleted: ${rt.removed.join(' ')}`);
    const pinned = sandbox === 'kubets.local/pause:1' ? 'sha256:pause' : 'sha256:other';
    assert.ok(!rt.removed.includes(pinned), `the configured sandbox image ${sandbox} is never deleted`);
    await gc.dispose();
  }
});
