import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { FakeApiServer, fakeRestClient } from '../../client/testing/fake-api-server.js';
import type { ContainerRuntime } from '../runtime/index.js';
import { realClock } from '../../lib/clock.js';
import { startKubelet } from './kubelet.js';
import { FakeRuntime } from './testing/fake-runtime.js';
import { ScratchVolumeManager } from './testing/scratch-volumes.js';

async function eventually(fn: () => void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fn();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

test('startKubelet registers the node, keeps a lease, runs pods, removes orphans; dispose leaves pods running', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelet-'));
  const api = new FakeApiServer();
  const runtime = new FakeRuntime(realClock);
  // A pod left in the runtime that the API does not know (deleted while the kubelet was down).
  const ghost = await runtime.ensureSandbox({ name: 'ghost', namespace: 'default', uid: 'ghost-uid' });
  await runtime.startContainer(await runtime.createContainer(ghost, { name: 'main', image: 'kubets.local/busybox:1' }));
  const kubelet = await startKubelet({
    nodeName: 'unit-node',
    nodeIP: '192.0.2.7',
    dataDir: dir,
    rest: fakeRestClient(api),
    runtime: runtime as unknown as ContainerRuntime,
    volumes: new ScratchVolumeManager(join(dir, 'pods')),
    resolvConf: '',
    plegRelistPeriodMs: 50,
    host: { cpuCores: 2, memoryBytes: 4 * 2 ** 30, ephemeralStorageBytes: 50 * 2 ** 30 },
    nodeLabels: { 'node.kubernetes.io/instance-type': 'unit' },
  });
  try {
    const node = api.get('', 'nodes', '', 'unit-node') as Node;
    assert.equal(node.metadata?.labels?.['kubernetes.io/hostname'], 'unit-node');
    assert.equal(node.metadata?.labels?.['node.kubernetes.io/instance-type'], 'unit');
    assert.equal(node.status?.capacity?.cpu, '2');
    assert.equal(node.status?.nodeInfo?.containerRuntimeVersion, 'fake://1.0.0');
    assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    await eventually(() => assert.ok(api.get('coordination.k8s.io', 'leases', 'kube-node-lease', 'unit-node')));

    api.seed('', 'pods', {
      metadata: { name: 'web', namespace: 'default' },
      spec: { nodeName: 'unit-node', containers: [{ name: 'app', image: 'kubets.local/busybox:1' }] },
      status: { phase: 'Pending' },
    });
    api.seed('', 'pods', {
      metadata: { name: 'elsewhere', namespace: 'default' },
      spec: { nodeName: 'other-node', containers: [{ name: 'app', image: 'kubets.local/busybox:1' }] },
      status: { phase: 'Pending' },
    });
    await eventually(() => {
      const p = api.get('', 'pods', 'default', 'web') as Pod;
      assert.equal(p.status?.phase, 'Running');
      assert.equal(p.status?.hostIP, '192.0.2.7');
      assert.equal(p.status?.containerStatuses?.[0]?.ready, true);
    });
    assert.equal((api.get('', 'pods', 'default', 'elsewhere') as Pod).status?.phase, 'Pending', 'not our pod');
    await eventually(() => assert.deepEqual(runtime.byName('main'), [], 'the orphan is gone'));
    assert.equal(
      [...runtime.sandboxes.values()].some((s) => s.spec.uid === 'ghost-uid'),
      false,
    );
    const deps = kubelet.serverDeps();
    assert.deepEqual(
      deps.pods().map((p) => p.metadata?.name),
      ['web'],
    );
  } finally {
    await kubelet.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(runtime.byName('app')[0]?.state, 'CONTAINER_RUNNING', 'dispose leaves containers running');
});
