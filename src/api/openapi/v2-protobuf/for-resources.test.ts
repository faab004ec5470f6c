import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOpenApiV2 } from '../build-v2.js';
import { generateDefinitions } from '../generator/generate-definitions.js';
import { deployments, pods } from '../testing/resource-fixtures.js';
import { documentHash } from '../v3-root.js';
import { decodeOpenApiV2Protobuf } from './decode.js';
import { encodeOpenApiV2Protobuf } from './encode.js';
import { openApiV2ProtobufFor } from './for-resources.js';

const { definitions } = generateDefinitions();

test('encodes the v2 document for the resources; the hash is the JSON document hash', () => {
  const got = openApiV2ProtobufFor([deployments], definitions);
  const doc = buildOpenApiV2([deployments], definitions);
  assert.equal(got.hash, documentHash(JSON.stringify(doc)));
  assert.deepEqual(got.bytes, encodeOpenApiV2Protobuf(doc));
  const decoded = decodeOpenApiV2Protobuf(got.bytes);
  assert.ok(decoded.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']);
  assert.equal(decoded.paths['/api/v1/namespaces/{namespace}/pods/{name}'], undefined);
});

test('equal content is served from the cache; different content is encoded anew', () => {
  const first = openApiV2ProtobufFor([deployments, pods], definitions);
  // A fresh array and a copied definitions object with the same content hit the cache.
  const again = openApiV2ProtobufFor([...[deployments, pods]], { ...definitions });
  assert.equal(again, first);
  const other = openApiV2ProtobufFor([pods], definitions);
  assert.notEqual(other.hash, first.hash);
  assert.ok(decodeOpenApiV2Protobuf(other.bytes).paths['/api/v1/namespaces/{namespace}/pods/{name}']);
  assert.equal(
    decodeOpenApiV2Protobuf(other.bytes).paths['/apis/apps/v1/namespaces/{namespace}/deployments'],
    undefined,
  );
});

test('the cache is bounded: old documents are evicted and re-encoded on demand', () => {
  const first = openApiV2ProtobufFor([deployments], definitions, { version: 'v0' });
  for (let i = 1; i <= 4; i++) openApiV2ProtobufFor([deployments], definitions, { version: `v${i}` });
  const again = openApiV2ProtobufFor([deployments], definitions, { version: 'v0' });
  assert.notEqual(again, first, 'evicted after four newer documents');
  assert.deepEqual(again, first);
});
