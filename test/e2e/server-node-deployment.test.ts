// `kubets server` with its local node, as a child process on a temp data dir:
// the node registers and becomes Ready (the server prints launch -> Ready),
// a Deployment of the project's httpd test image (replicas 2, created with
// real kubectl) gets both pods Running on the node's own containerd,
// `kubectl exec` and `kubectl logs` reach them through the kubelet, and
// SIGTERM stops the server cleanly (exit 0, PID file gone) while containers
// keep running, as with k3s. Root only; `kubets uninstall` removes
// everything in `after`, also when a test failed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { runtimeE2eSkipReason } from '../../src/node/runtime/testing/containerd-env.js';
import { findShimPids } from '../../src/node/runtime/containerd/host-cleanup.js';
import { runKubets, startServerProcess, type ServerProcess } from '../../src/cmd/testing/server-process.js';
import { agentPaths } from '../../src/cmd/agent-paths.js';
import { kubectlPath } from '../harness/clients.js';

const skip = runtimeE2eSkipReason();
if (skip) console.log(`# skipping kubets server node e2e: ${skip}`);

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

describe('kubets server: local node runs a Deployment', { skip, timeout: 600_000 }, () => {
  let dir: string;
  let server: ServerProcess & { launchedAt: number };

  const ok = async (args: string[]) => {
    const r = await server.kubectl(args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} -> ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const webPods = async () =>
    (JSON.parse(await ok(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as { items: Pod[] }).items;

  before(async () => {
    dir = mkdtempSync('/tmp/kbt-sn-');
    server = startServerProcess({ dir, kubectl: kubectlPath() });
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

  test('the node registers and becomes Ready; the server prints launch -> Ready', async (t) => {
    const m = await server.waitFor(/node (\S+) Ready (\d+) ms after launch/, 180_000);
    assert.equal(m[1], server.nodeName);
    t.diagnostic(`kubets server launch -> node Ready: ${m[2]} ms (as printed by the server)`);
    const node = JSON.parse(await ok(['get', 'node', server.nodeName, '-o', 'json'])) as Node;
    assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.deepEqual(node.status?.addresses?.[0], { type: 'InternalIP', address: '127.0.0.1' });
    assert.ok(node.spec?.podCIDR, 'pod CIDR assigned by node-ipam');
    assert.match(node.status?.nodeInfo?.containerRuntimeVersion ?? '', /^containerd:\/\//);
    assert.ok(
      node.status?.images?.some((i) => i.names?.includes('kubets.local/httpd:1')),
      'the local test images are on the node',
    );
    // k3s's role labels, applied by the server after registration.
    const labels = await poll('role labels', async () => {
      const n = JSON.parse(await ok(['get', 'node', server.nodeName, '-o', 'json'])) as Node;
      return n.metadata?.labels?.['node-role.kubernetes.io/control-plane'] ? n.metadata.labels : undefined;
    });
    assert.equal(labels['node-role.kubernetes.io/master'], 'true');
    assert.equal(labels['kubernetes.io/hostname'], server.nodeName);
  });

  test('kubectl create deployment of the local httpd image: both replicas Running', async () => {
    await ok(['create', 'deployment', 'web', '--image=kubets.local/httpd:1', '--replicas=2']);
    const pods = await poll('2 web pods Running and Ready', async () => {
      const items = await webPods();
      const running = items.filter(
        (p) =>
          p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return running.length === 2 ? running : undefined;
    });
    for (const p of pods) {
      assert.equal(p.spec?.nodeName, server.nodeName);
      assert.ok(p.status?.podIP, 'pod IP');
      assert.equal(p.status?.containerStatuses?.[0]?.restartCount, 0);
    }
    assert.notEqual(pods[0]!.status?.podIP, pods[1]!.status?.podIP);
    await poll('deployment readyReplicas 2', async () => {
      const d = JSON.parse(await ok(['get', 'deployment', 'web', '-o', 'json'])) as {
        status?: { readyReplicas?: number };
      };
      return d.status?.readyReplicas === 2 ? true : undefined;
    });
  });

  test('kubectl exec and kubectl logs reach the pods through the kubelet', async () => {
    const [pod] = await webPods();
    const name = pod!.metadata!.name!;
    const page = await ok(['exec', name, '--', 'wget', '-qO-', 'http://127.0.0.1:8080/']);
    assert.match(page, /Hello from kubets httpd/);
    const hostname = await ok(['exec', name, '--', 'hostname']);
    assert.equal(hostname.trim(), name);
    // httpd -v logs each request to stderr: the container log shows the one just made.
    const logs = await poll('the request in the container log', async () => {
      const out = await ok(['logs', name]);
      return /response:200/.test(out) ? out : undefined;
    });
    assert.ok(logs.length > 0);
  });

  test('SIGTERM stops the server cleanly; containers keep running for the next start', async () => {
    const paths = agentPaths(server.dataDir);
    assert.ok(existsSync(join(server.dataDir, 'kubets.pid')), 'PID file while running');
    server.child.kill('SIGTERM');
    const code = await Promise.race([
      server.exited,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 90_000).unref()),
    ]);
    assert.equal(code, 0, `exit code; output:\n${server.output()}`);
    assert.match(server.output(), /received SIGTERM, shutting down/);
    assert.ok(!existsSync(join(server.dataDir, 'kubets.pid')), 'PID file removed');
    assert.ok(findShimPids(paths.containerdSocket).length >= 2, 'pod shims still running');
  });
});
