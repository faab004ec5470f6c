import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../../../lib/clock.js';
import { FakeApiServer, fakeRestClient } from '../../../../client/testing/fake-api-server.js';
import { startControllerManager } from '../../controller-manager.js';
import { endpointsController } from './endpoints-controller.js';

const service = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { clusterIP: '10.43.0.10', ports: [{ port: 80 }], ...spec },
});

function pod(i: number, ready: boolean) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p${i}`, namespace: 'default', labels: { app: 'big' } },
    spec: { nodeName: 'n', containers: [] },
    status: {
      phase: 'Running',
      podIP: `10.42.${Math.floor(i / 250)}.${(i % 250) + 1}`,
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: '2026-01-01T00:00:00Z' }],
    },
  };
}

async function setup(seed: (f: FakeApiServer) => void) {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  seed(fake);
  const cm = await startControllerManager({
    rest: fakeRestClient(fake, { clock }),
    controllers: [endpointsController],
    clock,
  });
  for (let i = 0; i < 30; i++) await clock.advance(0);
  return { fake, cm, ep: (n: string) => fake.get('', 'endpoints', 'default', n) as Endpoints | undefined };
}

test('over 1000 addresses are truncated (not-ready first) and annotated', async () => {
  const h = await setup((f) => {
    f.seed('', 'services', service('big', { selector: { app: 'big' } }));
    for (let i = 0; i < 1100; i++) f.seed('', 'pods', pod(i, i < 950));
  });
  try {
    const ep = h.ep('big')!;
    assert.equal(ep.metadata?.annotations?.['endpoints.kubernetes.io/over-capacity'], 'truncated');
    const ready = ep.subsets!.reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
    const notReady = ep.subsets!.reduce((n, s) => n + (s.notReadyAddresses?.length ?? 0), 0);
    assert.deepEqual([ready, notReady], [950, 50]);
    assert.ok(ep.metadata?.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']);
  } finally {
    await h.cm.stop();
  }
});

test('selector-less and ExternalName Services are left alone; Endpoints without a Service are deleted', async () => {
  const h = await setup((f) => {
    f.seed('', 'services', service('manual', {}));
    f.seed(
      '',
      'services',
      service('ext', { type: 'ExternalName', externalName: 'example.com', selector: { app: 'x' } }),
    );
    f.seed('', 'services', service('empty', { selector: { app: 'none' } }));
    f.seed('', 'endpoints', {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'manual', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 80 }] }],
    });
    f.seed('', 'endpoints', {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'leftover', namespace: 'default' },
    });
    f.seed('', 'endpoints', {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        name: 'lock',
        namespace: 'default',
        annotations: { 'control-plane.alpha.kubernetes.io/leader': '{}' },
      },
    });
  });
  try {
    assert.equal(h.ep('manual')?.subsets?.[0]?.addresses?.[0]?.ip, '192.0.2.1');
    assert.equal(h.ep('ext'), undefined);
    assert.equal(h.ep('leftover'), undefined);
    assert.ok(h.ep('lock'));
    const empty = h.ep('empty')!;
    assert.equal(empty.subsets, undefined, 'a selector Service without pods gets empty Endpoints');
  } finally {
    await h.cm.stop();
  }
});
