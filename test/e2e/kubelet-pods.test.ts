// The kubelet end to end: a real API server (in process, RBAC + Node
// authorizer + NodeRestriction), a real containerd, and pods created through
// the API: a busybox pod reaching Running/Ready, ten pods at once (create ->
// Running latency seen through a watch), liveness restarts with crash-loop
// back-off, readiness flipping Ready, preStop before SIGTERM within the grace
// period, and run-to-completion pods. Root only; torn down even on failure.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Event, Node, Pod } from 'kubernetes-types/core/v1.js';
import { gvr, typed } from '../../src/client/index.js';
import { inProcessRest } from '../../src/cmd/in-process.js';
import { runtimeE2eSkipReason } from '../../src/node/runtime/testing/containerd-env.js';
import { busyboxImage, httpdImage } from '../../src/node/runtime/index.js';
import { startE2eNode, type E2eNode } from '../../src/node/kubelet/testing/e2e-node.js';
import { ScratchVolumeManager } from '../../src/node/kubelet/testing/scratch-volumes.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest } from '../harness/sim.js';

const skip = runtimeE2eSkipReason();
if (skip) console.log(`# skipping kubelet e2e: ${skip}`);

const nodeName = 'kubelet-e2e-pods';
const ns = 'kubelet-pods';
const condition = (p: Pod, type: string) => p.status?.conditions?.find((c) => c.type === type);
const running = (p: Pod) => p.status?.phase === 'Running';
const ready = (p: Pod) => condition(p, 'Ready')?.status === 'True';

describe('kubelet e2e: pods through the API', { skip, timeout: 600_000 }, () => {
  let cluster: TestCluster;
  let node: E2eNode;
  /** Volume files of torn-down pods, by pod UID and relative path. */
  const lastFiles = new Map<string, Map<string, string>>();

  before(async () => {
    cluster = await startTestCluster({ controllers: ['*', '-node-ipam'] });
    const nodeRest = inProcessRest(
      cluster.cp.apiserver,
      { username: `system:node:${nodeName}`, groups: ['system:nodes', 'system:authenticated'] },
      'kubelet',
    );
    node = await startE2eNode({ admin: adminRest(cluster), nodeRest, nodeName, namespace: ns });
    // Swap in volumes that remember file contents at teardown (for the preStop test).
    await node.kubelet.dispose();
    const podsDir = join(node.kubeletOptions().dataDir, 'pods');
    const volumes = new ScratchVolumeManager(podsDir, undefined, undefined, (uid, dir) => {
      const files = new Map<string, string>();
      const walk = (d: string, rel: string) => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
          if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
          else files.set(`${rel}${e.name}`, readFileSync(join(d, e.name), 'utf8'));
        }
      };
      walk(dir, '');
      lastFiles.set(uid, files);
    });
    await node.startKubelet({ volumes });
  });

  after(async () => {
    await node?.dispose();
    await cluster?.dispose();
  });

  test('the node registers Ready with capacity, addresses, nodeInfo and a Lease', async () => {
    const admin = adminRest(cluster);
    const nodes = typed<Node>(admin, gvr('', 'v1', 'nodes'));
    let n: Node | undefined;
    for (let i = 0; i < 100; i++) {
      n = await nodes.get(nodeName);
      if (n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(n);
    assert.equal(n.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'KubeletReady');
    assert.equal(n.metadata?.labels?.['kubernetes.io/hostname'], nodeName);
    assert.equal(n.metadata?.labels?.['kubernetes.io/os'], 'linux');
    assert.deepEqual(n.status?.addresses, [
      { type: 'InternalIP', address: '127.0.0.1' },
      { type: 'Hostname', address: nodeName },
    ]);
    assert.ok(Number(n.status?.capacity?.cpu) >= 1);
    assert.match(n.status?.capacity?.memory ?? '', /^\d+(Ki|Mi|Gi)?$/);
    assert.equal(n.status?.capacity?.pods, '110');
    assert.match(n.status?.nodeInfo?.containerRuntimeVersion ?? '', /^containerd:\/\//);
    assert.ok(n.status?.images?.some((i) => i.names?.includes(busyboxImage)));
    assert.equal(n.status?.daemonEndpoints?.kubeletEndpoint?.Port, 10250);
    const lease = (await typed(admin, gvr('coordination.k8s.io', 'v1', 'leases'), 'kube-node-lease').get(nodeName)) as {
      spec?: { holderIdentity?: string; leaseDurationSeconds?: number };
      metadata?: { ownerReferences?: { kind: string; uid: string }[] };
    };
    assert.equal(lease.spec?.holderIdentity, nodeName);
    assert.equal(lease.spec?.leaseDurationSeconds, 40);
    assert.equal(lease.metadata?.ownerReferences?.[0]?.uid, n.metadata?.uid);
  });

  test('a busybox pod reaches Running and Ready with IPs and container statuses', async () => {
    await node.create({
      metadata: { name: 'busybox' },
      spec: { containers: [{ name: 'main', image: busyboxImage, command: ['sleep', '3600'] }] },
    });
    const p = await node.waitFor('busybox', (x) => running(x) && ready(x));
    assert.equal(p.status?.hostIP, '127.0.0.1');
    assert.deepEqual(p.status?.hostIPs, [{ ip: '127.0.0.1' }]);
    const prefix = node.env.podCIDR.replace(/0\/24$/, '');
    assert.ok(p.status?.podIP?.startsWith(prefix), `pod IP ${p.status?.podIP} in ${node.env.podCIDR}`);
    assert.deepEqual(p.status?.podIPs, [{ ip: p.status?.podIP }]);
    assert.ok(p.status?.startTime);
    const cs = p.status?.containerStatuses?.[0];
    assert.equal(cs?.name, 'main');
    assert.equal(cs?.ready, true);
    assert.equal(cs?.started, true);
    assert.equal(cs?.restartCount, 0);
    assert.equal(cs?.image, busyboxImage);
    assert.match(cs?.imageID ?? '', /sha256:[0-9a-f]{64}/);
    assert.match(cs?.containerID ?? '', /^containerd:\/\/[0-9a-f]{64}$/);
    assert.ok(cs?.state?.running?.startedAt);
    for (const type of ['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready', 'PodScheduled']) {
      const c = condition(p, type);
      assert.equal(c?.status, 'True', type);
      assert.equal(c?.reason, undefined, `${type} has no stale reason`);
    }
    const events = (await typed<Event>(adminRest(cluster), gvr('', 'v1', 'events'), ns).list()).items.filter(
      (e) => e.involvedObject.name === 'busybox',
    );
    const reasons = events.map((e) => e.reason);
    for (const r of ['Pulled', 'Created', 'Started'])
      assert.ok(reasons.includes(r), `event ${r} in ${reasons.join(',')}`);
    assert.ok(
      events.some(
        (e) => e.message === 'Created container: main' && e.involvedObject.fieldPath === 'spec.containers{main}',
      ),
    );
  });

  test('ten pods all reach Running; create->Running latency seen through a watch', async (t) => {
    const admin = adminRest(cluster);
    const watch = await typed<Pod>(admin, gvr('', 'v1', 'pods'), ns).watch({ labelSelector: 'batch=ten' });
    const created = new Map<string, number>();
    const runningAt = new Map<string, number>();
    const seen = (async () => {
      for await (const ev of watch) {
        const p = ev.object as Pod;
        const name = p.metadata?.name ?? '';
        if (p.status?.phase === 'Running' && !runningAt.has(name)) runningAt.set(name, performance.now());
        if (runningAt.size === 10) break;
      }
    })();
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const name = `ten-${i}`;
        created.set(name, performance.now());
        await node.create({
          metadata: { name, labels: { batch: 'ten' } },
          spec: { containers: [{ name: 'main', image: busyboxImage, command: ['sleep', '3600'] }] },
        });
      }),
    );
    await Promise.race([
      seen,
      new Promise((_, rej) => setTimeout(() => rej(new Error('timed out waiting for 10 Running')), 60_000)),
    ]);
    watch.close();
    const lat = [...runningAt].map(([n, at]) => at - created.get(n)!).sort((a, b) => a - b);
    const p50 = lat[Math.ceil(0.5 * lat.length) - 1]!;
    const p99 = lat[Math.ceil(0.99 * lat.length) - 1]!;
    t.diagnostic(`create->Running latency: p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms`);
    const pods = (await node.pods.list({ labelSelector: 'batch=ten' })).items;
    assert.equal(pods.filter(running).length, 10);
    assert.equal(new Set(pods.map((p) => p.status?.podIP)).size, 10, 'distinct pod IPs');
  });

  test('a failing liveness probe restarts the container with back-off', async () => {
    await node.create({
      metadata: { name: 'liveness' },
      spec: {
        containers: [
          {
            name: 'main',
            image: busyboxImage,
            command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'],
            livenessProbe: { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 1 },
          },
        ],
      },
    });
    const first = await node.waitFor(
      'liveness',
      (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1,
      30_000,
    );
    const cs = first.status!.containerStatuses![0]!;
    assert.equal(cs.lastState?.terminated?.exitCode, 0, 'the killed attempt is lastState');
    assert.ok(cs.lastState?.terminated?.finishedAt);
    const backoff = await node.waitFor(
      'liveness',
      (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff',
      40_000,
    );
    const w = backoff.status!.containerStatuses![0]!;
    assert.match(
      w.state!.waiting!.message ?? '',
      /^back-off 10s restarting failed container=main pod=liveness_kubelet-pods\(/,
    );
    assert.ok(w.lastState?.terminated, 'lastState shows the attempt that ended');
    assert.equal(w.ready, false);
    const events = (await typed<Event>(adminRest(cluster), gvr('', 'v1', 'events'), ns).list()).items.filter(
      (e) => e.involvedObject.name === 'liveness',
    );
    assert.ok(events.some((e) => e.reason === 'Unhealthy' && e.message?.startsWith('Liveness probe failed')));
    assert.ok(
      events.some(
        (e) => e.reason === 'Killing' && e.message === 'Container main failed liveness probe, will be restarted',
      ),
    );
    // After the 10 s back-off it runs again as attempt 2.
    const again = await node.waitFor(
      'liveness',
      (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2,
      40_000,
    );
    assert.ok((again.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2);
  });

  test('a readiness probe flips Ready both ways', async () => {
    await node.create({
      metadata: { name: 'readiness' },
      spec: {
        containers: [
          {
            name: 'web',
            image: httpdImage,
            readinessProbe: { httpGet: { path: '/index.html', port: 8080 }, periodSeconds: 1, failureThreshold: 1 },
          },
        ],
      },
    });
    await node.waitFor('readiness', (p) => running(p) && ready(p));
    await node.exec('readiness', 'web', ['mv', '/www/index.html', '/www/away.html']);
    const unready = await node.waitFor('readiness', (p) => condition(p, 'Ready')?.status === 'False');
    assert.equal(condition(unready, 'Ready')?.reason, 'ContainersNotReady');
    assert.equal(condition(unready, 'Ready')?.message, 'containers with unready status: [web]');
    assert.equal(unready.status?.containerStatuses?.[0]?.ready, false);
    assert.equal(unready.status?.phase, 'Running');
    await node.exec('readiness', 'web', ['mv', '/www/away.html', '/www/index.html']);
    await node.waitFor('readiness', ready);
  });

  test('preStop runs before SIGTERM and the grace period bounds the shutdown', async (t) => {
    const pod = await node.create({
      metadata: { name: 'graceful' },
      spec: {
        terminationGracePeriodSeconds: 5,
        volumes: [{ name: 'data', emptyDir: {} }],
        containers: [
          {
            name: 'main',
            image: busyboxImage,
            // Records SIGTERM but keeps running: only SIGKILL at the end of the grace period stops it.
            command: ['sh', '-c', 'trap "echo term >> /data/log" TERM; while true; do sleep 0.2; done'],
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
            lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo prestop >> /data/log; sleep 1'] } } },
          },
        ],
      },
    });
    const p = await node.waitFor('graceful', running);
    const id = node.containerId(p, 'main');
    const t0 = Date.now();
    await node.pods.delete('graceful');
    const exited = await node.env.runtime.waitForContainer(id, (s) => s.state === 'CONTAINER_EXITED', {
      timeoutMs: 30_000,
    });
    const shutdownMs = exited.finishedAt - t0;
    t.diagnostic(`delete -> container exit: ${shutdownMs} ms (grace 5 s)`);
    assert.ok(shutdownMs >= 3500 && shutdownMs < 12_000, `shutdown took ${shutdownMs} ms`);
    assert.equal(exited.exitCode, 137, 'killed at the end of the grace period');
    await node.waitGone('graceful');
    const log = lastFiles.get(pod.metadata!.uid!)?.get('kubernetes.io~empty-dir/data/log');
    assert.equal(log, 'prestop\nterm\n');
  });

  test('run-to-completion pods end Succeeded or Failed with the exit code', async () => {
    for (const [name, code] of [
      ['job-ok', 0],
      ['job-fail', 3],
    ] as const) {
      await node.create({
        metadata: { name },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: busyboxImage, command: ['sh', '-c', `echo done; exit ${code}`] }],
        },
      });
    }
    const ok = await node.waitFor('job-ok', (p) => p.status?.phase === 'Succeeded');
    const fail = await node.waitFor('job-fail', (p) => p.status?.phase === 'Failed');
    const okState = ok.status?.containerStatuses?.[0]?.state?.terminated;
    assert.equal(okState?.exitCode, 0);
    assert.equal(okState?.reason, 'Completed');
    const failState = fail.status?.containerStatuses?.[0]?.state?.terminated;
    assert.equal(failState?.exitCode, 3);
    assert.equal(failState?.reason, 'Error');
    assert.equal(condition(ok, 'Ready')?.reason, 'PodCompleted');
    assert.equal(condition(fail, 'Ready')?.reason, 'PodFailed');
    assert.equal(fail.status?.containerStatuses?.[0]?.restartCount, 0);
    // The sandbox of a finished pod is stopped.
    const sandboxes = await node.env.runtime.listSandboxes({ uid: ok.metadata!.uid! });
    await new Promise((r) => setTimeout(r, 500));
    const after = await node.env.runtime.listSandboxes({ uid: ok.metadata!.uid! });
    assert.ok(sandboxes.length > 0);
    assert.ok(
      after.every((s) => s.state === 'SANDBOX_NOTREADY'),
      'sandbox stopped',
    );
  });
});
