import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatch, noPatchSchema, openApiPatchSchema, withPatchMetadata } from './index.js';
import type { JsonObject } from './json-value.js';
import { kubeFixtureDefinitions } from './testdata/fixture-definitions.js';
import { assertStatusError, deepFreeze } from './testdata/helpers.js';

const podSchema = openApiPatchSchema(withPatchMetadata(kubeFixtureDefinitions), 'io.k8s.api.core.v1.Pod');
const pod: JsonObject = deepFreeze({
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: { containers: [{ name: 'a', image: 'x' }] },
});

test('applyPatch: dispatches on the content type', () => {
  const add = { spec: { containers: [{ name: 'b', image: 'y' }] } };
  // Strategic: the container list merges by name (new elements come first, as upstream).
  assert.deepStrictEqual(applyPatch(pod, JSON.stringify(add), 'application/strategic-merge-patch+json', podSchema), {
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      containers: [
        { name: 'b', image: 'y' },
        { name: 'a', image: 'x' },
      ],
    },
  });
  // Merge: the list is replaced.
  assert.deepStrictEqual(applyPatch(pod, JSON.stringify(add), 'application/merge-patch+json', podSchema), {
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: { containers: [{ name: 'b', image: 'y' }] },
  });
  // JSON patch.
  const ops = [{ op: 'replace', path: '/spec/containers/0/image', value: 'z' }];
  assert.deepStrictEqual(applyPatch(pod, JSON.stringify(ops), 'application/json-patch+json'), {
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: { containers: [{ name: 'a', image: 'z' }] },
  });
});

test('applyPatch: accepts bytes, parameters in the content type, and decoded bodies', () => {
  const body = new TextEncoder().encode('{"metadata":{"labels":{"app":null,"tier":"fe"}}}');
  const want = { metadata: { name: 'web', labels: { tier: 'fe' } }, spec: pod.spec };
  assert.deepStrictEqual(applyPatch(pod, body, 'Application/Merge-Patch+JSON; charset=utf-8'), want);
  assert.deepStrictEqual(
    applyPatch(
      pod,
      { metadata: { labels: { app: null, tier: 'fe' } } },
      'application/strategic-merge-patch+json',
      noPatchSchema,
    ),
    want,
  );
});

test('applyPatch: unsupported types are a 415 that lists the accepted ones', () => {
  for (const type of ['application/apply-patch+yaml', 'application/json', 'text/plain']) {
    assertStatusError(() => applyPatch(pod, '{}', type, podSchema), {
      code: 415,
      reason: 'UnsupportedMediaType',
      message:
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml',
    });
  }
});

test('applyPatch: strategic merge without a schema (custom resources) is a 415', () => {
  assertStatusError(() => applyPatch(pod, '{}', 'application/strategic-merge-patch+json'), {
    code: 415,
    message:
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
  });
});

test('applyPatch: undecodable or ill-shaped bodies are a 400', () => {
  const bad: [string, string][] = [
    ['{"a":', 'application/merge-patch+json'],
    ['[1]', 'application/merge-patch+json'],
    ['null', 'application/merge-patch+json'],
    ['[]', 'application/strategic-merge-patch+json'],
    ['"x"', 'application/strategic-merge-patch+json'],
    ['{}', 'application/json-patch+json'],
    ['not json', 'application/json-patch+json'],
  ];
  for (const [body, type] of bad) {
    assertStatusError(() => applyPatch(pod, body, type, podSchema), { code: 400, reason: 'BadRequest' });
  }
  assertStatusError(() => applyPatch(pod, '[]', 'application/strategic-merge-patch+json', podSchema), {
    code: 400,
    message: 'json: cannot unmarshal array into Go value of type map[string]interface {}',
  });
});

test('applyPatch: a JSON patch that turns the object into something else is a 400', () => {
  assertStatusError(() => applyPatch(pod, '[{"op":"replace","path":"","value":[1]}]', 'application/json-patch+json'), {
    code: 400,
  });
});
