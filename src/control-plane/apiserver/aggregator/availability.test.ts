import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints, Service } from 'kubernetes-types/core/v1.js';
import { checkAvailability, withCondition, type ProbeResult } from './availability.js';
import type { ClusterObjects } from './cluster-objects.js';
import { resolveServiceEndpoint } from './service-resolver.js';
import type { APIService } from './types.js';

const apiService = (port = 443): APIService => ({
  metadata: { name: 'v1alpha1.wardle.example.com' },
  spec: { group: 'wardle.example.com', version: 'v1alpha1', service: { namespace: 'wardle', name: 'api', port } },
});

const clusterIP = (ports: { port: number; name?: string }[]): Service => ({
  metadata: { name: 'api', namespace: 'wardle' },
  spec: { type: 'ClusterIP', ports },
});

const endpoints = (subsets: Endpoints['subsets']): Endpoints => ({
  metadata: { name: 'api', namespace: 'wardle' },
  subsets,
});

function objects(svc?: Service, eps?: Endpoints): ClusterObjects {
  return { service: () => svc, endpoints: () => eps, apiServices: () => [] };
}

const answer = (r: ProbeResult) => async (): Promise<ProbeResult> => r;
const list = JSON.stringify({ kind: 'APIResourceList', resources: [{ name: 'flunders', kind: 'Flunder' }] });

test('availability conditions with upstream reasons and messages', async (t) => {
  const cases: {
    name: string;
    svc?: APIService;
    objects: ClusterObjects;
    probe?: ProbeResult;
    want: { status: string; reason: string; message: string };
  }[] = [
    {
      name: 'local',
      svc: { metadata: { name: 'v1.apps' }, spec: { group: 'apps', version: 'v1', service: null } },
      objects: objects(),
      want: { status: 'True', reason: 'Local', message: 'Local APIServices are always available' },
    },
    {
      name: 'service missing',
      objects: objects(),
      want: { status: 'False', reason: 'ServiceNotFound', message: 'service/api in "wardle" is not present' },
    },
    {
      name: 'port missing',
      objects: objects(clusterIP([{ port: 80 }])),
      want: {
        status: 'False',
        reason: 'ServicePortError',
        message: 'service/api in "wardle" is not listening on port 443',
      },
    },
    {
      name: 'endpoints missing',
      objects: objects(clusterIP([{ port: 443, name: 'https' }])),
      want: {
        status: 'False',
        reason: 'EndpointsNotFound',
        message: 'cannot find endpoints for service/api in "wardle"',
      },
    },
    {
      name: 'no address with the port name',
      objects: objects(
        clusterIP([{ port: 443, name: 'https' }]),
        endpoints([{ addresses: [{ ip: '10.42.0.5' }], ports: [{ port: 8443, name: 'other' }] }]),
      ),
      want: {
        status: 'False',
        reason: 'MissingEndpoints',
        message: 'endpoints for service/api in "wardle" have no addresses with port name "https"',
      },
    },
    {
      name: 'discovery answers 503',
      objects: objects(
        clusterIP([{ port: 443 }]),
        endpoints([{ addresses: [{ ip: '10.42.0.5' }], ports: [{ port: 8443 }] }]),
      ),
      probe: { status: 503, body: '' },
      want: {
        status: 'False',
        reason: 'FailedDiscoveryCheck',
        message:
          'failing or missing response from https://10.42.0.5:8443/apis/wardle.example.com/v1alpha1: bad status from https://10.42.0.5:8443/apis/wardle.example.com/v1alpha1: 503',
      },
    },
    {
      name: 'discovery unreachable',
      objects: objects({ metadata: { name: 'api' }, spec: { type: 'ExternalName', externalName: 'ext.example.' } }),
      probe: { error: 'dial tcp ext.example:443: connect: connection refused' },
      want: {
        status: 'False',
        reason: 'FailedDiscoveryCheck',
        message:
          'failing or missing response from https://ext.example:443/apis/wardle.example.com/v1alpha1: Get "https://ext.example:443/apis/wardle.example.com/v1alpha1": dial tcp ext.example:443: connect: connection refused',
      },
    },
    {
      name: 'passed',
      objects: objects(
        clusterIP([{ port: 443 }]),
        endpoints([{ addresses: [{ ip: '10.42.0.5' }], ports: [{ port: 8443 }] }]),
      ),
      probe: { status: 200, body: list },
      want: { status: 'True', reason: 'Passed', message: 'all checks passed' },
    },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const r = await checkAvailability(c.svc ?? apiService(), c.objects, answer(c.probe ?? { status: 200, body: '' }));
      assert.deepEqual(r.condition, c.want);
    });
  }
});

test('a passed check returns the resource list; one good answer out of several tries is enough', async () => {
  let n = 0;
  const probe = async (): Promise<ProbeResult> => (n++ === 2 ? { status: 200, body: list } : { error: 'EOF' });
  const r = await checkAvailability(
    apiService(),
    objects({ metadata: { name: 'api' }, spec: { type: 'ExternalName', externalName: '127.0.0.1' } }),
    probe,
  );
  assert.equal(r.condition.reason, 'Passed');
  assert.deepEqual(r.resources, [{ name: 'flunders', kind: 'Flunder' }]);
  assert.equal(n, 5);
});

test('withCondition keeps lastTransitionTime while the status holds and skips no-op writes', () => {
  const s: APIService = {
    status: {
      conditions: [
        { type: 'Available', status: 'False', reason: 'ServiceNotFound', message: 'm', lastTransitionTime: 't0' },
      ],
    },
  };
  assert.equal(withCondition(s, { status: 'False', reason: 'ServiceNotFound', message: 'm' }, 't1'), undefined);
  assert.deepEqual(withCondition(s, { status: 'False', reason: 'EndpointsNotFound', message: 'e' }, 't1'), [
    { type: 'Available', status: 'False', reason: 'EndpointsNotFound', message: 'e', lastTransitionTime: 't0' },
  ]);
  assert.deepEqual(withCondition(s, { status: 'True', reason: 'Passed', message: 'p' }, 't1'), [
    { type: 'Available', status: 'True', reason: 'Passed', message: 'p', lastTransitionTime: 't1' },
  ]);
});

test('service resolution: ExternalName, endpoints by port name, upstream errors', () => {
  const ext = objects({ metadata: { name: 'api' }, spec: { type: 'ExternalName', externalName: 'ext.example.' } });
  assert.deepEqual(resolveServiceEndpoint(ext, 'wardle', 'api', 8443), {
    host: 'ext.example',
    port: 8443,
    serverName: 'api.wardle.svc',
  });
  const eps = objects(
    clusterIP([{ port: 443, name: 'https' }]),
    endpoints([
      { addresses: [{ ip: '10.42.0.9' }], ports: [{ port: 9999, name: 'metrics' }] },
      { addresses: [{ ip: '10.42.0.5' }, { ip: '10.42.0.6' }], ports: [{ port: 8443, name: 'https' }] },
    ]),
  );
  assert.deepEqual(
    resolveServiceEndpoint(eps, 'wardle', 'api', 443, () => 0.99),
    {
      host: '10.42.0.6',
      port: 8443,
      serverName: 'api.wardle.svc',
    },
  );
  assert.throws(() => resolveServiceEndpoint(objects(), 'wardle', 'api', 443), /service "api" not found/);
  assert.throws(() => resolveServiceEndpoint(eps, 'wardle', 'api', 80), /no service port 80 found for service "api"/);
  assert.throws(
    () => resolveServiceEndpoint(objects(clusterIP([{ port: 443 }]), endpoints([])), 'wardle', 'api', 443),
    /no endpoints available for service "api"/,
  );
});
