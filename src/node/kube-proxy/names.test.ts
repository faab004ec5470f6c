import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalIPv4Cidr, CidrSet, parseCidr } from './ip.js';
import {
  hashBase32,
  iptEndpointChain,
  iptServiceHash,
  isNftServiceObject,
  nftEndpointBase,
  nftServiceBase,
} from './names.js';
import { portOf, service } from './testing/objects.js';

test('base32 of sha256 matches RFC 4648 (known vectors), names are stable and bounded', () => {
  // sha256("") = e3b0c442...; its base32 starts with 4OYMIQUY.
  assert.equal(hashBase32('').slice(0, 8), '4OYMIQUY');
  assert.equal(hashBase32('').length, 52);
  const { sp, endpoints } = portOf(service('web'), [{ ip: '10.42.0.1' }]);
  assert.match(nftServiceBase(sp), /^[A-Z2-7]{8}-ns\/web\/tcp\/http$/);
  assert.match(nftEndpointBase(sp, endpoints[0]!), /^[A-Z2-7]{8}-ns\/web\/tcp\/http__10\.42\.0\.1\/8080$/);
  assert.equal(nftServiceBase(sp), nftServiceBase(portOf(service('web')).sp), 'stable across renders');
  assert.ok(isNftServiceObject(`service-${nftServiceBase(sp)}`) && !isNftServiceObject('services'));
  assert.match(iptServiceHash(sp), /^[A-Z2-7]{16}$/);
  assert.ok(iptEndpointChain(sp, endpoints[0]!).length <= 28);
  const long = portOf(service('x'.repeat(63), {}, 'y'.repeat(63))).sp;
  assert.ok(nftServiceBase(long).length <= 240);
});

test('CIDR helpers', () => {
  assert.deepEqual(parseCidr('10.0.0.0/8'), { address: '10.0.0.0', prefix: 8, family: 'IPv4' });
  for (const bad of ['10.0.0.0', '10.0.0.0/33', 'x/8', '10.0.0.0/a']) assert.equal(parseCidr(bad), undefined, bad);
  assert.equal(canonicalIPv4Cidr('192.168.1.77/24'), '192.168.1.0/24');
  assert.equal(canonicalIPv4Cidr('0.0.0.0/0'), '0.0.0.0/0');
  const set = new CidrSet(['10.0.0.0/8', 'bogus', 'fd00::/8']);
  assert.equal(set.size, 2);
  assert.ok(set.contains('10.1.2.3') && set.contains('fd00::1'));
  assert.ok(!set.contains('11.0.0.1') && !set.contains('not-an-ip'));
});
