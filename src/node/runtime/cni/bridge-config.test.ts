import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bridgeCniConfig, parseIPv4CIDR, writeBridgeCniConfig } from './bridge-config.js';

test('parseIPv4CIDR', () => {
  assert.deepEqual(parseIPv4CIDR('10.42.3.0/24'), {
    network: '10.42.3.0',
    prefix: 24,
    first: '10.42.3.1',
    last: '10.42.3.254',
  });
  assert.deepEqual(parseIPv4CIDR('10.244.0.0/16').last, '10.244.255.254');
  const bad: [string, RegExp][] = [
    ['10.42.3.1/24', /host bits set/],
    ['10.42.3.0', /invalid IPv4 pod CIDR/],
    ['10.42.3.0/31', /invalid IPv4 pod CIDR/],
    ['10.42.300.0/24', /invalid IPv4 address/],
    ['fd00::/64', /invalid IPv4 pod CIDR/],
  ];
  for (const [cidr, want] of bad) assert.throws(() => parseIPv4CIDR(cidr), want, cidr);
});

test("a bridge + host-local + portmap conflist (lo is the runtime's own network)", () => {
  assert.deepEqual(
    bridgeCniConfig({ podCIDR: '10.42.0.0/24', bridgeName: 'cni0', ipamDataDir: '/var/lib/kubets/cni' }),
    {
      cniVersion: '1.0.0',
      name: 'kubets',
      plugins: [
        {
          type: 'bridge',
          bridge: 'cni0',
          isGateway: true,
          ipMasq: true,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: '10.42.0.0/24', gateway: '10.42.0.1' }]],
            routes: [{ dst: '0.0.0.0/0' }],
            dataDir: '/var/lib/kubets/cni',
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
  );
  const custom = bridgeCniConfig({
    podCIDR: '10.244.99.0/24',
    bridgeName: 'kbt-test',
    gateway: '10.244.99.254',
    networkName: 'e2e',
    ipMasq: false,
    mtu: 1400,
  }) as any;
  assert.equal(custom.name, 'e2e');
  assert.equal(custom.plugins[0].ipMasq, false);
  assert.equal(custom.plugins[0].mtu, 1400);
  assert.equal(custom.plugins[0].ipam.ranges[0][0].gateway, '10.244.99.254');
  assert.equal(custom.plugins[0].ipam.dataDir, undefined);
});

test('invalid bridge names and gateways are refused', () => {
  const bad: [Parameters<typeof bridgeCniConfig>[0], RegExp][] = [
    [{ podCIDR: '10.42.0.0/24', bridgeName: 'a-bridge-name-too-long' }, /invalid bridge name/],
    [{ podCIDR: '10.42.0.0/24', bridgeName: 'br 0' }, /invalid bridge name/],
    [{ podCIDR: '10.42.0.0/24', bridgeName: 'cni0', gateway: '10.42.1.1' }, /not a host address of 10.42.0.0\/24/],
    [{ podCIDR: '10.42.0.0/24', bridgeName: 'cni0', gateway: '10.42.0.255' }, /not a host address/],
  ];
  for (const [opts, want] of bad) assert.throws(() => bridgeCniConfig(opts), want);
});

test('writeBridgeCniConfig writes the file atomically into a created directory', () => {
  const root = mkdtempSync(join(tmpdir(), 'kubets-cni-'));
  try {
    const dir = join(root, 'net.d');
    const file = writeBridgeCniConfig(dir, { podCIDR: '10.42.0.0/24', bridgeName: 'cni0' });
    assert.equal(file, join(dir, '10-kubets.conflist'));
    assert.deepEqual(readdirSync(dir), ['10-kubets.conflist'], 'no temp file left');
    assert.deepEqual(
      JSON.parse(readFileSync(file, 'utf8')),
      bridgeCniConfig({ podCIDR: '10.42.0.0/24', bridgeName: 'cni0' }),
    );
    writeBridgeCniConfig(dir, { podCIDR: '10.42.1.0/24', bridgeName: 'cni0' });
    assert.match(readFileSync(file, 'utf8'), /10\.42\.1\.0\/24/, 'rewritten in place');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
