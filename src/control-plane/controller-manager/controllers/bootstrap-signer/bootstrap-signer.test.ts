import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Secret } from 'kubernetes-types/core/v1.js';
import { parse } from 'yaml';
import { formatTime } from '../../../../api/values/time.js';
import { FakeApiServer, fakeRestClient } from '../../../../client/testing/fake-api-server.js';
import { FakeClock } from '../../../../lib/clock.js';
import { detachedTokenIsValid } from '../../../../lib/pki/jws.js';
import { startControllerManager } from '../../controller-manager.js';
import { bootstrapSignerController, signedData, signingToken } from './bootstrap-signer.js';
import { clusterInfoKubeconfig, joinBootstrapObjects } from './cluster-info.js';

const t0 = Date.UTC(2026, 0, 1);
const b64 = (s: string) => Buffer.from(s).toString('base64');

function tokenSecret(
  id: string,
  secret: string,
  o: { name?: string; exp?: number; signing?: boolean; ns?: string } = {},
): Secret {
  const data: Record<string, string> = { 'token-id': b64(id), 'token-secret': b64(secret) };
  if (o.exp !== undefined) data.expiration = b64(formatTime(o.exp));
  if (o.signing !== false) data['usage-bootstrap-signing'] = b64('true');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: o.name ?? `bootstrap-token-${id}`, namespace: o.ns ?? 'kube-system' },
    type: 'bootstrap.kubernetes.io/token',
    data,
  };
}

test('signingToken accepts only well-formed, unexpired tokens marked for signing', () => {
  const cases: [string, Secret, boolean][] = [
    ['valid', tokenSecret('abcdef', '0123456789abcdef'), true],
    ['future expiry', tokenSecret('abcdef', 's', { exp: t0 + 1000 }), true],
    ['expired', tokenSecret('abcdef', 's', { exp: t0 - 1000 }), false],
    ['no signing usage', tokenSecret('abcdef', 's', { signing: false }), false],
    ['name mismatch', tokenSecret('abcdef', 's', { name: 'bootstrap-token-zzzzzz' }), false],
    ['bad name', tokenSecret('abcdef', 's', { name: 'my-token' }), false],
    ['no secret', tokenSecret('abcdef', ''), false],
    ['bad id', tokenSecret('ABCDEF', 's', { name: 'bootstrap-token-ABCDEF' }), false],
  ];
  for (const [name, s, ok] of cases) assert.equal(signingToken(s, t0) !== undefined, ok, name);
  assert.equal(signingToken(tokenSecret('abcdef', 's', { exp: t0 + 5000 }), t0)?.ttlMs, 5000);
});

test('signedData adds, keeps and removes signatures; undefined when nothing changes', () => {
  const kc = clusterInfoKubeconfig('https://10.0.0.1:6443', 'CA');
  const one = signedData({ kubeconfig: kc }, [{ id: 'abcdef', secret: 's1' }])!;
  assert.ok(detachedTokenIsValid(one['jws-kubeconfig-abcdef']!, kc, 'abcdef', 's1'));
  assert.equal(signedData(one, [{ id: 'abcdef', secret: 's1' }]), undefined);
  const none = signedData({ ...one, other: 'x' }, [])!;
  assert.deepEqual(none, { kubeconfig: kc, other: 'x' });
  assert.equal(
    signedData({ other: 'x' }, [{ id: 'abcdef', secret: 's1' }]),
    undefined,
    'no kubeconfig, nothing to sign',
  );
});

test('cluster-info kubeconfig is kubeadm-shaped: one unnamed cluster with server and CA', () => {
  const doc = parse(clusterInfoKubeconfig('https://[fd00::1]:6443', 'PEM')) as Record<string, unknown>;
  assert.deepEqual(doc, {
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': b64('PEM'), server: 'https://[fd00::1]:6443' }, name: '' }],
    contexts: null,
    'current-context': '',
    kind: 'Config',
    preferences: {},
    users: null,
  });
  const names = joinBootstrapObjects({
    serverURL: 'x',
    caPEM: 'y',
    bootstrapGroups: ['g'],
    approveKubeletServing: true,
  }).map((o) => `${o.obj.kind}/${o.obj.metadata?.name}`);
  assert.deepEqual(names, [
    'Role/kubets:bootstrap-signer-clusterinfo',
    'RoleBinding/kubets:bootstrap-signer-clusterinfo',
    'ClusterRoleBinding/kubets:kubelet-bootstrap',
    'ClusterRoleBinding/kubets:node-autoapprove-bootstrap',
    'ClusterRoleBinding/kubets:node-autoapprove-certificate-rotation',
    'ClusterRoleBinding/kubets:node-proxier',
    'ClusterRoleBinding/kubets:kubelet-serving-approver',
  ]);
});

test('the signer keeps cluster-info signed for the current tokens, dropping expired ones when they expire', async () => {
  const clock = new FakeClock(t0);
  const fake = new FakeApiServer(clock);
  const kc = clusterInfoKubeconfig('https://10.0.0.1:6443', 'CA');
  const cm: ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cluster-info', namespace: 'kube-public' },
    data: { kubeconfig: kc, 'jws-kubeconfig-zzzzzz': 'stale' },
  };
  fake.seed('', 'configmaps', cm);
  fake.seed('', 'secrets', tokenSecret('abcdef', 'aaaaaaaaaaaaaaaa'));
  fake.seed('', 'secrets', tokenSecret('ghijkl', 'bbbbbbbbbbbbbbbb', { exp: t0 + 60_000 }));
  fake.seed('', 'secrets', tokenSecret('mnopqr', 'cccccccccccccccc', { ns: 'default' }));
  const cm2 = await startControllerManager({
    rest: fakeRestClient(fake, { clock }),
    controllers: [bootstrapSignerController],
    clock,
  });
  const data = () => (fake.get('', 'configmaps', 'kube-public', 'cluster-info') as ConfigMap).data ?? {};
  const sigKeys = () =>
    Object.keys(data())
      .filter((k) => k.startsWith('jws-'))
      .sort();
  const settle = async () => {
    for (let i = 0; i < 20; i++) await clock.advance(0);
  };
  try {
    await settle();
    assert.deepEqual(sigKeys(), ['jws-kubeconfig-abcdef', 'jws-kubeconfig-ghijkl']);
    assert.ok(detachedTokenIsValid(data()['jws-kubeconfig-abcdef']!, kc, 'abcdef', 'aaaaaaaaaaaaaaaa'));
    fake.seed('', 'secrets', tokenSecret('stuvwx', 'dddddddddddddddd'));
    await settle();
    assert.deepEqual(sigKeys(), ['jws-kubeconfig-abcdef', 'jws-kubeconfig-ghijkl', 'jws-kubeconfig-stuvwx']);
    await clock.advance(61_000);
    await settle();
    assert.deepEqual(sigKeys(), ['jws-kubeconfig-abcdef', 'jws-kubeconfig-stuvwx']);
    await fakeRestClient(fake, { clock }).request({
      method: 'DELETE',
      path: '/api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef',
    });
    await settle();
    assert.deepEqual(sigKeys(), ['jws-kubeconfig-stuvwx']);
  } finally {
    await cm2.stop();
  }
});
