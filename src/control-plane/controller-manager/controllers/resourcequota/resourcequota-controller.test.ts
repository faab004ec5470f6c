import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import type { InProcessRequest, InProcessResponse } from '../../../../client/index.js';
import { FakeApiServer, fakeRestClient } from '../../../../client/testing/fake-api-server.js';
import { FakeClock } from '../../../../lib/clock.js';
import { startControllerManager } from '../../controller-manager.js';
import { resourceQuotaController } from './resourcequota-controller.js';

type Obj = Record<string, any>;

const json = (body: Obj): InProcessResponse => ({ type: 'object', status: 200, body }) as InProcessResponse;
const verbs = ['create', 'delete', 'get', 'list', 'watch'];

/** Legacy discovery for the few resources the test uses. */
function discovery(req: InProcessRequest): InProcessResponse | undefined {
  if (req.path === '/api/v1')
    return json({
      kind: 'APIResourceList',
      groupVersion: 'v1',
      resources: ['pods', 'services', 'configmaps', 'secrets', 'resourcequotas'].map((name) => ({
        name,
        kind: 'X',
        namespaced: true,
        verbs,
      })),
    });
  if (req.path === '/apis')
    return json({
      kind: 'APIGroupList',
      groups: [
        {
          name: 'apps',
          versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
          preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
        },
      ],
    });
  if (req.path === '/apis/apps/v1')
    return json({
      kind: 'APIResourceList',
      groupVersion: 'apps/v1',
      resources: [{ name: 'deployments', kind: 'Deployment', namespaced: true, verbs }],
    });
  return undefined;
}

const pod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns' },
  spec: { containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: '100m' } } }] },
  status: { phase: 'Running' },
});
const deployment = (name: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'ns' },
});

const request = (method: 'DELETE' | 'PUT' | 'POST', path: string, object?: Obj) =>
  ({ method, path, query: new URLSearchParams(), headers: {}, object, signal: new AbortController().signal }) as never;

test('status mirrors spec.hard, deletions and terminations are given back, count/<resource>.<group> is counted', async () => {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  fake.intercept(discovery);
  fake.seed('', 'pods', pod('a'));
  fake.seed('', 'pods', pod('b'));
  fake.seed('apps', 'deployments', deployment('d1'));
  fake.seed('', 'resourcequotas', {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'q', namespace: 'ns' },
    spec: { hard: { pods: '5', 'requests.cpu': '1', 'count/deployments.apps': '2' } },
  });
  const cm = await startControllerManager({
    rest: fakeRestClient(fake, { clock }),
    controllers: [resourceQuotaController],
    clock,
  });
  const settle = async (ms = 0) => {
    await clock.advance(ms);
    for (let i = 0; i < 10; i++) await clock.advance(10);
  };
  const status = () => (fake.get('', 'resourcequotas', 'ns', 'q') as ResourceQuota).status;
  try {
    await settle();
    assert.deepEqual(status(), {
      hard: { 'count/deployments.apps': '2', pods: '5', 'requests.cpu': '1' },
      used: { 'count/deployments.apps': '1', pods: '2', 'requests.cpu': '200m' },
    });

    await fake.handle(request('DELETE', '/api/v1/namespaces/ns/pods/a'));
    await settle();
    assert.deepEqual(status()?.used, { 'count/deployments.apps': '1', pods: '1', 'requests.cpu': '100m' });

    // A pod that finished no longer uses pods or compute quota.
    await fake.handle(
      request('PUT', '/api/v1/namespaces/ns/pods/b/status', {
        ...fake.get('', 'pods', 'ns', 'b'),
        status: { phase: 'Succeeded' },
      }),
    );
    await settle();
    assert.deepEqual(status()?.used, { 'count/deployments.apps': '1', pods: '0', 'requests.cpu': '0' });

    // Creations are charged by admission, not replenished: the periodic recount picks them up.
    await fake.handle(request('POST', '/apis/apps/v1/namespaces/ns/deployments', deployment('d2')));
    await settle(60_000);
    assert.equal(status()?.used?.['count/deployments.apps'], '1');
    await settle(240_000);
    assert.equal(status()?.used?.['count/deployments.apps'], '2');

    // Raising spec.hard is reflected in status.hard at once.
    const q = fake.get('', 'resourcequotas', 'ns', 'q')!;
    await fake.handle(
      request('PUT', '/api/v1/namespaces/ns/resourcequotas/q', { ...q, spec: { hard: { ...q.spec.hard, pods: '7' } } }),
    );
    await settle();
    assert.equal(status()?.hard?.pods, '7');
  } finally {
    await cm.stop();
  }
});
