// IpRouteTable against the real kernel, inside a network namespace this test
// creates (root only): our routes carry the protocol number, other routes are
// listed but never changed, and removeOwnedRoutes takes exactly ours.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { IpRouteTable, ipInNetns, removeOwnedRoutes, RouteCommandError } from './route-table.js';

const skip = process.getuid?.() !== 0 ? 'needs root (network namespaces)' : undefined;

describe('IpRouteTable in a network namespace', { skip }, () => {
  const ns = `kbtrt-${randomBytes(3).toString('hex')}`;
  const ip = (...args: string[]) => execFileSync('ip', ['-n', ns, ...args], { encoding: 'utf8' });
  let table: IpRouteTable;

  before(() => {
    execFileSync('ip', ['netns', 'add', ns]);
    ip('link', 'set', 'lo', 'up');
    ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    ip('addr', 'add', '192.168.251.1/24', 'dev', 'v0');
    ip('link', 'set', 'v0', 'up');
    ip('link', 'set', 'v1', 'up');
    ip('route', 'add', 'unreachable', '10.43.0.0/16');
    // Someone else's route to a pod-CIDR-looking destination.
    ip('route', 'add', '10.42.9.0/24', 'via', '192.168.251.9');
    table = new IpRouteTable(ipInNetns(ns));
  });

  after(() => {
    execFileSync('ip', ['netns', 'del', ns]);
  });

  test('replace, change, list and delete our routes only', async () => {
    await table.replace({ dst: '10.42.1.0/24', via: '192.168.251.2' });
    await table.replace({ dst: '10.42.2.0/24', via: '192.168.251.3' });
    await table.replace({ dst: '10.42.2.0/24', via: '192.168.251.4' });
    const routes = await table.list();
    const ours = routes.filter((r) => r.ours).map((r) => `${r.dst} via ${r.via}`);
    assert.deepEqual(ours, ['10.42.1.0/24 via 192.168.251.2', '10.42.2.0/24 via 192.168.251.4']);
    const foreign = routes.filter((r) => !r.ours).map((r) => r.dst);
    assert.ok(foreign.includes('10.42.9.0/24') && foreign.includes('10.43.0.0/16'), foreign.join(' '));
    assert.equal(routes.find((r) => r.dst === '10.43.0.0/16')?.type, 'unreachable');
    assert.match(ip('route', 'show', '10.42.1.0/24'), /proto 231/);

    // Deleting someone else's route through the table is a no-op: the kernel matches the protocol.
    await table.delete('10.42.9.0/24');
    assert.match(ip('route', 'show', '10.42.9.0/24'), /via 192\.168\.251\.9/);
    await table.delete('10.42.1.0/24');
    await table.delete('10.42.1.0/24');
    assert.equal(ip('route', 'show', '10.42.1.0/24').trim(), '');
  });

  test('a gateway off every connected subnet is refused with the kernel message', async () => {
    await assert.rejects(table.replace({ dst: '10.42.5.0/24', via: '10.99.0.1' }), (err: unknown) => {
      assert.ok(err instanceof RouteCommandError);
      assert.match(err.message, /Nexthop has invalid gateway/);
      return true;
    });
  });

  test('removeOwnedRoutes removes ours and leaves the rest', async () => {
    await table.replace({ dst: '10.42.6.0/24', via: '192.168.251.6' });
    const removed = await removeOwnedRoutes(table);
    assert.ok(removed.includes('10.42.6.0/24 via 192.168.251.6'), removed.join(', '));
    const left = await table.list();
    assert.deepEqual(
      left.filter((r) => r.ours),
      [],
    );
    assert.ok(left.some((r) => r.dst === '10.42.9.0/24'));
  });
});
