import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isExemptFromWebhooks, ruleMatches, type RuleTarget, type WebhookRule } from './rules.js';
import { webhooksOf } from './accessor.js';

const podCreate: RuleTarget = {
  operation: 'CREATE',
  group: '',
  version: 'v1',
  resource: 'pods',
  subresource: '',
  namespace: 'default',
};
const base: WebhookRule = { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] };

test('rule matching: operations, groups, versions, resources, subresources and scope', () => {
  const cases: [string, WebhookRule, RuleTarget, boolean][] = [
    ['exact', base, podCreate, true],
    ['other operation', base, { ...podCreate, operation: 'UPDATE' }, false],
    ['operation *', { ...base, operations: ['*'] }, { ...podCreate, operation: 'DELETE' }, true],
    ['other group', base, { ...podCreate, group: 'apps', resource: 'deployments' }, false],
    [
      'group *',
      { ...base, apiGroups: ['*'], resources: ['*'] },
      { ...podCreate, group: 'apps', resource: 'deployments' },
      true,
    ],
    ['other version', base, { ...podCreate, version: 'v2' }, false],
    ['subresource not matched by plain resource', base, { ...podCreate, subresource: 'status' }, false],
    ['pods/status', { ...base, resources: ['pods/status'] }, { ...podCreate, subresource: 'status' }, true],
    [
      '*/status',
      { ...base, resources: ['*/status'] },
      { ...podCreate, resource: 'services', subresource: 'status' },
      true,
    ],
    ['pods/*', { ...base, resources: ['pods/*'] }, { ...podCreate, subresource: 'exec' }, true],
    // As upstream's matcher: a `*` subresource also matches the main resource.
    ['pods/* matches pods too', { ...base, resources: ['pods/*'] }, podCreate, true],
    ['* does not match subresources', { ...base, resources: ['*'] }, { ...podCreate, subresource: 'status' }, false],
    ['*/* matches everything', { ...base, resources: ['*/*'] }, { ...podCreate, subresource: 'status' }, true],
    ['Namespaced scope', { ...base, scope: 'Namespaced' }, podCreate, true],
    ['Cluster scope on namespaced', { ...base, scope: 'Cluster' }, podCreate, false],
    [
      'Cluster scope on a namespace object',
      { ...base, scope: 'Cluster', resources: ['namespaces'] },
      { ...podCreate, resource: 'namespaces', namespace: 'x' },
      true,
    ],
    [
      'Namespaced scope on a namespace object',
      { ...base, scope: 'Namespaced', resources: ['namespaces'] },
      { ...podCreate, resource: 'namespaces', namespace: 'x' },
      false,
    ],
  ];
  for (const [name, rule, target, want] of cases) assert.equal(ruleMatches(rule, target), want, name);
});

test('webhook configurations are exempt; hooks are ordered by configuration name with defaults', () => {
  assert.equal(isExemptFromWebhooks('admissionregistration.k8s.io', 'validatingwebhookconfigurations'), true);
  assert.equal(isExemptFromWebhooks('', 'pods'), false);
  const hook = (name: string) => ({
    name,
    clientConfig: { url: 'https://x' },
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
  });
  const hooks = webhooksOf(
    [
      { metadata: { name: 'zeta' }, webhooks: [hook('z1')] },
      { metadata: { name: 'alpha' }, webhooks: [hook('a1'), hook('a2')] },
    ],
    true,
  );
  assert.deepEqual(
    hooks.map((h) => h.name),
    ['a1', 'a2', 'z1'],
  );
  assert.equal(hooks[0]!.failurePolicy, 'Fail');
  assert.equal(hooks[0]!.matchPolicy, 'Equivalent');
  assert.equal(hooks[0]!.timeoutSeconds, 10);
  assert.equal(hooks[0]!.reinvocationPolicy, 'Never');
});
