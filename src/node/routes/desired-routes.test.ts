import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import { canonicalDst, desiredPodRoutes } from './desired-routes.js';

function node(name: string, podCIDRs: string[] | string | undefined, ips: string[]): Node {
  return {
    metadata: { name },
    spec: Array.isArray(podCIDRs) ? { podCIDR: podCIDRs[0], podCIDRs } : podCIDRs ? { podCIDR: podCIDRs } : {},
    status: {
      addresses: [{ type: 'Hostname', address: name }, ...ips.map((address) => ({ type: 'InternalIP', address }))],
    },
  };
}

const self = { nodeName: 'a', nodeIPs: ['192.168.250.1'] };

test('desiredPodRoutes: one route per other node, with the reasons others get none', () => {
  const cases: { name: string; nodes: Node[]; routes: string[]; skipped?: RegExp[] }[] = [
    {
      name: 'every other node with a CIDR and an InternalIP',
      nodes: [
        node('a', '10.42.0.0/24', ['192.168.250.1']),
        node('c', '10.42.2.0/24', ['192.168.250.3']),
        node('b', '10.42.1.0/24', ['192.168.250.2']),
      ],
      routes: ['10.42.1.0/24 via 192.168.250.2 (b)', '10.42.2.0/24 via 192.168.250.3 (c)'],
    },
    {
      name: 'no pod CIDR yet: nothing, and not reported (node-ipam will assign one)',
      nodes: [node('b', undefined, ['192.168.250.2'])],
      routes: [],
      skipped: [],
    },
    {
      name: 'no InternalIP',
      nodes: [node('b', '10.42.1.0/24', [])],
      routes: [],
      skipped: [/b: 10\.42\.1\.0\/24: no IPv4 InternalIP/],
    },
    {
      name: 'a gateway that is this node, or loopback, would loop',
      nodes: [node('b', '10.42.1.0/24', ['192.168.250.1']), node('c', '10.42.2.0/24', ['127.0.0.1'])],
      routes: [],
      skipped: [/b: .*192\.168\.250\.1 is this node's/, /c: .*127\.0\.0\.1 is this node's/],
    },
    {
      name: "another node claiming this node's CIDR, or a CIDR already routed: the first by name wins",
      nodes: [
        node('a', '10.42.0.0/24', ['192.168.250.1']),
        node('b', '10.42.0.0/24', ['192.168.250.2']),
        node('d', '10.42.3.0/24', ['192.168.250.4']),
        node('c', '10.42.3.0/24', ['192.168.250.3']),
      ],
      routes: ['10.42.3.0/24 via 192.168.250.3 (c)'],
      skipped: [/b: .*own pod CIDR/, /d: .*also claimed by node c/],
    },
    {
      name: 'dual stack: each CIDR through the InternalIP of its family',
      nodes: [node('b', ['10.42.1.0/24', 'fd00:42:1::/64'], ['192.168.250.2', 'fd00:250::2'])],
      routes: ['10.42.1.0/24 via 192.168.250.2 (b)', 'fd00:42:1::/64 via fd00:250::2 (b)'],
    },
    {
      name: 'an IPv6 CIDR on an IPv4-only node',
      nodes: [node('b', ['10.42.1.0/24', 'fd00:42:1::/64'], ['192.168.250.2'])],
      routes: ['10.42.1.0/24 via 192.168.250.2 (b)'],
      skipped: [/no IPv6 InternalIP/],
    },
    {
      name: 'garbage in the CIDR field',
      nodes: [node('b', 'not-a-cidr', ['192.168.250.2']), node('c', '10.42.2.0/40', ['192.168.250.3'])],
      routes: [],
      skipped: [/b: not-a-cidr: not a CIDR/, /c: 10\.42\.2\.0\/40: not a CIDR/],
    },
  ];
  for (const c of cases) {
    const got = desiredPodRoutes(c.nodes, self);
    assert.deepEqual(
      got.routes.map((r) => `${r.dst} via ${r.via} (${r.node})`),
      c.routes,
      c.name,
    );
    if (c.skipped) {
      assert.equal(got.skipped.length, c.skipped.length, `${c.name}: ${JSON.stringify(got.skipped)}`);
      c.skipped.forEach((re, i) => assert.match(`${got.skipped[i]!.node}: ${got.skipped[i]!.reason}`, re, c.name));
    }
  }
});

test('canonicalDst matches how ip route prints destinations', () => {
  const cases: [string, string][] = [
    ['10.42.1.0/24', '10.42.1.0/24'],
    ['10.42.1.5/32', '10.42.1.5'],
    ['FD00:42::/64', 'fd00:42::/64'],
    ['fd00::1/128', 'fd00::1'],
    ['default', 'default'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalDst(input), want, input);
});
