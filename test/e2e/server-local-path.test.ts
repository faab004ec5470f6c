// `kubets server` with its local node: a claim of the default `local-path`
// class stays Pending until a pod uses it, then is provisioned on the node
// (hostPath under <data-dir>/storage, made by the kubelet), the pod writes a
// file, is deleted, and a second pod on the same claim reads it back.
// Deleting the claim deletes the volume and its directory. Root only;
// `kubets uninstall` cleans up in `after`, also when a test failed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { runtimeE2eSkipReason } from '../../src/node/runtime/testing/containerd-env.js';
import { runKubets, startServerProcess, type ServerProcess } from '../../src/cmd/testing/server-process.js';
import { kubectlPath } from '../harness/clients.js';

const skip = runtimeE2eSkipReason();
if (skip) console.log(`# skipping kubets server local-path e2e: ${skip}`);

async function poll<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const claim = JSON.stringify({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '64Mi' } } },
});

const pod = (name: string, script: string) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'c',
          image: 'kubets.local/busybox:1',
          imagePullPolicy: 'IfNotPresent',
          command: ['sh', '-c', script],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
      ],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
    },
  });

describe('kubets server: local-path volumes keep data across pods', { skip, timeout: 600_000 }, () => {
  let dir: string;
  let server: ServerProcess;

  const kubectl = async (args: string[], stdin?: string) => {
    const r = await server.kubectl(args, { stdin });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} -> ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const getClaim = async () => JSON.parse(await kubectl(['get', 'pvc', 'data', '-o', 'json'])) as PersistentVolumeClaim;
  const running = (name: string) =>
    poll(`pod ${name} Running`, async () => {
      const phase = await kubectl(['get', 'pod', name, '-o', 'jsonpath={.status.phase}']);
      return phase === 'Running' ? true : undefined;
    });

  before(async () => {
    dir = mkdtempSync('/tmp/kbt-lp-');
    server = startServerProcess({ dir, kubectl: kubectlPath() });
    await server.waitFor(/node (\S+) Ready (\d+) ms after launch/, 180_000);
  });

  after(async () => {
    if (server?.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    await server?.exited;
    if (server) {
      const r = await runKubets(['uninstall', '--data-dir', server.dataDir]);
      if (r.code !== 0) console.log(`# kubets uninstall failed: ${r.stdout}${r.stderr}`);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a pod writes to a local-path claim; a new pod reads it back; deleting the claim removes the volume', async () => {
    await poll('the local-path StorageClass', async () =>
      (await server.kubectl(['get', 'storageclass', 'local-path'])).code === 0 ? true : undefined,
    );
    await kubectl(['apply', '-f', '-'], claim);
    assert.equal((await getClaim()).spec?.storageClassName, 'local-path');
    assert.equal((await getClaim()).status?.phase, 'Pending', 'WaitForFirstConsumer');

    await kubectl(['apply', '-f', '-'], pod('writer', 'echo kept-across-pods > /data/f && sleep 3600'));
    await running('writer');
    const bound = await getClaim();
    assert.equal(bound.status?.phase, 'Bound');
    const pv = JSON.parse(await kubectl(['get', 'pv', bound.spec!.volumeName!, '-o', 'json'])) as PersistentVolume;
    const path = pv.spec?.hostPath?.path ?? '';
    assert.equal(path, `${server.dataDir}/storage/${pv.metadata?.name}_default_data`);
    assert.deepEqual(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values, [
      server.nodeName,
    ]);
    await poll('the file on the host', async () => (existsSync(`${path}/f`) ? true : undefined), 30_000);

    await kubectl(['delete', 'pod', 'writer', '--wait=true', '--timeout=60s']);
    await kubectl(['apply', '-f', '-'], pod('reader', 'sleep 3600'));
    await running('reader');
    assert.equal((await kubectl(['exec', 'reader', '--', 'cat', '/data/f'])).trim(), 'kept-across-pods');

    await kubectl(['delete', 'pod', 'reader', '--wait=true', '--timeout=60s']);
    await kubectl(['delete', 'pvc', 'data', '--wait=true', '--timeout=60s']);
    await poll('the volume deleted', async () =>
      (await server.kubectl(['get', 'pv', pv.metadata!.name!])).code !== 0 ? true : undefined,
    );
    assert.equal(existsSync(path), false, 'the volume directory is removed');
  });
});
