import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints, Service } from 'kubernetes-types/core/v1.js';
import { validateEndpoints, validateService, validateServiceStatusUpdate, validateServiceUpdate } from './service.js';
import { clone, kinds, messages, service } from './testdata.js';

test('a defaulted ClusterIP service is valid', () => {
  assert.deepEqual(messages(validateService(service())), []);
});

test('service spec rules', () => {
  const cases: [string, Partial<NonNullable<Service['spec']>>, string[]][] = [
    ['no ports', { ports: [] }, ['FieldValueRequired spec.ports']],
    ['headless needs no ports', { ports: [], clusterIP: 'None', clusterIPs: ['None'] }, []],
    [
      'port names required when several',
      {
        ports: [
          { port: 80, targetPort: 80, protocol: 'TCP' },
          { name: 'b', port: 81, targetPort: 81, protocol: 'TCP' },
        ],
      },
      ['FieldValueRequired spec.ports[0].name'],
    ],
    [
      'port names unique',
      {
        ports: [
          { name: 'a', port: 80, targetPort: 80, protocol: 'TCP' },
          { name: 'a', port: 81, targetPort: 81, protocol: 'TCP' },
        ],
      },
      ['FieldValueDuplicate spec.ports[1].name'],
    ],
    [
      'duplicate port/protocol',
      {
        ports: [
          { name: 'a', port: 80, targetPort: 80, protocol: 'TCP' },
          { name: 'b', port: 80, targetPort: 81, protocol: 'TCP' },
        ],
      },
      ['FieldValueDuplicate spec.ports[1]'],
    ],
    ['port range', { ports: [{ port: 0, targetPort: 80, protocol: 'TCP' }] }, ['FieldValueInvalid spec.ports[0].port']],
    [
      'targetPort name',
      { ports: [{ port: 80, targetPort: 'Web_Port', protocol: 'TCP' }] },
      ['FieldValueInvalid spec.ports[0].targetPort'],
    ],
    [
      'protocol',
      { ports: [{ port: 80, targetPort: 80, protocol: 'ICMP' }] },
      ['FieldValueNotSupported spec.ports[0].protocol'],
    ],
    ['type', { type: 'Internal' }, ['FieldValueNotSupported spec.type']],
    [
      'clusterIP invalid',
      { clusterIP: '10.43.0.300', clusterIPs: ['10.43.0.300'] },
      ['FieldValueInvalid spec.clusterIPs[0]'],
    ],
    ['clusterIPs mismatch', { clusterIPs: ['10.43.0.16'] }, ['FieldValueInvalid spec.clusterIPs']],
    [
      'nodePort on ClusterIP',
      { ports: [{ port: 80, targetPort: 80, protocol: 'TCP', nodePort: 30080 }] },
      ['FieldValueForbidden spec.ports[0].nodePort'],
    ],
    ['sessionAffinity', { sessionAffinity: 'Cookie' }, ['FieldValueNotSupported spec.sessionAffinity']],
    ['ClientIP needs config', { sessionAffinity: 'ClientIP' }, ['FieldValueRequired spec.sessionAffinityConfig']],
    ['selector labels', { selector: { app: 'a b' } }, ['FieldValueInvalid spec.selector']],
    [
      'externalTrafficPolicy on ClusterIP',
      { externalTrafficPolicy: 'Local' },
      ['FieldValueInvalid spec.externalTrafficPolicy'],
    ],
    [
      'internalTrafficPolicy required',
      { internalTrafficPolicy: undefined },
      ['FieldValueRequired spec.internalTrafficPolicy'],
    ],
    [
      'externalIP loopback',
      { externalIPs: ['127.0.0.1'] },
      ['FieldValueInvalid spec.externalIPs[0]', 'FieldValueRequired spec.externalTrafficPolicy'],
    ],
    [
      'headless NodePort',
      { type: 'NodePort', clusterIP: 'None', clusterIPs: ['None'], externalTrafficPolicy: 'Cluster' },
      ['FieldValueInvalid spec.clusterIPs[0]'],
    ],
    [
      'loadBalancerSourceRanges on ClusterIP',
      { loadBalancerSourceRanges: ['10.0.0.0/8'] },
      ['FieldValueForbidden spec.LoadBalancerSourceRanges'],
    ],
  ];
  for (const [name, spec, want] of cases) assert.deepEqual(kinds(validateService(service(spec))), want, name);
});

test('service kinds: ExternalName, LoadBalancer, DNS-1035 names', () => {
  const ext = service({
    type: 'ExternalName',
    externalName: 'db.example.com.',
    clusterIP: undefined,
    clusterIPs: undefined,
    ipFamilies: undefined,
    ipFamilyPolicy: undefined,
    internalTrafficPolicy: undefined,
    ports: [],
  });
  assert.deepEqual(kinds(validateService(ext)), []);
  ext.spec!.externalName = '';
  assert.deepEqual(messages(validateService(ext)), ['spec.externalName: Required value']);
  const lb = service({ type: 'LoadBalancer', externalTrafficPolicy: 'Cluster' });
  assert.deepEqual(messages(validateService(lb)), ['allocateLoadBalancerNodePorts: Required value']);
  lb.spec!.allocateLoadBalancerNodePorts = true;
  assert.deepEqual(kinds(validateService(lb)), []);
  lb.spec!.externalTrafficPolicy = 'Local';
  assert.deepEqual(kinds(validateService(lb)), ['FieldValueRequired spec.healthCheckNodePort']);
  const named = service();
  named.metadata!.name = '1web';
  assert.deepEqual(messages(validateService(named)), [
    `metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
  ]);
});

test('service updates: clusterIP is immutable', () => {
  const old = service();
  const next = clone(old);
  next.spec!.clusterIP = '10.43.0.16';
  next.spec!.clusterIPs = ['10.43.0.16'];
  assert.deepEqual(kinds(validateServiceUpdate(next, old)), ['FieldValueInvalid spec.clusterIPs[0]']);
  assert.match(messages(validateServiceUpdate(next, old))[0]!, /may not change once set$/);
  const ok = clone(old);
  ok.spec!.ports = [{ port: 8080, targetPort: 8080, protocol: 'TCP' }];
  assert.deepEqual(kinds(validateServiceUpdate(ok, old)), []);
  const status = clone(old);
  (status as { status?: Service['status'] }).status = { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } };
  assert.deepEqual(kinds(validateServiceStatusUpdate(status, old)), [
    'FieldValueForbidden status.loadBalancer.ingress',
  ]);
});

test('endpoints', () => {
  const ep: Endpoints = {
    metadata: { name: 'web', namespace: 'default' },
    subsets: [{ addresses: [{ ip: '10.42.0.5' }], ports: [{ port: 8080, protocol: 'TCP' }] }],
  };
  assert.deepEqual(kinds(validateEndpoints(ep)), []);
  const bad = clone(ep);
  bad.subsets = [
    { ports: [{ port: 80, protocol: 'TCP' }] },
    {
      addresses: [{ ip: '127.0.0.1' }, { ip: 'x' }],
      ports: [
        { port: 80, protocol: 'TCP' },
        { name: 'b', port: 0, protocol: 'TCP' },
      ],
    },
  ];
  assert.deepEqual(kinds(validateEndpoints(bad)), [
    'FieldValueRequired subsets[0]',
    'FieldValueInvalid subsets[1].addresses[0].ip',
    'FieldValueInvalid subsets[1].addresses[1].ip',
    'FieldValueInvalid subsets[1].addresses[1].ip',
    'FieldValueRequired subsets[1].ports[0].name',
    'FieldValueInvalid subsets[1].ports[1].port',
  ]);
});
