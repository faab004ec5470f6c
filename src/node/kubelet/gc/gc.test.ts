import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../lib/clock.js';
import type { ContainerRuntime, ContainerSummary, Image, SandboxSummary } from '../../runtime/index.js';
import { ContainerGC } from './container-gc.js';
import { ImageGC } from './image-gc.js';

/** Just enough of ContainerRuntime for GC, backed by arrays the test inspects. */
class FakeRuntime {
  containers: (ContainerSummary & { logPath?: string })[] = [];
  sandboxes: SandboxSummary[] = [];
  images: Image[] = [];
  calls: string[] = [];
  async listContainers() {
    return this.containers;
  }
  async listSandboxes() {
    return this.sandboxes;
  }
  async containerStatus(id: string) {
    const c = this.containers.find((x) => x.id === id);
    if (!c) throw new Error('not found');
    return { logPath: c.logPath ?? '' };
  }
  async stopContainer(id: string) {
    this.calls.push(`stop ${id}`);
  }
  async removeContainer(id: string) {
    this.calls.push(`rm ${id}`);
    this.containers = this.containers.filter((c) => c.id !== id);
  }
  async stopSandbox(id: string) {
    this.calls.push(`stopp ${id}`);
  }
  async removeSandbox(id: string) {
    this.calls.push(`rmp ${id}`);
    this.sandboxes = this.sandboxes.filter((s) => s.id !== id);
  }
  async listImages() {
    return this.images;
  }
  async imageStatus(ref: string) {
    return this.images.find((i) => i.repoTags.includes(ref) || i.id === ref) ?? null;
  }
  async removeImage(id: string) {
    this.calls.push(`rmi ${id}`);
    this.images = this.images.filter((i) => i.id !== id);
  }
  get asRuntime() {
    return this as unknown as ContainerRuntime;
  }
}

const ctr = (
  id: string,
  uid: string,
  name: string,
  createdAt: number,
  state: ContainerSummary['state'] = 'CONTAINER_EXITED',
  image = 'sha256:busybox',
): ContainerSummary => ({
  id,
  sandboxId: `sb-${uid}`,
  name,
  attempt: 0,
  state,
  image,
  imageRef: image,
  createdAt,
  labels: { 'io.kubernetes.pod.uid': uid, 'io.kubernetes.container.name': name },
  annotations: {},
});

const sandbox = (id: string, uid: string, createdAt: number, state: SandboxSummary['state']): SandboxSummary => ({
  id,
  name: uid,
  namespace: 'ns',
  uid,
  attempt: 0,
  state,
  createdAt,
  labels: {},
  annotations: {},
});

test('container GC: per-container limit, deleted pods, log files and sandboxes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kbt-gc-'));
  try {
    const rt = new FakeRuntime();
    const logDir = join(dir, 'ns_live_live', 'app');
    mkdirSync(logDir, { recursive: true });
    for (const f of ['0.log', '0.log.20260101-000000', '1.log', '2.log']) writeFileSync(join(logDir, f), 'x');
    mkdirSync(join(dir, 'ns_gone_gone'));
    rt.containers = [
      { ...ctr('a0', 'live', 'app', 100), logPath: join(logDir, '0.log') },
      { ...ctr('a1', 'live', 'app', 200), logPath: join(logDir, '1.log') },
      ctr('a2', 'live', 'app', 300, 'CONTAINER_RUNNING'),
      ctr('s0', 'live', 'sidecar', 150),
      ctr('g0', 'gone', 'app', 50),
      ctr('g1', 'gone', 'app', 60),
    ];
    rt.sandboxes = [
      sandbox('sb-live', 'live', 90, 'SANDBOX_READY'),
      sandbox('sb-live-old', 'live', 10, 'SANDBOX_NOTREADY'),
      sandbox('sb-gone', 'gone', 40, 'SANDBOX_NOTREADY'),
    ];
    const gc = new ContainerGC({
      runtime: rt.asRuntime,
      pods: { shouldPodContentBeRemoved: (uid) => uid === 'gone' },
      podLogsRoot: dir,
      clock: new FakeClock(1000),
    });
    const r = await gc.garbageCollect();
    assert.deepEqual(r.removedContainers.sort(), ['a0', 'g0', 'g1']);
    assert.deepEqual(
      rt.containers.map((c) => c.id).sort(),
      ['a1', 'a2', 's0'],
      'the newest dead container of each live unit and the running one stay',
    );
    assert.equal(existsSync(join(logDir, '0.log')), false, 'the removed container log is gone');
    assert.equal(existsSync(join(logDir, '0.log.20260101-000000')), false, 'and its rotated copy');
    assert.equal(existsSync(join(logDir, '1.log')), true);
    assert.deepEqual(r.removedSandboxes.sort(), ['sb-gone', 'sb-live-old']);
    assert.deepEqual(r.removedLogDirs, [join(dir, 'ns_gone_gone')]);
    assert.equal(existsSync(join(dir, 'ns_live_live')), true);

    // Nothing is treated as deleted before all pod sources are ready.
    rt.containers.push(ctr('g2', 'gone', 'app', 70));
    const early = await gc.garbageCollect(false);
    assert.deepEqual(early.removedContainers, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('container GC: minimum age and the node-wide maximum spare the newest of each pod', async () => {
  const rt = new FakeRuntime();
  rt.containers = [
    ctr('p1a', 'p1', 'c', 10),
    ctr('p1b', 'p1', 'c', 20),
    ctr('p2a', 'p2', 'c', 30),
    ctr('p2b', 'p2', 'c', 40),
    ctr('p3a', 'p3', 'c', 50),
    ctr('young', 'p3', 'c', 990),
  ];
  const gc = new ContainerGC({
    runtime: rt.asRuntime,
    pods: { shouldPodContentBeRemoved: () => false },
    policy: { maxPerPodContainer: 5, maxContainers: 1, minAgeMs: 100 },
    clock: new FakeClock(1000),
  });
  const r = await gc.garbageCollect();
  assert.deepEqual(r.removedContainers.sort(), ['p1a', 'p2a']);
  assert.deepEqual(rt.containers.map((c) => c.id).sort(), ['p1b', 'p2b', 'p3a', 'young']);
});

const img = (id: string, size: number, tags: string[] = [], pinned = false): Image => ({
  id,
  repoTags: tags,
  repoDigests: [],
  size,
  uid: null,
  username: '',
  spec: null,
  pinned,
});

test('image GC: over the high threshold frees least recently used images down to the low one', async () => {
  const rt = new FakeRuntime();
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  rt.images = [
    img('sha256:pause', 1, ['kubets.local/pause:3.10']),
    img('sha256:used', 100, ['used:1']),
    img('sha256:old', 300, ['old:1']),
    img('sha256:older', 200, ['older:1']),
    img('sha256:pinned', 500, ['pinned:1'], true),
  ];
  let available = 100;
  const gc = new ImageGC({
    runtime: rt.asRuntime,
    sandboxImage: 'kubets.local/pause:3.10',
    imageFsUsage: async () => ({ capacityBytes: 1000, availableBytes: available }),
    clock,
  });
  const uses = (...images: string[]) =>
    (rt.containers = images.map((image, i) => ctr(`c${i}`, 'p', `c${i}`, 0, 'CONTAINER_EXITED', image)));
  // Detections give last-use times: `older` was last used before `old`.
  uses('sha256:older', 'sha256:used');
  await gc.detectImages();
  await clock.advance(60_000);
  uses('old:1', 'sha256:used');
  await gc.detectImages();
  assert.equal(gc.record('sha256:old')?.lastUsed, clock.now(), 'an image named by tag counts as used');
  await clock.advance(120_000);
  uses('sha256:used');
  rt.images.push(img('sha256:new', 50, ['new:1']));

  // 90% used: free down to 80% (100 bytes); the least recently used eligible image goes first.
  const r = await gc.garbageCollect();
  assert.deepEqual(r, { removed: ['sha256:older'], freedBytes: 200 });

  // Below the high threshold: nothing happens.
  available = 500;
  assert.deepEqual(await gc.garbageCollect(), { removed: [], freedBytes: 0 });

  available = 0;
  assert.deepEqual(await gc.garbageCollect(), { removed: ['sha256:old'], freedBytes: 300 });
  // Only `new` (younger than 2 minutes) would be left to free: not enough.
  await assert.rejects(gc.garbageCollect(), {
    message:
      'Failed to garbage collect required amount of images. Attempted to free 200 bytes, but only found 0 bytes eligible to free.',
  });
  assert.deepEqual(
    rt.images.map((i) => i.id).sort(),
    ['sha256:new', 'sha256:pause', 'sha256:pinned', 'sha256:used'],
    'the sandbox image, pinned, in-use and young images stay',
  );

  // Under disk pressure every unused image old enough goes.
  await clock.advance(120_000);
  uses();
  assert.deepEqual((await gc.deleteUnusedImages()).removed.sort(), ['sha256:new', 'sha256:used']);
});
