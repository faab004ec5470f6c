import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { CriClient } from './cri/cri-client.js';
import { FakeCriFault, startFakeCriServer, type FakeCriHandlers } from './cri/testing/fake-cri-server.js';
import { ContainerRuntime, ImagePolicyError } from './runtime.js';

interface FakeSandbox {
  id: string;
  metadata: { name: string; namespace: string; uid: string; attempt: number };
  state: 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
  createdAt: number;
  labels: Record<string, string>;
}

async function withRuntime(
  handlers: (state: { sandboxes: FakeSandbox[]; dir: string }) => FakeCriHandlers,
  fn: (rt: ContainerRuntime, state: { sandboxes: FakeSandbox[]; dir: string; calls: [string, any][] }) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-rt-'));
  const state = { sandboxes: [] as FakeSandbox[], dir };
  const server = await startFakeCriServer(join(dir, 'cri.sock'), handlers(state));
  const cri = new CriClient({ endpoint: server.socketPath, timeoutMs: 2000 });
  try {
    await fn(new ContainerRuntime(cri, { podLogsRoot: join(dir, 'pods') }), {
      ...state,
      calls: server.calls as [string, any][],
    });
  } finally {
    cri.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const sandboxHandlers = (s: { sandboxes: FakeSandbox[] }): FakeCriHandlers => ({
  ListPodSandbox: (req: { filter?: { labelSelector?: Record<string, string> } }) => ({
    items: s.sandboxes.filter((sb) =>
      Object.entries(req.filter?.labelSelector ?? {}).every(([k, v]) => sb.labels[k] === v),
    ),
  }),
  RunPodSandbox: (req: { config: { metadata: FakeSandbox['metadata']; labels: Record<string, string> } }) => {
    const id = `sb${s.sandboxes.length + 1}`;
    s.sandboxes.push({
      id,
      metadata: req.config.metadata,
      state: 'SANDBOX_READY',
      createdAt: (s.sandboxes.length + 1) * 1e9,
      labels: req.config.labels,
    });
    return { podSandboxId: id };
  },
  PodSandboxStatus: (req: { podSandboxId: string }) => {
    const sb = s.sandboxes.find((x) => x.id === req.podSandboxId);
    if (!sb) throw new FakeCriFault(GrpcStatus.NOT_FOUND, 'not found');
    return { status: { ...sb, network: { ip: '10.42.0.7' } } };
  },
  StopPodSandbox: () => {
    throw new FakeCriFault(GrpcStatus.NOT_FOUND, 'an error occurred when try to find sandbox: not found');
  },
  RemovePodSandbox: () => ({}),
});

test('ensureSandbox creates with the next attempt, reuses a ready one, and creates the log directory', async () => {
  await withRuntime(sandboxHandlers, async (rt, s) => {
    const spec = { name: 'web', namespace: 'default', uid: 'u1' };
    const first = await rt.ensureSandbox(spec);
    assert.deepEqual([first.id, first.created, first.spec.attempt, first.ip], ['sb1', true, 0, '10.42.0.7']);
    assert.equal(first.createdAt, 1000);
    assert.ok(existsSync(join(s.dir, 'pods', 'default_web_u1')));

    const reused = await rt.ensureSandbox(spec);
    assert.deepEqual([reused.id, reused.created], ['sb1', false]);

    s.sandboxes[0].state = 'SANDBOX_NOTREADY';
    const next = await rt.ensureSandbox(spec);
    assert.deepEqual([next.id, next.created, next.spec.attempt], ['sb2', true, 1]);
    const runs = s.calls.filter(([m]) => m === 'RunPodSandbox').map(([, req]) => req.config.metadata.attempt);
    assert.deepEqual(runs, [0, 1]);
    const other = await rt.ensureSandbox({ ...spec, uid: 'u2', name: 'other' });
    assert.deepEqual([other.id, other.spec.attempt], ['sb3', 0], 'sandboxes of other pods do not count');
  });
});

test('ensureSandbox with the sandboxes the caller knows does not list them again', async () => {
  await withRuntime(sandboxHandlers, async (rt, s) => {
    const spec = { name: 'web', namespace: 'default', uid: 'u1' };
    const known = [{ id: 'old', state: 'SANDBOX_NOTREADY' as const, attempt: 2, createdAt: 5 }];
    const sb = await rt.ensureSandbox(spec, undefined, known);
    assert.deepEqual([sb.id, sb.created, sb.spec.attempt], ['sb1', true, 3]);
    assert.deepEqual(
      s.calls.map(([m]) => m),
      ['RunPodSandbox', 'PodSandboxStatus'],
    );
    // A ready one among them is reused, as when listed.
    const reused = await rt.ensureSandbox(spec, undefined, [
      { id: 'sb1', state: 'SANDBOX_READY', attempt: 3, createdAt: 1000 },
    ]);
    assert.deepEqual([reused.id, reused.created, reused.spec.attempt], ['sb1', false, 3]);
  });
});

test('stop and remove are idempotent: NOT_FOUND is success, other errors are not', async () => {
  await withRuntime(
    (s) => ({
      ...sandboxHandlers(s),
      StopContainer: () => {
        throw new FakeCriFault(GrpcStatus.NOT_FOUND, 'not found');
      },
      RemoveContainer: () => {
        throw new FakeCriFault(GrpcStatus.INTERNAL, 'disk on fire');
      },
    }),
    async (rt, s) => {
      await rt.stopSandbox('gone');
      await rt.removeSandbox('gone');
      await rt.stopContainer('gone', 5);
      await assert.rejects(rt.removeContainer('c'), /disk on fire/);
      const stop = s.calls.find(([m]) => m === 'StopContainer')![1];
      assert.equal(stop.timeout, 5);
    },
  );
});

test('ensureImage honours pull policies', async () => {
  const present = new Set(['have:1']);
  await withRuntime(
    () => ({
      ImageStatus: (req: { image: { image: string } }) =>
        present.has(req.image.image) ? { image: { id: `sha256:${req.image.image}`, repoTags: [req.image.image] } } : {},
      PullImage: (req: { image: { image: string }; auth?: { username: string } }) => {
        if (req.image.image === 'unreachable:1') throw new Error('failed to resolve reference');
        present.add(req.image.image);
        return { imageRef: `sha256:pulled-${req.image.image}` };
      },
    }),
    async (rt, s) => {
      assert.deepEqual(await rt.ensureImage('have:1', 'IfNotPresent'), { imageRef: 'sha256:have:1', pulled: false });
      assert.deepEqual(await rt.ensureImage('have:1', 'Never'), { imageRef: 'sha256:have:1', pulled: false });
      assert.deepEqual(await rt.ensureImage('have:1', 'Always'), { imageRef: 'sha256:pulled-have:1', pulled: true });
      assert.deepEqual(await rt.ensureImage('new:1', 'IfNotPresent', { username: 'u', password: 'p' }), {
        imageRef: 'sha256:pulled-new:1',
        pulled: true,
      });
      assert.equal(s.calls.filter(([m]) => m === 'PullImage').at(-1)![1].auth.username, 'u');
      await assert.rejects(
        rt.ensureImage('absent:1', 'Never'),
        (e: unknown) =>
          e instanceof ImagePolicyError &&
          e.reason === 'ErrImageNeverPull' &&
          e.message === 'Container image "absent:1" is not present with pull policy of Never',
      );
      await assert.rejects(
        rt.ensureImage('unreachable:1', 'IfNotPresent'),
        (e: unknown) =>
          e instanceof ImagePolicyError && e.reason === 'ErrImagePull' && /failed to resolve/.test(e.message),
      );
      assert.equal(await rt.imageStatus('absent:1'), null);
    },
  );
});

test('containerStatus maps times to ms and reads pid and cgroups path from verbose info', async () => {
  await withRuntime(
    () => ({
      ContainerStatus: (req: { verbose: boolean }) => ({
        status: {
          id: 'c1',
          metadata: { name: 'app', attempt: 1 },
          state: 'CONTAINER_RUNNING',
          createdAt: 1_700_000_000_123_000_000,
          startedAt: 1_700_000_000_456_000_000,
          image: { image: 'busybox' },
          imageRef: 'sha256:abc',
          logPath: '/var/log/pods/x/app/1.log',
        },
        info: req.verbose
          ? { info: JSON.stringify({ pid: 4242, sandboxID: 'sb1', runtimeSpec: { linux: { cgroupsPath: '/kp/c1' } } }) }
          : {},
      }),
    }),
    async (rt) => {
      const plain = await rt.containerStatus('c1');
      assert.deepEqual(
        [plain.name, plain.attempt, plain.state, plain.createdAt, plain.startedAt, plain.finishedAt, plain.pid],
        ['app', 1, 'CONTAINER_RUNNING', 1_700_000_000_123, 1_700_000_000_456, 0, undefined],
      );
      const verbose = await rt.containerStatus('c1', true);
      assert.deepEqual([verbose.pid, verbose.cgroupsPath, verbose.sandboxId], [4242, '/kp/c1', 'sb1']);
    },
  );
});

test('readContainerLog reads and joins the CRI log at the status log path', async () => {
  await withRuntime(
    (s) => ({
      ContainerStatus: () => ({ status: { id: 'c1', logPath: join(s.dir, 'c1.log') } }),
    }),
    async (rt, s) => {
      writeFileSync(
        join(s.dir, 'c1.log'),
        '2026-01-01T00:00:00.000000000Z stdout P a\n2026-01-01T00:00:00.000000001Z stdout F b\n',
      );
      assert.deepEqual(
        (await rt.readContainerLog('c1')).map((l) => l.text),
        ['ab'],
      );
    },
  );
});

test('readiness reports both conditions and the reasons of failing ones', async () => {
  await withRuntime(
    () => ({
      Status: () => ({
        status: {
          conditions: [
            { type: 'RuntimeReady', status: true },
            {
              type: 'NetworkReady',
              status: false,
              reason: 'NetworkPluginNotReady',
              message: 'cni config uninitialized',
            },
          ],
        },
      }),
    }),
    async (rt) => {
      assert.deepEqual(await rt.readiness(), {
        runtimeReady: true,
        networkReady: false,
        problems: ['NetworkReady: NetworkPluginNotReady: cni config uninitialized'],
      });
    },
  );
});
