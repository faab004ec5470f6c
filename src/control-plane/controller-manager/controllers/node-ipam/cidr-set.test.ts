import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CidrSet, formatCidr, noCIDRsRemaining, overlaps, parseCidr } from './cidr-set.js';

test('allocates /24s of a /16 in order and round-robin after release', () => {
  const s = new CidrSet('10.42.0.0/16', 24);
  assert.equal(s.maxCIDRs, 256);
  assert.equal(s.allocateNext(), '10.42.0.0/24');
  assert.equal(s.allocateNext(), '10.42.1.0/24');
  s.release('10.42.0.0/24');
  assert.equal(s.allocateNext(), '10.42.2.0/24', 'a released subnet is not reused at once');
  s.occupy('10.42.3.0/24');
  assert.equal(s.allocateNext(), '10.42.4.0/24');
  assert.equal(s.free, 256 - 4);
});

test('exhaustion, occupy of larger ranges, and ranges outside the cluster CIDR', () => {
  const s = new CidrSet('10.0.0.0/30', 31);
  assert.equal(s.allocateNext(), '10.0.0.0/31');
  assert.equal(s.allocateNext(), '10.0.0.2/31');
  assert.throws(() => s.allocateNext(), { message: noCIDRsRemaining });
  const t = new CidrSet('10.42.0.0/16', 24);
  t.occupy('10.42.0.0/22');
  assert.equal(t.allocateNext(), '10.42.4.0/24');
  t.occupy('10.0.0.0/8');
  assert.equal(t.free, 0, 'a supernet covers everything');
  assert.throws(() => t.occupy('192.168.0.0/24'), /out the range of cluster cidr 10\.42\.0\.0\/16/);
  assert.throws(() => new CidrSet('10.0.0.0/8', 25), /too big/);
});

test('IPv6 CIDRs parse, mask and format as Go does', () => {
  const s = new CidrSet('fd00:10:42::/56', 64);
  assert.equal(s.allocateNext(), 'fd00:10:42::/64');
  assert.equal(s.allocateNext(), 'fd00:10:42:1::/64');
  assert.equal(formatCidr(parseCidr('2001:db8:0:0:1:0:0:1/128')), '2001:db8::1:0:0:1/128');
  assert.equal(formatCidr(parseCidr('10.1.2.3/8')), '10.0.0.0/8');
  assert.equal(formatCidr(parseCidr('::ffff:10.0.0.1/128')), '::ffff:a00:1/128');
  assert.ok(overlaps(parseCidr('10.43.0.0/16'), parseCidr('10.0.0.0/8')));
  assert.ok(!overlaps(parseCidr('10.43.0.0/16'), parseCidr('10.42.0.0/16')));
  assert.throws(() => parseCidr('10.0.0.0/33'), /invalid CIDR/);
});
