import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import { servicePortsOf, shouldSkipService } from './service-port.js';
import { service } from './testing/objects.js';
import { externallyAccessible, usesClusterEndpoints, usesLocalEndpoints } from './types.js';

test('services without proxied ports: ExternalName, headless, no cluster IP, another proxy', () => {
  const cases: [string, Service, boolean][] = [
    ['ClusterIP', service('a'), false],
    ['ExternalName', service('a', { type: 'ExternalName', clusterIP: undefined, externalName: 'x.example' }), true],
    ['headless', service('a', { clusterIP: 'None' }), true],
    ['no cluster IP yet', service('a', { clusterIP: '' }), true],
    [
      'service-proxy-name label',
      {
        ...service('a'),
        metadata: { namespace: 'ns', name: 'a', labels: { 'service.kubernetes.io/service-proxy-name': 'x' } },
      },
      true,
    ],
  ];
  for (const [what, svc, skip] of cases) {
    assert.equal(shouldSkipService(svc), skip, what);
    assert.equal(servicePortsOf(svc).length, skip ? 0 : 1, what);
  }
});

test('one ServicePortInfo per port, keyed by namespace/name:port/PROTOCOL', () => {
  const ports = servicePortsOf(
    service('web', {
      ports: [
        { name: 'http', port: 80, nodePort: 30080 },
        { name: 'dns', port: 53, protocol: 'UDP' },
      ],
      type: 'NodePort',
    }),
  );
  assert.deepEqual(
    ports.map((p) => [p.key, p.protocol, p.port, p.nodePort]),
    [
      ['ns/web:http/TCP', 'TCP', 80, 30080],
      ['ns/web:dns/UDP', 'UDP', 53, 0],
    ],
  );
  assert.notEqual(ports[0]!.fingerprint, ports[1]!.fingerprint);
  assert.equal(servicePortsOf(service('web', { ports: [{ port: 80 }] }))[0]!.key, 'ns/web:/TCP');
});

test('affinity, traffic policies, health check port and addresses of the proxy family', () => {
  const [p] = servicePortsOf(
    service('lb', {
      type: 'LoadBalancer',
      clusterIPs: ['fd00::1', '10.43.0.20'],
      clusterIP: 'fd00::1',
      ports: [{ name: 'http', port: 80, nodePort: 30001 }],
      sessionAffinity: 'ClientIP',
      externalTrafficPolicy: 'Local',
      internalTrafficPolicy: 'Local',
      healthCheckNodePort: 32000,
      externalIPs: ['192.0.2.1', '2001:db8::1'],
      loadBalancerSourceRanges: ['203.0.113.7/24', '2001:db8::/32'],
    }),
  );
  assert.ok(p);
  assert.equal(p.clusterIP, '10.43.0.20', 'the IPv4 one of a dual-stack Service');
  assert.equal(p.stickySeconds, 10800, 'default ClientIP timeout');
  assert.deepEqual(p.externalIPs, ['192.0.2.1']);
  assert.deepEqual(p.loadBalancerSourceRanges, ['203.0.113.0/24'], 'canonical network address');
  assert.equal(p.externalPolicyLocal, true);
  assert.equal(p.internalPolicyLocal, true);
  assert.equal(p.healthCheckNodePort, 32000);
  assert.ok(externallyAccessible(p) && usesClusterEndpoints(p) && usesLocalEndpoints(p));

  const withStatus: Service = {
    ...service('lb2', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 32001 }),
    status: {
      loadBalancer: {
        ingress: [{ ip: '198.51.100.1' }, { ip: '198.51.100.2', ipMode: 'Proxy' }, { hostname: 'lb.example' }],
      },
    },
  };
  assert.deepEqual(servicePortsOf(withStatus)[0]!.loadBalancerVIPs, ['198.51.100.1'], 'Proxy-mode ingress skipped');

  // externalTrafficPolicy only counts where the Service is reachable from outside.
  const [internalOnly] = servicePortsOf(service('c', { externalTrafficPolicy: 'Local' }));
  assert.equal(internalOnly!.externalPolicyLocal, false);
  assert.equal(internalOnly!.healthCheckNodePort, 0);
  assert.equal(usesLocalEndpoints(internalOnly!), false);
  const [nodePortLocal] = servicePortsOf(
    service('d', { type: 'NodePort', externalTrafficPolicy: 'Local', healthCheckNodePort: 32002 }),
  );
  assert.equal(nodePortLocal!.externalPolicyLocal, true);
  assert.equal(nodePortLocal!.healthCheckNodePort, 0, 'health checks only for LoadBalancer Services');
  const [timeout] = servicePortsOf(
    service('e', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }),
  );
  assert.equal(timeout!.stickySeconds, 60);
});
