import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service, ServiceSpec } from 'kubernetes-types/core/v1.js';
import { type EpSpec, portOf, service, testConfig } from '../testing/objects.js';
import { nftRenderContext, type NftPortRender, renderNftPort } from './render.js';
import { pickChainMax, staticChainRules } from './layout.js';

const ctx = nftRenderContext(testConfig);

function render(spec: Partial<ServiceSpec>, eps: EpSpec[]): NftPortRender {
  const { sp, endpoints } = portOf(service('web', { clusterIP: '10.43.0.10', ...spec }), eps);
  return renderNftPort(ctx, sp, endpoints);
}

/** Chain contents keyed by the chain-name prefix (hashes stripped), and elements as `map key : value`. */
function summary(r: NftPortRender) {
  const short = (name: string) => name.replace(/-[A-Z2-7]{8}-ns\/web\/tcp\/http/, '').replace(/__/, ' ');
  const chains: Record<string, string[]> = {};
  for (const [name, rules] of r.chains)
    chains[short(name)] = rules.map((x) =>
      x.replace(/[a-z]+-[A-Z2-7]{8}-ns\/web\/tcp\/http(__[\d./]+)?/g, (m) => short(m)),
    );
  const elements = r.elements.map(
    (e) => `${e.map} ${e.key}${e.value ? ` : ${short(e.value.replace(/^goto /, ''))}` : ''}`,
  );
  return { chains, elements };
}

test('ClusterIP-only port: shared pick chain by endpoint count, endpoints as slots, no chains of its own', () => {
  const s = summary(render({}, [{ ip: '10.42.0.1' }, { ip: '10.42.0.2' }, { ip: '10.42.0.3' }]));
  assert.deepEqual(s.chains, {});
  assert.deepEqual(s.elements, [
    'cluster-ips 10.43.0.10',
    'service-ips 10.43.0.10 . tcp . 80 : pick-3',
    'service-endpoints 10.43.0.10 . tcp . 80 . 0 : 10.42.0.1 . 8080',
    'service-endpoints 10.43.0.10 . tcp . 80 . 1 : 10.42.0.2 . 8080',
    'service-endpoints 10.43.0.10 . tcp . 80 . 2 : 10.42.0.3 . 8080',
    'hairpin 10.42.0.1 . 10.42.0.1',
    'hairpin 10.42.0.2 . 10.42.0.2',
    'hairpin 10.42.0.3 . 10.42.0.3',
  ]);

  // internalTrafficPolicy Local picks among this node's endpoints only.
  const local = summary(
    render({ internalTrafficPolicy: 'Local' }, [{ ip: '10.42.0.1' }, { ip: '10.42.1.1', node: 'n2' }]),
  );
  assert.deepEqual(local.chains, {});
  assert.deepEqual(
    local.elements.filter((e) => /^service-/.test(e)),
    ['service-ips 10.43.0.10 . tcp . 80 : pick-1', 'service-endpoints 10.43.0.10 . tcp . 80 . 0 : 10.42.0.1 . 8080'],
  );
});

test('more endpoints than pick chains: a per-port chain of successive numgen rules, in place DNAT', () => {
  const eps = Array.from({ length: pickChainMax + 1 }, (_, i) => ({ ip: `10.42.${100 + i}.1` }));
  const s = summary(render({}, eps));
  const rules = s.chains.service!;
  assert.equal(rules.length, pickChainMax + 1);
  assert.equal(rules[0], `numgen random mod ${pickChainMax + 1} 0 meta l4proto tcp dnat ip to 10.42.100.1:8080`);
  assert.equal(rules[pickChainMax - 1], 'numgen random mod 2 0 meta l4proto tcp dnat ip to 10.42.163.1:8080');
  assert.equal(rules.at(-1), 'meta l4proto tcp dnat ip to 10.42.164.1:8080');
  assert.ok(s.elements.includes('service-ips 10.43.0.10 . tcp . 80 : service'));
  assert.ok(!s.elements.some((e) => e.startsWith('service-endpoints')));
});

test('no endpoints: reject (connection refused) for every address of the port, no chains', () => {
  const s = summary(
    render({ type: 'NodePort', externalIPs: ['192.0.2.5'], ports: [{ name: 'http', port: 80, nodePort: 30080 }] }, []),
  );
  assert.deepEqual(s.chains, {});
  assert.deepEqual(s.elements, [
    'cluster-ips 10.43.0.10',
    'no-endpoint-services 10.43.0.10 . tcp . 80 : reject-chain',
    'no-endpoint-services 192.0.2.5 . tcp . 80 : reject-chain',
    'no-endpoint-nodeports tcp . 30080 : reject-chain',
  ]);
});

test('ClientIP affinity: per-endpoint sets and chains, checked before the random choice', () => {
  const r = render({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } }, [
    { ip: '10.42.0.1' },
    { ip: '10.42.0.2' },
  ]);
  assert.deepEqual([...r.affinitySets.values()], [600, 600]);
  const s = summary(r);
  assert.deepEqual(s.chains.service, [
    'ip saddr @affinity 10.42.0.1/8080 goto endpoint 10.42.0.1/8080',
    'ip saddr @affinity 10.42.0.2/8080 goto endpoint 10.42.0.2/8080',
    'numgen random mod 2 0 goto endpoint 10.42.0.1/8080',
    'goto endpoint 10.42.0.2/8080',
  ]);
  assert.deepEqual(s.chains['endpoint 10.42.0.1/8080'], [
    'update @affinity 10.42.0.1/8080 { ip saddr }',
    'meta l4proto tcp dnat ip to 10.42.0.1:8080',
  ]);
});

test('externalTrafficPolicy Local: external chain short-circuits pods and the node, then local endpoints', () => {
  const spec: Partial<ServiceSpec> = {
    type: 'NodePort',
    externalTrafficPolicy: 'Local',
    ports: [{ name: 'http', port: 80, nodePort: 30080 }],
  };
  const s = summary(render(spec, [{ ip: '10.42.0.1' }, { ip: '10.42.1.1', node: 'node-2' }]));
  assert.deepEqual(s.chains.external, [
    'ip saddr 10.42.0.0/16 goto service',
    'fib saddr type local jump mark-for-masquerade',
    'fib saddr type local goto service',
    'goto local',
  ]);
  assert.deepEqual(s.chains.local, ['meta l4proto tcp dnat ip to 10.42.0.1:8080']);
  assert.equal(s.chains.service!.length, 2);
  assert.ok(s.elements.includes('service-nodeports tcp . 30080 : external'));

  // Endpoints only on other nodes: external traffic is dropped, pods still get through.
  const remote = summary(render(spec, [{ ip: '10.42.1.1', node: 'node-2' }]));
  assert.deepEqual(remote.chains.external, [
    'ip saddr 10.42.0.0/16 goto service',
    'fib saddr type local jump mark-for-masquerade',
    'fib saddr type local goto service',
  ]);
  assert.ok(remote.elements.includes('no-endpoint-nodeports tcp . 30080 : drop'));
  assert.ok(remote.elements.includes('service-nodeports tcp . 30080 : external'));
});

test('policy Cluster external traffic is masqueraded; load balancer source ranges get a firewall chain', () => {
  const svc: Service = {
    ...service('web', {
      clusterIP: '10.43.0.10',
      type: 'LoadBalancer',
      ports: [{ name: 'http', port: 80, nodePort: 30080 }],
      loadBalancerSourceRanges: ['203.0.113.0/24', '192.168.1.0/24'],
    }),
    status: { loadBalancer: { ingress: [{ ip: '198.51.100.7' }] } },
  };
  const { sp, endpoints } = portOf(svc, [{ ip: '10.42.0.1' }]);
  const s = summary(renderNftPort(ctx, sp, endpoints));
  assert.deepEqual(s.chains.external, ['jump mark-for-masquerade', 'goto service']);
  // The node (192.168.1.10) is inside a source range, so the VIP itself is allowed as a source too.
  assert.deepEqual(s.chains.firewall, ['ip saddr != { 203.0.113.0/24, 192.168.1.0/24, 198.51.100.7 } drop']);
  assert.ok(s.elements.includes('firewall-ips 198.51.100.7 . tcp . 80 : firewall'));
  assert.ok(s.elements.includes('service-ips 198.51.100.7 . tcp . 80 : external'));
});

test('internalTrafficPolicy Local without local endpoints drops ClusterIP traffic', () => {
  const s = summary(render({ internalTrafficPolicy: 'Local' }, [{ ip: '10.42.1.1', node: 'node-2' }]));
  assert.deepEqual(s.chains, {});
  assert.ok(s.elements.includes('no-endpoint-services 10.43.0.10 . tcp . 80 : drop'));
});

test('static chains: masquerade off-cluster ClusterIP traffic, nodeport addresses, reject placement', () => {
  const rules = staticChainRules({ ...testConfig, nodePortAddresses: ['192.168.1.7/24'] }, { prerouteReject: true });
  assert.deepEqual(rules.get('services'), [
    'ip daddr @cluster-ips ip saddr != 10.42.0.0/16 jump mark-for-masquerade',
    'ip daddr . meta l4proto . th dport vmap @service-ips',
    'ip daddr { 192.168.1.0/24 } ip daddr != 127.0.0.0/8 fib daddr type local meta l4proto . th dport vmap @service-nodeports',
  ]);
  assert.deepEqual(rules.get('filter-prerouting-post-dnat'), [
    'ct state new jump endpoints-check',
    'ct state new jump cluster-ips-check',
  ]);
  assert.equal(rules.has('filter-forward'), false);
  assert.deepEqual(rules.get('pick-3'), [
    'meta l4proto { tcp, udp, sctp } dnat ip to ip daddr . meta l4proto . th dport . numgen random mod 3 map @service-endpoints',
  ]);
  assert.ok(rules.has(`pick-${pickChainMax}`) && !rules.has(`pick-${pickChainMax + 1}`) && !rules.has('pick-0'));
  const old = staticChainRules({ ...testConfig, masqueradeAll: true }, { prerouteReject: false });
  assert.deepEqual(old.get('filter-forward'), [
    'ct state new jump endpoints-check',
    'ct state new jump cluster-ips-check',
  ]);
  assert.equal(old.has('filter-prerouting-post-dnat'), false);
  assert.equal(old.get('services')![0], 'ip daddr @cluster-ips jump mark-for-masquerade');
  assert.deepEqual(old.get('cluster-ips-check'), ['ip daddr @cluster-ips reject', 'ip daddr 10.43.0.0/16 drop']);
});
