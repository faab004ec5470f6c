import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type RunResult, type TestCluster } from '../harness/control-plane.js';
import { waitFor } from './fixtures/security/wait.js';
import { startWebhookServer, type WebhookServer } from './fixtures/security/webhook-server.js';

/**
 * Issue 5, CEL in the apiserver: ValidatingAdmissionPolicy (Deny, Warn,
 * params, namespaceSelector), CRD x-kubernetes-validations, and webhook
 * matchConditions — all through real kubectl.
 */
const VAP = 'admissionregistration.k8s.io/v1';

const deployment = (name: string, ns: string, replicas: number) =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    },
  });

const deploymentRules = [
  { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] },
];

const manifests = [
  {
    apiVersion: VAP,
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: 'max-replicas' },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules: deploymentRules },
      validations: [{ expression: 'object.spec.replicas <= 5' }],
    },
  },
  {
    apiVersion: VAP,
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: 'max-replicas-deny' },
    spec: {
      policyName: 'max-replicas',
      validationActions: ['Deny'],
      matchResources: { namespaceSelector: { matchLabels: { 'vap-suite': 'deny' } } },
    },
  },
  {
    apiVersion: VAP,
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: 'max-replicas-warn' },
    spec: {
      policyName: 'max-replicas',
      validationActions: ['Warn'],
      matchResources: { namespaceSelector: { matchLabels: { 'vap-suite': 'warn' } } },
    },
  },
  {
    apiVersion: VAP,
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: 'replica-limit' },
    spec: {
      paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
      matchConstraints: { resourceRules: deploymentRules },
      validations: [
        {
          expression: 'object.spec.replicas <= int(params.data.maxReplicas)',
          messageExpression: '"replicas must be at most " + params.data.maxReplicas',
          reason: 'Forbidden',
        },
      ],
    },
  },
  {
    apiVersion: VAP,
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: 'replica-limit-params' },
    spec: {
      policyName: 'replica-limit',
      validationActions: ['Deny'],
      paramRef: { name: 'limits', namespace: 'vap-params', parameterNotFoundAction: 'Deny' },
      matchResources: { namespaceSelector: { matchLabels: { 'vap-suite': 'params' } } },
    },
  },
];

const widgetCRD = (rule: string) =>
  JSON.stringify({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.vap.kubets.test' },
    spec: {
      group: 'vap.kubets.test',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: { size: { type: 'integer' }, mode: { type: 'string' } },
                  'x-kubernetes-validations': [
                    { rule, message: 'size must be at most 10' },
                    { rule: 'self.mode == oldSelf.mode', message: 'mode is immutable' },
                  ],
                },
              },
            },
          },
        },
      ],
    },
  });

const widget = (name: string, size: number, mode = 'a') =>
  JSON.stringify({
    apiVersion: 'vap.kubets.test/v1',
    kind: 'Widget',
    metadata: { name, namespace: 'default' },
    spec: { size, mode },
  });

function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  return r;
}

describe('CEL admission: ValidatingAdmissionPolicy, CRD validation rules, webhook matchConditions', () => {
  let c: TestCluster;
  let wh: WebhookServer;
  const apply = (doc: string, extra: string[] = []) => c.kubectl(['create', '-f', '-', ...extra], { stdin: doc });

  before(async () => {
    wh = await startWebhookServer({ '/count': () => ({ allowed: true }) });
    c = await startTestCluster();
    for (const [ns, suite] of [
      ['vap-deny', 'deny'],
      ['vap-warn', 'warn'],
      ['vap-free', 'none'],
      ['vap-params', 'params'],
    ] as const) {
      ok(await c.kubectl(['create', 'namespace', ns]), ns);
      ok(await c.kubectl(['label', 'namespace', ns, `vap-suite=${suite}`]), ns);
    }
    ok(await c.kubectl(['create', 'configmap', 'limits', '-n', 'vap-params', '--from-literal=maxReplicas=2']), 'cm');
    for (const m of manifests) ok(await apply(JSON.stringify(m)), m.metadata.name);
    // Policies reach admission through the watch cache: wait until the Deny binding bites.
    await waitFor('policy active', async () => {
      const r = await apply(deployment('probe', 'vap-deny', 6), ['--dry-run=server']);
      return r.code !== 0 && /max-replicas-deny/.test(r.stderr);
    });
  });

  after(async () => {
    await c?.dispose();
    await wh?.close();
  });

  test('a Deny binding rejects 6 replicas with the upstream message and admits 5', async () => {
    const r = await apply(deployment('big', 'vap-deny', 6));
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      `The deployments "big" is invalid: : ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-deny' denied request: failed expression: object.spec.replicas <= 5`,
    );
    assert.notEqual((await c.kubectl(['get', 'deployment', 'big', '-n', 'vap-deny'])).code, 0);
    ok(await apply(deployment('small', 'vap-deny', 5)), 'create 5');
    // Updates are checked too; the scale subresource is not matched by `deployments` (as upstream).
    const patched = await c.kubectl([
      'patch',
      'deployment',
      'small',
      '-n',
      'vap-deny',
      '--type=merge',
      '-p',
      '{"spec":{"replicas":7}}',
    ]);
    assert.equal(patched.code, 1);
    assert.match(patched.stderr, /denied request: failed expression: object\.spec\.replicas <= 5/);
    ok(await c.kubectl(['scale', 'deployment', 'small', '-n', 'vap-deny', '--replicas=7']), 'scale subresource');
  });

  test('a Warn binding admits with a 299 warning', async () => {
    const r = ok(await apply(deployment('warned', 'vap-warn', 6)), 'create');
    assert.match(
      r.stderr,
      /^Warning: Validation failed for ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-warn': failed expression: object\.spec\.replicas <= 5$/m,
    );
    ok(await c.kubectl(['get', 'deployment', 'warned', '-n', 'vap-warn']), 'stored');
  });

  test('bindings select namespaces: an unlabelled namespace is not checked', async () => {
    const r = ok(await apply(deployment('free', 'vap-free', 50)), 'create');
    assert.doesNotMatch(r.stderr, /ValidatingAdmissionPolicy/);
  });

  test('a paramKind ConfigMap policy reads its limit from the param', async () => {
    const r = await apply(deployment('three', 'vap-params', 3));
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      `Error from server (Forbidden): error when creating "STDIN": deployments.apps "three" is forbidden: ValidatingAdmissionPolicy 'replica-limit' with binding 'replica-limit-params' denied request: replicas must be at most 2`,
    );
    ok(await apply(deployment('two', 'vap-params', 2)), 'create 2');
    // Without the param, parameterNotFoundAction Deny rejects (failurePolicy defaults to Fail).
    ok(await c.kubectl(['delete', 'configmap', 'limits', '-n', 'vap-params']), 'delete param');
    await waitFor('param gone', async () => {
      const x = await apply(deployment('one', 'vap-params', 1), ['--dry-run=server']);
      return x.code !== 0 && /no params found/.test(x.stderr);
    });
  });

  test('CRD x-kubernetes-validations: a bad rule is refused, an invalid CR is rejected at its path', async () => {
    const bad = await apply(widgetCRD('self.size <='));
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\[spec\]\.x-kubernetes-validations\[0\]\.rule: Invalid value: apiextensions\.ValidationRule\{Rule:"self\.size <=".*compilation failed: ERROR: <input>:1:/,
    );
    ok(await apply(widgetCRD('self.size <= 10')), 'crd');
    await waitFor('widgets served', async () => (await c.kubectl(['get', 'widgets'])).code === 0);
    const r = await apply(widget('huge', 11));
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      'The Widget "huge" is invalid: spec: Invalid value: "object": size must be at most 10',
    );
    ok(await apply(widget('fine', 10)), 'valid widget');
  });

  test('CRD transition rules compare with oldSelf on update', async () => {
    ok(await apply(widget('moody', 1, 'a')), 'create');
    const r = await c.kubectl(['patch', 'widget', 'moody', '--type=merge', '-p', '{"spec":{"mode":"b"}}']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /spec: Invalid value: "object": mode is immutable/);
    ok(await c.kubectl(['patch', 'widget', 'moody', '--type=merge', '-p', '{"spec":{"size":2}}']), 'other change');
  });

  test('a webhook whose matchCondition is false is not called', async () => {
    ok(await c.kubectl(['create', 'namespace', 'vap-wh']), 'ns');
    const config = {
      apiVersion: VAP,
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'vap-match-conditions' },
      webhooks: [
        {
          name: 'count.vap.kubets.test',
          clientConfig: { url: `${wh.url}/count`, caBundle: wh.caBundle },
          rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'vap-wh' } },
          matchConditions: [{ name: 'call-prefix', expression: 'object.metadata.name.startsWith("call-")' }],
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
        },
      ],
    };
    ok(await apply(JSON.stringify(config)), 'webhook config');
    const called = (name: string) => wh.received.some((x) => x.request.name === name);
    let n = 0;
    await waitFor('webhook active', async () => {
      const name = `call-${n++}`;
      ok(await c.kubectl(['create', 'configmap', name, '-n', 'vap-wh']), name);
      return called(name);
    });
    ok(await c.kubectl(['create', 'configmap', 'skip-me', '-n', 'vap-wh']), 'skip-me');
    ok(await c.kubectl(['create', 'configmap', 'call-me', '-n', 'vap-wh']), 'call-me');
    assert.equal(called('call-me'), true);
    assert.equal(called('skip-me'), false);
  });
});
