import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../lib/clock.js';
import { FakeApiServer, fakeRestClient } from '../../client/testing/fake-api-server.js';
import { allCloudControllers, startCloudControllerManager } from './cloud-controller-manager.js';
import type { CloudProvider, Route } from './cloud-provider.js';

test('the route controller is off by default and, when enabled, converges provider routes to node pod CIDRs', async () => {
  assert.equal(allCloudControllers().find((c) => c.name === 'route')?.enabledByDefault, false);
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  fake.seed('', 'nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'a' },
    spec: { podCIDR: '10.42.0.0/24' },
  });
  fake.seed('', 'nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'b' }, spec: {} });
  const routes: Route[] = [{ name: 'old', targetNode: 'gone', destinationCIDR: '10.42.9.0/24' }];
  const provider: CloudProvider = {
    name: 'test',
    routes: {
      listRoutes: async () => [...routes],
      createRoute: async (_c, _hint, r) => void routes.push(r),
      deleteRoute: async (_c, r) => void routes.splice(routes.indexOf(r), 1),
    },
  };
  const ccm = await startCloudControllerManager({
    rest: fakeRestClient(fake, { clock }),
    provider: () => provider,
    enabled: ['*', 'route'],
    clock,
  });
  try {
    for (let i = 0; i < 20; i++) {
      await clock.advance(i % 2 ? 0 : 100);
      await new Promise((r) => setImmediate(r));
    }
    assert.deepEqual(
      routes.map((r) => `${r.targetNode}:${r.destinationCIDR}`),
      ['a:10.42.0.0/24'],
    );
  } finally {
    await ccm.stop();
  }
});
