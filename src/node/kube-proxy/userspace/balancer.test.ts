import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../lib/clock.js';
import type { EndpointInfo } from '../types.js';
import { RoundRobinBalancer } from './balancer.js';

const ep = (ip: string): EndpointInfo => ({
  ip,
  port: 80,
  addr: `${ip}:80`,
  ready: true,
  serving: true,
  terminating: false,
  isLocal: true,
  nodeName: 'n',
  zone: undefined,
});
const picks = (b: RoundRobinBalancer, client: string, n: number) =>
  Array.from({ length: n }, () => b.pick(client)?.ip ?? 'none');

test('round-robin over endpoints; none -> undefined; excluded endpoints are skipped', () => {
  const b = new RoundRobinBalancer(new FakeClock());
  assert.equal(b.pick('c'), undefined);
  b.update([ep('a'), ep('b'), ep('c')], undefined);
  assert.deepEqual(picks(b, 'x', 6), ['a', 'b', 'c', 'a', 'b', 'c']);
  assert.equal(b.pick('x', new Set(['a:80', 'b:80']))?.ip, 'c');
  assert.equal(b.pick('x', new Set(['a:80', 'b:80', 'c:80'])), undefined);
});

test('ClientIP affinity pins each client until the timeout or until its endpoint leaves', async () => {
  const clock = new FakeClock();
  const b = new RoundRobinBalancer(clock);
  b.update([ep('a'), ep('b')], 10);
  assert.deepEqual(picks(b, 'c1', 3), ['a', 'a', 'a']);
  assert.deepEqual(picks(b, 'c2', 3), ['b', 'b', 'b']);
  await clock.advance(9_000);
  assert.equal(b.pick('c1')?.ip, 'a', 'still within the timeout (and refreshed)');
  await clock.advance(10_001);
  assert.equal(b.pick('c1')?.ip, 'a', 'round-robin happened to come back to a');
  await clock.advance(10_001);
  assert.equal(b.pick('c1')?.ip, 'b', 'expired: chosen afresh');
  b.update([ep('a')], 10);
  assert.equal(b.pick('c1')?.ip, 'a', 'its endpoint left');
  b.forget('c1');
  b.update([ep('a'), ep('b')], undefined);
  assert.notDeepEqual(new Set(picks(b, 'c1', 4)), new Set(['a']), 'affinity off: round-robin again');
});
