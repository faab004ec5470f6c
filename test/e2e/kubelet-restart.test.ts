// Restarts end to end: a kubelet stopped abruptly and started again on the
// same data dir adopts the running containers untouched (same IDs, same
// restart counts), cleans up a pod deleted while it was down, starts a pod
// created meanwhile and leaves a finished pod alone; a containerd restart
// under a running kubelet loses nothing. Root only; torn down even on failure.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { inProcessRest } from '../../src/cmd/in-process.js';
import { runtimeE2eSkipReason } from '../../src/node/runtime/testing/containerd-env.js';
import { busyboxImage } from '../../src/node/runtime/index.js';
import { startE2eNode, type E2eNode } from '../../src/node/kubelet/testing/e2e-node.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest } from '../harness/sim.js';

const skip = runtimeE2eSkipReason();
if (skip) console.log(`# skipping kubelet e2e: ${skip}`);

const nodeName = 'kubelet-e2e-restart';
const ns = 'kubelet-restart';
const running = (p: Pod) =>
  p.status?.phase === 'Running' && p.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
const sleeper = ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'];

async function eventually<T>(fn: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe('kubelet e2e: restarts', { skip, timeout: 600_000 }, () => {
  let cluster: TestCluster;
  let node: E2eNode;

  before(async () => {
    cluster = await startTestCluster({ controllers: ['*', '-node-ipam'] });
    const nodeRest = inProcessRest(
      cluster.cp.apiserver,
      { username: `system:node:${nodeName}`, groups: ['system:nodes', 'system:authenticated'] },
      'kubelet',
    );
    node = await startE2eNode({ admin: adminRest(cluster), nodeRest, nodeName, namespace: ns });
  });

  after(async () => {
    await node?.dispose();
    await cluster?.dispose();
  });

  test('a restarted kubelet adopts running containers and cleans up pods deleted meanwhile', async () => {
    await node.create({
      metadata: { name: 'steady' },
      spec: {
        volumes: [{ name: 'data', emptyDir: {} }],
        containers: [
          {
            name: 'main',
            image: busyboxImage,
            // Fails once, then runs: restartCount 1 must survive the kubelet restart.
            command: [
              'sh',
              '-c',
              'if [ -f /data/once ]; then trap "exit 0" TERM; sleep 3600 & wait; else touch /data/once; exit 1; fi',
            ],
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
          },
        ],
      },
    });
    await node.create({
      metadata: { name: 'doomed' },
      spec: { containers: [{ name: 'main', image: busyboxImage, command: sleeper }] },
    });
    await node.create({
      metadata: { name: 'finished' },
      spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: busyboxImage, command: ['true'] }] },
    });
    const steady = await node.waitFor(
      'steady',
      (p) => running(p) && p.status?.containerStatuses?.[0]?.restartCount === 1,
    );
    const doomed = await node.waitFor('doomed', running);
    const finished = await node.waitFor('finished', (p) => p.status?.phase === 'Succeeded');
    const steadyId = node.containerId(steady, 'main');
    const steadyPid = (await node.env.runtime.containerStatus(steadyId, true)).pid;
    const finishedId = node.containerId(finished, 'main');
    const doomedUid = doomed.metadata!.uid!;

    // Abrupt stop: loops end, nothing is cleaned up.
    await node.kubelet.dispose();
    await node.pods.delete('doomed', { gracePeriodSeconds: 0 });
    await node.create({
      metadata: { name: 'late' },
      spec: { containers: [{ name: 'main', image: busyboxImage, command: sleeper }] },
    });
    assert.equal(
      (await node.env.runtime.listSandboxes({ uid: doomedUid })).length,
      1,
      'nothing happens while the kubelet is down',
    );

    await node.startKubelet();
    await node.waitFor('late', running);
    const after = await node.waitFor('steady', running);
    const cs = after.status!.containerStatuses![0]!;
    assert.equal(node.containerId(after, 'main'), steadyId, 'same container');
    assert.equal(cs.restartCount, 1, 'restart count unchanged');
    assert.equal(cs.lastState?.terminated?.exitCode, 1, 'the earlier attempt is still lastState');
    assert.equal((await node.env.runtime.containerStatus(steadyId, true)).pid, steadyPid, 'same process');
    const fin = await node.pods.get('finished');
    assert.equal(fin.status?.phase, 'Succeeded');
    assert.equal(node.containerId(fin, 'main'), finishedId, 'a finished pod is not run again');

    // The pod deleted while the kubelet was down: killed and removed with its files.
    await eventually(async () => {
      assert.deepEqual(await node.env.runtime.listSandboxes({ uid: doomedUid }), []);
      assert.deepEqual(await node.env.runtime.listContainers({ labels: { 'io.kubernetes.pod.uid': doomedUid } }), []);
      assert.equal(existsSync(join(node.kubeletOptions().dataDir, 'pods', doomedUid)), false);
    });
  });

  test('a containerd restart under a running kubelet loses nothing', async () => {
    const before = await node.waitFor('steady', running);
    const id = node.containerId(before, 'main');
    await node.env.containerd.restart();
    await node.create({
      metadata: { name: 'after-ctd' },
      spec: { containers: [{ name: 'main', image: busyboxImage, command: sleeper }] },
    });
    await node.waitFor('after-ctd', running, 60_000);
    const steady = await node.waitFor('steady', running);
    assert.equal(node.containerId(steady, 'main'), id);
    assert.equal(steady.status?.containerStatuses?.[0]?.restartCount, 1);
  });
});
