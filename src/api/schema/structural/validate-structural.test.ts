import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldPath, fieldErrorString } from '../../validation/field-error.js';
import { widgetSchema } from '../testdata/widget-schema.js';
import type { SchemaProps } from './schema-props.js';
import { validateStructuralSchema } from './validate-structural.js';

const root = FieldPath.of('spec', 'versions').index(0).child('schema', 'openAPIV3Schema');
const R = root.toString();
const SPEC = `${R}.properties[spec]`;

const check = (schema: SchemaProps) => validateStructuralSchema(schema, root).map(fieldErrorString);

/** The widget schema with `spec.properties` replaced/extended, so each case isolates one problem. */
function withSpec(props: Record<string, SchemaProps>, extra: Partial<SchemaProps> = {}): SchemaProps {
  const s = structuredClone(widgetSchema);
  s.properties!.spec = { type: 'object', properties: props, ...extra };
  return s;
}

test('the Widget schema is structural and valid', () => {
  assert.deepEqual(check(widgetSchema), []);
});

test('structural-schema errors with upstream messages', () => {
  const cases: { name: string; schema: SchemaProps; want: string[] }[] = [
    {
      name: 'type missing on a field',
      schema: withSpec({ foo: { description: 'no type' } }),
      want: [`${SPEC}.properties[foo].type: Required value: must not be empty for specified object fields`],
    },
    {
      name: 'type missing on array items',
      schema: withSpec({ foo: { type: 'array', items: { description: 'x' } } }),
      want: [`${SPEC}.properties[foo].items.type: Required value: must not be empty for specified array items`],
    },
    {
      name: 'arrays need items',
      schema: withSpec({ foo: { type: 'array' } }),
      want: [`${SPEC}.properties[foo].items: Required value: must be specified`],
    },
    {
      name: 'type missing at the root',
      schema: { properties: { spec: { type: 'object' } } },
      want: [`${R}.type: Required value: must not be empty at the root`],
    },
    {
      name: 'the root must be an object without additionalProperties',
      schema: { type: 'string', additionalProperties: { type: 'string' } },
      want: [
        `${R}.additionalProperties: Forbidden: must not be used at the root`,
        `${R}.type: Invalid value: "string": must be object at the root`,
      ],
    },
    {
      name: 'int-or-string and preserve-unknown-fields need no type',
      schema: withSpec({
        a: { 'x-kubernetes-int-or-string': true },
        b: { 'x-kubernetes-preserve-unknown-fields': true },
        c: {
          'x-kubernetes-int-or-string': true,
          allOf: [{ anyOf: [{ type: 'integer' }, { type: 'string' }] }, { maxLength: 3 }],
        },
      }),
      want: [],
    },
    {
      name: 'value validations may not carry types or descriptions',
      schema: withSpec({ a: { type: 'string', anyOf: [{ type: 'string', description: 'd' }, { pattern: 'x' }] } }),
      want: [
        `${SPEC}.properties[a].anyOf[0].description: Forbidden: must be empty to be structural`,
        `${SPEC}.properties[a].anyOf[0].type: Forbidden: must be empty to be structural`,
      ],
    },
    {
      name: 'extensions and defaults under junctors',
      schema: withSpec({
        a: { type: 'object', not: { default: 1, nullable: true, 'x-kubernetes-preserve-unknown-fields': true } },
      }),
      want: [
        `${SPEC}.properties[a].not.default: Forbidden: must be undefined to be structural`,
        `${SPEC}.properties[a].not.nullable: Forbidden: must be false to be structural`,
        `${SPEC}.properties[a].not.x-kubernetes-preserve-unknown-fields: Forbidden: must be false to be structural`,
      ],
    },
    {
      name: 'fields used in root junctors must be specified',
      schema: {
        ...structuredClone(widgetSchema),
        anyOf: [{ properties: { spec: { properties: { nope: { minLength: 1 } } } } }],
      },
      want: [
        `${R}.properties[spec].properties[nope]: Required value: because it is defined in ${R}.anyOf[0].properties[spec].properties[nope]`,
      ],
    },
    {
      name: 'root metadata may only restrict name and generateName',
      schema: {
        type: 'object',
        properties: {
          metadata: { type: 'object', properties: { name: { type: 'string' }, labels: { type: 'object' } } },
        },
      },
      want: [
        `${R}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
      ],
    },
    {
      name: 'metadata restricting the name is fine; metadata in a nested junctor is not',
      schema: {
        type: 'object',
        properties: {
          metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 10 } } },
          spec: { type: 'object', allOf: [{ properties: { metadata: { maxProperties: 1 } } }] },
        },
      },
      want: [
        `${R}.properties[spec].allOf[0].properties[metadata]: Forbidden: must not be specified in a nested context`,
      ],
    },
    {
      name: 'embedded resources are objects with properties or preserve-unknown-fields',
      schema: withSpec({
        a: { type: 'string', 'x-kubernetes-embedded-resource': true },
        b: { type: 'object', 'x-kubernetes-embedded-resource': true },
      }),
      want: [
        `${SPEC}.properties[a].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields`,
        `${SPEC}.properties[a].type: Invalid value: "string": must be object if x-kubernetes-embedded-resource is true`,
        `${SPEC}.properties[b].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields`,
      ],
    },
    {
      name: 'invalid patterns',
      schema: withSpec({ a: { type: 'string', pattern: '(?=x)' } }),
      want: [
        `${SPEC}.properties[a].pattern: Invalid value: "(?=x)": must be a valid regular expression, but isn't: ` +
          'error parsing regexp: invalid or unsupported Perl syntax: `(?=`',
      ],
    },
  ];
  for (const c of cases) assert.deepEqual(check(c.schema), c.want, c.name);
});

test('CRD OpenAPI checks with upstream messages', () => {
  const cases: { name: string; schema: SchemaProps; want: string[] }[] = [
    {
      name: 'additionalProperties next to properties',
      schema: withSpec({ a: { type: 'string' } }, { additionalProperties: { type: 'string' } }),
      want: [`${SPEC}.additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`],
    },
    {
      name: 'additionalProperties: true next to properties is allowed',
      schema: withSpec({ a: { type: 'string' } }, { additionalProperties: true }),
      want: [],
    },
    {
      name: 'forbidden JSON-Schema keywords (the schema cannot become structural, so only these are reported)',
      schema: withSpec({
        a: { $ref: '#/definitions/x' },
        b: { type: 'object', patternProperties: { '^x': { type: 'string' } }, dependencies: { x: ['y'] } },
        c: { type: 'array', items: { type: 'string' }, additionalItems: false, uniqueItems: true },
      }),
      want: [
        `${SPEC}.properties[a].$ref: Forbidden: $ref is not supported`,
        `${SPEC}.properties[b].patternProperties: Forbidden: patternProperties is not supported`,
        `${SPEC}.properties[b].dependencies: Forbidden: dependencies is not supported`,
        `${SPEC}.properties[c].additionalItems: Forbidden: additionalItems is not supported`,
        `${SPEC}.properties[c].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`,
      ],
    },
    {
      name: 'definitions and unknown types',
      schema: withSpec({ a: { type: 'text' } }, { definitions: { x: { type: 'string' } } }),
      want: [
        `${SPEC}.definitions: Forbidden: definitions is not supported`,
        `${SPEC}.properties[a].type: Unsupported value: "text": supported values: "array", "boolean", "integer", "number", "object", "string"`,
      ],
    },
    {
      name: 'defaults in top-level metadata',
      schema: { type: 'object', properties: { metadata: { type: 'object', default: { name: 'x' } } } },
      want: [`${R}.properties[metadata].default: Forbidden: must not be set in top-level metadata`],
    },
    {
      name: 'nullable root',
      schema: { type: 'object', nullable: true },
      want: [`${R}.nullable: Forbidden: nullable cannot be true at the root`],
    },
    {
      name: 'list-type map needs keys that are required scalar properties',
      schema: withSpec({
        a: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          items: { type: 'object', properties: { k: { type: 'string' } } },
        },
        b: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['k', 'missing'],
          items: { type: 'object', properties: { k: { type: 'string' } } },
        },
        c: { type: 'string', 'x-kubernetes-list-type': 'set' },
        d: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-map-keys': ['k'] },
      }),
      want: [
        `${SPEC}.properties[a].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map`,
        `${SPEC}.properties[b].x-kubernetes-list-map-keys: Invalid value: ["k","missing"]: entries must all be names of item properties`,
        `${SPEC}.properties[b].items.properties[k].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property`,
        `${SPEC}.properties[c].type: Invalid value: "string": must be array if x-kubernetes-list-type is specified`,
        `${SPEC}.properties[d].x-kubernetes-list-type: Required value: must be map if x-kubernetes-list-map-keys is non-empty`,
      ],
    },
    {
      name: 'set items must be atomic',
      schema: withSpec({
        a: {
          type: 'array',
          'x-kubernetes-list-type': 'set',
          items: { type: 'object', properties: { x: { type: 'string' } } },
        },
      }),
      want: [
        `${SPEC}.properties[a].items.x-kubernetes-map-type: Invalid value: null: must be atomic as item of a list with x-kubernetes-list-type=set`,
      ],
    },
    {
      name: 'map types and preserve-unknown-fields false',
      schema: withSpec({
        a: { type: 'object', 'x-kubernetes-map-type': 'sometimes' },
        b: { type: 'object', 'x-kubernetes-preserve-unknown-fields': false },
      }),
      want: [
        `${SPEC}.properties[a].x-kubernetes-map-type: Unsupported value: "sometimes": supported values: "atomic", "granular"`,
        `${SPEC}.properties[b].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined`,
      ],
    },
    {
      name: 'x-kubernetes-validations static checks',
      schema: withSpec(
        { a: { type: 'string' } },
        {
          'x-kubernetes-validations': [
            { rule: '  ' },
            { rule: 'self.a != ""', message: 'line\nbreak' },
            { rule: 'true', reason: 'FieldValueBogus' },
          ],
        },
      ),
      want: [
        `${SPEC}.x-kubernetes-validations[0].rule: Required value: rule is not specified`,
        `${SPEC}.x-kubernetes-validations[1].message: Invalid value: "line\\nbreak": message must not contain line breaks`,
        `${SPEC}.x-kubernetes-validations[2].reason: Unsupported value: "FieldValueBogus": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"`,
      ],
    },
  ];
  for (const c of cases) assert.deepEqual(check(c.schema), c.want, c.name);
});

test('defaults must validate against their schema and be pruned', () => {
  const cases: { name: string; schema: SchemaProps; want: string[] }[] = [
    {
      name: 'enum',
      schema: withSpec({ size: { type: 'string', enum: ['S', 'M'], default: 'XL' } }),
      want: [`${SPEC}.properties[size].default: Unsupported value: "XL": supported values: "S", "M"`],
    },
    {
      name: 'nested object default with a wrong type and an unknown field',
      schema: withSpec({
        n: { type: 'object', default: { count: 'x', extra: 1 }, properties: { count: { type: 'integer' } } },
      }),
      want: [
        `${SPEC}.properties[n].default: Invalid value: {"count":"x","extra":1}: must not have unknown fields`,
        `${SPEC}.properties[n].default.count: Invalid value: "string": count in body must be of type integer: "string"`,
      ],
    },
    {
      name: 'defaults of embedded resources need TypeMeta',
      schema: withSpec({
        e: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          'x-kubernetes-preserve-unknown-fields': true,
          default: { a: 1 },
        },
      }),
      want: [
        `${SPEC}.properties[e].default.apiVersion: Required value`,
        `${SPEC}.properties[e].default.kind: Required value`,
      ],
    },
    {
      name: 'defaults are not checked when the schema is not structural',
      schema: withSpec({ a: { default: 'x' }, b: { type: 'integer', default: 'y' } }),
      want: [`${SPEC}.properties[a].type: Required value: must not be empty for specified object fields`],
    },
  ];
  for (const c of cases) assert.deepEqual(check(c.schema), c.want, c.name);
});

test('a $schema keyword is only reported when nothing else is wrong', () => {
  assert.deepEqual(check({ type: 'object', $schema: 'http://json-schema.org/draft-04/schema#' }), [
    `${R}: Invalid value: "": OpenAPIV3Schema 'schema' is not supported`,
  ]);
  assert.deepEqual(check({ type: 'object', $schema: 'x', nullable: true }), [
    `${R}.nullable: Forbidden: nullable cannot be true at the root`,
  ]);
});
