// End to end against a real containerd (managed by kubets, in a temp dir): images
// built by scripts/build-test-images.mjs and imported with ctr, a busybox pod
// (log, exec, cgroup memory limit, stop/remove), an httpd pod reached over its pod
// IP from the host on a test-only bridge network, and a containerd restart with a
// running container. Root only; everything is torn down in `after`, even on failure.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import {
  runtimeE2eSkipReason,
  startContainerdEnv,
  type ContainerdEnv,
} from '../../src/node/runtime/testing/containerd-env.js';
import { repoRootFrom } from '../../src/api/openapi/repo-root.js';
import { busyboxImage, httpdImage, httpdIndexHtml, pauseImage } from '../../src/node/runtime/images/test-images.js';
import { findShimPids, mountsUnder, processRunning } from '../../src/node/runtime/containerd/host-cleanup.js';
import type { SandboxSpec } from '../../src/node/runtime/runtime-types.js';

const skip = runtimeE2eSkipReason();
if (skip) console.log(`# skipping runtime e2e: ${skip}`);

function httpGet(url: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

async function eventually<T>(fn: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('runtime e2e: managed containerd', { skip, timeout: 300_000 }, () => {
  let env: ContainerdEnv;
  const pod = (name: string): SandboxSpec => ({
    name,
    namespace: 'e2e',
    uid: `uid-${name}-${process.pid}`,
    cgroupParent: env.cgroupParent,
  });

  before(async () => {
    // Each test stands alone: the images are there from the start (the first test re-imports them from the script).
    env = await startContainerdEnv({ images: ['busybox', 'httpd'] });
  });

  after(async () => {
    await env?.dispose();
    if (env) {
      assert.equal(existsSync(env.dir), false, 'temp dir removed');
      assert.deepEqual(mountsUnder(env.dir), [], 'no mounts left under the temp dir');
      assert.equal(existsSync(`/sys/fs/cgroup/memory${env.cgroupParent}`), false, 'cgroup parent removed');
      assert.equal(existsSync(`/sys/class/net/${env.bridge}`), false, 'bridge removed');
    }
  });

  test('images built by the script import through ctr and list through CRI', async () => {
    const out = join(env.dir, 'script-images');
    const root = repoRootFrom(import.meta.url);
    const stdout = execFileSync(process.execPath, [join(root, 'scripts', 'build-test-images.mjs'), '--out', out], {
      encoding: 'utf8',
    });
    const built = JSON.parse(stdout) as { name: string; file: string; imageId: string }[];
    assert.deepEqual(built.map((b) => b.name).sort(), [busyboxImage, httpdImage, pauseImage].sort());
    for (const b of built) {
      const imported = await env.containerd.importImage(b.file);
      assert.deepEqual(
        imported.map((i) => i.name),
        [b.name],
      );
    }
    const images = await env.runtime.listImages();
    for (const b of built) {
      const img = images.find((i) => i.repoTags.includes(b.name));
      assert.ok(img, `${b.name} listed`);
      assert.equal(img.id, b.imageId, `${b.name} has the config digest as its ID`);
    }
    assert.equal(
      (await env.runtime.imageStatus(busyboxImage))?.id,
      built.find((b) => b.name === busyboxImage)?.imageId,
    );
    assert.equal(await env.runtime.imageStatus('kubets.local/absent:1'), null);
    const readiness = await env.runtime.readiness();
    assert.deepEqual(readiness, { runtimeReady: true, networkReady: true, problems: [] });
  });

  test('a busybox pod: log line, exec, memory limit in its cgroup, stop and remove', async (t) => {
    const t0 = performance.now();
    const sandbox = await env.runtime.ensureSandbox(pod('busybox'));
    const sandboxMs = performance.now() - t0;
    assert.equal(sandbox.state, 'SANDBOX_READY');
    assert.equal(sandbox.created, true);
    const again = await env.runtime.ensureSandbox(pod('busybox'));
    assert.equal(again.id, sandbox.id, 'a ready sandbox is reused');
    assert.equal(again.created, false);

    const memoryLimit = 48 * 1024 * 1024;
    const t1 = performance.now();
    const id = await env.runtime.createContainer(sandbox, {
      name: 'main',
      image: busyboxImage,
      // PID 1 ignores SIGTERM without a handler: trap it so a graceful stop exits 0 at once.
      command: ['sh', '-c', 'trap "exit 0" TERM; echo "hello from $POD_NAME"; echo oops >&2; sleep 3600 & wait'],
      env: [{ name: 'POD_NAME', value: 'busybox' }],
      resources: { memoryLimitBytes: memoryLimit, cpuShares: 512, cpuQuota: 50_000 },
    });
    const t2 = performance.now();
    await env.runtime.startContainer(id);
    const running = await env.runtime.waitForContainer(id, (s) => s.state === 'CONTAINER_RUNNING');
    const t3 = performance.now();
    t.diagnostic(
      `latency: sandbox ${sandboxMs.toFixed(0)} ms, create ${(t2 - t1).toFixed(0)} ms, ` +
        `start-to-running ${(t3 - t2).toFixed(0)} ms, create-to-running ${(t3 - t1).toFixed(0)} ms`,
    );
    assert.equal(running.name, 'main');
    assert.equal(running.logPath, join(env.podLogsRoot, `e2e_busybox_${pod('busybox').uid}`, 'main', '0.log'));

    const lines = await eventually(async () => {
      const l = await env.runtime.readContainerLog(id);
      assert.equal(l.length, 2);
      return l;
    });
    assert.deepEqual(lines.map((l) => [l.stream, l.text]).sort(), [
      ['stderr', 'oops'],
      ['stdout', 'hello from busybox'],
    ]);
    assert.match(readFileSync(running.logPath, 'utf8'), /^\d{4}-\d\d-\d\dT[\d:.]+Z stdout F hello from busybox$/m);

    assert.deepEqual(await env.runtime.execSync(id, ['echo', 'hi']), { stdout: 'hi\n', stderr: '', exitCode: 0 });
    assert.equal((await env.runtime.execSync(id, ['sh', '-c', 'exit 3'])).exitCode, 3);

    const verbose = await env.runtime.containerStatus(id, true);
    assert.ok(verbose.pid && verbose.pid > 0);
    assert.equal(verbose.cgroupsPath, `${env.cgroupParent}/${id}`);
    const cg = (ctrl: string, file: string) =>
      readFileSync(`/sys/fs/cgroup/${ctrl}${verbose.cgroupsPath}/${file}`, 'utf8');
    assert.equal(Number(cg('memory', 'memory.limit_in_bytes')), memoryLimit);
    assert.equal(Number(cg('cpu', 'cpu.shares')), 512);
    assert.equal(Number(cg('cpu', 'cpu.cfs_quota_us')), 50_000);
    assert.ok(cg('memory', 'cgroup.procs').split('\n').includes(String(verbose.pid)), 'the process is in the cgroup');

    const stats = await env.runtime.containerStats(id);
    assert.ok((stats?.memory?.workingSetBytes?.value ?? 0) > 0);
    assert.ok((stats?.cpu?.usageCoreNanoSeconds?.value ?? 0) > 0);

    const t4 = performance.now();
    await env.runtime.stopContainer(id, 10);
    assert.ok(performance.now() - t4 < 5000, 'SIGTERM ended it well before the grace period');
    const stopped = await env.runtime.containerStatus(id);
    assert.equal(stopped.state, 'CONTAINER_EXITED');
    assert.equal(stopped.exitCode, 0);
    assert.ok(stopped.finishedAt >= stopped.startedAt);
    await env.runtime.stopContainer(id, 2); // idempotent
    await env.runtime.removeContainer(id);
    await env.runtime.removeContainer(id); // idempotent
    assert.deepEqual(await env.runtime.listContainers({ sandboxId: sandbox.id }), []);

    const netns = (await env.runtime.sandboxStatus(sandbox.id)).netnsPath;
    assert.ok(netns.startsWith(env.containerd.paths.state), `netns ${netns} lives under the state dir`);
    await env.runtime.stopSandbox(sandbox.id);
    await env.runtime.removeSandbox(sandbox.id);
    await env.runtime.removeSandbox(sandbox.id); // idempotent
    assert.deepEqual(await env.runtime.listSandboxes({ uid: sandbox.spec.uid }), []);
    assert.equal(existsSync(netns), false, 'network namespace removed');
  });

  test('an httpd pod serves over its pod IP; it survives a containerd restart', async () => {
    const sandbox = await env.runtime.ensureSandbox(pod('web'));
    assert.ok(sandbox.ip.startsWith(env.podCIDR.replace(/0\/24$/, '')), `pod IP ${sandbox.ip} in ${env.podCIDR}`);
    const id = await env.runtime.runContainer(sandbox, { name: 'httpd', image: httpdImage });
    await env.runtime.waitForContainer(id, (s) => s.state === 'CONTAINER_RUNNING');
    const url = `http://${sandbox.ip}:8080/`;
    const page = await eventually(() => httpGet(url));
    assert.deepEqual(page, { status: 200, body: httpdIndexHtml });

    const before = await env.runtime.containerStatus(id, true);
    const oldPid = env.containerd.pid;
    await env.containerd.restart();
    assert.notEqual(env.containerd.pid, oldPid, 'a new containerd process');

    const listed = await eventually(() => env.runtime.listContainers({ sandboxId: sandbox.id }));
    assert.deepEqual(
      listed.map((c) => [c.id, c.state]),
      [[id, 'CONTAINER_RUNNING']],
    );
    const afterRestart = await env.runtime.containerStatus(id, true);
    assert.equal(afterRestart.pid, before.pid, 'the same container process kept running');
    assert.deepEqual(await httpGet(url), { status: 200, body: httpdIndexHtml });
    assert.equal((await env.runtime.execSync(id, ['cat', '/www/index.html'])).stdout, httpdIndexHtml);
  });

  test('the supervisor restarts a containerd that died; its pods keep running', async () => {
    const sandbox = await env.runtime.ensureSandbox(pod('survivor'));
    const id = await env.runtime.runContainer(sandbox, {
      name: 'sleeper',
      image: busyboxImage,
      args: ['sleep', '3600'],
    });
    const containerPid = (await env.runtime.containerStatus(id, true)).pid;
    const pid = env.containerd.pid!;
    const restarts = env.containerd.restarts;
    process.kill(pid, 'SIGKILL');
    await eventually(async () => {
      assert.equal(env.containerd.restarts, restarts + 1);
      assert.ok(env.containerd.pid !== undefined && env.containerd.pid !== pid);
      await env.runtime.version({ timeoutMs: 1000 });
    }, 20_000);
    const ready = await env.runtime.listSandboxes({ state: 'SANDBOX_READY', uid: sandbox.spec.uid });
    assert.deepEqual(
      ready.map((s) => s.id),
      [sandbox.id],
    );
    const after = await env.runtime.containerStatus(id, true);
    assert.deepEqual([after.state, after.pid], ['CONTAINER_RUNNING', containerPid]);
  });
});

describe('runtime e2e: cleanup when CRI cannot tear pods down', { skip, timeout: 120_000 }, () => {
  test('dispose after containerd is gone kills the pod processes and removes mounts, cgroups and the bridge', async () => {
    const env = await startContainerdEnv({ images: ['busybox'] });
    let shims: number[] = [];
    let containerPid = 0;
    try {
      const sandbox = await env.runtime.ensureSandbox({
        name: 'orphan',
        namespace: 'e2e',
        uid: `uid-orphan-${process.pid}`,
        cgroupParent: env.cgroupParent,
      });
      const id = await env.runtime.runContainer(sandbox, {
        name: 'sleeper',
        image: busyboxImage,
        args: ['sleep', '3600'],
      });
      containerPid = (await env.runtime.containerStatus(id, true)).pid!;
      shims = findShimPids(env.containerd.paths.socket);
      assert.ok(shims.length > 0, 'a shim serves the pod');
      await env.containerd.stop(); // the daemon only: the pod keeps running
      assert.ok(processRunning(containerPid), 'the container outlives containerd');
      assert.ok(mountsUnder(env.dir).length > 0, 'rootfs, shm and netns mounts are still there');
    } finally {
      await env.dispose();
    }
    assert.equal(processRunning(containerPid), false, 'container process killed');
    assert.deepEqual(shims.filter(processRunning), [], 'shims killed');
    assert.deepEqual(mountsUnder(env.dir), []);
    assert.equal(existsSync(env.dir), false);
    assert.equal(existsSync(`/sys/fs/cgroup/memory${env.cgroupParent}`), false, 'cgroups removed');
    assert.equal(existsSync(`/sys/class/net/${env.bridge}`), false, 'bridge removed');
  });
});
