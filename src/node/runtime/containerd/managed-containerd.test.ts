import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManagedContainerd, daemonsFor, type ManagedContainerdOptions } from './managed-containerd.js';

// The fake daemon runs from source under tsx, or compiled next to this file in dist/.
const fake = fileURLToPath(
  new URL(`./testing/fake-containerd.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url),
);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

function managed(dataDir: string, mode: 'serve' | 'exit' | 'mute', extra: Partial<ManagedContainerdOptions> = {}) {
  return new ManagedContainerd({
    dataDir,
    snapshotter: 'native',
    cgroupDriver: 'cgroupfs',
    sandboxImage: 'fake.local/pause:1',
    command: (config) => ({
      file: process.execPath,
      args: ['--import', 'tsx', fake, '--mode', mode, '--config', config],
    }),
    ...extra,
  });
}

async function withManaged(
  mode: 'serve' | 'exit' | 'mute',
  extra: Partial<ManagedContainerdOptions>,
  fn: (m: ManagedContainerd, dir: string) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kbt-ctd-'));
  const m = new ManagedContainerd({
    dataDir: join(dir, 'd'),
    snapshotter: 'native',
    cgroupDriver: 'cgroupfs',
    sandboxImage: 'fake.local/pause:1',
    command: (config) => ({
      file: process.execPath,
      args: ['--import', 'tsx', fake, '--mode', mode, '--config', config],
    }),
    ...extra,
  });
  try {
    await fn(m, dir);
  } finally {
    await m.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('start writes the config, spawns the daemon and waits for CRI; stop ends it by PID', async () => {
  await withManaged('serve', {}, async (m) => {
    await m.start();
    const pid = m.pid!;
    assert.ok(alive(pid));
    assert.equal(m.running, true);
    assert.match(readFileSync(m.paths.config, 'utf8'), /sandbox_image = "fake.local\/pause:1"/);
    assert.equal(m.endpoint, `unix://${m.paths.socket}`);
    const cri = m.client();
    try {
      assert.equal((await cri.version()).runtimeName, 'fake-containerd');
    } finally {
      cri.close();
    }
    assert.match(readFileSync(m.paths.log, 'utf8'), /serving .*containerd\.sock/, 'daemon output goes to the log file');
    await assert.rejects(m.start(), /already running/);
    await m.stop();
    assert.equal(m.running, false);
    await until(() => !alive(pid));
    await m.stop(); // idempotent
  });
});

test('the supervisor restarts a daemon that died, with backoff', async () => {
  await withManaged('serve', { restartBackoff: { initialMs: 50, maxMs: 100 } }, async (m) => {
    await m.start();
    const first = m.pid!;
    process.kill(first, 'SIGKILL');
    await until(() => m.restarts === 1 && m.pid !== undefined && m.pid !== first);
    await m.waitReady();
    const cri = m.client();
    try {
      assert.equal((await cri.version()).runtimeName, 'fake-containerd');
    } finally {
      cri.close();
    }
    const second = m.pid!;
    await m.stop();
    await until(() => !alive(second));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(m.running, false, 'no restart after an intended stop');
    assert.equal(m.restarts, 1);
  });
});

test('a daemon that exits during startup fails start with its log', async () => {
  await withManaged('exit', {}, async (m) => {
    const err = await m.start().catch((e: unknown) => e as Error);
    assert.ok(err instanceof Error);
    assert.match(err.message, /containerd exited during startup:[\s\S]*failed to load config: boom/);
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(m.running, false, 'a failed start does not leave a restart loop behind');
  });
});

test('a daemon that never answers fails start after the ready timeout and is stopped', async () => {
  await withManaged('mute', { readyTimeoutMs: 1500 }, async (m) => {
    let pid: number | undefined;
    const started = m.start();
    await until(() => (pid = m.pid) !== undefined);
    await assert.rejects(started, /did not answer CRI at .*containerd\.sock within 1500ms/);
    assert.equal(m.running, false);
    await until(() => !alive(pid!));
  });
});

test('a missing binary fails start clearly', async () => {
  await withManaged('serve', { command: undefined, containerdPath: '/nonexistent/containerd' }, async (m) => {
    await assert.rejects(m.start(), /containerd exited during startup/);
    assert.equal(m.running, false);
    assert.ok(existsSync(m.paths.config));
  });
});

/**
 * A server killed with SIGKILL leaves its daemon running (and the first manager
 * here still "owns" it, with a long restart backoff so it never respawns). A
 * second manager on the same data dir must end up with exactly one daemon.
 */
async function withLeftover(fn: (dataDir: string, leftoverPid: number) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kbt-ctd-'));
  const dataDir = join(dir, 'd');
  const first = managed(dataDir, 'serve', { restartBackoff: { initialMs: 60_000, maxMs: 60_000 } });
  try {
    await first.start();
    assert.equal(readFileSync(join(dataDir, 'containerd.pid'), 'utf8').trim(), String(first.pid));
    await fn(dataDir, first.pid!);
  } finally {
    await first.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a running daemon of the same data dir and config is adopted, supervised by PID and stopped by PID', async () => {
  await withLeftover(async (dataDir, leftover) => {
    const m = managed(dataDir, 'serve', { restartBackoff: { initialMs: 50, maxMs: 100 } });
    try {
      await m.start();
      assert.equal(m.pid, leftover);
      assert.equal(m.adopted, true);
      assert.deepEqual(daemonsFor(m.paths.config), [leftover], 'one daemon for the data dir');
      // It dies: the supervisor notices without an exit event and starts its own.
      process.kill(leftover, 'SIGKILL');
      await until(() => m.restarts === 1 && m.pid !== undefined && m.pid !== leftover);
      assert.equal(m.adopted, false);
      await m.waitReady();
      const own = m.pid!;
      assert.deepEqual(daemonsFor(m.paths.config), [own]);
      await m.stop();
      await until(() => !alive(own));
      assert.equal(existsSync(join(dataDir, 'containerd.pid')), false);
    } finally {
      await m.stop();
    }
  });
});

test('stop() ends an adopted daemon', async () => {
  await withLeftover(async (dataDir, leftover) => {
    const m = managed(dataDir, 'serve');
    try {
      await m.start();
      assert.equal(m.pid, leftover);
      await m.stop();
      await until(() => !alive(leftover));
      assert.equal(m.running, false);
    } finally {
      await m.stop();
    }
  });
});

test('a leftover daemon with a different config is stopped before a new one starts', async () => {
  await withLeftover(async (dataDir, leftover) => {
    const m = managed(dataDir, 'serve', { logLevel: 'debug' });
    try {
      await m.start();
      assert.notEqual(m.pid, leftover);
      assert.equal(m.adopted, false);
      assert.equal(alive(leftover), false, 'the old daemon is gone');
      assert.deepEqual(daemonsFor(m.paths.config), [m.pid]);
      assert.equal(readFileSync(join(dataDir, 'containerd.pid'), 'utf8').trim(), String(m.pid));
    } finally {
      await m.stop();
    }
  });
});

test('a leftover daemon that does not answer CRI is stopped, not adopted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kbt-ctd-'));
  const dataDir = join(dir, 'd');
  const mute = managed(dataDir, 'mute', { readyTimeoutMs: 60_000 });
  const starting = mute.start().catch(() => undefined);
  const m = managed(dataDir, 'serve');
  try {
    await until(() => mute.pid !== undefined);
    const leftover = mute.pid!;
    await m.start();
    assert.notEqual(m.pid, leftover);
    assert.equal(alive(leftover), false);
    assert.deepEqual(daemonsFor(m.paths.config), [m.pid]);
  } finally {
    await m.stop();
    await mute.stop();
    await starting;
    rmSync(dir, { recursive: true, force: true });
  }
});
