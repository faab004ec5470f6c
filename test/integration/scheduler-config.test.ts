import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event, Node, Pod, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { typed, type RestClient } from '../../src/client/index.js';
import { startControlPlane, type ControlPlane } from '../../src/cmd/control-plane.js';
import { inProcessRest } from '../../src/cmd/in-process.js';
import { compileServerConfig } from '../../src/cmd/server.js';
import { startSimNodes, type SimNodes } from '../../src/node/sim/sim-nodes.js';
import { eventually } from '../harness/sim.js';

/*
 * `kubets server --kube-scheduler-arg config=FILE` end to end: the flags are
 * compiled as the server command does, the control plane starts with the
 * configuration, and a second profile schedules the pods that name it,
 * with its own score weights.
 *
 * The weights decide a tug of war: sim-node-0 carries a PreferNoSchedule
 * taint (TaintToleration scores it lowest) and the pods prefer it by node
 * affinity (NodeAffinity scores it highest). With the default weights
 * (TaintToleration 3, NodeAffinity 2) another node wins; my-scheduler weighs
 * NodeAffinity 10, so sim-node-0 wins. Everything else scores the three
 * empty, identical nodes alike.
 */
const schedulerConfig = `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
- schedulerName: my-scheduler
  plugins:
    score:
      enabled:
      - name: NodeAffinity
        weight: 10
`;

function pod(name: string, schedulerName?: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      schedulerName,
      containers: [{ name: 'c', image: 'busybox' }],
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 100,
              preference: {
                matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['sim-node-0'] }],
              },
            },
          ],
        },
      },
    },
  };
}

describe('scheduler configuration through kubets server flags', () => {
  let dir: string;
  let cp: ControlPlane;
  let rest: RestClient;
  let sim: SimNodes;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubets-it-schedcfg-'));
    const file = join(dir, 'scheduler.yaml');
    writeFileSync(file, schedulerConfig);
    const config = compileServerConfig({
      'data-dir': dir,
      'https-listen-port': 0,
      'bind-address': '127.0.0.1',
      'advertise-address': '127.0.0.1',
      // node-lifecycle lifts the not-ready taint new nodes register with.
      controllers: 'node-lifecycle',
      'kube-scheduler-arg': [`config=${file}`],
    });
    cp = await startControlPlane(config);
    rest = inProcessRest(
      cp.apiserver,
      { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] },
      'kubets-test',
    );
    sim = await startSimNodes({
      count: 3,
      bindUnscheduled: false,
      rest: inProcessRest(
        cp.apiserver,
        { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] },
        'kubets-sim',
      ),
    });
    const nodes = typed<Node>(rest, { group: '', version: 'v1', resource: 'nodes' });
    await eventually(
      async () => (await nodes.list()).items.every((n) => !n.spec?.taints?.length),
      'the nodes lose their not-ready taint',
    );
    await nodes.patch('sim-node-0', 'merge', {
      spec: { taints: [{ key: 'soft', value: 'x', effect: 'PreferNoSchedule' }] },
    });
    // The serviceaccount controller does not run: the service account admission needs "default" to exist.
    await typed<ServiceAccount>(rest, { group: '', version: 'v1', resource: 'serviceaccounts' }, 'default').create({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default', namespace: 'default' },
      automountServiceAccountToken: false,
    });
    // The scheduler must see the taint before the pods arrive.
    await eventually(
      () => cp.scheduler!.scheduler.cache.nodeCount() === 3 && taintsSeen(cp),
      'the scheduler cache holds the final taints',
    );
  });

  after(async () => {
    await sim?.dispose();
    await rest?.dispose();
    await cp?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the running scheduler has both profiles of the file', () => {
    assert.deepEqual([...cp.scheduler!.scheduler.profiles.keys()], ['default-scheduler', 'my-scheduler']);
  });

  test('a pod naming my-scheduler is scheduled by that profile, with its weights', async () => {
    const pods = typed<Pod>(rest, { group: '', version: 'v1', resource: 'pods' }, 'default');
    await pods.create(pod('mine', 'my-scheduler'));
    await pods.create(pod('default'));
    const placed = await eventually(async () => {
      const [a, b] = await Promise.all([pods.get('mine'), pods.get('default')]);
      return a.spec?.nodeName && b.spec?.nodeName ? { mine: a.spec.nodeName, dflt: b.spec.nodeName } : undefined;
    }, 'both pods bound');
    assert.equal(placed.mine, 'sim-node-0', 'NodeAffinity weight 10 outweighs the PreferNoSchedule taint');
    assert.notEqual(placed.dflt, 'sim-node-0', 'default weights: the taint outweighs the preference');
    const events = typed<Event>(rest, { group: '', version: 'v1', resource: 'events' }, 'default');
    const scheduled = await eventually(async () => {
      const list = await events.list({ fieldSelector: 'involvedObject.name=mine,reason=Scheduled' });
      return list.items[0];
    }, 'a Scheduled event for the pod');
    assert.equal(scheduled.message, 'Successfully assigned default/mine to sim-node-0');
    assert.equal(scheduled.reportingComponent, 'my-scheduler');
  });
});

function taintsSeen(cp: ControlPlane): boolean {
  const cache = cp.scheduler!.scheduler.cache;
  return cache
    .nodeNames()
    .every(
      (n) =>
        (cache.nodeInfo(n)?.node?.spec?.taints ?? []).map((t) => t.key).join() === (n === 'sim-node-0' ? 'soft' : ''),
    );
}
