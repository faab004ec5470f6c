import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service, ServiceSpec } from 'kubernetes-types/core/v1.js';
import { type EpSpec, portOf, service, testConfig } from '../testing/objects.js';
import { iptRenderContext, type IptPortRender, renderIptPort } from './render.js';

const ctx = iptRenderContext(testConfig);

function render(spec: Partial<ServiceSpec>, eps: EpSpec[], cfg = ctx): IptPortRender {
  const { sp, endpoints } = portOf(service('web', { clusterIP: '10.43.0.10', ...spec }), eps);
  return renderIptPort(cfg, sp, endpoints);
}

/** Hash suffixes replaced by the chain kind, comments dropped, for readable expectations. */
function plain(text: string): string {
  return text
    .replace(/-m comment --comment "[^"]*" ?/g, '')
    .trim()
    .replace(/KUBETS-(SVC|SVL|EXT|FW|SEP)-[A-Z2-7]{16}/g, 'KUBETS-$1-x');
}

function shared(r: IptPortRender): string[] {
  return r.shared.map((s) => `${s.table} ${s.chain} ${plain(s.rule)}`);
}

function natChains(r: IptPortRender): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, rules] of r.chains.nat)
    out[`${plain(name)}${name.startsWith('KUBETS-SEP') ? `#${out[plain(name)] ? 2 : 1}` : ''}`] = rules.map(plain);
  return out;
}

test('ClusterIP: statistic-mode random choice, masquerade for off-cluster sources, SEP chains DNAT', () => {
  const r = render({}, [{ ip: '10.42.0.1' }, { ip: '10.42.0.2' }, { ip: '10.42.0.3' }]);
  assert.deepEqual(shared(r), ['nat KUBETS-SERVICE-IPS -m tcp -p tcp -d 10.43.0.10/32 --dport 80 -j KUBETS-SVC-x']);
  const svc = [...r.chains.nat].find(([n]) => n.startsWith('KUBETS-SVC-'))![1].map(plain);
  assert.deepEqual(svc, [
    '-m tcp -p tcp -d 10.43.0.10/32 --dport 80 ! -s 10.42.0.0/16 -j KUBETS-MARK-MASQ',
    '-m statistic --mode random --probability 0.3333333333 -j KUBETS-SEP-x',
    '-m statistic --mode random --probability 0.5000000000 -j KUBETS-SEP-x',
    '-j KUBETS-SEP-x',
  ]);
  const seps = [...r.chains.nat].filter(([n]) => n.startsWith('KUBETS-SEP-'));
  assert.equal(seps.length, 3);
  assert.deepEqual(seps[0]![1].map(plain), [
    '-s 10.42.0.1/32 -j KUBETS-MARK-MASQ',
    '-m tcp -p tcp -j DNAT --to-destination 10.42.0.1:8080',
  ]);
  assert.ok(
    seps.every(([n]) => n.length <= 28),
    'iptables chain names are at most 28 characters',
  );
});

test('no endpoints: REJECT (TCP reset) in the filter table for each address of the port', () => {
  const r = render(
    { type: 'NodePort', externalIPs: ['192.0.2.5'], ports: [{ name: 'http', port: 80, nodePort: 30080 }] },
    [],
  );
  assert.deepEqual(r.chains.nat.size, 0);
  assert.deepEqual(shared(r), [
    'filter KUBETS-SERVICES -m tcp -p tcp -d 10.43.0.10/32 --dport 80 -j REJECT --reject-with tcp-reset',
    'filter KUBETS-EXTERNAL-SERVICES -m tcp -p tcp -d 192.0.2.5/32 --dport 80 -j REJECT --reject-with tcp-reset',
    'filter KUBETS-EXTERNAL-SERVICES -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j REJECT --reject-with tcp-reset',
  ]);
  const udp = render({ ports: [{ name: 'http', port: 53, protocol: 'UDP' }] }, []);
  assert.match(shared(udp)[0]!, /-j REJECT$/);
});

test('ClientIP affinity uses recent lists named after the SEP chain', () => {
  const r = render({ sessionAffinity: 'ClientIP' }, [{ ip: '10.42.0.1' }, { ip: '10.42.0.2' }]);
  const svc = [...r.chains.nat].find(([n]) => n.startsWith('KUBETS-SVC-'))![1];
  const sep = [...r.chains.nat].find(([n]) => n.startsWith('KUBETS-SEP-'))!;
  assert.match(svc[1]!, new RegExp(`-m recent --name ${sep[0]} --rcheck --seconds 10800 --reap -j ${sep[0]}$`));
  assert.match(sep[1][1]!, new RegExp(`-m recent --name ${sep[0]} --set$`));
});

test('externalTrafficPolicy Local: EXT short-circuits pods and the node; health check port accepted', () => {
  const svc: Service = {
    ...service('web', {
      clusterIP: '10.43.0.10',
      type: 'LoadBalancer',
      externalTrafficPolicy: 'Local',
      healthCheckNodePort: 32100,
      ports: [{ name: 'http', port: 80, nodePort: 30080 }],
      loadBalancerSourceRanges: ['203.0.113.0/24'],
    }),
    status: { loadBalancer: { ingress: [{ ip: '198.51.100.7' }] } },
  };
  const { sp, endpoints } = portOf(svc, [{ ip: '10.42.0.1' }, { ip: '10.42.1.1', node: 'node-2' }]);
  const r = renderIptPort(ctx, sp, endpoints);
  const chains = natChains(r);
  assert.deepEqual(chains['KUBETS-EXT-x'], [
    '-s 10.42.0.0/16 -j KUBETS-SVC-x',
    '-m addrtype --src-type LOCAL -j KUBETS-MARK-MASQ',
    '-m addrtype --src-type LOCAL -j KUBETS-SVC-x',
    '-j KUBETS-SVL-x',
  ]);
  assert.deepEqual(chains['KUBETS-SVL-x'], ['-j KUBETS-SEP-x']);
  assert.deepEqual(chains['KUBETS-FW-x'], ['-s 203.0.113.0/24 -j KUBETS-EXT-x']);
  assert.deepEqual(shared(r), [
    'nat KUBETS-SERVICE-IPS -m tcp -p tcp -d 10.43.0.10/32 --dport 80 -j KUBETS-SVC-x',
    'nat KUBETS-SERVICE-IPS -m tcp -p tcp -d 198.51.100.7/32 --dport 80 -j KUBETS-FW-x',
    'filter KUBETS-PROXY-FIREWALL -m tcp -p tcp -d 198.51.100.7/32 --dport 80 -j DROP',
    'nat KUBETS-NODEPORTS -m tcp -p tcp --dport 30080 -j KUBETS-EXT-x',
    'filter KUBETS-NODEPORTS -m tcp -p tcp --dport 32100 -j ACCEPT',
  ]);
  // No local endpoints: external traffic is dropped (not rejected) once it was not short-circuited.
  const remote = renderIptPort(
    ctx,
    sp,
    endpoints.filter((e) => !e.isLocal),
  );
  assert.ok(
    shared(remote).includes(
      'filter KUBETS-EXTERNAL-SERVICES -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j DROP',
    ),
  );
  assert.deepEqual(natChains(remote)['KUBETS-EXT-x']!.at(-1), '-m addrtype --src-type LOCAL -j KUBETS-SVC-x');
});

test('nodePortAddresses restrict REJECT rules to those CIDRs', () => {
  const cfg = iptRenderContext({ ...testConfig, nodePortAddresses: ['192.168.1.0/24', '10.0.0.7/8'] });
  const r = render({ type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }, [], cfg);
  assert.deepEqual(shared(r).slice(1), [
    'filter KUBETS-EXTERNAL-SERVICES -d 192.168.1.0/24 -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j REJECT --reject-with tcp-reset',
    'filter KUBETS-EXTERNAL-SERVICES -d 10.0.0.0/8 -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j REJECT --reject-with tcp-reset',
  ]);
});
