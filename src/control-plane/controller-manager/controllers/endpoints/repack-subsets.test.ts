import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointAddress, EndpointSubset, Endpoints } from 'kubernetes-types/core/v1.js';
import { repackSubsets, subsetsEqual, truncateEndpoints } from './repack-subsets.js';

const a = (ip: string, uid = ip): EndpointAddress => ({ ip, targetRef: { kind: 'Pod', uid } });
const p = (name: string, port: number) => ({ name, port, protocol: 'TCP' });
const ips = (xs: EndpointAddress[] | undefined) => (xs ?? []).map((x) => x.ip);

test('repackSubsets groups addresses by identical port sets and keeps readiness', () => {
  const out = repackSubsets([
    { addresses: [a('10.0.0.2')], ports: [p('http', 80)] },
    { addresses: [a('10.0.0.2')], ports: [p('metrics', 9090)] },
    { addresses: [a('10.0.0.1')], ports: [p('http', 80)] },
    { addresses: [a('10.0.0.1')], ports: [p('metrics', 9090)] },
    { notReadyAddresses: [a('10.0.0.3')], ports: [p('http', 80)] },
    { notReadyAddresses: [a('10.0.0.3')], ports: [p('metrics', 9090)] },
    { addresses: [a('10.0.0.4')], ports: [p('http', 8080)] },
  ]);
  assert.equal(out.length, 2);
  const both = out.find((s) => s.ports?.length === 2)!;
  assert.deepEqual(ips(both.addresses), ['10.0.0.1', '10.0.0.2']);
  assert.deepEqual(ips(both.notReadyAddresses), ['10.0.0.3']);
  assert.deepEqual(
    both.ports!.map((x) => x.name),
    ['http', 'metrics'],
  );
  const other = out.find((s) => s.ports?.length === 1)!;
  assert.deepEqual(ips(other.addresses), ['10.0.0.4']);
  assert.equal(other.notReadyAddresses, undefined);
});

test('repackSubsets: ready wins over not ready, portless subsets survive, same IP of two pods stays two addresses', () => {
  const out = repackSubsets([
    { notReadyAddresses: [a('10.0.0.1')], ports: [p('x', 1)] },
    { addresses: [a('10.0.0.1')], ports: [p('x', 1)] },
    { addresses: [a('10.0.0.9', 'u1'), a('10.0.0.9', 'u2')], ports: [p('x', 1)] },
  ]);
  assert.deepEqual(ips(out[0]!.addresses), ['10.0.0.1', '10.0.0.9', '10.0.0.9']);
  assert.equal(out[0]!.notReadyAddresses, undefined);
  const portless = repackSubsets([{ addresses: [a('10.0.0.5')] }]);
  assert.deepEqual(portless, [{ addresses: [a('10.0.0.5')] }]);
});

function many(prefix: string, n: number): EndpointAddress[] {
  return Array.from({ length: n }, (_, i) => ({ ip: `${prefix}.${i}` }));
}

test('truncateEndpoints caps at 1000, cutting not-ready addresses first and in proportion', () => {
  const cases: { name: string; subsets: EndpointSubset[]; want: [number, number][]; truncated: boolean }[] = [
    {
      name: 'under capacity',
      subsets: [{ addresses: many('1', 600), notReadyAddresses: many('2', 400) }],
      want: [[600, 400]],
      truncated: false,
    },
    {
      name: 'not ready cut proportionally',
      subsets: [
        { addresses: many('1', 400), notReadyAddresses: many('2', 600) },
        { addresses: many('3', 400), notReadyAddresses: many('4', 200) },
      ],
      // 200 not-ready slots: ceil(600/800*200)=150, then min(ceil(200/800*200)=50, 50).
      want: [
        [400, 150],
        [400, 50],
      ],
      truncated: true,
    },
    {
      name: 'ready over capacity drops every not-ready address',
      subsets: [{ addresses: many('1', 900), notReadyAddresses: many('2', 10) }, { addresses: many('3', 300) }],
      // ceil(900/1200*1000)=750, then min(ceil(300/1200*1000)=250, 250).
      want: [
        [750, 0],
        [250, 0],
      ],
      truncated: true,
    },
  ];
  for (const c of cases) {
    const ep: Endpoints = { subsets: structuredClone(c.subsets) };
    assert.equal(truncateEndpoints(ep), c.truncated, c.name);
    assert.deepEqual(
      ep.subsets!.map((s) => [s.addresses?.length ?? 0, s.notReadyAddresses?.length ?? 0]),
      c.want,
      c.name,
    );
  }
});

test('subsetsEqual ignores targetRef.resourceVersion only', () => {
  const x: EndpointSubset[] = [
    { addresses: [{ ip: '1.1.1.1', targetRef: { kind: 'Pod', uid: 'u', resourceVersion: '1' } }] },
  ];
  const y: EndpointSubset[] = [
    { addresses: [{ ip: '1.1.1.1', targetRef: { kind: 'Pod', uid: 'u', resourceVersion: '2' } }] },
  ];
  const z: EndpointSubset[] = [{ addresses: [{ ip: '1.1.1.1', hostname: 'h', targetRef: { kind: 'Pod', uid: 'u' } }] }];
  assert.ok(subsetsEqual(x, y));
  assert.ok(!subsetsEqual(x, z));
  assert.ok(subsetsEqual([], undefined));
});
