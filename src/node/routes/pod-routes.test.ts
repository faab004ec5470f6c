import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import { FakeApiServer, fakeRestClient } from '../../client/testing/fake-api-server.js';
import { gvr, ResourceClient } from '../../client/index.js';
import { startPodRoutes, syncRoutes, type RunningPodRoutes } from './pod-routes.js';
import type { KernelRoute, RouteTable } from './route-table.js';
import { nullLogger } from '../../lib/log.js';

/** A routing table in memory; `failReplace` makes the next replaces fail. */
class FakeTable implements RouteTable {
  routes = new Map<string, KernelRoute>();
  failReplace = 0;
  calls: string[] = [];
  async list() {
    return [...this.routes.values()];
  }
  async replace(r: { dst: string; via: string }) {
    this.calls.push(`replace ${r.dst} ${r.via}`);
    if (this.failReplace > 0) {
      this.failReplace--;
      throw new Error('RTNETLINK answers: Network is down');
    }
    this.routes.set(r.dst, { dst: r.dst, via: r.via, family: 4, ours: true });
  }
  async delete(dst: string) {
    this.calls.push(`delete ${dst}`);
    if (this.routes.get(dst)?.ours) this.routes.delete(dst);
  }
  ours() {
    return [...this.routes.values()]
      .filter((r) => r.ours)
      .map((r) => `${r.dst} via ${r.via}`)
      .sort();
  }
}

const nodeObj = (name: string, podCIDR: string | undefined, ip: string): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
  status: { addresses: [{ type: 'InternalIP', address: ip }] },
});

const running: RunningPodRoutes[] = [];
after(async () => {
  for (const r of running) await r.dispose();
});

test('routes follow Nodes: added, changed, removed with the Node; stale ones of a previous run go', async () => {
  const api = new FakeApiServer();
  const nodes = new ResourceClient<Node>(fakeRestClient(api), gvr('', 'v1', 'nodes'));
  api.seed('', 'nodes', nodeObj('a', '10.42.0.0/24', '192.168.250.1'));
  api.seed('', 'nodes', nodeObj('b', '10.42.1.0/24', '192.168.250.2'));
  const table = new FakeTable();
  // Left by an earlier run for a node that no longer exists, and someone else's route.
  table.routes.set('10.42.7.0/24', { dst: '10.42.7.0/24', via: '192.168.250.7', family: 4, ours: true });
  table.routes.set('10.42.9.0/24', { dst: '10.42.9.0/24', via: '192.168.250.9', family: 4, ours: false });
  const pr = startPodRoutes({
    rest: fakeRestClient(api),
    nodeName: 'a',
    nodeIPs: ['192.168.250.1'],
    table,
    log: nullLogger,
  });
  running.push(pr);
  let r = await pr.synced();
  assert.deepEqual(table.ours(), ['10.42.1.0/24 via 192.168.250.2']);
  assert.deepEqual(r.removed, ['10.42.7.0/24 via 192.168.250.7']);
  assert.equal(table.routes.get('10.42.9.0/24')?.via, '192.168.250.9', 'foreign route untouched');

  // A node joins without a CIDR, then gets one; another node claims a foreign destination.
  await nodes.create(nodeObj('c', undefined, '192.168.250.3'));
  await nodes.create(nodeObj('d', '10.42.9.0/24', '192.168.250.4'));
  r = await pr.synced();
  assert.deepEqual(r.foreign, ['10.42.9.0/24']);
  assert.equal(table.routes.get('10.42.9.0/24')?.via, '192.168.250.9');
  const c = await nodes.get('c');
  await nodes.update({ ...c, spec: { podCIDR: '10.42.2.0/24', podCIDRs: ['10.42.2.0/24'] } });
  await waitFor(() => table.ours().includes('10.42.2.0/24 via 192.168.250.3'));

  // The node's address changes: the route is replaced, not duplicated.
  const b = await nodes.get('b');
  await nodes.updateStatus({ ...b, status: { addresses: [{ type: 'InternalIP', address: '192.168.250.22' }] } });
  await waitFor(() => table.ours().includes('10.42.1.0/24 via 192.168.250.22'));
  assert.deepEqual(table.ours(), ['10.42.1.0/24 via 192.168.250.22', '10.42.2.0/24 via 192.168.250.3']);

  // The node goes away: so does its route.
  await nodes.delete('c');
  await waitFor(() => !table.ours().some((s) => s.startsWith('10.42.2.0/24')));
  await pr.synced();
  assert.deepEqual(
    pr.routes.map((x) => x.dst),
    ['10.42.1.0/24'],
  );
});

test('a heartbeat-only Node update triggers no sync', async () => {
  const api = new FakeApiServer();
  const nodes = new ResourceClient<Node>(fakeRestClient(api), gvr('', 'v1', 'nodes'));
  api.seed('', 'nodes', nodeObj('b', '10.42.1.0/24', '192.168.250.2'));
  const table = new FakeTable();
  const pr = startPodRoutes({ rest: fakeRestClient(api), nodeName: 'a', nodeIPs: [], table, log: nullLogger });
  running.push(pr);
  await pr.synced();
  const lists = () => table.calls.length;
  const before = lists();
  const b = await nodes.get('b');
  await nodes.updateStatus({
    ...b,
    status: { ...b.status, conditions: [{ type: 'Ready', status: 'True' }] },
  });
  assert.equal((await nodes.get('b')).status?.conditions?.[0]?.type, 'Ready', 'the update happened');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(lists(), before);
  await pr.dispose();
  await assert.rejects(pr.synced(), /stopped/);
});

test('failed changes are retried with backoff, a bounded number of times', async () => {
  const api = new FakeApiServer();
  api.seed('', 'nodes', nodeObj('b', '10.42.1.0/24', '192.168.250.2'));
  const table = new FakeTable();
  table.failReplace = 2;
  const pr = startPodRoutes({
    rest: fakeRestClient(api),
    nodeName: 'a',
    nodeIPs: [],
    table,
    retryInitialMs: 10,
    log: nullLogger,
  });
  running.push(pr);
  await waitFor(() => table.ours().length === 1);
  assert.equal(table.calls.filter((c) => c.startsWith('replace')).length, 3, 'two failures, then success');

  // Past maxRetries the loop gives up until the next change instead of spinning.
  const api2 = new FakeApiServer();
  api2.seed('', 'nodes', nodeObj('b', '10.42.1.0/24', '192.168.250.2'));
  const broken = new FakeTable();
  broken.failReplace = 1000;
  const pr2 = startPodRoutes({
    rest: fakeRestClient(api2),
    nodeName: 'a',
    nodeIPs: [],
    table: broken,
    retryInitialMs: 5,
    maxRetries: 3,
    log: nullLogger,
  });
  running.push(pr2);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(broken.calls.length, 4, `1 try + 3 retries, then quiet: ${broken.calls.join(', ')}`);
});

test('syncRoutes reports every failure after trying every route', async () => {
  const table = new FakeTable();
  table.failReplace = 1;
  await assert.rejects(
    syncRoutes(
      table,
      [
        { dst: '10.42.1.0/24', via: '192.168.250.2', family: 4, node: 'b' },
        { dst: '10.42.2.0/24', via: '192.168.250.3', family: 4, node: 'c' },
      ],
      nullLogger,
    ),
    /1 pod route change\(s\) failed/,
  );
  assert.deepEqual(table.ours(), ['10.42.2.0/24 via 192.168.250.3']);
});

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
