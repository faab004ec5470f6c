import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CelEnvironment } from '../../../../../api/cel/index.js';
import { attrs, rejection } from '../testing.js';
import type { WebhookAccessor } from '../webhook/accessor.js';
import { shouldCallHook } from '../webhook/dispatcher.js';
import type { WebhookClient } from '../webhook/client.js';
import { baseActivation, matchConditionVariables } from './activation.js';
import { evaluateMatchConditions, type MatchResult } from './match-conditions.js';

const env = CelEnvironment.for(matchConditionVariables);
const a = attrs({ resource: 'pods', object: { metadata: { name: 'web', labels: { tier: 'front' } } } });
const activation = baseActivation(a, {
  resource: { group: '', version: 'v1', resource: 'pods' },
  subresource: '',
  kind: { group: '', version: 'v1', kind: 'Pod' },
});

const cases: { name: string; exprs: string[]; policy?: 'Fail' | 'Ignore'; want: MatchResult | RegExp }[] = [
  { name: 'all true', exprs: ['true', 'object.metadata.name == "web"'], want: { matches: true } },
  {
    name: 'request fields',
    exprs: ['request.operation == "CREATE" && request.resource.resource == "pods"'],
    want: { matches: true },
  },
  { name: 'oldObject null on create', exprs: ['oldObject == null'], want: { matches: true } },
  {
    name: 'one false',
    exprs: ['true', 'object.metadata.labels.tier == "back"'],
    want: { matches: false, failedCondition: 'c1' },
  },
  { name: 'false beats error', exprs: ['object.spec.nope', 'false'], want: { matches: false, failedCondition: 'c1' } },
  {
    name: 'error, Fail',
    exprs: ['true', 'object.spec.nope == 1'],
    want: /^expression 'object.spec.nope == 1' resulted in error: no such key: spec$/,
  },
  { name: 'error, Ignore', exprs: ['object.spec.nope == 1'], policy: 'Ignore', want: { matches: false } },
  {
    name: 'compile error, Fail',
    exprs: ['nope'],
    want: /^compilation failed: ERROR: <input>:1:1: undeclared reference to 'nope'/,
  },
];

for (const c of cases) {
  test(`matchConditions: ${c.name}`, () => {
    const conditions = c.exprs.map((expression, i) => ({ name: `c${i}`, expression }));
    const got = evaluateMatchConditions(env, conditions, activation, c.policy ?? 'Fail');
    if (c.want instanceof RegExp) {
      assert.ok('error' in got, JSON.stringify(got));
      assert.match(got.error, c.want);
    } else {
      assert.deepEqual(got, c.want);
    }
  });
}

function hook(expression: string, failurePolicy: 'Fail' | 'Ignore'): WebhookAccessor {
  return {
    uid: 'c/h/0',
    configurationName: 'c',
    name: 'h.example.com',
    mutating: false,
    clientConfig: { url: 'https://127.0.0.1:1/' },
    rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
    failurePolicy,
    matchPolicy: 'Equivalent',
    namespaceSelector: {},
    objectSelector: {},
    sideEffects: 'None',
    timeoutSeconds: 10,
    admissionReviewVersions: ['v1'],
    matchConditions: [{ name: 'c', expression }],
    reinvocationPolicy: 'Never',
  };
}

test('webhook dispatch: conditions decide the call; an error fails closed with Forbidden under Fail', async () => {
  const opts = { client: {} as WebhookClient, getNamespace: () => undefined };
  assert.ok('call' in (await shouldCallHook(hook('object.metadata.name == "web"', 'Fail'), a, opts)));
  assert.deepEqual(await shouldCallHook(hook('object.metadata.name == "db"', 'Fail'), a, opts), { skip: 'no-match' });
  assert.deepEqual(await shouldCallHook(hook('object.spec.x == 1', 'Ignore'), a, opts), { skip: 'no-match' });
  const err = await rejection(() => shouldCallHook(hook('object.spec.x == 1', 'Fail'), a, opts));
  assert.equal(err.code, 403);
  assert.equal(
    err.message,
    `pods "web" is forbidden: expression 'object.spec.x == 1' resulted in error: no such key: spec`,
  );
});
