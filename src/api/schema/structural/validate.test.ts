import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldPath, fieldErrorString } from '../../validation/field-error.js';
import { validWidget, widgetSchema } from '../testdata/widget-schema.js';
import type { SchemaProps } from './schema-props.js';
import { validateAgainstSchema } from './validate.js';

type Patch = (w: { spec: Record<string, unknown>; [k: string]: unknown }) => void;

function errorsFor(patch: Patch, schema: SchemaProps = widgetSchema, rootPath?: FieldPath): string[] {
  const w = validWidget() as { spec: Record<string, unknown> };
  patch(w);
  return validateAgainstSchema(w, schema, rootPath).map(fieldErrorString);
}

test('a valid Widget has no errors', () => {
  assert.deepEqual(
    errorsFor(() => {}),
    [],
  );
});

test('Widget validation reports kube-apiserver messages', () => {
  const cases: { name: string; patch: Patch; want: string[] }[] = [
    {
      name: 'type mismatch',
      patch: (w) => (w.spec.replicas = 'string'),
      want: ['spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"'],
    },
    {
      name: 'a float where an integer belongs',
      patch: (w) => (w.spec.replicas = 1.5),
      want: ['spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number"'],
    },
    {
      name: 'enum',
      patch: (w) => (w.spec.size = 'XL'),
      want: ['spec.size: Unsupported value: "XL": supported values: "S", "M", "L"'],
    },
    { name: 'required', patch: (w) => delete w.spec.size, want: ['spec.size: Required value'] },
    {
      name: 'maximum (integer data prints an integer bound)',
      patch: (w) => (w.spec.replicas = 11),
      want: ['spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10'],
    },
    {
      name: 'minimum',
      patch: (w) => (w.spec.replicas = -1),
      want: ['spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0'],
    },
    {
      name: 'exclusiveMaximum with an integer value',
      patch: (w) => (w.spec.ratio = 1000000),
      want: ['spec.ratio: Invalid value: 1000000: spec.ratio in body should be less than 1000000'],
    },
    {
      name: 'exclusiveMaximum with a float value prints the bound like Go %v',
      patch: (w) => (w.spec.ratio = 2000000.5),
      want: ['spec.ratio: Invalid value: 2000000.5: spec.ratio in body should be less than 1e+06'],
    },
    {
      name: 'multipleOf',
      patch: (w) => (w.spec.ratio = 0.3),
      want: ['spec.ratio: Invalid value: 0.3: spec.ratio in body should be a multiple of 0.5'],
    },
    {
      name: 'pattern',
      patch: (w) => (w.spec.name = 'Bad'),
      want: [`spec.name: Invalid value: "Bad": spec.name in body should match '^[a-z][a-z0-9-]*$'`],
    },
    {
      name: 'maxLength counts characters',
      patch: (w) => (w.spec.name = 'a'.repeat(21)),
      want: ['spec.name: Too long: may not be more than 20 bytes'],
    },
    {
      name: 'minLength',
      patch: (w) => (w.spec.name = 'a'),
      want: ['spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long'],
    },
    {
      name: 'format',
      patch: (w) => (w.spec.createdAt = 'yesterday'),
      want: [
        'spec.createdAt: Invalid value: "yesterday": spec.createdAt in body must be of type date-time: "yesterday"',
      ],
    },
    {
      name: 'null in a non-nullable field',
      patch: (w) => (w.spec.replicas = null),
      want: ['spec.replicas: Invalid value: "null": spec.replicas in body must be of type integer: "null"'],
    },
    {
      name: 'maxItems',
      patch: (w) => (w.spec.tags = ['a', 'b', 'c', 'd']),
      want: ['spec.tags: Too many: 4: must have at most 3 items'],
    },
    {
      name: 'set duplicates',
      patch: (w) => (w.spec.tags = ['a', 'b', 'a']),
      want: ['spec.tags[2]: Duplicate value: "a"'],
    },
    {
      name: 'map-list key duplicates print the key like Go %#v',
      patch: (w) =>
        (w.spec.ports = [
          { containerPort: 80, protocol: 'TCP' },
          { containerPort: 80, protocol: 'TCP', name: 'x' },
        ]),
      want: ['spec.ports[1]: Duplicate value: map[string]interface {}{"containerPort":80, "protocol":"TCP"}'],
    },
    {
      name: 'required field of a list item',
      patch: (w) => (w.spec.ports = [{ protocol: 'TCP' }]),
      want: ['spec.ports[0].containerPort: Required value'],
    },
    {
      name: 'maxProperties and additionalProperties values',
      patch: (w) => (w.spec.labels = { a: 'x', b: 1, c: 'z' }),
      want: ['spec.labels: Too many: 3: must have at most 2 items'],
    },
    {
      name: 'additionalProperties values are validated with their schema',
      patch: (w) => (w.spec.labels = { b: 1 }),
      want: ['spec.labels.b: Invalid value: "integer": spec.labels.b in body must be of type string: "integer"'],
    },
    {
      name: 'int-or-string rejects other types, with the anyOf summary at <nil>',
      patch: (w) => (w.spec.port = true),
      want: [
        'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
        '<nil>: Invalid value: "": "spec.port" must validate at least one schema (anyOf)',
        'spec.port: Invalid value: "boolean": spec.port in body must be of type integer: "boolean"',
      ],
    },
    {
      name: 'embedded resources need apiVersion and kind, and valid metadata',
      patch: (w) => (w.spec.template = { apiVersion: 'a/b/c', metadata: { name: 'a/b' } }),
      want: [
        'spec.template.kind: Required value',
        'spec.template.apiVersion: Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c',
        `spec.template.metadata.name: Invalid value: "a/b": may not contain '/'`,
      ],
    },
    {
      name: 'embedded kind must look like a DNS-1035 label',
      patch: (w) => (w.spec.template = { apiVersion: 'v1', kind: 'Config_Map' }),
      want: [
        'spec.template.kind: Invalid value: "Config_Map": may have mixed case, but should otherwise match: ' +
          "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, " +
          "and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      ],
    },
    {
      name: 'embedded metadata that is not an ObjectMeta',
      patch: (w) => (w.spec.template = { apiVersion: 'v1', kind: 'X', metadata: { labels: 'oops' } }),
      want: [
        'spec.template.metadata: Invalid value: {"labels":"oops"}: json: cannot unmarshal string into Go struct field ObjectMeta.labels of type map[string]string',
      ],
    },
    {
      name: 'preserve-unknown-fields subtrees still validate their specified fields',
      patch: (w) => (w.spec.config = { mode: 5, extra: true }),
      want: ['spec.config.mode: Invalid value: "integer": spec.config.mode in body must be of type string: "integer"'],
    },
  ];
  for (const c of cases) assert.deepEqual(errorsFor(c.patch), c.want, c.name);
});

test('combinators, additionalProperties: false and the root', () => {
  const schema: SchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        additionalProperties: false,
        properties: {
          mode: {
            type: 'string',
            oneOf: [{ pattern: '^a' }, { pattern: 'b$' }],
            not: { enum: ['forbidden'] },
            allOf: [{ minLength: 2 }, { maxLength: 3 }],
          },
          count: { type: 'integer', enum: [1, 2] },
        },
      },
    },
  };
  const v = (obj: unknown) => validateAgainstSchema(obj, schema).map(fieldErrorString);
  assert.deepEqual(v({ spec: { mode: 'ab' } }), [
    '<nil>: Invalid value: "": "spec.mode" must validate one and only one schema (oneOf). Found 2 valid alternatives',
  ]);
  assert.deepEqual(v({ spec: { mode: 'xx' } }), [
    '<nil>: Invalid value: "": "spec.mode" must validate one and only one schema (oneOf). Found none valid',
    `spec.mode: Invalid value: "xx": spec.mode in body should match '^a'`,
  ]);
  assert.deepEqual(v({ spec: { mode: 'a' } }), [
    'spec.mode: Invalid value: "a": spec.mode in body should be at least 2 chars long',
    '<nil>: Invalid value: "": "spec.mode" must validate all the schemas (allOf)',
  ]);
  assert.deepEqual(v({ spec: { mode: 'forbidden' } }), [
    '<nil>: Invalid value: "": "spec.mode" must validate one and only one schema (oneOf). Found none valid',
    `spec.mode: Invalid value: "forbidden": spec.mode in body should match '^a'`,
    'spec.mode: Too long: may not be more than 3 bytes',
    '<nil>: Invalid value: "": "spec.mode" must validate all the schemas (allOf)',
    '<nil>: Invalid value: "": "spec.mode" must not validate the schema (not)',
  ]);
  assert.deepEqual(v({ spec: { count: 3, bogus: 1 } }), [
    'spec: Invalid value: "bogus": spec.bogus in body is a forbidden property',
    'spec.count: Unsupported value: 3: supported values: "1", "2"',
  ]);
  assert.deepEqual(v([]), ['<nil>: Invalid value: "array":  in body must be of type object: "array"']);
});

test('a root path nests every error under it', () => {
  const got = errorsFor(
    (w) => {
      w.spec.replicas = 'x';
      w.spec.port = true;
      w.spec.tags = ['a', 'a'];
    },
    widgetSchema,
    FieldPath.of('spec', 'versions').index(0).child('schema', 'openAPIV3Schema', 'example'),
  );
  const root = 'spec.versions[0].schema.openAPIV3Schema.example';
  assert.deepEqual(got, [
    `${root}.spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"`,
    `${root}.spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"`,
    `${root}: Invalid value: "": "spec.port" must validate at least one schema (anyOf)`,
    `${root}.spec.port: Invalid value: "boolean": spec.port in body must be of type integer: "boolean"`,
    `${root}.spec.tags[1]: Duplicate value: "a"`,
  ]);
});

test('string formats accept valid and reject invalid values', () => {
  const cases: [string, string, boolean][] = [
    ['date-time', '2024-02-29T23:59:59.123+02:00', true],
    ['date-time', '2023-02-29T10:00:00Z', false],
    ['date-time', '2024-01-01 10:00:00', false],
    ['date', '2024-12-31', true],
    ['date', '2024-13-01', false],
    ['uuid', '123e4567-E89B-12d3-a456-426614174000', true],
    ['uuid', '123e4567', false],
    ['uuid4', '123e4567-e89b-42d3-a456-426614174000', true],
    ['uuid4', '123e4567-e89b-12d3-a456-426614174000', false],
    ['ipv4', '010.0.0.1', true],
    ['ipv4', '256.0.0.1', false],
    ['ipv6', 'fd00::1', true],
    ['ipv6', '10.0.0.1', false],
    ['cidr', '10.0.0.0/8', true],
    ['cidr', '10.0.0.0/33', false],
    ['mac', '00:1a:2B:3c:4d:5e', true],
    ['mac', '00:1a:2B', false],
    ['hostname', 'my-host.example.com', true],
    ['hostname', '-bad-', false],
    ['byte', 'aGVsbG8=', true],
    ['byte', 'not base64!', false],
    ['email', 'a@example.com', true],
    ['email', 'nope', false],
    ['uri', 'https://example.com/x?y=1', true],
    ['uri', 'relative/path', false],
    ['duration', '1h30m', true],
    ['duration', '3 days', true],
    ['duration', 'soon', false],
    ['isbn', '978-0321751041', true],
    ['isbn10', '0321751043', true],
    ['isbn13', '978-0321751042', false],
    ['creditcard', '4111 1111 1111 1111', true],
    ['ssn', '123-45-6789', true],
    ['hexcolor', '#FFF', true],
    ['rgbcolor', 'rgb(255, 0, 10)', true],
    ['rgbcolor', 'rgb(256,0,0)', false],
    ['bsonobjectid', '507f1f77bcf86cd799439011', true],
    ['password', 'anything', true],
    // Unsupported (stripped) formats are not checked.
    ['int32', 'not a number', true],
    ['k8s-short-name', 'NOT_VALID', true],
  ];
  for (const [format, value, valid] of cases) {
    const errs = validateAgainstSchema(value, { type: 'string', format });
    assert.equal(
      errs.length === 0,
      valid,
      `${format} ${JSON.stringify(value)}: ${errs.map(fieldErrorString).join('; ')}`,
    );
  }
});
