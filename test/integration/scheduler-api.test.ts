import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest, eventually, startTestSimNodes } from '../harness/sim.js';
import type { SimNodes } from '../../src/node/sim/sim-nodes.js';

describe('scheduler through the API', () => {
  let c: TestCluster;
  let nodes: SimNodes;
  before(async () => {
    c = await startTestCluster({
      controllers: ['serviceaccount', 'replicaset', 'deployment', 'node-lifecycle'],
      scheduler: true,
    });
    nodes = await startTestSimNodes(c, {
      count: 3,
      bindUnscheduled: false,
      labels: { 'topology.kubernetes.io/zone': 'z1' },
    });
  });
  after(async () => {
    await nodes?.dispose();
    await c?.dispose();
  });

  test('a Deployment is scheduled across the nodes and becomes ready', async () => {
    let r = await c.kubectl(['create', 'deployment', 'web', '--image=busybox', '--replicas=6']);
    assert.equal(r.code, 0, r.stderr);
    await eventually(async () => {
      const out = await c.kubectl([
        'get',
        'pods',
        '-l',
        'app=web',
        '-o',
        'jsonpath={range .items[*]}{.spec.nodeName} {.status.phase}{"\\n"}{end}',
      ]);
      const lines = out.stdout.trim().split('\n').filter(Boolean);
      return lines.length === 6 && lines.every((l) => /^sim-\S+ Running$/.test(l));
    }, 'six running pods placed on sim nodes');
    r = await c.kubectl(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].spec.nodeName}']);
    const spread = new Set(r.stdout.trim().split(/\s+/));
    assert.ok(spread.size >= 2, `pods spread over ${[...spread].join(',')}`);
    r = await c.kubectl(['rollout', 'status', 'deploy/web', '--timeout=60s']);
    assert.equal(r.code, 0, r.stderr);
  });

  test('an unschedulable pod gets PodScheduled=False with the upstream message and a FailedScheduling event', async () => {
    const pod = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'huge' },
      spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '1000' } } }] },
    });
    const r = await c.kubectl(['apply', '-f', '-'], { stdin: pod });
    assert.equal(r.code, 0, r.stderr);
    await eventually(async () => {
      const st = await c.kubectl([
        'get',
        'pod',
        'huge',
        '-o',
        'jsonpath={.status.conditions[?(@.type=="PodScheduled")].message}',
      ]);
      return /^0\/3 nodes are available: 3 Insufficient cpu\. preemption: /.test(st.stdout);
    }, 'PodScheduled=False with a FitError message');
    await eventually(async () => {
      const ev = await c.kubectl([
        'get',
        'events',
        '--field-selector',
        'involvedObject.name=huge,reason=FailedScheduling',
        '-o',
        'name',
      ]);
      return ev.stdout.trim().length > 0;
    }, 'a FailedScheduling event');
  });

  test('binding history: every pod bound exactly once', async () => {
    const rest = adminRest(c);
    try {
      const list = (
        await rest.requestObject<{ items: { spec?: { nodeName?: string } }[] }>({
          method: 'GET',
          path: '/api/v1/namespaces/default/pods',
          query: new URLSearchParams({ labelSelector: 'app=web' }),
        })
      ).items;
      assert.equal(list.filter((p) => p.spec?.nodeName).length, 6);
    } finally {
      await rest.dispose();
    }
  });
});
