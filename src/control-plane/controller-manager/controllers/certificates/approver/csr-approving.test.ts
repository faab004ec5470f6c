import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import { FakeApiServer, fakeRestClient } from '../../../../../client/testing/fake-api-server.js';
import { FakeClock } from '../../../../../lib/clock.js';
import { startControllerManager } from '../../../controller-manager.js';
import { requestOf, signerNames, type Csr } from '../csr-helpers.js';
import { validateKubeletClientCsr, validateKubeletServingCsr } from '../kubelet-csr.js';
import { csrObject, fakeCsrSubresources, type CsrFixture } from '../testing.js';
import {
  csrApprovingController,
  isNodeClientCert,
  isSelfNodeClientCert,
  isSelfNodeServingCert,
  servingNamesBelongToNode,
} from './csr-approving.js';

const clientUsages = ['digital signature', 'client auth'];
const servingUsages = ['digital signature', 'server auth'];
const bootstrapper = { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:authenticated'] };
const node1 = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };

const fixture = (over: Partial<CsrFixture>): CsrFixture => ({
  name: 'c',
  cn: 'system:node:n1',
  signerName: signerNames.kubeAPIServerClientKubelet,
  usages: clientUsages,
  ...bootstrapper,
  ...over,
});

test('recognizers: node client (bootstrap), self node client (renewal), self node serving', () => {
  const cases: {
    name: string;
    f: Partial<CsrFixture>;
    node: boolean;
    self: boolean;
    serving: boolean;
    client?: string;
  }[] = [
    { name: 'bootstrap client', f: {}, node: true, self: false, serving: false },
    {
      name: 'rsa usages',
      f: { usages: ['digital signature', 'key encipherment', 'client auth'] },
      node: true,
      self: false,
      serving: false,
    },
    { name: 'renewal', f: node1, node: true, self: true, serving: false },
    {
      name: 'other signer',
      f: { signerName: signerNames.kubeAPIServerClient },
      node: false,
      self: false,
      serving: false,
    },
    {
      name: 'extra O',
      f: { orgs: ['system:nodes', 'x'] },
      node: false,
      self: false,
      serving: false,
      client: 'subject organization is not system:nodes',
    },
    {
      name: 'DNS SAN',
      f: { dnsNames: ['n1'] },
      node: false,
      self: false,
      serving: false,
      client: 'DNS subjectAltNames are not allowed',
    },
    {
      name: 'IP SAN',
      f: { ipAddresses: ['10.0.0.1'] },
      node: false,
      self: false,
      serving: false,
      client: 'IP subjectAltNames are not allowed',
    },
    {
      name: 'bad CN',
      f: { cn: 'alice' },
      node: false,
      self: false,
      serving: false,
      client: 'subject common name does not begin with system:node:',
    },
    {
      name: 'server auth usage',
      f: { usages: ['digital signature', 'server auth'] },
      node: false,
      self: false,
      serving: false,
      client: 'usages did not match [client auth digital signature key encipherment]',
    },
    {
      name: 'serving for itself',
      f: {
        ...node1,
        signerName: signerNames.kubeletServing,
        usages: servingUsages,
        dnsNames: ['n1'],
        ipAddresses: ['10.0.0.5'],
      },
      node: false,
      self: false,
      serving: true,
    },
    {
      name: 'serving for another node',
      f: {
        ...node1,
        cn: 'system:node:n2',
        signerName: signerNames.kubeletServing,
        usages: servingUsages,
        dnsNames: ['n2'],
      },
      node: false,
      self: false,
      serving: false,
    },
    {
      name: 'serving by a bootstrap token',
      f: {
        cn: 'system:bootstrap:abcdef',
        signerName: signerNames.kubeletServing,
        usages: servingUsages,
        dnsNames: ['n1'],
      },
      node: false,
      self: false,
      serving: false,
    },
  ];
  for (const c of cases) {
    const csr = csrObject(fixture(c.f));
    const req = requestOf(csr);
    assert.equal(isNodeClientCert(csr, req), c.node, `${c.name}: nodeclient`);
    assert.equal(isSelfNodeClientCert(csr, req), c.self, `${c.name}: selfnodeclient`);
    assert.equal(isSelfNodeServingCert(csr, req), c.serving, `${c.name}: serving`);
    if (c.client) assert.equal(validateKubeletClientCsr(req, csr.spec!.usages!), c.client, c.name);
  }
  const noSans = csrObject(fixture({ ...node1, signerName: signerNames.kubeletServing, usages: servingUsages }));
  assert.equal(validateKubeletServingCsr(requestOf(noSans), servingUsages), 'DNS or IP subjectAltName is required');
});

test('serving names must be the node’s own', () => {
  const req = (dnsNames: string[], ipAddresses: string[]) =>
    requestOf(
      csrObject(
        fixture({ ...node1, signerName: signerNames.kubeletServing, usages: servingUsages, dnsNames, ipAddresses }),
      ),
    );
  const node: Node = {
    metadata: { name: 'n1' },
    status: {
      addresses: [
        { type: 'InternalIP', address: '192.168.1.10' },
        { type: 'Hostname', address: 'n1.lan' },
      ],
    },
  };
  const cases: [string[], string[], Node | undefined, boolean][] = [
    [['n1'], ['192.168.1.10'], node, true],
    [['n1.lan'], [], node, true],
    [['n1'], ['192.168.1.11'], node, false],
    [['kubernetes'], [], node, false],
    [['n1'], ['192.168.1.11'], undefined, true],
    [['n1'], ['127.0.0.1'], undefined, false],
    [['n1'], ['::1'], undefined, false],
    [['n1'], ['10.43.0.1'], undefined, false],
    [['n1'], ['169.254.1.1'], undefined, false],
    [['localhost'], [], undefined, false],
  ];
  for (const [dns, ips, n, want] of cases)
    assert.equal(servingNamesBelongToNode(req(dns, ips), n, '10.43.0.0/16'), want, `${dns} ${ips} node=${!!n}`);
});

async function run(
  csrs: CsrFixture[],
  allow: (sub: string | undefined, user: string | undefined) => boolean,
  config: { approveKubeletServingCSRs?: boolean } = {},
) {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const fake = new FakeApiServer(clock);
  for (const f of csrs) fake.seed('certificates.k8s.io', 'certificatesigningrequests', csrObject(f));
  fakeCsrSubresources(fake, (spec) => allow(spec.resourceAttributes?.subresource, spec.user));
  const cm = await startControllerManager({
    rest: fakeRestClient(fake, { clock }),
    controllers: [csrApprovingController],
    config,
    clock,
  });
  for (let i = 0; i < 40; i++) await clock.advance(0);
  await cm.stop();
  const get = (name: string) => fake.get('certificates.k8s.io', 'certificatesigningrequests', '', name) as Csr;
  return { get, sars: fake.requests.filter((r) => r.path.endsWith('subjectaccessreviews')) };
}

test('the controller approves after the right SubjectAccessReview and leaves the rest pending', async () => {
  const serving = {
    ...node1,
    signerName: signerNames.kubeletServing,
    usages: servingUsages,
    dnsNames: ['n1'],
    ipAddresses: ['10.1.2.3'],
  };
  const { get, sars } = await run(
    [
      fixture({ name: 'bootstrap' }),
      fixture({ name: 'renewal', ...node1 }),
      fixture({ name: 'denied-sar', username: 'system:bootstrap:zzzzzz' }),
      fixture({ name: 'apiserver-client', signerName: signerNames.kubeAPIServerClient, cn: 'alice', orgs: [] }),
      fixture({ name: 'serving', ...serving }),
      fixture({ name: 'already', conditions: [{ type: 'Denied', status: 'True' }] }),
    ],
    (sub, user) => user !== 'system:bootstrap:zzzzzz' && (sub === 'nodeclient' || sub === 'selfnodeclient'),
  );
  const approved = (name: string) => get(name).status?.conditions?.find((c) => c.type === 'Approved');
  assert.equal(approved('bootstrap')?.message, 'Auto approving kubelet client certificate after SubjectAccessReview.');
  assert.equal(approved('bootstrap')?.reason, 'AutoApproved');
  assert.equal(
    approved('renewal')?.message,
    'Auto approving self kubelet client certificate after SubjectAccessReview.',
  );
  assert.equal(approved('denied-sar'), undefined);
  assert.equal(approved('apiserver-client'), undefined);
  assert.equal(approved('serving'), undefined, 'serving CSRs are not approved unless configured');
  assert.equal(approved('already'), undefined);
  // The renewal was checked as selfnodeclient first; the bootstrap token only as nodeclient.
  const subs = sars.map((r) => {
    const spec = (r.object as { spec: { user: string; resourceAttributes: { subresource: string; verb: string } } })
      .spec;
    return `${spec.user}:${spec.resourceAttributes.verb}:${spec.resourceAttributes.subresource}`;
  });
  assert.ok(subs.includes('system:bootstrap:abcdef:create:nodeclient'));
  assert.ok(subs.includes('system:node:n1:create:selfnodeclient'));
  assert.ok(!subs.includes('system:bootstrap:abcdef:create:selfnodeclient'));
});

test('with approveKubeletServingCSRs a node’s serving request for its own names is approved', async () => {
  const base = { ...node1, signerName: signerNames.kubeletServing, usages: servingUsages };
  const { get } = await run(
    [
      fixture({ name: 'own', ...base, dnsNames: ['n1'], ipAddresses: ['10.1.2.3'] }),
      fixture({ name: 'apiserver-name', ...base, dnsNames: ['n1', 'kubernetes.default.svc'] }),
      fixture({ name: 'loopback', ...base, dnsNames: ['n1'], ipAddresses: ['127.0.0.1'] }),
    ],
    () => false,
    { approveKubeletServingCSRs: true },
  );
  const state = (name: string) =>
    get(name)
      .status?.conditions?.map((c) => c.type)
      .join() ?? '';
  assert.equal(state('own'), 'Approved');
  assert.equal(state('apiserver-name'), '');
  assert.equal(state('loopback'), '');
});
