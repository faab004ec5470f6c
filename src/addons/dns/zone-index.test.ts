import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { serviceRecordOf, sliceEndpointsOf, ZoneIndex } from './zone-index.js';

const slice = (
  name: string,
  service: string | undefined,
  eps: EndpointSlice['endpoints'],
  type = 'IPv4',
): EndpointSlice => ({
  metadata: { namespace: 'ns', name, labels: service ? { 'kubernetes.io/service-name': service } : {} },
  addressType: type,
  endpoints: eps,
});

test('service records: kinds, canonical dual-stack addresses, lower-case port names and protocols', () => {
  assert.deepEqual(
    serviceRecordOf({
      metadata: { namespace: 'ns', name: 'a' },
      spec: {
        clusterIP: '10.43.0.5',
        clusterIPs: ['10.43.0.5', 'FD00:0::5'],
        ports: [{ name: 'HTTP', port: 80, protocol: 'TCP' }],
      },
    }),
    {
      namespace: 'ns',
      name: 'a',
      kind: 'clusterIP',
      clusterIPs: ['10.43.0.5', 'fd00::5'],
      ports: [{ name: 'http', port: 80, protocol: 'tcp' }],
    },
  );
  assert.equal(
    serviceRecordOf({ metadata: { namespace: 'ns', name: 'h' }, spec: { clusterIP: 'None' } })!.kind,
    'headless',
  );
  assert.equal(
    serviceRecordOf({
      metadata: { namespace: 'ns', name: 'e' },
      spec: { type: 'ExternalName', externalName: 'Foo.Example.' },
    })!.externalName,
    'foo.example',
  );
  assert.equal(serviceRecordOf({ metadata: { name: 'no-ns' } }), undefined);
});

test('slice endpoints: ready or unknown readiness only, every address, FQDN slices ignored', () => {
  const eps = sliceEndpointsOf(
    slice('s', 'svc', [
      { addresses: ['10.42.0.1'], hostname: 'Pod-A', conditions: { ready: true } },
      { addresses: ['10.42.0.2'] },
      { addresses: ['10.42.0.3'], conditions: { ready: false, serving: true } },
    ]),
  );
  assert.deepEqual(
    eps.map((e) => [e.ip, e.hostname]),
    [
      ['10.42.0.1', 'pod-a'],
      ['10.42.0.2', ''],
    ],
  );
  assert.deepEqual(sliceEndpointsOf(slice('f', 'svc', [{ addresses: ['example.com'] }], 'FQDN')), []);
});

test('incremental index: slices merge per service, move between services, and leave the reverse index clean', () => {
  const idx = new ZoneIndex(() => 5000);
  idx.upsertEndpointSlice(slice('b-1', 'b', [{ addresses: ['10.42.0.2'] }]));
  idx.upsertEndpointSlice(slice('a-1', 'a', [{ addresses: ['10.42.0.1'], hostname: 'one' }]));
  idx.upsertEndpointSlice(slice('a-2', 'a', [{ addresses: ['10.42.0.3'] }]));
  assert.deepEqual(
    idx.endpoints('ns', 'a').map((e) => e.ip),
    ['10.42.0.1', '10.42.0.3'],
  );
  assert.deepEqual(idx.reverse('10.42.0.1'), ['one.a.ns.svc']);
  // The slice is relabelled to another service: it leaves a and joins b.
  idx.upsertEndpointSlice(slice('a-2', 'b', [{ addresses: ['10.42.0.3'] }]));
  assert.deepEqual(
    idx.endpoints('ns', 'a').map((e) => e.ip),
    ['10.42.0.1'],
  );
  assert.deepEqual(
    idx.endpoints('ns', 'b').map((e) => e.ip),
    ['10.42.0.3', '10.42.0.2'],
  );
  assert.deepEqual(idx.reverse('10.42.0.3'), ['10-42-0-3.b.ns.svc']);
  // A slice losing its service label drops out entirely.
  idx.upsertEndpointSlice(slice('a-1', undefined, [{ addresses: ['10.42.0.1'] }]));
  assert.deepEqual(idx.endpoints('ns', 'a'), []);
  assert.deepEqual(idx.reverse('10.42.0.1'), []);
  idx.deleteEndpointSlice('ns', 'b-1');
  idx.deleteEndpointSlice('ns', 'a-2');
  assert.deepEqual(idx.endpoints('ns', 'b'), []);
  assert.deepEqual(idx.stats(), { services: 0, endpointSlices: 0, namespaces: 0 });
  // A cluster IP wins over endpoint addresses for PTR; a changed IP is re-indexed.
  idx.upsertService({
    metadata: { namespace: 'ns', name: 's' },
    spec: { clusterIP: '10.43.0.9', ports: [{ port: 1 }] },
  });
  assert.deepEqual(idx.reverse('10.43.0.9'), ['s.ns.svc']);
  idx.upsertService({
    metadata: { namespace: 'ns', name: 's' },
    spec: { clusterIP: '10.43.0.8', ports: [{ port: 1 }] },
  });
  assert.deepEqual(idx.reverse('10.43.0.9'), []);
  assert.deepEqual(idx.reverse('10.43.0.8'), ['s.ns.svc']);
  assert.equal(idx.serial, 5);
});
