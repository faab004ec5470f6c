import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node } from 'kubernetes-types/core/v1.js';
import { UsageError } from '../cli/flags.js';
import { gvr, typed, type KubeObject } from '../client/index.js';
import { startControlPlane } from './control-plane.js';
import { inProcessRest } from './in-process.js';
import { compileSimOptions, runSim } from './sim.js';

test('compileSimOptions: defaults, kubeconfig resolution and validation', () => {
  const o = compileSimOptions({ nodes: 3, 'data-dir': '/srv/k' }, {});
  assert.deepEqual(o, {
    kubeconfig: '/srv/k/kubeconfig.yaml',
    server: undefined,
    nodes: 3,
    namePrefix: 'sim-node-',
    keep: false,
    bindUnscheduled: false,
  });
  assert.equal(compileSimOptions({ 'data-dir': '/srv/k' }, { KUBECONFIG: '/a.yaml:/b.yaml' }).kubeconfig, '/a.yaml');
  assert.equal(compileSimOptions({ kubeconfig: '/c.yaml' }, { KUBECONFIG: '/a.yaml' }).kubeconfig, '/c.yaml');
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ nodes: 0 }, /--nodes takes a whole number/],
    [{ nodes: 1.5 }, /--nodes takes a whole number/],
    [{ nodes: 2, 'name-prefix': 'Bad_' }, /--name-prefix "Bad_"/],
  ];
  for (const [flags, re] of bad)
    assert.throws(
      () => compileSimOptions(flags, {}),
      (e: unknown) => e instanceof UsageError && re.test(e.message),
    );
});

test('runSim registers N Ready nodes through a kubeconfig and removes them on stop', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-sim-'));
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  const cp = await startControlPlane({
    dataDir: dir,
    bindAddress: '127.0.0.1',
    httpsPort: 0,
    advertiseAddress: '127.0.0.1',
    kubeconfigPath: kubeconfig,
    kubeconfigMode: 0o600,
    tlsSans: [],
    serviceCIDR: '10.43.0.0/16',
    clusterCIDR: '10.42.0.0/16',
    clusterDomain: 'cluster.local',
    controllers: [],
    scheduler: false,
  });
  const stop = new AbortController();
  t.after(async () => {
    stop.abort();
    try {
      await running;
    } catch {
      // Failed or never started (the test reports why); the cluster is still torn down.
    }
    await cp.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  const rest = inProcessRest(cp.apiserver, { username: 'admin', groups: ['system:masters'] }, 'sim-test');
  const nodes = typed<Node & KubeObject>(rest, gvr('', 'v1', 'nodes'));
  const leases = typed<KubeObject>(rest, gvr('coordination.k8s.io', 'v1', 'leases'), 'kube-node-lease');

  let ready!: () => void;
  const registered = new Promise<void>((r) => (ready = r));
  const running = runSim(
    { kubeconfig, nodes: 3, namePrefix: 'hollow-', keep: false, bindUnscheduled: false },
    stop.signal,
    () => ready(),
  );
  await Promise.race([registered, running]);

  const list = await nodes.list();
  const readyNodes = list.items
    .filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((n) => n.metadata!.name!)
    .sort();
  assert.deepEqual(readyNodes, ['hollow-0', 'hollow-1', 'hollow-2']);
  assert.equal((await leases.list()).items.length, 3, 'one heartbeat Lease per node');

  stop.abort();
  await running;
  assert.deepEqual((await nodes.list()).items, [], 'nodes removed on stop');
  assert.deepEqual((await leases.list()).items, [], 'leases removed on stop');
});
