import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
} from 'kubernetes-types/admissionregistration/v1.js';
import type { Namespace } from 'kubernetes-types/core/v1.js';
import { auditAnnotationsOf } from '../../../audit/annotations.js';
import type { KubeObject } from '../../../watch-cache/types.js';
import { attrs, rejection } from '../testing.js';
import { ValidatingAdmissionPolicyPlugin } from './plugin.js';
import type { PolicySource } from './source.js';

type PolicySpec = NonNullable<ValidatingAdmissionPolicy['spec']>;
type BindingSpec = NonNullable<ValidatingAdmissionPolicyBinding['spec']>;

/** kubernetes-types drops NamedRuleWithOperations' inlined Rule fields (apiGroups, resources...); the wire has them. */
const rules = (r: Record<string, unknown>[]) =>
  r as NonNullable<NonNullable<PolicySpec['matchConstraints']>['resourceRules']>;

const deploymentRules: PolicySpec['matchConstraints'] = {
  resourceRules: rules([
    { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] },
  ]),
};

function policy(name: string, spec: Partial<PolicySpec>): ValidatingAdmissionPolicy {
  return { metadata: { name }, spec: { matchConstraints: deploymentRules, ...spec } };
}

function binding(name: string, policyName: string, spec: Partial<BindingSpec> = {}): ValidatingAdmissionPolicyBinding {
  return { metadata: { name }, spec: { policyName, validationActions: ['Deny'], ...spec } };
}

const configMaps: KubeObject[] = [
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'limits', namespace: 'default', labels: { kind: 'limit' } },
    data: { max: '3' },
  },
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'other', namespace: 'default', labels: { kind: 'limit' } },
    data: { max: '10' },
  },
];
const namespaces: Record<string, Namespace> = {
  default: { metadata: { name: 'default', labels: { env: 'prod' } } },
  dev: { metadata: { name: 'dev', labels: { env: 'dev' } } },
};

function plugin(policies: ValidatingAdmissionPolicy[], bindings: ValidatingAdmissionPolicyBinding[]) {
  const source: PolicySource = {
    listPolicies: () => policies,
    listBindings: () => bindings,
    getNamespace: (n) => namespaces[n],
    paramStore: (apiVersion, kind) =>
      apiVersion === 'v1' && kind === 'ConfigMap'
        ? {
            namespaced: true,
            get: (ns, name) => configMaps.find((c) => c.metadata.namespace === ns && c.metadata.name === name),
            list: (ns) => configMaps.filter((c) => c.metadata.namespace === ns),
          }
        : undefined,
  };
  return new ValidatingAdmissionPolicyPlugin({ source });
}

const deployment = (replicas: number, name = 'web', labels: Record<string, string> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default', labels },
  spec: { replicas },
});

const maxReplicas = policy('max-replicas', { validations: [{ expression: 'object.spec.replicas <= 5' }] });

test('a Deny binding rejects with the upstream message, reason Invalid and the message as cause', async () => {
  const p = plugin([maxReplicas], [binding('max-replicas-binding', 'max-replicas')]);
  const err = await rejection(() => p.validate(attrs({ resource: 'deployments', object: deployment(6) })));
  assert.equal(err.code, 422);
  assert.equal(err.reason, 'Invalid');
  assert.equal(
    err.message,
    `deployments.apps "web" is forbidden: ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-binding' denied request: failed expression: object.spec.replicas <= 5`,
  );
  await p.validate(attrs({ resource: 'deployments', object: deployment(5) }));
});

test('message, messageExpression and reason shape the denial', async () => {
  const cases: { v: NonNullable<PolicySpec['validations']>[number]; message: string; code: number }[] = [
    { v: { expression: 'false', message: 'too many' }, message: 'too many', code: 422 },
    {
      v: { expression: 'false', message: 'static', messageExpression: '"got " + string(object.spec.replicas)' },
      message: 'got 6',
      code: 422,
    },
    { v: { expression: 'false', message: 'fallback', messageExpression: '"  "' }, message: 'fallback', code: 422 },
    { v: { expression: 'false', reason: 'Forbidden' }, message: 'failed expression: false', code: 403 },
    { v: { expression: 'false', reason: 'Unauthorized' }, message: 'failed expression: false', code: 401 },
    { v: { expression: 'false', reason: 'RequestEntityTooLarge' }, message: 'failed expression: false', code: 413 },
  ];
  for (const c of cases) {
    const p = plugin([policy('p', { validations: [c.v] })], [binding('b', 'p')]);
    const err = await rejection(() => p.validate(attrs({ resource: 'deployments', object: deployment(6) })));
    assert.equal(err.code, c.code, JSON.stringify(c.v));
    assert.ok(
      err.message.endsWith(`ValidatingAdmissionPolicy 'p' with binding 'b' denied request: ${c.message}`),
      err.message,
    );
  }
});

test('Warn and Audit actions admit, with a warning and an audit annotation', async () => {
  const p = plugin([maxReplicas], [binding('warn', 'max-replicas', { validationActions: ['Warn', 'Audit'] })]);
  const a = attrs({ resource: 'deployments', object: deployment(7) });
  await p.validate(a);
  assert.deepEqual(a.ctx.warnings, [
    "Validation failed for ValidatingAdmissionPolicy 'max-replicas' with binding 'warn': failed expression: object.spec.replicas <= 5",
  ]);
  const audit = auditAnnotationsOf(a.ctx) ?? {};
  assert.deepEqual(JSON.parse(audit['validation.policy.admission.k8s.io/validation_failure']!), [
    {
      message: 'failed expression: object.spec.replicas <= 5',
      policy: 'max-replicas',
      binding: 'warn',
      expressionIndex: 0,
      validationActions: ['Warn', 'Audit'],
    },
  ]);
});

test('params: by name, by selector, missing with Allow and with Deny', async () => {
  const pol = policy('limit', {
    paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
    validations: [
      { expression: 'object.spec.replicas <= int(params.data.max)', messageExpression: '"max is " + params.data.max' },
    ],
  });
  const byName = plugin([pol], [binding('b', 'limit', { paramRef: { name: 'limits' } })]);
  await byName.validate(attrs({ resource: 'deployments', object: deployment(3) }));
  const err = await rejection(() => byName.validate(attrs({ resource: 'deployments', object: deployment(4) })));
  assert.match(err.message, /denied request: max is 3$/);

  // A selector evaluates every matching param: 4 passes "10" but fails "3".
  const bySelector = plugin(
    [pol],
    [binding('b', 'limit', { paramRef: { selector: { matchLabels: { kind: 'limit' } } } })],
  );
  assert.match(
    (await rejection(() => bySelector.validate(attrs({ resource: 'deployments', object: deployment(4) })))).message,
    /max is 3$/,
  );

  const allow = plugin(
    [pol],
    [binding('b', 'limit', { paramRef: { name: 'nope', parameterNotFoundAction: 'Allow' } })],
  );
  await allow.validate(attrs({ resource: 'deployments', object: deployment(50) }));

  const deny = plugin([pol], [binding('b', 'limit', { paramRef: { name: 'nope', parameterNotFoundAction: 'Deny' } })]);
  const denied = await rejection(() => deny.validate(attrs({ resource: 'deployments', object: deployment(1) })));
  assert.match(
    denied.message,
    /denied request: failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction$/,
  );
  const ignore = plugin(
    [{ ...pol, spec: { ...pol.spec!, failurePolicy: 'Ignore' } }],
    [binding('b', 'limit', { paramRef: { name: 'nope', parameterNotFoundAction: 'Deny' } })],
  );
  await ignore.validate(attrs({ resource: 'deployments', object: deployment(1) }));
});

test('matching: rules, excludes, resourceNames, namespace and object selectors, binding matchResources', async () => {
  const deny = policy('deny-all', { validations: [{ expression: 'false' }] });
  const denied = async (p: ValidatingAdmissionPolicyPlugin, a: ReturnType<typeof attrs>) => {
    try {
      await p.validate(a);
      return false;
    } catch {
      return true;
    }
  };
  const plain = plugin([deny], [binding('b', 'deny-all')]);
  assert.equal(await denied(plain, attrs({ resource: 'deployments', object: deployment(1) })), true);
  assert.equal(await denied(plain, attrs({ resource: 'configmaps', object: { metadata: { name: 'c' } } })), false);
  assert.equal(await denied(plain, attrs({ resource: 'deployments', operation: 'DELETE', name: 'web' })), false);

  const nsBound = plugin(
    [deny],
    [binding('b', 'deny-all', { matchResources: { namespaceSelector: { matchLabels: { env: 'prod' } } } })],
  );
  assert.equal(await denied(nsBound, attrs({ resource: 'deployments', object: deployment(1) })), true);
  assert.equal(
    await denied(nsBound, attrs({ resource: 'deployments', namespace: 'dev', object: deployment(1) })),
    false,
  );

  const objBound = plugin(
    [deny],
    [binding('b', 'deny-all', { matchResources: { objectSelector: { matchLabels: { strict: 'yes' } } } })],
  );
  assert.equal(await denied(objBound, attrs({ resource: 'deployments', object: deployment(1) })), false);
  assert.equal(
    await denied(objBound, attrs({ resource: 'deployments', object: deployment(1, 'web', { strict: 'yes' }) })),
    true,
  );

  const excluded = plugin(
    [
      policy('deny-all', {
        validations: [{ expression: 'false' }],
        matchConstraints: {
          ...deploymentRules,
          excludeResourceRules: rules([
            {
              apiGroups: ['apps'],
              apiVersions: ['*'],
              operations: ['*'],
              resources: ['deployments'],
              resourceNames: ['safe'],
            },
          ]),
        },
      }),
    ],
    [binding('b', 'deny-all')],
  );
  assert.equal(await denied(excluded, attrs({ resource: 'deployments', object: deployment(1, 'safe') })), false);
  assert.equal(await denied(excluded, attrs({ resource: 'deployments', object: deployment(1, 'other') })), true);

  // A binding for another policy, or a policy without bindings, does nothing.
  assert.equal(
    await denied(
      plugin([deny], [binding('b', 'someone-else')]),
      attrs({ resource: 'deployments', object: deployment(1) }),
    ),
    false,
  );
});

test('variables, matchConditions, namespaceObject and request are visible to expressions', async () => {
  const p = plugin(
    [
      policy('p', {
        variables: [
          { name: 'replicas', expression: 'object.spec.replicas' },
          { name: 'double', expression: 'variables.replicas * 2' },
        ],
        matchConditions: [{ name: 'not-system', expression: '!request.userInfo.username.startsWith("system:")' }],
        validations: [
          { expression: 'variables.double <= 10', message: 'double too big' },
          { expression: 'namespaceObject.metadata.labels.env == "prod"', message: 'prod only' },
          { expression: 'request.operation == "CREATE" && request.kind.kind == "Deployment"', message: 'request' },
        ],
      }),
    ],
    [binding('b', 'p')],
  );
  await p.validate(attrs({ resource: 'deployments', object: deployment(5) }));
  assert.match(
    (await rejection(() => p.validate(attrs({ resource: 'deployments', object: deployment(6) })))).message,
    /double too big$/,
  );
  assert.match(
    (await rejection(() => p.validate(attrs({ resource: 'deployments', namespace: 'dev', object: deployment(1) }))))
      .message,
    /prod only$/,
  );
  // matchConditions false: the policy does not apply at all.
  await p.validate(attrs({ resource: 'deployments', object: deployment(60), user: { username: 'system:admin' } }));
});

test('evaluation and compile errors follow failurePolicy', async () => {
  const broken = (failurePolicy: 'Fail' | 'Ignore', expression: string) =>
    plugin([policy('p', { failurePolicy, validations: [{ expression }] })], [binding('b', 'p')]);
  const a = () => attrs({ resource: 'deployments', object: deployment(1) });
  const evalErr = await rejection(() => broken('Fail', 'object.spec.missing > 1').validate(a()));
  assert.match(
    evalErr.message,
    /denied request: expression 'object.spec.missing > 1' resulted in error: no such key: missing$/,
  );
  const compileErr = await rejection(() => broken('Fail', 'object.spec.replicas >').validate(a()));
  assert.match(compileErr.message, /denied request: compilation failed: ERROR: <input>:1:/);
  await broken('Ignore', 'object.spec.missing > 1').validate(a());
  await broken('Ignore', 'object.spec.replicas >').validate(a());
});

test('auditAnnotations publish values under <policy>/<key>', async () => {
  const p = plugin(
    [
      policy('p', {
        validations: [{ expression: 'true' }],
        auditAnnotations: [
          { key: 'replicas', valueExpression: '"r=" + string(object.spec.replicas)' },
          { key: 'skip', valueExpression: 'null' },
        ],
      }),
    ],
    [binding('b', 'p')],
  );
  const a = attrs({ resource: 'deployments', object: deployment(2) });
  await p.validate(a);
  const audit = auditAnnotationsOf(a.ctx) ?? {};
  assert.equal(audit['p/replicas'], 'r=2');
  assert.equal(audit['p/skip'], undefined);
});
