import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { CriClient, socketPathOf } from './cri-client.js';
import { CriError, CriTimeoutError, isCriNotFound, RuntimeUnavailableError } from './errors.js';
import { FakeCriFault, startFakeCriServer, type FakeCriHandlers } from './testing/fake-cri-server.js';

async function withServer(
  handlers: FakeCriHandlers,
  fn: (client: CriClient, calls: [string, unknown][]) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-cri-'));
  const server = await startFakeCriServer(join(dir, 'cri.sock'), handlers);
  const client = new CriClient({ endpoint: `unix://${server.socketPath}`, timeoutMs: 2000 });
  try {
    await fn(client, server.calls);
  } finally {
    client.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('socketPathOf accepts the endpoint spellings the kubelet accepts', () => {
  const cases: [string, string][] = [
    ['unix:///run/containerd/containerd.sock', '/run/containerd/containerd.sock'],
    ['unix:/run/x.sock', '/run/x.sock'],
    ['/run/x.sock', '/run/x.sock'],
  ];
  for (const [endpoint, want] of cases) assert.equal(socketPathOf(endpoint), want, endpoint);
  assert.equal(socketPathOf('rel.sock'), join(process.cwd(), 'rel.sock'));
  assert.throws(() => socketPathOf('unix://'), /invalid CRI endpoint/);
});

test('typed calls send camelCase requests and decode responses', async () => {
  await withServer(
    {
      Version: () => ({ version: '0.1.0', runtimeName: 'fake', runtimeVersion: '1.0', runtimeApiVersion: 'v1' }),
      RunPodSandbox: () => ({ podSandboxId: 'sb1' }),
      ListContainers: () => ({
        containers: [{ id: 'c1', podSandboxId: 'sb1', state: 'CONTAINER_RUNNING', metadata: { name: 'app' } }],
      }),
      ExecSync: () => ({ stdout: Buffer.from('hi\n'), exitCode: 0 }),
      ImageStatus: () => ({}),
      PullImage: () => ({ imageRef: 'sha256:abc' }),
    },
    async (client, calls) => {
      assert.deepEqual(await client.version(), {
        version: '0.1.0',
        runtimeName: 'fake',
        runtimeVersion: '1.0',
        runtimeApiVersion: 'v1',
      });
      assert.equal(await client.runPodSandbox({ metadata: { name: 'p', uid: 'u', namespace: 'default' } }), 'sb1');
      const list = await client.listContainers({ podSandboxId: 'sb1', state: { state: 'CONTAINER_RUNNING' } });
      assert.deepEqual(
        list.map((c) => [c.id, c.state, c.metadata?.name, c.metadata?.attempt]),
        [['c1', 'CONTAINER_RUNNING', 'app', 0]],
      );
      const exec = await client.execSync('c1', ['echo', 'hi'], 5);
      assert.equal(exec.stdout.toString(), 'hi\n');
      assert.equal((await client.imageStatus('busybox')).image, null);
      assert.equal(await client.pullImage('busybox', { username: 'u', password: 'p' }), 'sha256:abc');

      const sent = Object.fromEntries(calls) as Record<string, any>;
      assert.equal(sent.Version.version, 'v1');
      assert.deepEqual(sent.RunPodSandbox.config.metadata, { name: 'p', uid: 'u', namespace: 'default', attempt: 0 });
      assert.equal(sent.ListContainers.filter.podSandboxId, 'sb1');
      assert.equal(sent.ListContainers.filter.state.state, 'CONTAINER_RUNNING');
      assert.deepEqual(sent.ExecSync.cmd, ['echo', 'hi']);
      assert.equal(sent.ExecSync.timeout, 5);
      assert.equal(sent.PullImage.image.image, 'busybox');
      assert.equal(sent.PullImage.auth.password, 'p');
    },
  );
});

test('server errors become CriErrors with the gRPC code', async () => {
  await withServer(
    {
      ContainerStatus: () => {
        throw new FakeCriFault(GrpcStatus.NOT_FOUND, 'an error occurred when try to find container "x": not found');
      },
      StartContainer: () => {
        throw new Error('boom');
      },
    },
    async (client) => {
      const err = await client.containerStatus('x').catch((e: unknown) => e);
      assert.ok(err instanceof CriError);
      assert.equal(err.code, GrpcStatus.NOT_FOUND);
      assert.equal(err.method, 'ContainerStatus');
      assert.ok(isCriNotFound(err));
      assert.equal(
        err.message,
        'CRI ContainerStatus: rpc error: code = NotFound desc = an error occurred when try to find container "x": not found',
      );
      await assert.rejects(client.startContainer('x'), (e: unknown) => e instanceof CriError && e.details === 'boom');
      await assert.rejects(client.removeContainer('x'), (e: unknown) => isCriErrorCode(e, GrpcStatus.UNIMPLEMENTED));
    },
  );
});

function isCriErrorCode(e: unknown, code: number): boolean {
  return e instanceof CriError && e.code === code;
}

test('a missing runtime yields the operator-facing "not running" error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-cri-'));
  const socket = join(dir, 'nothing.sock');
  const client = new CriClient({ endpoint: socket, timeoutMs: 2000 });
  try {
    const err = await client.version().catch((e: unknown) => e);
    assert.ok(err instanceof RuntimeUnavailableError);
    assert.equal(err.message, `containerd is not running at ${socket}: start it or pass --container-runtime-endpoint`);
    assert.equal(err.socketPath, socket);
  } finally {
    client.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('deadlines and abort signals end calls', async () => {
  await withServer({ Status: () => new Promise((resolve) => setTimeout(() => resolve({}), 1500)) }, async (client) => {
    const t0 = Date.now();
    const err = await client.status(false, { timeoutMs: 100 }).catch((e: unknown) => e);
    assert.ok(err instanceof CriTimeoutError, String(err));
    assert.match(err.message, /^CRI Status at .* timed out after 100ms$/);
    assert.ok(Date.now() - t0 < 1000);

    const ctrl = new AbortController();
    const pending = client.status(false, { signal: ctrl.signal });
    setTimeout(() => ctrl.abort(new Error('stop now')), 50);
    await assert.rejects(pending, /stop now/);
  });
});

test('a closed client refuses calls', async () => {
  const client = new CriClient({ endpoint: '/nonexistent/cri.sock' });
  client.close();
  client.close();
  await assert.rejects(client.version(), /closed/);
});
