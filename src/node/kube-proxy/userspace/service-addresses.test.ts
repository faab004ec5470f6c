import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeRunner, service, slice, testConfig } from '../testing/objects.js';
import { ChangeTracker } from '../change-tracker.js';
import { removeServiceAddresses, ServiceAddressBinder, serviceAddressLabel } from './service-addresses.js';
import { UserspaceProxier } from './userspace-proxier.js';

const lines = (r: FakeRunner) => r.calls.map((c) => `${c.cmd} ${c.args.join(' ')}`);
const add = (ip: string) => `ip -4 addr add ${ip}/32 dev lo label ${serviceAddressLabel}`;
const del = (ip: string) => `ip -4 addr del ${ip}/32 dev lo`;

test('addresses are reference counted: added on the first acquire, removed after the last release', async () => {
  const r = new FakeRunner();
  const b = new ServiceAddressBinder(r);
  await Promise.all([b.acquire('10.43.0.10'), b.acquire('10.43.0.10')]);
  assert.deepEqual(lines(r), [add('10.43.0.10')]);
  assert.deepEqual(b.held(), ['10.43.0.10']);
  await b.release('10.43.0.10');
  assert.deepEqual(lines(r), [add('10.43.0.10')]);
  await b.release('10.43.0.10');
  assert.deepEqual(lines(r), [add('10.43.0.10'), del('10.43.0.10')]);
  assert.deepEqual(b.held(), []);
  // A release without an acquire changes nothing.
  await b.release('10.43.0.10');
  assert.equal(r.calls.length, 2);
});

test('release then acquire before the delete ran leaves the address in place', async () => {
  const r = new FakeRunner();
  const b = new ServiceAddressBinder(r);
  await b.acquire('10.43.1.1');
  const released = b.release('10.43.1.1');
  const again = b.acquire('10.43.1.1');
  await Promise.all([released, again]);
  // Each step reconciles to the state wanted when it runs: nothing is left half-done.
  assert.deepEqual(b.held(), ['10.43.1.1']);
  assert.deepEqual(lines(r).at(-1), add('10.43.1.1'));
});

test('an address a previous run left is taken over; a failed add is retried on the next acquire', async () => {
  let fail = true;
  const r = new FakeRunner((c) => {
    if (c.args.includes('add') && c.args.includes('10.43.0.20/32'))
      return { code: 2, stderr: 'RTNETLINK answers: File exists' };
    if (c.args.includes('10.43.0.21/32') && fail)
      return { code: 2, stderr: 'RTNETLINK answers: Operation not permitted' };
    return undefined;
  });
  const b = new ServiceAddressBinder(r);
  await b.acquire('10.43.0.20');
  assert.deepEqual(b.held(), ['10.43.0.20']);
  await b.release('10.43.0.20');
  assert.deepEqual(lines(r), [add('10.43.0.20'), del('10.43.0.20')], 'taken over, so removed when released');
  await b.acquire('10.43.0.21');
  fail = false;
  await b.release('10.43.0.21');
  await b.acquire('10.43.0.21');
  assert.deepEqual(
    lines(r).filter((l) => l.includes('10.43.0.21')),
    [add('10.43.0.21'), add('10.43.0.21')],
  );
});

test('IPv6 addresses are not bound', async () => {
  const r = new FakeRunner();
  const b = new ServiceAddressBinder(r);
  await b.acquire('fd00:43::10');
  assert.deepEqual(r.calls, []);
});

test('removeServiceAddresses deletes exactly the labelled addresses', async () => {
  const shown = [
    '1: lo    inet 10.43.0.10/32 scope global lo:kubets\\       valid_lft forever preferred_lft forever',
    '1: lo    inet 10.43.7.7/32 scope global lo:kubets\\       valid_lft forever preferred_lft forever',
  ].join('\n');
  const r = new FakeRunner((c) => (c.args.includes('show') ? { stdout: shown } : undefined));
  assert.deepEqual(await removeServiceAddresses(r), ['10.43.0.10', '10.43.7.7']);
  assert.deepEqual(lines(r), [
    `ip -4 -o addr show dev lo label ${serviceAddressLabel}`,
    del('10.43.0.10'),
    del('10.43.7.7'),
  ]);
});

test('the userspace proxier holds a port’s service addresses with or without endpoints', async () => {
  const r = new FakeRunner();
  const proxier = new UserspaceProxier({
    config: { ...testConfig, nodePortAddresses: ['127.0.0.0/8'] },
    nodeAddresses: () => ['127.0.0.1'],
    addresses: new ServiceAddressBinder(r),
  });
  await proxier.init();
  assert.deepEqual(lines(r), [`ip -4 -o addr show dev lo label ${serviceAddressLabel}`], 'leftovers flushed first');
  r.clear();
  const t = new ChangeTracker('node-1');
  const svc = service('s', {
    clusterIP: '10.43.0.99',
    externalIPs: ['192.0.2.10'],
    ports: [
      { name: 'a', port: 80 },
      { name: 'b', port: 81 },
    ],
  });
  t.onServiceUpsert(svc);
  await proxier.sync(t.state, t.drain(), true);
  // Both ports share the ClusterIP: one add each address. No endpoints: held anyway
  // (so the kernel refuses connections), but nothing listens.
  assert.deepEqual(lines(r).sort(), [add('10.43.0.99'), add('192.0.2.10')]);
  for (const key of t.state.servicePorts.keys()) assert.deepEqual(proxier.listening(key), []);
  t.onSliceUpsert(slice('s', [{ ip: '127.0.0.2' }], { port: 8080, portName: 'a' }));
  await proxier.sync(t.state, t.drain(), false);
  assert.equal(r.calls.length, 2, 'endpoint changes do not touch addresses');
  t.onServiceDelete(svc);
  await proxier.sync(t.state, t.drain(), false);
  assert.deepEqual(lines(r).slice(2).sort(), [del('10.43.0.99'), del('192.0.2.10')]);
  await proxier.cleanup();
});
