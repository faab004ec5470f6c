import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldPath, fieldErrorString } from '../../validation/field-error.js';
import { embeddedObjectMetas, objectMetaDecodeError, validateEmbeddedResources } from './embedded-resource.js';
import type { SchemaProps } from './schema-props.js';

const embedded: SchemaProps = {
  type: 'object',
  'x-kubernetes-embedded-resource': true,
  'x-kubernetes-preserve-unknown-fields': true,
};
const schema: SchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        one: embedded,
        many: { type: 'array', items: embedded },
        byName: { type: 'object', additionalProperties: embedded },
      },
    },
  },
};

test('embeddedObjectMetas lists the metadata of every nested embedded resource', () => {
  const obj = {
    metadata: { name: 'root-is-not-listed' },
    spec: {
      one: { apiVersion: 'v1', kind: 'A', metadata: { name: 'a', unknownEmbeddedMeta: 1 } },
      many: [{ apiVersion: 'v1', kind: 'B' }, { metadata: { name: 'b1' } }],
      byName: { x: { metadata: { labels: { k: 'v' } } } },
    },
  };
  assert.deepEqual(embeddedObjectMetas(obj, schema), [
    { path: 'spec.one.metadata', metadata: { name: 'a', unknownEmbeddedMeta: 1 } },
    { path: 'spec.many[1].metadata', metadata: { name: 'b1' } },
    { path: 'spec.byName[x].metadata', metadata: { labels: { k: 'v' } } },
  ]);
});

test('embedded resources: TypeMeta required, metadata validated as ObjectMeta', () => {
  const obj = {
    apiVersion: 'not/checked/at/root',
    spec: {
      one: { apiVersion: '', kind: 5, metadata: { name: 'ok', namespace: 'Bad_NS' } },
      many: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { generateName: 'x-' } }],
      byName: { x: { kind: 'K' } },
    },
  };
  assert.deepEqual(validateEmbeddedResources(obj, schema).map(fieldErrorString), [
    'spec.one.apiVersion: Invalid value: "": must not be empty',
    'spec.one.kind: Invalid value: 5: must be a string',
    `spec.one.metadata.namespace: Invalid value: "Bad_NS": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    'spec.byName[x].apiVersion: Required value',
  ]);
  assert.deepEqual(validateEmbeddedResources({ kind: 'K' }, schema, FieldPath.of('x'), true).map(fieldErrorString), [
    'x.apiVersion: Required value',
  ]);
});

test('objectMetaDecodeError mirrors encoding/json errors for ObjectMeta', () => {
  assert.equal(objectMetaDecodeError(undefined), undefined);
  assert.equal(objectMetaDecodeError({ name: 'a', labels: { a: 'b' }, finalizers: ['x'], generation: 2 }), undefined);
  assert.equal(objectMetaDecodeError('x'), 'json: cannot unmarshal string into Go value of type v1.ObjectMeta');
  assert.equal(objectMetaDecodeError([1]), 'json: cannot unmarshal array into Go value of type v1.ObjectMeta');
  assert.equal(
    objectMetaDecodeError({ name: 1 }),
    'json: cannot unmarshal number into Go struct field ObjectMeta.name of type string',
  );
  assert.equal(
    objectMetaDecodeError({ annotations: { a: true } }),
    'json: cannot unmarshal bool into Go struct field ObjectMeta.annotations of type string',
  );
  assert.equal(
    objectMetaDecodeError({ finalizers: 'x' }),
    'json: cannot unmarshal string into Go struct field ObjectMeta.finalizers of type []string',
  );
});
