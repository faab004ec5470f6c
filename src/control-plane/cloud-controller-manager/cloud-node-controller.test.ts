import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../lib/clock.js';
import { FakeApiServer, fakeRestClient } from '../../client/testing/fake-api-server.js';
import { startCloudControllerManager } from './cloud-controller-manager.js';
import { type CloudProvider, type InstancesV2, shutdownTaint, uninitializedTaint } from './cloud-provider.js';
import { initializedNode, needsInitialization } from './cloud-node-controller.js';
import { LocalProvider } from './local-provider.js';

const node = (name: string, extra: { spec?: Node['spec']; ready?: string } = {}): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name } },
  spec: extra.spec ?? {},
  status: {
    addresses: [{ type: 'InternalIP', address: '10.0.0.7' }],
    conditions: [{ type: 'Ready', status: extra.ready ?? 'True' }],
  },
});

async function settle(clock: FakeClock, rounds = 40): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await clock.advance(i % 2 ? 0 : 100);
    await new Promise((r) => setImmediate(r));
  }
}

test('needsInitialization and initializedNode', () => {
  assert.equal(needsInitialization(node('a', { spec: { taints: [uninitializedTaint], providerID: 'x://a' } })), true);
  assert.equal(needsInitialization(node('a')), true, 'no providerID (kubelets register without the taint)');
  assert.equal(needsInitialization(node('a', { spec: { providerID: 'kubets://a' } })), false);
  const before = node('a', { spec: { taints: [uninitializedTaint, { key: 'dedicated', effect: 'NoSchedule' }] } });
  const out = initializedNode(before, {
    providerID: 'kubets://a',
    instanceType: 'kubets',
    nodeAddresses: [],
    zone: 'z',
    region: '',
  });
  assert.equal(out.spec?.providerID, 'kubets://a');
  assert.deepEqual(out.spec?.taints, [{ key: 'dedicated', effect: 'NoSchedule' }]);
  assert.deepEqual(out.metadata?.labels, {
    'kubernetes.io/hostname': 'a',
    'node.kubernetes.io/instance-type': 'kubets',
    'beta.kubernetes.io/instance-type': 'kubets',
    'topology.kubernetes.io/zone': 'z',
    'failure-domain.beta.kubernetes.io/zone': 'z',
  });
  assert.equal(before.spec?.taints?.length, 2, 'input untouched');
  // A providerID is write-once.
  const kept = initializedNode(node('a', { spec: { providerID: 'other://a' } }), {
    providerID: 'kubets://a',
    instanceType: '',
    nodeAddresses: [],
    zone: '',
    region: '',
  });
  assert.equal(kept.spec?.providerID, 'other://a');
});

test('cloud-node initializes new nodes with the local provider and leaves initialized ones alone', async () => {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  fake.seed('', 'nodes', node('tainted', { spec: { taints: [uninitializedTaint] } }));
  fake.seed('', 'nodes', node('bare'));
  fake.seed('', 'nodes', node('done', { spec: { providerID: 'kubets://done' } }));
  const ccm = await startCloudControllerManager({
    rest: fakeRestClient(fake, { clock }),
    provider: () => new LocalProvider({ region: 'home', readyEndpointNodes: () => new Set() }),
    enabled: ['cloud-node'],
    clock,
  });
  const get = (n: string) => fake.get('', 'nodes', '', n) as Node;
  try {
    await settle(clock);
    for (const n of ['tainted', 'bare']) {
      assert.equal(get(n).spec?.providerID, `kubets://${n}`, n);
      assert.equal(get(n).spec?.taints, undefined, n);
      assert.equal(get(n).metadata?.labels?.['node.kubernetes.io/instance-type'], 'kubets', n);
      assert.equal(get(n).metadata?.labels?.['topology.kubernetes.io/region'], 'home', n);
      assert.equal(get(n).metadata?.labels?.['topology.kubernetes.io/zone'], undefined, 'no zone configured');
      assert.deepEqual(get(n).status?.addresses, [{ type: 'InternalIP', address: '10.0.0.7' }]);
    }
    assert.equal(get('done').metadata?.labels?.['node.kubernetes.io/instance-type'], undefined);
    fake.seed('', 'nodes', node('late', { spec: { taints: [uninitializedTaint] } }));
    await settle(clock);
    assert.equal(get('late').spec?.providerID, 'kubets://late');
  } finally {
    await ccm.stop();
  }
});

test('cloud-node-lifecycle: deletes vanished instances, taints shut-down ones, untaints Ready ones', async () => {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  fake.seed('', 'nodes', node('gone', { ready: 'Unknown' }));
  fake.seed('', 'nodes', node('stopped', { ready: 'False' }));
  fake.seed('', 'nodes', node('back', { spec: { taints: [{ ...shutdownTaint }] } }));
  fake.seed('', 'nodes', node('flaky', { ready: 'False' }));
  const instances: InstancesV2 = {
    instanceExists: async (n) => n.metadata?.name !== 'gone',
    instanceShutdown: async (n) => n.metadata?.name === 'stopped',
    instanceMetadata: async () => {
      throw new Error('unused');
    },
  };
  const provider: CloudProvider = { name: 'test', instances };
  const ccm = await startCloudControllerManager({
    rest: fakeRestClient(fake, { clock }),
    provider: () => provider,
    enabled: ['cloud-node-lifecycle'],
    clock,
  });
  const get = (n: string) => fake.get('', 'nodes', '', n) as Node | undefined;
  try {
    await settle(clock, 120);
    assert.equal(get('gone'), undefined, 'deleted');
    assert.deepEqual(
      get('stopped')?.spec?.taints?.map((t) => `${t.key}:${t.effect}`),
      ['node.cloudprovider.kubernetes.io/shutdown:NoSchedule'],
    );
    assert.equal(get('back')?.spec?.taints, undefined, 'Ready again: taint removed');
    assert.equal(get('flaky')?.spec?.taints, undefined, 'not Ready but running: untouched');
    const ev = fake.list('', 'events').find((e) => e.reason === 'DeletingNode') as { message?: string } | undefined;
    assert.equal(ev?.message, 'Deleting node gone because it does not exist in the cloud provider');
  } finally {
    await ccm.stop();
  }
});

test('the local provider never deletes or taints a node', async () => {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  fake.seed('', 'nodes', node('down', { ready: 'False', spec: { providerID: 'kubets://down' } }));
  const ccm = await startCloudControllerManager({
    rest: fakeRestClient(fake, { clock }),
    provider: () => new LocalProvider({ readyEndpointNodes: () => new Set() }),
    enabled: ['cloud-node-lifecycle'],
    clock,
  });
  try {
    await settle(clock, 120);
    const n = fake.get('', 'nodes', '', 'down') as Node | undefined;
    assert.ok(n, 'still there');
    assert.equal(n.spec?.taints, undefined);
  } finally {
    await ccm.stop();
  }
});
