import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addressAllowed,
  checkProxyableHost,
  isGlobalUnicast,
  proxyAddressPolicy,
  setProxyAddressPolicy,
} from './address-policy.js';

test('isGlobalUnicast follows Go net.IP.IsGlobalUnicast', () => {
  const cases: [string, boolean][] = [
    ['10.42.0.5', true],
    ['192.168.1.1', true],
    ['8.8.8.8', true],
    ['127.0.0.1', false],
    ['127.1.2.3', false],
    ['169.254.169.254', false],
    ['0.0.0.0', false],
    ['255.255.255.255', false],
    ['224.0.0.1', false],
    ['2001:db8::1', true],
    ['fd00::1', true],
    ['::1', false],
    ['::', false],
    ['fe80::1', false],
    ['ff02::1', false],
    ['::ffff:10.0.0.1', true],
    ['::ffff:127.0.0.1', false],
    ['not-an-ip', false],
    ['', false],
  ];
  for (const [ip, want] of cases) assert.equal(isGlobalUnicast(ip), want, ip);
});

test('addressAllowed lets loopback through only when the policy says so', () => {
  assert.equal(addressAllowed('127.0.0.1', {}), false);
  assert.equal(addressAllowed('127.0.0.1', { allowLoopback: true }), true);
  assert.equal(addressAllowed('::1', { allowLoopback: true }), true);
  assert.equal(addressAllowed('169.254.169.254', { allowLoopback: true }), false);
  assert.equal(addressAllowed('', { allowLoopback: true }), false);
  assert.equal(addressAllowed('10.0.0.1', {}), true);
});

test('policies are per server instance', () => {
  const a = {};
  const b = {};
  setProxyAddressPolicy(a, { allowLoopback: true });
  assert.deepEqual(proxyAddressPolicy(a), { allowLoopback: true });
  assert.deepEqual(proxyAddressPolicy(b), {});
});

test('checkProxyableHost refuses disallowed addresses with 400 "address not allowed"', async () => {
  await checkProxyableHost('10.1.2.3', {});
  await checkProxyableHost('127.0.0.1', { allowLoopback: true });
  await assert.rejects(
    checkProxyableHost('127.0.0.1', {}),
    (err: { code: number; message: string; reason: string }) => {
      assert.equal(err.code, 400);
      assert.equal(err.reason, 'BadRequest');
      assert.equal(err.message, 'address not allowed');
      return true;
    },
  );
  // "localhost" resolves to loopback only.
  await assert.rejects(checkProxyableHost('localhost', {}), /address not allowed/);
});
