import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { JsonObject } from './json-value.js';
import { openApiPatchSchema } from './openapi-patch-schema.js';
import { applyStrategicMergePatch } from './strategic-merge.js';
import { kubeFixtureDefinitions, mergeItemDefinitions } from './testdata/fixture-definitions.js';
import { assertStatusError, deepFreeze, directiveKeys } from './testdata/helpers.js';
import { createThreeWayMergePatch, createTwoWayMergePatch } from './three-way.js';
import { withPatchMetadata } from './with-patch-metadata.js';

const deploymentSchema = openApiPatchSchema(withPatchMetadata(kubeFixtureDefinitions), 'io.k8s.api.apps.v1.Deployment');
const itemSchema = openApiPatchSchema(mergeItemDefinitions, 'test.MergeItem');

function deployment(env: JsonObject[], extra: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'app', image: 'img:1', env, ...extra }] },
      },
    },
  };
}

const envA = { name: 'A', value: '1' };
const envB = { name: 'B', value: '2' };
const envC = { name: 'C', value: '3' };

/** The live object: what was applied plus fields the server set. */
function live(applied: JsonObject): JsonObject {
  const obj = structuredClone(applied);
  (obj.metadata as JsonObject).resourceVersion = '42';
  (obj.metadata as JsonObject).uid = 'u-1';
  const container = ((obj.spec as any).template.spec.containers as JsonObject[])[0]!;
  container.terminationMessagePath = '/dev/termination-log';
  container.imagePullPolicy = 'IfNotPresent';
  (obj.spec as any).template.spec.restartPolicy = 'Always';
  obj.status = { replicas: 2 };
  return obj;
}

test('three-way: dropping B and changing C in the manifest removes B, changes C, keeps A and server fields', () => {
  const lastApplied = deepFreeze(deployment([envA, envB, envC]));
  const manifest = deepFreeze(deployment([envA, { name: 'C', value: '33' }]));
  const current = deepFreeze(live(lastApplied));

  const patch = createThreeWayMergePatch(lastApplied, manifest, current, deploymentSchema);
  assert.deepStrictEqual(patch, {
    spec: {
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'app' }],
          containers: [
            {
              name: 'app',
              '$setElementOrder/env': [{ name: 'A' }, { name: 'C' }],
              env: [
                { name: 'C', value: '33' },
                { $patch: 'delete', name: 'B' },
              ],
            },
          ],
        },
      },
    },
  });

  const result = applyStrategicMergePatch(current, patch, deploymentSchema);
  const container = (result.spec as any).template.spec.containers[0] as JsonObject;
  assert.deepStrictEqual(container.env, [envA, { name: 'C', value: '33' }]);
  assert.equal(container.terminationMessagePath, '/dev/termination-log');
  assert.equal(container.imagePullPolicy, 'IfNotPresent');
  assert.equal((result.spec as any).template.spec.restartPolicy, 'Always');
  assert.deepStrictEqual(result.status, { replicas: 2 });
  assert.equal((result.metadata as JsonObject).resourceVersion, '42');
  assert.deepStrictEqual(directiveKeys(result), []);
});

test('three-way: an unchanged manifest gives an empty patch despite server-set fields', () => {
  const applied = deployment([envA, envB]);
  assert.deepStrictEqual(createThreeWayMergePatch(applied, applied, live(applied), deploymentSchema), {});
});

test('three-way: without a last-applied configuration nothing is deleted', () => {
  const current = live(deployment([envA, envB]));
  const patch = createThreeWayMergePatch(undefined, deployment([envA]), current, deploymentSchema);
  // Upstream still orders the list (current and manifest differ in length), but deletes nothing.
  assert.deepStrictEqual(
    directiveKeys(patch).filter((k) => !k.includes('$setElementOrder')),
    [],
  );
  const result = applyStrategicMergePatch(current, patch, deploymentSchema);
  assert.deepStrictEqual((result.spec as any).template.spec.containers[0].env, [envA, envB]);
});

test('three-way: fields removed from the manifest become null; added ones are set', () => {
  const lastApplied = deployment([envA]);
  (lastApplied.metadata as JsonObject).labels = { a: '1', b: '2' };
  const manifest = structuredClone(lastApplied);
  delete (manifest.spec as JsonObject).replicas;
  (manifest.metadata as JsonObject).labels = { a: '1' };
  (manifest.metadata as JsonObject).annotations = { note: 'x' };
  const current = live(lastApplied);

  const patch = createThreeWayMergePatch(lastApplied, manifest, current, deploymentSchema);
  assert.deepStrictEqual(patch, {
    metadata: { labels: { b: null }, annotations: { note: 'x' } },
    spec: { replicas: null },
  });
  const result = applyStrategicMergePatch(current, patch, deploymentSchema);
  assert.deepStrictEqual((result.metadata as JsonObject).labels, { a: '1' });
  assert.equal((result.spec as JsonObject).replicas, undefined);
  assert.equal((result.metadata as JsonObject).uid, 'u-1');
});

test('three-way: switching the Deployment strategy sends $retainKeys and clears rollingUpdate', () => {
  const lastApplied = deployment([envA]);
  (lastApplied.spec as JsonObject).strategy = { type: 'RollingUpdate' };
  const manifest = deployment([envA]);
  (manifest.spec as JsonObject).strategy = { type: 'Recreate' };
  const current = live(lastApplied);
  (current.spec as JsonObject).strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } };

  const patch = createThreeWayMergePatch(lastApplied, manifest, current, deploymentSchema);
  assert.deepStrictEqual(patch, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
  const result = applyStrategicMergePatch(current, patch, deploymentSchema);
  assert.deepStrictEqual((result.spec as JsonObject).strategy, { type: 'Recreate' });
});

test('three-way: overwrite=false refuses to clobber a field changed on the server since the last apply', () => {
  const lastApplied = deployment([envA]);
  const manifest = structuredClone(lastApplied);
  (manifest.spec as JsonObject).replicas = 3;
  const current = live(lastApplied);
  (current.spec as JsonObject).replicas = 5;

  assertStatusError(
    () => createThreeWayMergePatch(lastApplied, manifest, current, deploymentSchema, { overwrite: false }),
    {
      code: 409,
      reason: 'Conflict',
      message: /^patch:\n[\s\S]*conflicts with changes made from original to current:\n[\s\S]*replicas: 5/,
    },
  );
  assert.deepStrictEqual(createThreeWayMergePatch(lastApplied, manifest, current, deploymentSchema), {
    spec: { replicas: 3 },
  });
  // No conflict when the server-side change is the one the manifest makes.
  (current.spec as JsonObject).replicas = 3;
  assert.deepStrictEqual(
    createThreeWayMergePatch(lastApplied, manifest, current, deploymentSchema, { overwrite: false }),
    {},
  );
});

const n = (name: string, extra: JsonObject = {}): JsonObject => ({ name, ...extra });

const twoWayCases: { name: string; original: JsonObject; modified: JsonObject; want: JsonObject }[] = [
  {
    name: 'map fields: change, add, delete',
    original: { value: '1', other: 'x', simpleMap: { a: '1', b: '2' } },
    modified: { value: '2', simpleMap: { a: '1', c: '3' }, name: 'n' },
    want: { value: '2', other: null, simpleMap: { b: null, c: '3' }, name: 'n' },
  },
  {
    name: 'merge list: an element removed becomes $patch: delete with $setElementOrder',
    original: { mergingList: [n('1'), n('2', { value: 'v' })] },
    modified: { mergingList: [n('2', { value: 'v' })] },
    want: { mergingList: [{ $patch: 'delete', name: '1' }], '$setElementOrder/mergingList': [n('2')] },
  },
  {
    name: 'merge list: a changed element carries its key; additions are whole',
    original: { mergingList: [n('1', { value: 'a' })] },
    modified: { mergingList: [n('1', { value: 'b' }), n('2', { other: 'o' })] },
    want: {
      mergingList: [n('1', { value: 'b' }), n('2', { other: 'o' })],
      '$setElementOrder/mergingList': [n('1'), n('2')],
    },
  },
  {
    name: 'merge list: a reorder alone sends only $setElementOrder',
    original: { mergingList: [n('1'), n('2')] },
    modified: { mergingList: [n('2'), n('1')] },
    want: { '$setElementOrder/mergingList': [n('2'), n('1')] },
  },
  {
    name: 'scalar merge list: removals go to $deleteFromPrimitiveList',
    original: { mergingIntList: [1, 2, 3] },
    modified: { mergingIntList: [3, 4] },
    want: {
      mergingIntList: [4],
      '$deleteFromPrimitiveList/mergingIntList': [1, 2],
      '$setElementOrder/mergingIntList': [3, 4],
    },
  },
  {
    name: 'a list without strategy is sent whole',
    original: { nonMergingList: [n('1'), n('2')] },
    modified: { nonMergingList: [n('1')] },
    want: { nonMergingList: [n('1')] },
  },
  {
    name: 'a retainKeys map gets $retainKeys listing the kept fields',
    original: { retainKeysMap: { name: 'n', value: 'v' } },
    modified: { retainKeysMap: { name: 'n', other: 'o' } },
    want: { retainKeysMap: { $retainKeys: ['name', 'other'], other: 'o', value: null } },
  },
  {
    name: 'a replace-strategy map is sent whole when it changed',
    original: { replacingItem: { a: 1, b: 2 } },
    modified: { replacingItem: { a: 1 } },
    want: { replacingItem: { a: 1 } },
  },
  { name: 'equal documents give an empty patch', original: { value: 'x' }, modified: { value: 'x' }, want: {} },
];

for (const c of twoWayCases) {
  test(`two-way: ${c.name}`, () => {
    const patch = createTwoWayMergePatch(deepFreeze(c.original), deepFreeze(c.modified), itemSchema);
    assert.deepStrictEqual(patch, c.want);
    assert.deepStrictEqual(applyStrategicMergePatch(c.original, patch, itemSchema), c.modified);
  });
}

// Random MergeItem documents: applying the two-way patch always yields the modified document.
const name = fc.constantFrom('a', 'b', 'c', 'd', 'e');
const element = fc.record(
  { name, value: fc.constantFrom('1', '2') },
  { requiredKeys: ['name'], noNullPrototype: true },
);
const item: fc.Arbitrary<JsonObject> = fc.record(
  {
    value: fc.constantFrom('x', 'y'),
    simpleMap: fc.dictionary(fc.constantFrom('k1', 'k2', 'k3'), fc.constantFrom('v1', 'v2'), { noNullPrototype: true }),
    mergingList: fc.uniqueArray(element, { selector: (e) => e.name, maxLength: 5 }),
    mergingIntList: fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { maxLength: 5 }),
    nonMergingList: fc.array(element, { maxLength: 3 }),
    retainKeysMap: fc.record(
      { name, value: fc.constantFrom('1', '2'), other: fc.constantFrom('o') },
      { requiredKeys: [], noNullPrototype: true },
    ),
  },
  { requiredKeys: [], noNullPrototype: true },
) as fc.Arbitrary<JsonObject>;

test('two-way: applying the patch to the original gives the modified document (property)', () => {
  fc.assert(
    fc.property(item, item, (original, modified) => {
      const patch = createTwoWayMergePatch(original, modified, itemSchema);
      assert.deepStrictEqual(applyStrategicMergePatch(original, patch, itemSchema), modified);
    }),
    { numRuns: 500, seed: 7 },
  );
});

test('three-way: the patch applied to the live object gives the manifest plus server-only fields (property)', () => {
  fc.assert(
    fc.property(item, item, fc.constantFrom('s1', 's2'), (original, modified, serverValue) => {
      const current = { ...structuredClone(original), other: serverValue };
      const patch = createThreeWayMergePatch(original, modified, current, itemSchema);
      const got = applyStrategicMergePatch(current, patch, itemSchema);
      const want = hasOther(modified) ? modified : { ...modified, other: serverValue };
      assert.deepStrictEqual(sortKeys(got), sortKeys(want));
    }),
    { numRuns: 500, seed: 11 },
  );
});

function hasOther(o: JsonObject): boolean {
  return Object.prototype.hasOwnProperty.call(o, 'other');
}

function sortKeys(o: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1))) as JsonObject;
}
