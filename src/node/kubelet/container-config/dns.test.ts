import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseResolvConf, podDnsConfig, type DnsSettings } from './dns.js';

const host = parseResolvConf(
  '# comment\nnameserver 192.0.2.53\nsearch corp.example\nsearch lab.example.\noptions rotate timeout:2\n',
);
const settings: DnsSettings = {
  clusterDNS: ['10.43.0.10'],
  clusterDomain: 'cluster.local',
  host,
  nodeIPs: ['192.0.2.10'],
};
const pod = (spec: Pod['spec'] = { containers: [] }): Pod => ({ metadata: { name: 'p', namespace: 'team' }, spec });

test('parseResolvConf keeps servers, the last search line and all options', () => {
  assert.deepEqual(host, { servers: ['192.0.2.53'], searches: ['lab.example'], options: ['rotate', 'timeout:2'] });
});

test('dns policies', () => {
  const cases: { name: string; spec: Pod['spec']; s?: Partial<DnsSettings>; want: object }[] = [
    {
      name: 'ClusterFirst',
      spec: { containers: [] },
      want: {
        servers: ['10.43.0.10'],
        searches: ['team.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'lab.example'],
        options: ['ndots:5'],
      },
    },
    {
      name: 'ClusterFirst without a host resolver',
      spec: { containers: [] },
      s: { host: undefined },
      want: {
        servers: ['10.43.0.10'],
        searches: ['team.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
        options: ['ndots:5'],
      },
    },
    { name: 'ClusterFirst on host network is Default', spec: { containers: [], hostNetwork: true }, want: host },
    {
      name: 'ClusterFirstWithHostNet',
      spec: { containers: [], hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' },
      want: {
        servers: ['10.43.0.10'],
        searches: ['team.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'lab.example'],
        options: ['ndots:5'],
      },
    },
    { name: 'Default', spec: { containers: [], dnsPolicy: 'Default' }, want: host },
    {
      name: 'Default without a host resolver',
      spec: { containers: [], dnsPolicy: 'Default' },
      s: { host: undefined },
      want: { servers: ['127.0.0.1'], searches: ['.'], options: [] },
    },
    {
      name: 'None with dnsConfig',
      spec: {
        containers: [],
        dnsPolicy: 'None',
        dnsConfig: { nameservers: ['1.2.3.4'], searches: ['a.example'], options: [{ name: 'ndots', value: '2' }] },
      },
      want: { servers: ['1.2.3.4'], searches: ['a.example'], options: ['ndots:2'] },
    },
    {
      name: 'ClusterFirst merged with dnsConfig',
      spec: {
        containers: [],
        dnsConfig: {
          nameservers: ['10.43.0.10', '9.9.9.9'],
          searches: ['svc.cluster.local', 'extra.example'],
          options: [{ name: 'ndots', value: '1' }, { name: 'edns0' }],
        },
      },
      s: { host: undefined },
      want: {
        servers: ['10.43.0.10', '9.9.9.9'],
        searches: ['team.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'extra.example'],
        options: ['ndots:1', 'edns0'],
      },
    },
  ];
  for (const c of cases) {
    const r = podDnsConfig(pod(c.spec), { ...settings, ...c.s });
    assert.deepEqual(r.config, c.want, c.name);
    assert.deepEqual(r.warnings, [], c.name);
  }
});

test('ClusterFirst without cluster DNS falls back to Default with a warning', () => {
  const r = podDnsConfig(pod(), { ...settings, clusterDNS: [] });
  assert.deepEqual(r.config, host);
  assert.equal(r.warnings[0]?.reason, 'MissingClusterDNS');
});

test('limits: 3 nameservers, 32 search paths', () => {
  const r = podDnsConfig(
    pod({
      containers: [],
      dnsPolicy: 'None',
      dnsConfig: {
        nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4'],
        searches: Array.from({ length: 40 }, (_, i) => `s${i}.example`),
      },
    }),
    settings,
  );
  assert.deepEqual(r.config.servers, ['1.1.1.1', '2.2.2.2', '3.3.3.3']);
  assert.equal(r.config.searches.length, 32);
  assert.deepEqual(
    r.warnings.map((w) => w.reason),
    ['DNSConfigForming', 'DNSConfigForming'],
  );
  assert.match(r.warnings[0]!.message, /the applied nameserver line is: 1.1.1.1 2.2.2.2 3.3.3.3$/);
});
