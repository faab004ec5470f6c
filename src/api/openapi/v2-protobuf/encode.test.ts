import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { encodeGnosticMessage, encodeOpenApiV2Protobuf } from './encode.js';
import type { MessageName } from './messages.js';
import { bytes, dbl, ld, namedAny, payload, str, vint } from './testing-wire.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// Each case: a Swagger JSON value and the gnostic bytes written out by hand from
// OpenAPIv2.proto (field numbers noted inline).
const cases: { name: string; message: MessageName; json: unknown; want: Uint8Array }[] = [
  {
    name: 'primitive schema: format 2, description 4, type 22 (TypeItem.value 1)',
    message: 'Schema',
    json: { description: 'Number of desired pods.', format: 'int32', type: 'integer' },
    want: bytes(str(2, 'int32'), str(4, 'Number of desired pods.'), ld(22, str(1, 'integer'))),
  },
  {
    name: 'reference with description and patch extensions: _ref 1, vendor_extension 31',
    message: 'Schema',
    json: {
      $ref: '#/definitions/io.k8s.api.core.v1.Container',
      description: 'c',
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
    },
    want: bytes(
      str(1, '#/definitions/io.k8s.api.core.v1.Container'),
      str(4, 'c'),
      namedAny(31, 'x-kubernetes-patch-merge-key', 'name\n'),
      namedAny(31, 'x-kubernetes-patch-strategy', 'merge\n'),
    ),
  },
  {
    name: 'object kind: empty properties is still written (presence marks a kind), required 19',
    message: 'Schema',
    json: { type: 'object', properties: {}, required: ['a', 'b'] },
    want: bytes(str(19, 'a'), str(19, 'b'), ld(22, str(1, 'object')), ld(25)),
  },
  {
    name: 'map: additionalProperties 21 holds Schema (oneof 1); properties entries are NamedSchema',
    message: 'Schema',
    json: { type: 'object', additionalProperties: { type: 'string' }, properties: { a: { type: 'boolean' } } },
    want: bytes(
      ld(21, ld(1, ld(22, str(1, 'string')))),
      ld(22, str(1, 'object')),
      ld(25, ld(1, str(1, 'a'), ld(2, ld(22, str(1, 'boolean'))))),
    ),
  },
  {
    name: 'additionalProperties: false is written (oneof bool 2 keeps a zero value)',
    message: 'Schema',
    json: { additionalProperties: false },
    want: bytes(ld(21, vint(2, false))),
  },
  {
    name: 'array: items 23 (ItemsItem.schema 1), validation keywords, enum/default as YAML Any',
    message: 'Schema',
    json: {
      type: 'array',
      items: { type: 'string', enum: ['yes', 'Always'] },
      maxItems: 5,
      minimum: -1.5,
      uniqueItems: true,
      default: ['a'],
    },
    want: bytes(
      ld(5, str(2, '- a\n')),
      dbl(9, -1.5),
      vint(14, 5),
      vint(16, true),
      ld(22, str(1, 'array')),
      // "yes" is a boolean to YAML 1.1 readers (gopkg.in/yaml.v2), so it is quoted.
      ld(23, ld(1, ld(20, str(2, '"yes"\n')), ld(20, str(2, 'Always\n')), ld(22, str(1, 'string')))),
    ),
  },
  {
    name: 'proto3 zero scalars are not written',
    message: 'Schema',
    json: { description: '', minimum: 0, uniqueItems: false, maxLength: 0, required: [] },
    want: bytes(),
  },
  {
    name: 'query parameter: ParametersItem.parameter 1 > Parameter.non_body 2 > query 3',
    message: 'ParametersItem',
    json: { description: 'd', in: 'query', name: 'watch', type: 'boolean', uniqueItems: true },
    want: bytes(ld(1, ld(2, ld(3, str(2, 'query'), str(3, 'd'), str(4, 'watch'), str(6, 'boolean'), vint(20, true))))),
  },
  {
    name: 'path parameter: non_body 4, required 1, type 5, unique_items 19',
    message: 'ParametersItem',
    json: { in: 'path', name: 'name', required: true, type: 'string', uniqueItems: true },
    want: bytes(ld(1, ld(2, ld(4, vint(1, true), str(2, 'path'), str(4, 'name'), str(5, 'string'), vint(19, true))))),
  },
  {
    name: 'body parameter: Parameter.body_parameter 1 (name 2, in 3, required 4, schema 5)',
    message: 'ParametersItem',
    json: { in: 'body', name: 'body', required: true, schema: { $ref: '#/definitions/x.Y' } },
    want: bytes(ld(1, ld(1, str(2, 'body'), str(3, 'body'), vint(4, true), ld(5, str(1, '#/definitions/x.Y'))))),
  },
  {
    name: 'referenced parameter: ParametersItem.json_reference 2',
    message: 'ParametersItem',
    json: { $ref: '#/parameters/pretty' },
    want: bytes(ld(2, str(1, '#/parameters/pretty'))),
  },
  {
    name: 'operation: tags 1, operation_id 5, responses 9 (response_code 1 > Response 1 > SchemaItem.schema 1), GVK extension 13',
    message: 'Operation',
    json: {
      operationId: 'readAppsV1NamespacedDeployment',
      responses: { '200': { description: 'OK', schema: { $ref: '#/definitions/D' } }, '401': { description: 'U' } },
      tags: ['apps_v1'],
      'x-kubernetes-group-version-kind': { group: 'apps', kind: 'Deployment', version: 'v1' },
    },
    want: bytes(
      str(1, 'apps_v1'),
      str(5, 'readAppsV1NamespacedDeployment'),
      ld(
        9,
        ld(1, str(1, '200'), ld(2, ld(1, str(1, 'OK'), ld(2, ld(1, str(1, '#/definitions/D')))))),
        ld(1, str(1, '401'), ld(2, ld(1, str(1, 'U')))),
      ),
      namedAny(13, 'x-kubernetes-group-version-kind', 'group: apps\nkind: Deployment\nversion: v1\n'),
    ),
  },
  {
    name: 'security: apiKey is SecurityDefinitionsItem 2; requirement maps to StringArray',
    message: 'Document',
    json: {
      securityDefinitions: { BearerToken: { description: 'B', in: 'header', name: 'authorization', type: 'apiKey' } },
      security: [{ BearerToken: [] }],
    },
    want: bytes(
      ld(12, ld(1, str(1, 'BearerToken'), ld(2))),
      ld(
        13,
        ld(
          1,
          str(1, 'BearerToken'),
          ld(2, ld(2, str(1, 'apiKey'), str(2, 'authorization'), str(3, 'header'), str(4, 'B'))),
        ),
      ),
    ),
  },
];

for (const c of cases) {
  test(`encode ${c.message}: ${c.name}`, () => {
    assert.equal(hex(encodeGnosticMessage(c.message, c.json)), hex(c.want));
  });
}

test('a document: swagger 1, info 2, paths 8 (NamedPathItem 2), definitions 9, in field order', () => {
  const doc = {
    definitions: { 'io.k8s.api.apps.v1.Deployment': { type: 'object', 'x-kubernetes-group-version-kind': [] } },
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths: {
      '/apis/apps/v1/': { get: { operationId: 'getAppsV1APIResources' } },
      'x-paths-note': 1,
    },
    swagger: '2.0',
  };
  const want = bytes(
    str(1, '2.0'),
    ld(2, str(1, 'Kubernetes'), str(2, 'v1.32.0')),
    ld(
      8,
      namedAny(1, 'x-paths-note', '1\n'),
      ld(2, str(1, '/apis/apps/v1/'), ld(2, ld(2, str(5, 'getAppsV1APIResources')))),
    ),
    ld(
      9,
      ld(
        1,
        str(1, 'io.k8s.api.apps.v1.Deployment'),
        ld(2, ld(22, str(1, 'object')), namedAny(31, 'x-kubernetes-group-version-kind', '[]\n')),
      ),
    ),
  );
  assert.equal(hex(encodeOpenApiV2Protobuf(doc)), hex(want));
});

test('extension YAML reads back identically under YAML 1.1 (what gopkg.in/yaml.v2 applies)', () => {
  const values: unknown[] = [
    'yes',
    'No',
    'on',
    'y',
    '1:20',
    '0x1F',
    '010',
    '1e3',
    'null',
    '~',
    '',
    'a: b',
    'line1\nline2',
    [{ group: '', kind: 'Pod', version: 'v1' }],
    ['type', 'name'],
    true,
    42,
    1.5,
    null,
  ];
  for (const v of values) {
    const encoded = encodeGnosticMessage('Schema', { 'x-v': v });
    // Schema.vendor_extension 31 > NamedAny.value 2 > Any.yaml 2
    const yamlText = Buffer.from(payload(payload(payload(encoded, 31), 2), 2)).toString('utf8');
    assert.deepEqual(
      parse(yamlText, { version: '1.1' }),
      v,
      `value ${JSON.stringify(v)} as ${JSON.stringify(yamlText)}`,
    );
  }
});

test('unknown non-extension keys are dropped, not fatal (e.g. v3-only nullable)', () => {
  assert.equal(
    hex(encodeGnosticMessage('Schema', { type: 'string', nullable: true, oneOf: [{}] })),
    hex(bytes(ld(22, str(1, 'string')))),
  );
});
