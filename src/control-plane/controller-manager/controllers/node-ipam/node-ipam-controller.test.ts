import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../../../lib/clock.js';
import { FakeApiServer, fakeRestClient } from '../../../../client/testing/fake-api-server.js';
import { startControllerManager } from '../../controller-manager.js';
import { nodeIpamController } from './node-ipam-controller.js';

const node = (name: string, podCIDR?: string) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
});

test('recovers existing allocations, allocates the rest, releases on delete, reports exhaustion', async () => {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  fake.seed('', 'nodes', node('a', '10.42.0.0/24'));
  fake.seed('', 'nodes', node('b'));
  const cm = await startControllerManager({
    rest: fakeRestClient(fake, { clock }),
    controllers: [nodeIpamController],
    clock,
    config: { clusterCIDR: '10.42.0.0/22', serviceCIDR: '10.42.3.0/24', nodeCIDRMaskSize: 24 },
  });
  const settle = async () => {
    for (let i = 0; i < 20; i++) await clock.advance(0);
  };
  const cidr = (n: string) => (fake.get('', 'nodes', '', n) as Node | undefined)?.spec?.podCIDRs?.join();
  try {
    await settle();
    assert.equal(cidr('a'), '10.42.0.0/24');
    assert.equal(cidr('b'), '10.42.1.0/24', 'the recovered subnet is skipped');
    fake.seed('', 'nodes', node('c'));
    await settle();
    assert.equal(cidr('c'), '10.42.2.0/24');
    fake.seed('', 'nodes', node('d'));
    await settle();
    assert.equal(cidr('d'), undefined, 'the service range overlapping the cluster CIDR is never handed out');
    assert.ok(
      fake
        .list('', 'events')
        .some((e) => e.reason === 'CIDRNotAvailable' && e.message === 'Node d status is now: CIDRNotAvailable'),
    );
    await fake.handle({
      method: 'DELETE',
      path: '/api/v1/nodes/b',
      query: new URLSearchParams(),
      headers: {},
    } as never);
    await settle();
    await clock.advance(2000);
    await settle();
    assert.equal(cidr('d'), '10.42.1.0/24', 'a released subnet goes to the waiting node');
  } finally {
    await cm.stop();
  }
});
