import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalIPv4CIDR,
  masqueradeRules,
  renderIptablesMasquerade,
  renderIptablesRemoval,
  renderNftMasquerade,
} from './masquerade-rules.js';

test('masqueradeRules: pod sources, exempt destinations, IPv6 ignored', () => {
  const cases: {
    name: string;
    cluster: string[];
    service: string[];
    want: { sources: string[]; exempt: string[]; ignored: string[] };
  }[] = [
    {
      name: 'defaults',
      cluster: ['10.42.0.0/16'],
      service: ['10.43.0.0/16'],
      want: { sources: ['10.42.0.0/16'], exempt: ['10.42.0.0/16', '10.43.0.0/16', '224.0.0.0/4'], ignored: [] },
    },
    {
      name: 'dual-stack flag values, host bits, duplicates',
      cluster: ['10.42.1.7/16,fd00:42::/56', ' 10.42.0.0/16 '],
      service: ['10.43.0.0/16,fd00:43::/112'],
      want: {
        sources: ['10.42.0.0/16'],
        exempt: ['10.42.0.0/16', '10.43.0.0/16', '224.0.0.0/4'],
        ignored: ['fd00:42::/56', 'fd00:43::/112'],
      },
    },
    {
      name: 'no service CIDR, two pod CIDRs',
      cluster: ['10.42.0.0/16', '10.99.0.0/24'],
      service: [],
      want: {
        sources: ['10.42.0.0/16', '10.99.0.0/24'],
        exempt: ['10.42.0.0/16', '10.99.0.0/24', '224.0.0.0/4'],
        ignored: [],
      },
    },
    {
      name: 'only IPv6: nothing to masquerade',
      cluster: ['fd00:42::/56'],
      service: [],
      want: { sources: [], exempt: ['224.0.0.0/4'], ignored: ['fd00:42::/56'] },
    },
  ];
  for (const c of cases) assert.deepEqual(masqueradeRules(c.cluster, c.service), c.want, c.name);
});

test('canonicalIPv4CIDR refuses what is not an IPv4 CIDR', () => {
  assert.equal(canonicalIPv4CIDR('192.168.7.9/24'), '192.168.7.0/24');
  assert.equal(canonicalIPv4CIDR('0.0.0.0/0'), '0.0.0.0/0');
  for (const bad of ['10.42.0.0', '10.42.0.0/33', '10.42.0/16', '10.256.0.0/16', 'x/8', '']) {
    assert.throws(() => canonicalIPv4CIDR(bad), /invalid IPv4 CIDR/, bad);
  }
  assert.throws(() => masqueradeRules(['10.42.0.0/40'], []), /invalid IPv4 CIDR "10.42.0.0\/40"/);
});

test('the nftables script recreates the table atomically with return rules before the masquerade', () => {
  const r = masqueradeRules(['10.42.0.0/16'], ['10.43.0.0/16']);
  assert.equal(
    renderNftMasquerade(r),
    [
      'add table ip kubets-masq',
      'delete table ip kubets-masq',
      'table ip kubets-masq {',
      '\tchain postrouting {',
      '\t\ttype nat hook postrouting priority 100; policy accept;',
      '\t\tip daddr 10.42.0.0/16 return',
      '\t\tip daddr 10.43.0.0/16 return',
      '\t\tip daddr 224.0.0.0/4 return',
      '\t\tip saddr 10.42.0.0/16 masquerade',
      '\t}',
      '}',
      '',
    ].join('\n'),
  );
  assert.equal(
    renderNftMasquerade(masqueradeRules([], [])),
    'add table ip kubets-masq\ndelete table ip kubets-masq\n',
    'no sources: the table only goes',
  );
});

test('the iptables-restore input rewrites the chain and adds the hook only when missing', () => {
  const r = masqueradeRules(['10.42.0.0/16'], ['10.43.0.0/16']);
  const chain = [
    '*nat',
    ':KUBETS-POD-MASQ - [0:0]',
    '-A KUBETS-POD-MASQ -d 10.42.0.0/16 -j RETURN',
    '-A KUBETS-POD-MASQ -d 10.43.0.0/16 -j RETURN',
    '-A KUBETS-POD-MASQ -d 224.0.0.0/4 -j RETURN',
    '-A KUBETS-POD-MASQ -s 10.42.0.0/16 -j MASQUERADE',
  ];
  const hook = '-A POSTROUTING -m comment --comment "kubets pod masquerade" -j KUBETS-POD-MASQ';
  assert.equal(renderIptablesMasquerade(r, false), [...chain, hook, 'COMMIT', ''].join('\n'));
  assert.equal(renderIptablesMasquerade(r, true), [...chain, 'COMMIT', ''].join('\n'));
  assert.equal(
    renderIptablesRemoval([hook]),
    [
      '*nat',
      '-D POSTROUTING -m comment --comment "kubets pod masquerade" -j KUBETS-POD-MASQ',
      ':KUBETS-POD-MASQ - [0:0]',
      '-X KUBETS-POD-MASQ',
      'COMMIT',
      '',
    ].join('\n'),
  );
});
