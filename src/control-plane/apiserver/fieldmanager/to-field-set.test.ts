import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from './go-json.js';
import { pathString } from './path-element.js';
import { definitions, deployment, deploymentType } from './test-fixtures.js';
import { ensureNamedFieldsAreMembers, fieldSetOf } from './to-field-set.js';
import { deducedType, typeForDefinition, typeForSchema } from './type-schema.js';
import { validateTyped } from './typed-value.js';

const v1 = (obj: unknown, t = deploymentType) => JSON.stringify(fieldSetOf(obj, t).toFieldsV1());

test('field set of an applied Deployment: leaves, list items, map entries; atomic selector', () => {
  const cfg = deployment({ replicas: 2, env: { A: '1' }, labels: { tier: 'web' } });
  assert.equal(
    v1(cfg),
    '{"f:apiVersion":{},"f:kind":{},"f:metadata":{"f:labels":{"f:tier":{}},"f:name":{},"f:namespace":{}},' +
      '"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},' +
      '"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:env":{"k:{\\"name\\":\\"A\\"}":{".":{},"f:name":{},"f:value":{}}},' +
      '"f:image":{},"f:name":{}}}}}}}',
  );
});

test('field set: sets by value, maps keyed by uid, ports keyed with a defaulted protocol, atomic lists', () => {
  const obj: JsonObject = {
    metadata: {
      finalizers: ['b.io/x', 'a.io/y'],
      ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u-1' }],
    },
    spec: {
      template: {
        spec: {
          containers: [{ name: 'c', args: ['a', 'b'], ports: [{ containerPort: 80 }] }],
          initContainers: [{ name: 'init', image: 'busybox' }],
          nodeSelector: { disk: 'ssd' },
        },
      },
    },
  };
  const paths = fieldSetOf(obj, deploymentType).paths().map(pathString);
  assert.deepEqual(paths.sort(), [
    '.metadata.finalizers[="a.io/y"]',
    '.metadata.finalizers[="b.io/x"]',
    '.metadata.ownerReferences[uid="u-1"]',
    '.spec.template.spec.containers[name="c"]',
    '.spec.template.spec.containers[name="c"].args',
    '.spec.template.spec.containers[name="c"].name',
    '.spec.template.spec.containers[name="c"].ports[containerPort=80,protocol="TCP"]',
    '.spec.template.spec.containers[name="c"].ports[containerPort=80,protocol="TCP"].containerPort',
    '.spec.template.spec.initContainers[name="init"]',
    '.spec.template.spec.initContainers[name="init"].image',
    '.spec.template.spec.initContainers[name="init"].name',
    '.spec.template.spec.nodeSelector',
  ]);
});

test('field set: empty granular containers own nothing, empty atomic ones are leaves, null scalars are leaves', () => {
  const obj = {
    metadata: { labels: {} },
    spec: { replicas: null, template: { spec: { containers: [], nodeSelector: {} } } },
  };
  assert.deepEqual(fieldSetOf(obj, deploymentType).paths().map(pathString), [
    '.spec.replicas',
    '.spec.template.spec.nodeSelector',
  ]);
});

test('field set without a schema (deduced): maps granular, lists atomic', () => {
  const cr = {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    spec: { size: 3, tags: ['a', 'b'], nested: { x: { y: 1 } } },
  };
  assert.equal(
    v1(cr, deducedType),
    '{"f:apiVersion":{},"f:kind":{},"f:spec":{".":{},"f:nested":{".":{},"f:x":{".":{},"f:y":{}}},"f:size":{},"f:tags":{}}}',
  );
  const preserve = typeForSchema(definitions, { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  assert.equal(v1({ a: { b: 1 } }, preserve), '{"f:a":{".":{},"f:b":{}}}');
});

test('field set: items that share a key are owned whole', () => {
  const obj = {
    spec: {
      template: {
        spec: {
          containers: [{ name: 'c', env: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }, { name: 'B' }] }],
        },
      },
    },
  };
  const paths = fieldSetOf(obj, deploymentType).paths().map(pathString);
  assert.ok(paths.includes('.spec.template.spec.containers[name="c"].env[name="A"]'));
  assert.ok(!paths.includes('.spec.template.spec.containers[name="c"].env[name="A"].value'));
  assert.ok(paths.includes('.spec.template.spec.containers[name="c"].env[name="B"].name'));
});

test('typed validation: missing keys, non-map items, duplicates only where not allowed', () => {
  const bad = { spec: { template: { spec: { containers: [{ image: 'x' }, 'y'] } } } };
  assert.deepEqual(
    validateTyped(bad, deploymentType, true).map((e) => e.message),
    [
      '.spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
      '.spec.template.spec.containers: element 1: associative list with keys may not have non-map elements',
    ],
  );
  const dup = deployment({ containers: [{ name: 'a' }, { name: 'a' }] });
  assert.deepEqual(
    validateTyped(dup, deploymentType, false).map((e) => e.message),
    ['.spec.template.spec.containers: duplicate entries for key [name="a"]'],
  );
  assert.deepEqual(validateTyped(dup, deploymentType, true), []);
  const setOfMaps = { metadata: { finalizers: [{ a: 1 }] } };
  assert.match(
    validateTyped(setOfMaps, deploymentType, true)[0].message,
    /without keys has an element that's a map type/,
  );
});

test('ensureNamedFieldsAreMembers adds declared struct fields that have children', () => {
  const set = fieldSetOf(deployment({ labels: { tier: 'web' } }), deploymentType);
  const ensured = ensureNamedFieldsAreMembers(set, deploymentType).paths().map(pathString);
  for (const p of [
    '.metadata',
    '.spec',
    '.spec.template',
    '.spec.template.spec',
    '.spec.template.spec.containers',
    '.metadata.labels',
  ]) {
    assert.ok(ensured.includes(p), p);
  }
  // Map keys are not declared fields: labels' keys are already members, nothing else is added below them.
  assert.ok(!ensured.includes('.spec.template.metadata.labels.app.x'));
  assert.equal(typeForDefinition(definitions, 'no.such.Kind'), deducedType);
});
