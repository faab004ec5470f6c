import { test } from 'node:test';
import assert from 'node:assert/strict';
import { customResourceDefinitionName, schemaForCustomResource } from './custom-resource-schema.js';
import type { Definitions } from './schema-types.js';

const base: Definitions = {
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': { type: 'object' },
  'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta': { type: 'object' },
};

test('definition names reverse the group, as upstream does', () => {
  const cases: [string, string, string, string][] = [
    ['example.com', 'v1', 'Widget', 'com.example.v1.Widget'],
    ['stable.example.com', 'v1beta1', 'CronTab', 'com.example.stable.v1beta1.CronTab'],
    ['cert-manager.io', 'v1', 'Certificate', 'io.cert-manager.v1.Certificate'],
  ];
  for (const [group, version, kind, want] of cases)
    assert.equal(customResourceDefinitionName(group, version, kind), want);
});

test('the CRD schema becomes an object and a list definition with GVKs and standard fields', () => {
  const schema = {
    type: 'object',
    description: 'A widget.',
    properties: {
      metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 10 } } },
      spec: { type: 'object', required: ['size'], properties: { size: { type: 'integer', minimum: 1 } } },
    },
  };
  const input = {
    group: 'example.com',
    version: 'v1',
    kind: 'Widget',
    listKind: 'WidgetList',
    plural: 'widgets',
    schema,
  };
  const out = schemaForCustomResource(input, base);

  const widget = out['com.example.v1.Widget'];
  assert.equal(widget.description, 'A widget.');
  assert.deepEqual(widget['x-kubernetes-group-version-kind'], [
    { group: 'example.com', kind: 'Widget', version: 'v1' },
  ]);
  assert.deepEqual(Object.keys(widget.properties!).sort(), ['apiVersion', 'kind', 'metadata', 'spec']);
  assert.equal(widget.properties!.metadata.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
  assert.equal(widget.properties!.apiVersion.type, 'string');
  assert.deepEqual(widget.properties!.spec.required, ['size']);
  assert.equal(widget.properties!.spec.properties!.size.minimum, 1);

  const list = out['com.example.v1.WidgetList'];
  assert.deepEqual(list['x-kubernetes-group-version-kind'], [
    { group: 'example.com', kind: 'WidgetList', version: 'v1' },
  ]);
  assert.deepEqual(list.required, ['items']);
  assert.equal(list.properties!.items.items!.$ref, '#/definitions/com.example.v1.Widget');
  assert.equal(list.properties!.metadata.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta');
  assert.match(list.properties!.items.description ?? '', /^List of widgets\./);

  // base untouched, and the result shares nothing mutable with the input schema
  assert.deepEqual(Object.keys(base).sort(), [
    'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta',
    'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
  ]);
  widget.properties!.spec.properties!.size.minimum = 5;
  widget.properties!.spec.required!.push('extra');
  assert.equal(schema.properties.spec.properties.size.minimum, 1);
  assert.deepEqual(schema.properties.spec.required, ['size']);
  assert.deepEqual(Object.keys(schema.properties.metadata.properties), ['name']);
});

test('a version without a schema accepts any object', () => {
  const out = schemaForCustomResource(
    { group: 'example.com', version: 'v2', kind: 'Widget', listKind: 'WidgetList', plural: 'widgets' },
    base,
  );
  const widget = out['com.example.v2.Widget'];
  assert.equal(widget.type, 'object');
  assert.equal(widget['x-kubernetes-preserve-unknown-fields'], true);
  assert.ok(widget.properties!.metadata);
});
