import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fallbackPodCIDR, parseCIDR4, PodIPAllocator } from './pod-ips.js';

test('fallback /24s are carved from the cluster CIDR by node index', () => {
  assert.equal(fallbackPodCIDR('10.42.0.0/16', 0), '10.42.0.0/24');
  assert.equal(fallbackPodCIDR('10.42.0.0/16', 3), '10.42.3.0/24');
  assert.equal(fallbackPodCIDR('10.42.0.0/16', 258), '10.42.2.0/24');
  assert.deepEqual(parseCIDR4('10.42.1.7/24'), { base: (10 << 24) + (42 << 16) + (1 << 8), size: 256 });
  assert.equal(parseCIDR4('nope'), undefined);
});

test('allocates from .2, keeps addresses per pod, reuses released ones, follows IPAM', () => {
  const a = new PodIPAllocator('10.42.5.0/24');
  assert.equal(a.allocate('p1'), '10.42.5.2');
  assert.equal(a.allocate('p2'), '10.42.5.3');
  assert.equal(a.allocate('p1'), '10.42.5.2');
  a.release('p1');
  for (let i = 3; i < 254; i++) a.allocate(`x${i}`);
  assert.equal(a.allocate('p3'), '10.42.5.2', 'the freed address comes back once the range wraps');
  a.setCIDR('10.42.9.0/24');
  assert.equal(a.allocate('p4'), '10.42.9.2');
  assert.equal(a.allocate('p2'), '10.42.5.3', 'existing pods keep their address');
});
