import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOpenApiV2 } from '../build-v2.js';
import { schemaForCustomResource } from '../custom-resource-schema.js';
import { generateDefinitions } from '../generator/generate-definitions.js';
import { deployments, pods, widgets } from '../testing/resource-fixtures.js';
import { decodeGnosticMessage, decodeOpenApiV2Protobuf } from './decode.js';
import { encodeOpenApiV2Protobuf } from './encode.js';
import { bytes, dbl, ld, namedAny, str, vint } from './testing-wire.js';

test('decodes hand-built Schema bytes, vendor extensions parsed from their YAML', () => {
  const b = bytes(
    str(4, 'DeploymentSpec is the specification.'),
    str(19, 'selector'),
    ld(22, str(1, 'object')),
    ld(25, ld(1, str(1, 'replicas'), ld(2, str(2, 'int32'), ld(22, str(1, 'integer'))))),
    namedAny(31, 'x-kubernetes-group-version-kind', '- group: apps\n  kind: Deployment\n  version: v1\n'),
    namedAny(31, 'x-kubernetes-list-map-keys', '- containerPort\n- protocol\n'),
  );
  assert.deepEqual(decodeGnosticMessage('Schema', b), {
    description: 'DeploymentSpec is the specification.',
    required: ['selector'],
    type: 'object',
    properties: { replicas: { format: 'int32', type: 'integer' } },
    'x-kubernetes-group-version-kind': [{ group: 'apps', kind: 'Deployment', version: 'v1' }],
    'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
  });
});

test('decodes the oneofs: body/query/path parameters, json references, boolean additionalProperties', () => {
  const op = bytes(
    ld(8, ld(1, ld(1, str(2, 'body'), str(3, 'body'), vint(4, true), ld(5, str(1, '#/definitions/P'))))),
    ld(8, ld(1, ld(2, ld(3, str(2, 'query'), str(4, 'limit'), str(6, 'integer'), vint(20, true))))),
    ld(8, ld(1, ld(2, ld(4, vint(1, true), str(2, 'path'), str(4, 'name'), str(5, 'string'))))),
    ld(8, ld(2, str(1, '#/parameters/pretty'))),
    ld(9, ld(1, str(1, '200'), ld(2, ld(1, str(1, 'OK'))))),
  );
  assert.deepEqual(decodeGnosticMessage('Operation', op), {
    parameters: [
      { name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/P' } },
      { in: 'query', name: 'limit', type: 'integer', uniqueItems: true },
      { required: true, in: 'path', name: 'name', type: 'string' },
      { $ref: '#/parameters/pretty' },
    ],
    responses: { '200': { description: 'OK' } },
  });
  assert.deepEqual(decodeGnosticMessage('Schema', bytes(ld(21, vint(2, false)), dbl(7, 10))), {
    additionalProperties: false,
    maximum: 10,
  });
});

test('skips unknown fields, including ones with other wire types', () => {
  const b = bytes(vint(99, 7), str(4, 'd'), dbl(98, 1), ld(97, str(1, 'x')));
  assert.deepEqual(decodeGnosticMessage('Schema', b), { description: 'd' });
  assert.deepEqual(decodeOpenApiV2Protobuf(new Uint8Array()), {}, 'an empty body is an empty document');
});

test('malformed input is a BadRequest StatusError with Go protobuf wording', () => {
  const table: { name: string; input: Uint8Array; message: RegExp }[] = [
    { name: 'truncated length', input: bytes(ld(1, str(1, 'abc'))).subarray(0, 3), message: /unexpected EOF/ },
    { name: 'wrong wire type for a string field', input: bytes(vint(1, 3)), message: /wrong wireType = 0 for field/ },
    { name: 'invalid YAML in an Any', input: bytes(namedAny(16, 'x-a', '[unclosed')), message: /invalid yaml/ },
  ];
  for (const c of table) {
    assert.throws(
      () => decodeOpenApiV2Protobuf(c.input),
      (err: { reason?: string; message: string }) => err.reason === 'BadRequest' && c.message.test(err.message),
      c.name,
    );
  }
});

test('round trip of a Swagger document with every message kind', () => {
  const doc = {
    swagger: '2.0',
    info: {
      title: 'T',
      version: 'v',
      description: 'd',
      contact: { name: 'n', url: 'u', email: 'e' },
      license: { name: 'Apache', url: 'l' },
    },
    host: 'h',
    basePath: '/b',
    schemes: ['https'],
    consumes: ['application/json'],
    produces: ['application/json', 'application/yaml'],
    paths: {
      '/a/{name}': {
        parameters: [{ in: 'path', name: 'name', required: true, type: 'string' }],
        get: {
          tags: ['t'],
          summary: 's',
          operationId: 'o',
          deprecated: true,
          parameters: [
            {
              in: 'header',
              name: 'h',
              type: 'array',
              items: { type: 'string', enum: ['a', 'b'] },
              collectionFormat: 'csv',
            },
            { in: 'formData', name: 'f', type: 'file', allowEmptyValue: true },
            { in: 'query', name: 'q', type: 'integer', default: 3, maximum: 9, minimum: 1, exclusiveMinimum: true },
            { $ref: '#/parameters/shared' },
          ],
          responses: {
            '200': {
              description: 'OK',
              schema: { type: 'file' },
              headers: { 'X-Rate': { type: 'integer', format: 'int32', description: 'r' } },
              examples: { 'application/json': { a: [1, 'two'] } },
            },
            default: { $ref: '#/responses/err' },
            'x-responses-note': 'n',
          },
          security: [{ oauth: ['read', 'write'] }],
          'x-kubernetes-action': 'get',
        },
      },
      'x-paths-ext': { a: 1 },
    },
    definitions: {
      'a.B': {
        type: 'object',
        title: 'B',
        required: ['spec'],
        discriminator: 'kind',
        readOnly: true,
        xml: { name: 'b', wrapped: true },
        externalDocs: { url: 'https://example.invalid/doc' },
        example: { spec: {} },
        properties: {
          spec: { allOf: [{ $ref: '#/definitions/a.C' }], description: 'spec' },
          labels: { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 64, minProperties: 1 },
          tuple: { type: 'array', items: [{ type: 'string' }, { type: 'integer' }] },
          name: { type: 'string', pattern: '^[a-z]+$', maxLength: 63, minLength: 1, default: 'x' },
          ratio: { type: 'number', multipleOf: 0.5, exclusiveMaximum: true, maximum: 2.5 },
          mode: { type: 'string', enum: ['on', 'off', 'Always'] },
          list: {
            type: 'array',
            items: { type: 'string' },
            maxItems: 8,
            minItems: 1,
            uniqueItems: true,
            'x-kubernetes-list-type': 'set',
          },
          free: { 'x-kubernetes-preserve-unknown-fields': true },
          port: { 'x-kubernetes-int-or-string': true, type: 'string', format: 'int-or-string' },
          closed: { type: 'object', additionalProperties: false, properties: {} },
        },
        'x-kubernetes-group-version-kind': [{ group: '', kind: 'B', version: 'v1' }],
      },
      'a.C': { type: 'object', properties: {}, 'x-kubernetes-map-type': 'atomic' },
    },
    parameters: { shared: { in: 'query', name: 'pretty', type: 'string', uniqueItems: true } },
    responses: { err: { description: 'error', schema: { $ref: '#/definitions/a.C' } } },
    securityDefinitions: {
      basic: { type: 'basic' },
      key: { type: 'apiKey', name: 'authorization', in: 'header' },
      imp: { type: 'oauth2', flow: 'implicit', authorizationUrl: 'https://a', scopes: { read: 'r' } },
      pw: { type: 'oauth2', flow: 'password', tokenUrl: 'https://t', scopes: {} },
      app: { type: 'oauth2', flow: 'application', tokenUrl: 'https://t', scopes: { w: 'w' } },
      code: { type: 'oauth2', flow: 'accessCode', authorizationUrl: 'https://a', tokenUrl: 'https://t', scopes: {} },
    },
    security: [{ key: [] }],
    tags: [{ name: 't', description: 'tag', externalDocs: { url: 'u' }, 'x-tag': true }],
    externalDocs: { description: 'docs', url: 'https://example.invalid' },
    'x-doc-ext': ['a', { b: null }],
  };
  assert.deepEqual(decodeOpenApiV2Protobuf(encodeOpenApiV2Protobuf(doc)), doc);
});

test('round trip of the generated document with a custom resource', () => {
  const defs = schemaForCustomResource(
    {
      group: 'example.com',
      version: 'v1',
      kind: 'Widget',
      listKind: 'WidgetList',
      plural: 'widgets',
      schema: {
        type: 'object',
        properties: {
          spec: {
            type: 'object',
            properties: {
              port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] } as never,
              mode: { type: 'string', enum: ['yes', 'no'], default: 'yes' },
            },
          },
        },
      },
    },
    generateDefinitions().definitions,
  );
  const doc = buildOpenApiV2([deployments, pods, widgets], defs);
  const decoded = decodeOpenApiV2Protobuf(encodeOpenApiV2Protobuf(doc));
  assert.deepEqual(decoded, JSON.parse(JSON.stringify(doc)));
  const spec = decoded.definitions['io.k8s.api.apps.v1.DeploymentSpec'] as { properties: Record<string, unknown> };
  assert.ok('replicas' in spec.properties);
  const widget = decoded.definitions['com.example.v1.Widget'] as { properties: { spec: Record<string, any> } };
  assert.deepEqual(widget.properties.spec.properties.mode, { type: 'string', enum: ['yes', 'no'], default: 'yes' });
});
