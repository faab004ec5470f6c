import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import {
  endpointSlicePrinter,
  endpointsPrinter,
  ingressClassPrinter,
  ingressPrinter,
  ipAddressPrinter,
  networkPolicyPrinter,
  serviceCIDRPrinter,
  servicePrinter,
} from './networking.js';
import { ago, columnNames, DAY, rowOf } from './testing.js';

const meta = (name: string) => ({ name, namespace: 'default', creationTimestamp: ago(DAY) });

function svc(spec: Service['spec'], status: Service['status'] = {}): Service {
  return { metadata: meta('web'), spec, status };
}

test('service columns', () => {
  assert.deepEqual(columnNames(servicePrinter), [
    'Name',
    'Type',
    'Cluster-IP',
    'External-IP',
    'Port(s)',
    'Age',
    'Selector*',
  ]);
});

test('service of each type: cluster IP, external IP and ports', () => {
  const tcp = [{ port: 80, protocol: 'TCP', targetPort: 8080 }];
  const cases: { name: string; svc: Service; want: [string, string, string, string] }[] = [
    {
      name: 'ClusterIP',
      svc: svc({ type: 'ClusterIP', clusterIP: '10.43.0.15', clusterIPs: ['10.43.0.15'], ports: tcp }),
      want: ['ClusterIP', '10.43.0.15', '<none>', '80/TCP'],
    },
    {
      name: 'headless, several ports',
      svc: svc({
        type: 'ClusterIP',
        clusterIP: 'None',
        clusterIPs: ['None'],
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
      }),
      want: ['ClusterIP', 'None', '<none>', '53/UDP,53/TCP'],
    },
    {
      name: 'ClusterIP with external IPs',
      svc: svc({ type: 'ClusterIP', clusterIPs: ['10.43.0.2'], externalIPs: ['192.0.2.1', '192.0.2.2'], ports: tcp }),
      want: ['ClusterIP', '10.43.0.2', '192.0.2.1,192.0.2.2', '80/TCP'],
    },
    {
      name: 'NodePort',
      svc: svc({
        type: 'NodePort',
        clusterIPs: ['10.43.0.3', 'fd00::3'],
        ports: [
          { port: 80, nodePort: 30080, protocol: 'TCP' },
          { port: 443, nodePort: 30443, protocol: 'TCP' },
        ],
      }),
      want: ['NodePort', '10.43.0.3', '<none>', '80:30080/TCP,443:30443/TCP'],
    },
    {
      name: 'LoadBalancer pending',
      svc: svc({
        type: 'LoadBalancer',
        clusterIPs: ['10.43.0.4'],
        ports: [{ port: 80, nodePort: 31000, protocol: 'TCP' }],
      }),
      want: ['LoadBalancer', '10.43.0.4', '<pending>', '80:31000/TCP'],
    },
    {
      name: 'LoadBalancer provisioned: sorted, de-duplicated, never clipped',
      svc: svc(
        { type: 'LoadBalancer', clusterIPs: ['10.43.0.5'], ports: tcp },
        {
          loadBalancer: {
            ingress: [
              { ip: '203.0.113.20' },
              { hostname: 'a-very-long-load-balancer-name.example.com' },
              { ip: '203.0.113.10' },
              { ip: '203.0.113.10' },
            ],
          },
        },
      ),
      want: [
        'LoadBalancer',
        '10.43.0.5',
        '203.0.113.10,203.0.113.20,a-very-long-load-balancer-name.example.com',
        '80/TCP',
      ],
    },
    {
      name: 'LoadBalancer with external IPs too',
      svc: svc(
        { type: 'LoadBalancer', clusterIPs: ['10.43.0.6'], externalIPs: ['192.0.2.9'], ports: tcp },
        { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } },
      ),
      want: ['LoadBalancer', '10.43.0.6', '203.0.113.7,192.0.2.9', '80/TCP'],
    },
    {
      name: 'ExternalName',
      svc: svc({ type: 'ExternalName', externalName: 'db.example.com' }),
      want: ['ExternalName', '<none>', 'db.example.com', '<none>'],
    },
  ];
  for (const c of cases) {
    const r = rowOf(servicePrinter, c.svc);
    assert.deepEqual([r.Type, r['Cluster-IP'], r['External-IP'], r['Port(s)']], c.want, c.name);
  }
  const r = rowOf(servicePrinter, svc({ type: 'ClusterIP', selector: { app: 'web', tier: 'fe' } }));
  assert.deepEqual([r.Name, r.Age, r.Selector], ['web', '24h', 'app=web,tier=fe']);
  assert.equal(rowOf(servicePrinter, svc({ type: 'ClusterIP' })).Selector, '<none>');
});

test('endpoints: first three addresses, then a count of the rest', () => {
  const ep = (subsets: unknown) => rowOf(endpointsPrinter, { metadata: meta('web'), subsets }).Endpoints;
  assert.equal(ep(undefined), '<none>');
  assert.equal(
    ep([{ addresses: [{ ip: '10.42.0.1' }, { ip: '10.42.0.2' }], ports: [{ port: 80 }] }]),
    '10.42.0.1:80,10.42.0.2:80',
  );
  assert.equal(
    ep([
      {
        addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }, { ip: '10.0.0.4' }, { ip: '10.0.0.5' }],
        ports: [{ port: 80 }],
      },
    ]),
    '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...',
  );
  // Two ports: every address counts once per port.
  assert.equal(
    ep([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }, { port: 443 }] }]),
    '10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...',
  );
  assert.equal(ep([{ addresses: [{ ip: '10.0.0.1' }] }]), '10.0.0.1');
  assert.equal(ep([{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 53 }] }]), '[fd00::1]:53');
  assert.equal(ep([{ notReadyAddresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }]), '');
});

test('endpoint slice: address type, ports and endpoints', () => {
  const r = rowOf(endpointSlicePrinter, {
    metadata: meta('web-abc12'),
    addressType: 'IPv4',
    ports: [{ port: 80, name: 'http' }, { name: 'metrics' }, {}, { port: 443 }],
    endpoints: [{ addresses: ['10.42.0.1'] }, { addresses: ['10.42.0.2', '10.42.0.3', '10.42.0.4'] }],
  });
  assert.deepEqual(r, {
    Name: 'web-abc12',
    AddressType: 'IPv4',
    Ports: '80,metrics,* + 1 more...',
    Endpoints: '10.42.0.1,10.42.0.2,10.42.0.3 + 1 more...',
    Age: '24h',
  });
  const empty = rowOf(endpointSlicePrinter, { metadata: meta('e'), addressType: 'IPv6', endpoints: [] });
  assert.deepEqual([empty.Ports, empty.Endpoints], ['<unset>', '<unset>']);
});

test('ingress: class, hosts, address and ports', () => {
  const ing = (spec: unknown, status: unknown = {}) => rowOf(ingressPrinter, { metadata: meta('shop'), spec, status });
  assert.deepEqual(ing({ ingressClassName: 'nginx', rules: [{ host: 'shop.example.com' }] }), {
    Name: 'shop',
    Class: 'nginx',
    Hosts: 'shop.example.com',
    Address: '',
    Ports: '80',
    Age: '24h',
  });
  const r = ing(
    {
      rules: [{ host: 'a.example' }, {}, { host: 'b.example' }, { host: 'c.example' }, { host: 'd.example' }],
      tls: [{ hosts: ['a.example'] }],
    },
    { loadBalancer: { ingress: [{ ip: '203.0.113.2' }, { hostname: 'lb.example' }] } },
  );
  assert.deepEqual(
    [r.Class, r.Hosts, r.Address, r.Ports],
    ['<none>', 'a.example,b.example,c.example + 2 more...', '203.0.113.2,lb.example', '80, 443'],
  );
  assert.equal(ing({ defaultBackend: { service: { name: 'x' } } }).Hosts, '*');
});

test('ingress class, network policy, service CIDR and IP address', () => {
  assert.deepEqual(
    rowOf(ingressClassPrinter, {
      metadata: meta('nginx'),
      spec: {
        controller: 'k8s.io/ingress-nginx',
        parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'p' },
      },
    }),
    {
      Name: 'nginx',
      Controller: 'k8s.io/ingress-nginx',
      Parameters: 'IngressParameters.k8s.example.com/p',
      Age: '24h',
    },
  );
  assert.equal(rowOf(ingressClassPrinter, { metadata: meta('x'), spec: { controller: 'c' } }).Parameters, '<none>');

  assert.equal(
    rowOf(networkPolicyPrinter, { metadata: meta('deny'), spec: { podSelector: { matchLabels: { role: 'db' } } } })[
      'Pod-Selector'
    ],
    'role=db',
  );
  assert.equal(
    rowOf(networkPolicyPrinter, { metadata: meta('all'), spec: { podSelector: {} } })['Pod-Selector'],
    '<none>',
  );

  assert.deepEqual(
    rowOf(serviceCIDRPrinter, { metadata: meta('kubernetes'), spec: { cidrs: ['10.43.0.0/16', 'fd00::/108'] } }),
    {
      Name: 'kubernetes',
      CIDRs: '10.43.0.0/16,fd00::/108',
      Age: '24h',
    },
  );
  assert.deepEqual(
    rowOf(ipAddressPrinter, {
      metadata: meta('10.43.0.10'),
      spec: { parentRef: { group: '', resource: 'services', namespace: 'kube-system', name: 'kube-dns' } },
    }),
    { Name: '10.43.0.10', ParentRef: 'services/kube-system/kube-dns' },
  );
  assert.equal(rowOf(ipAddressPrinter, { metadata: meta('x'), spec: {} }).ParentRef, '<none>');
});
