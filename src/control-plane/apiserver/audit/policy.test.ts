import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy } from './policy.js';
import { PolicyRuleEvaluator, type AuditAttributes } from './policy-checker.js';

const policyYAML = `
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: None
    users: ["system:kube-proxy"]
    verbs: ["watch"]
    resources:
      - group: ""
        resources: ["endpoints", "services", "services/status"]
  - level: None
    nonResourceURLs: ["/healthz*", "/version"]
  - level: RequestResponse
    resources:
      - group: ""
        resources: ["configmaps"]
        resourceNames: ["controller-leader"]
  - level: Metadata
    resources:
      - group: ""
        resources: ["secrets", "pods/log", "*/exec"]
    omitStages: ["ResponseStarted"]
  - level: Request
    userGroups: ["system:nodes"]
    namespaces: ["kube-system", ""]
  - level: Request
    resources:
      - group: "apps"
        resources: ["deployments/*"]
      - group: "batch"
  - level: Metadata
    omitManagedFields: true
    nonResourceURLs: ["*"]
`;

const req = (over: Partial<AuditAttributes>): AuditAttributes => ({
  user: { username: 'alice', groups: ['system:authenticated'] },
  verb: 'get',
  isResourceRequest: true,
  path: '/api/v1/namespaces/default/pods/x',
  apiGroup: '',
  namespace: 'default',
  resource: 'pods',
  subresource: '',
  name: 'x',
  ...over,
});

test('first matching rule decides level, stages and managed fields', () => {
  const ev = new PolicyRuleEvaluator(parsePolicy(policyYAML));
  const cases: [string, Partial<AuditAttributes>, string, string[]?, boolean?][] = [
    [
      'kube-proxy watches services',
      { user: { username: 'system:kube-proxy', groups: [] }, verb: 'watch', resource: 'services' },
      'None',
    ],
    ['healthz subpath', { isResourceRequest: false, path: '/healthz/etcd', resource: '' }, 'None'],
    ['version exact', { isResourceRequest: false, path: '/version', resource: '' }, 'None'],
    ['leader configmap by name', { resource: 'configmaps', name: 'controller-leader' }, 'RequestResponse'],
    ['other configmap', { resource: 'configmaps', name: 'other' }, 'None'],
    ['secrets', { resource: 'secrets' }, 'Metadata', ['RequestReceived', 'ResponseStarted']],
    ['pods/log', { resource: 'pods', subresource: 'log' }, 'Metadata'],
    ['*/exec', { resource: 'pods', subresource: 'exec' }, 'Metadata'],
    [
      'node in kube-system',
      { user: { username: 'system:node:n1', groups: ['system:nodes'] }, namespace: 'kube-system' },
      'Request',
    ],
    [
      'node cluster-scoped',
      { user: { username: 'system:node:n1', groups: ['system:nodes'] }, namespace: '', resource: 'nodes' },
      'Request',
    ],
    ['node in default', { user: { username: 'system:node:n1', groups: ['system:nodes'] } }, 'None'],
    ['deployments/scale', { apiGroup: 'apps', resource: 'deployments', subresource: 'scale' }, 'Request'],
    ['any batch resource', { apiGroup: 'batch', resource: 'jobs' }, 'Request'],
    [
      'other non-resource URL',
      { isResourceRequest: false, path: '/metrics', resource: '' },
      'Metadata',
      ['RequestReceived'],
      true,
    ],
    ['unmatched resource', { resource: 'pods' }, 'None'],
  ];
  for (const [name, attrs, level, stages, omitManaged] of cases) {
    const cfg = ev.evaluate(req(attrs));
    assert.equal(cfg.level, level, name);
    if (stages) assert.deepEqual(cfg.omitStages, stages, name);
    if (omitManaged !== undefined) assert.equal(cfg.omitManagedFields, omitManaged, name);
  }
});

test('kube-proxy gets are not silenced by a watch-only rule', () => {
  const ev = new PolicyRuleEvaluator(parsePolicy(policyYAML));
  assert.equal(
    ev.evaluate(req({ user: { username: 'system:kube-proxy', groups: [] }, verb: 'get', resource: 'endpoints' })).level,
    'None',
  );
  assert.equal(
    ev.evaluate(
      req({
        user: { username: 'system:kube-proxy', groups: [] },
        verb: 'get',
        resource: 'configmaps',
        name: 'controller-leader',
      }),
    ).level,
    'RequestResponse',
  );
});

test('invalid policies are refused with upstream messages', () => {
  const bad = (rules: string) => () =>
    parsePolicy(`apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n${rules}`, 'audit.yaml');
  assert.throws(bad('  - level: Verbose'), {
    message:
      'audit.yaml: rules[0].level: Unsupported value: "Verbose": supported values: "None", "Metadata", "Request", "RequestResponse"',
  });
  assert.throws(bad('  - level: Metadata\n    nonResourceURLs: ["healthz"]'), {
    message: `audit.yaml: rules[0].nonResourceURLs[0]: Invalid value: "healthz": non-resource URL rules must begin with a '/' character`,
  });
  assert.throws(bad('  - level: Metadata\n    nonResourceURLs: ["/a"]\n    namespaces: ["x"]'), {
    message:
      'audit.yaml: rules[0].nonResourceURLs: Invalid value: ["/a"]: rules cannot apply to both regular resources and non-resource URLs',
  });
  assert.throws(
    bad('  - level: Metadata\n    omitStages: ["Sometimes"]'),
    /rules\[0\]\.omitStages\[0\]: Unsupported value: "Sometimes"/,
  );
  assert.throws(() => parsePolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []', 'p.yaml'), {
    message: 'loaded illegal policy with 0 rules from file p.yaml',
  });
  assert.throws(
    () => parsePolicy('apiVersion: v1\nkind: ConfigMap'),
    /no kind "ConfigMap" is registered for version "v1"/,
  );
});
