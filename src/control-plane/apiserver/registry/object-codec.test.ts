import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeStored, decodeWritten, encodeForStorage } from './object-codec.js';
import type { KubeObject } from '../watch-cache/types.js';

const decode = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b)) as KubeObject;

test('stored bytes omit the resourceVersion and keep key order; the object keeps its resourceVersion', () => {
  const obj: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'a', namespace: 'default', resourceVersion: '7', uid: 'u' },
    data: { k: 'v' },
  };
  const bytes = encodeForStorage(obj);
  assert.equal(
    new TextDecoder().decode(bytes),
    '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"default","uid":"u"},"data":{"k":"v"}}',
  );
  assert.equal(obj.metadata.resourceVersion, '7');
  assert.deepEqual(Object.keys(obj.metadata), ['name', 'namespace', 'resourceVersion', 'uid']);
});

test('an object without a resourceVersion is stored as is', () => {
  const obj: KubeObject = { kind: 'Pod', metadata: { name: 'p' } };
  assert.deepEqual(decode(encodeForStorage(obj)), obj);
});

test('decodeWritten yields the written object once, with the storage revision; other bytes are decoded', () => {
  const spec = { containers: [{ name: 'c', image: 'i' }] };
  const obj: KubeObject = { kind: 'Pod', metadata: { name: 'p', resourceVersion: '3' }, spec };
  const bytes = encodeForStorage(obj);
  const got = decodeWritten({ key: '/registry/pods/default/p', value: bytes, modRevision: 9, createRevision: 9 });
  // Fresh top level and metadata in the same key order; everything below is shared, not copied.
  assert.deepEqual(got, { kind: 'Pod', metadata: { name: 'p', resourceVersion: '9' }, spec });
  assert.deepEqual(Object.keys(got), ['kind', 'metadata', 'spec']);
  assert.equal(got.spec, spec);
  assert.equal(obj.metadata.resourceVersion, '3', "the writer's object is not changed");
  // The same bytes again (e.g. a second reader) are decoded, not the writer's object.
  const again = decodeWritten({ key: '/registry/pods/default/p', value: bytes, modRevision: 9, createRevision: 9 });
  assert.notEqual(again, obj);
  assert.deepEqual(again, { kind: 'Pod', metadata: { name: 'p', resourceVersion: '9' }, spec });
  const copy = Uint8Array.from(bytes);
  assert.deepEqual(
    decodeStored({ key: 'k', value: copy, modRevision: 4, createRevision: 4 }).metadata.resourceVersion,
    '4',
  );
});
