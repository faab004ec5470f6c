import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  certificateSigningRequestPrinter,
  clusterRoleBindingPrinter,
  mutatingWebhookConfigurationPrinter,
  roleBindingPrinter,
  validatingAdmissionPolicyBindingPrinter,
  validatingAdmissionPolicyPrinter,
  validatingWebhookConfigurationPrinter,
} from './access.js';
import { ago, columnNames, DAY, HOUR, rowOf } from './testing.js';

const meta = (name: string) => ({ name, creationTimestamp: ago(DAY) });

test('role bindings: ROLE kind/name and wide subjects', () => {
  assert.deepEqual(columnNames(roleBindingPrinter), ['Name', 'Role', 'Age', 'Users*', 'Groups*', 'ServiceAccounts*']);
  const rb = {
    metadata: meta('admins'),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
    subjects: [
      { kind: 'User', name: 'alice' },
      { kind: 'Group', name: 'devs' },
      { kind: 'User', name: 'bob' },
      { kind: 'ServiceAccount', name: 'ci', namespace: 'tools' },
      { kind: 'Robot', name: 'r2' },
    ],
  };
  assert.deepEqual(rowOf(roleBindingPrinter, rb), {
    Name: 'admins',
    Role: 'ClusterRole/admin',
    Age: '24h',
    Users: 'alice, bob',
    Groups: 'devs',
    ServiceAccounts: 'tools/ci',
  });
  assert.deepEqual(rowOf(clusterRoleBindingPrinter, { ...rb, subjects: undefined }), {
    Name: 'admins',
    Role: 'ClusterRole/admin',
    Age: '24h',
    Users: '',
    Groups: '',
    ServiceAccounts: '',
  });
  assert.equal(clusterRoleBindingPrinter.columns[3]!.description, 'Users in the clusterRoleBinding');
});

test('certificate signing request: signer, requestor, duration and condition', () => {
  assert.deepEqual(columnNames(certificateSigningRequestPrinter), [
    'Name',
    'Age',
    'SignerName',
    'Requestor',
    'RequestedDuration',
    'Condition',
  ]);
  const csr = (status: unknown, spec: Record<string, unknown> = {}) =>
    rowOf(certificateSigningRequestPrinter, {
      metadata: meta('csr-x'),
      spec: { request: 'LS0t', signerName: 'kubernetes.io/kubelet-serving', username: 'system:node:node-1', ...spec },
      status,
    });
  assert.deepEqual(csr({}, { expirationSeconds: 86400 }), {
    Name: 'csr-x',
    Age: '24h',
    SignerName: 'kubernetes.io/kubelet-serving',
    Requestor: 'system:node:node-1',
    RequestedDuration: '24h',
    Condition: 'Pending',
  });
  const cases: [unknown, string][] = [
    [{ conditions: [{ type: 'Approved', status: 'True' }] }, 'Approved'],
    [{ conditions: [{ type: 'Approved', status: 'True' }], certificate: 'LS0t' }, 'Approved,Issued'],
    [
      {
        conditions: [
          { type: 'Approved', status: 'True' },
          { type: 'Denied', status: 'True' },
        ],
      },
      'Denied',
    ],
    [{ conditions: [{ type: 'Failed', status: 'True' }] }, 'Pending,Failed'],
  ];
  for (const [status, want] of cases) assert.equal(csr(status).Condition, want);
  const bare = csr({}, { signerName: '', expirationSeconds: undefined });
  assert.deepEqual([bare.SignerName, bare.RequestedDuration], ['<none>', '<none>']);
  assert.equal(csr({}, { expirationSeconds: 600 }).RequestedDuration, '10m');
  assert.equal(csr({}, { expirationSeconds: (8 * HOUR) / 1000 + 1800 }).RequestedDuration, '8h');
});

test('webhook configurations count their webhooks', () => {
  const webhooks = [{ name: 'a.example.com' }, { name: 'b.example.com' }];
  assert.deepEqual(rowOf(mutatingWebhookConfigurationPrinter, { metadata: meta('m'), webhooks }), {
    Name: 'm',
    Webhooks: 2,
    Age: '24h',
  });
  assert.deepEqual(rowOf(validatingWebhookConfigurationPrinter, { metadata: meta('v') }), {
    Name: 'v',
    Webhooks: 0,
    Age: '24h',
  });
});

test('validating admission policies and bindings', () => {
  assert.deepEqual(
    rowOf(validatingAdmissionPolicyPrinter, {
      metadata: meta('replicas'),
      spec: {
        paramKind: { apiVersion: 'rules.example.com/v1', kind: 'ReplicaLimit' },
        validations: [{ expression: 'object.spec.replicas <= params.maxReplicas' }],
      },
    }),
    { Name: 'replicas', Validations: 1, ParamKind: 'rules.example.com/v1/ReplicaLimit', Age: '24h' },
  );
  assert.equal(rowOf(validatingAdmissionPolicyPrinter, { metadata: meta('p'), spec: {} }).ParamKind, '<unset>');

  const binding = (paramRef: unknown) =>
    rowOf(validatingAdmissionPolicyBindingPrinter, { metadata: meta('b'), spec: { policyName: 'replicas', paramRef } })
      .ParamRef;
  assert.equal(binding(undefined), '<unset>');
  assert.equal(binding({ name: 'limit', namespace: 'prod' }), 'prod/limit');
  assert.equal(binding({ name: 'limit' }), '*/limit');
  assert.equal(
    binding({
      selector: {
        matchLabels: { env: 'prod' },
        matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }],
      },
    }),
    '&LabelSelector{MatchLabels:map[string]string{env: prod,},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:tier,Operator:In,Values:[a b],},},}',
  );
  assert.equal(
    rowOf(validatingAdmissionPolicyBindingPrinter, { metadata: meta('b'), spec: { policyName: 'replicas' } })
      .PolicyName,
    'replicas',
  );
});
