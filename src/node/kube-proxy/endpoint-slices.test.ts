import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { EndpointSliceCache, portId, sliceServiceKey } from './endpoint-slices.js';
import { slice } from './testing/objects.js';

const addrs = (c: EndpointSliceCache, key: string, id = portId('http', 'TCP')) =>
  (c.endpointsOf(key).get(id) ?? []).map((e) => e.addr);

test('slices of a Service merge per port, deduplicated, sorted, local copy preferred', () => {
  const c = new EndpointSliceCache('node-1');
  assert.equal(
    c.update(slice('web', [{ ip: '10.0.0.2' }, { ip: '10.0.0.1', node: 'node-2' }], { name: 'a' }), false),
    'ns/web',
  );
  c.update(slice('web', [{ ip: '10.0.0.1', node: 'node-1' }, { ip: '10.0.0.3' }], { name: 'b' }), false);
  assert.deepEqual(addrs(c, 'ns/web'), ['10.0.0.1:8080', '10.0.0.2:8080', '10.0.0.3:8080']);
  assert.equal(c.endpointsOf('ns/web').get(portId('http', 'TCP'))![0]!.isLocal, true);
  // Deleting one slice keeps the other's endpoints.
  assert.equal(c.update(slice('web', [], { name: 'a' }), true), 'ns/web');
  assert.deepEqual(addrs(c, 'ns/web'), ['10.0.0.1:8080', '10.0.0.3:8080']);
  assert.equal(c.update(slice('web', [], { name: 'zzz' }), true), undefined, 'unknown slice');
});

test('conditions default like upstream: ready and serving unless said otherwise, not terminating', () => {
  const c = new EndpointSliceCache('node-1');
  c.update(
    slice('web', [
      { ip: '10.0.0.1' },
      { ip: '10.0.0.2', ready: false, terminating: true },
      { ip: '10.0.0.3', ready: false, serving: false },
    ]),
    false,
  );
  const eps = c.endpointsOf('ns/web').get(portId('http', 'TCP'))!;
  assert.deepEqual(
    eps.map((e) => [e.ip, e.ready, e.serving, e.terminating]),
    [
      ['10.0.0.1', true, true, false],
      ['10.0.0.2', false, true, true],
      ['10.0.0.3', false, false, false],
    ],
  );
});

test('slices kube-proxy ignores: no service label, other proxy, headless, other address family', () => {
  const base = slice('web', [{ ip: '10.0.0.1' }]);
  const withLabels = (labels: Record<string, string>): EndpointSlice => ({
    ...base,
    metadata: { ...base.metadata, labels },
  });
  assert.equal(sliceServiceKey(withLabels({})), undefined);
  assert.equal(
    sliceServiceKey(
      withLabels({ 'kubernetes.io/service-name': 'web', 'service.kubernetes.io/service-proxy-name': 'x' }),
    ),
    undefined,
  );
  assert.equal(
    sliceServiceKey(withLabels({ 'kubernetes.io/service-name': 'web', 'service.kubernetes.io/headless': '' })),
    undefined,
  );
  const c = new EndpointSliceCache('node-1');
  c.update({ ...base, addressType: 'IPv6', endpoints: [{ addresses: ['fd00::1'] }] }, false);
  assert.deepEqual(addrs(c, 'ns/web'), []);
  // A slice that loses its service label stops counting for the Service it had.
  c.update(base, false);
  assert.equal(c.update(withLabels({}), false), 'ns/web');
  assert.deepEqual(addrs(c, 'ns/web'), []);
});

test('ports are matched by name and protocol', () => {
  const c = new EndpointSliceCache('node-1');
  c.update(slice('dns', [{ ip: '10.0.0.1' }], { portName: 'dns', protocol: 'UDP', port: 53 }), false);
  assert.deepEqual(addrs(c, 'ns/dns', portId('dns', 'UDP')), ['10.0.0.1:53']);
  assert.deepEqual(addrs(c, 'ns/dns', portId('dns', 'TCP')), []);
});
