import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../errors/status-error.js';
import { decodeProtobuf, encodeProtobuf, PROTOBUF_MAGIC, supportsProtobuf } from './envelope.js';
import { protobufKinds } from './kinds.js';
import { sampleObjects } from './testdata/objects.js';
import { ProtoWriter, WireType } from './wire.js';

function failure(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError, `expected a StatusError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

test('every sample object survives encode → decode unchanged', () => {
  for (const obj of sampleObjects) {
    const bytes = encodeProtobuf(obj);
    assert.deepEqual([...bytes.subarray(0, 4)], [...PROTOBUF_MAGIC]);
    const decoded = decodeProtobuf(bytes);
    assert.equal(decoded.apiVersion, obj.apiVersion);
    assert.equal(decoded.kind, obj.kind);
    assert.deepEqual(decoded.object, obj, `${String(obj.apiVersion)}/${String(obj.kind)}`);
  }
});

test('the samples cover every kind kubectl sends as protobuf', () => {
  const covered = new Set(sampleObjects.map((o) => `${String(o.apiVersion)} ${String(o.kind)}`));
  const kinds = protobufKinds().filter((k) => !k.kind.endsWith('List') && k.kind !== 'LocalSubjectAccessReview');
  for (const { apiVersion, kind } of kinds)
    assert.ok(covered.has(`${apiVersion} ${kind}`), `${apiVersion} ${kind} has no sample`);
});

test('a minimal object of every known kind round-trips', () => {
  for (const { apiVersion, kind } of protobufKinds()) {
    const metadata = kind.endsWith('List') ? { resourceVersion: '1' } : { name: 'x' };
    const obj = { apiVersion, kind, metadata };
    assert.deepEqual(decodeProtobuf(encodeProtobuf(obj)).object, obj, `${apiVersion} ${kind}`);
    assert.ok(supportsProtobuf(apiVersion, kind));
  }
  assert.ok(supportsProtobuf('batch/v1', 'DeleteOptions'));
  assert.ok(!supportsProtobuf('apps/v1', 'StatefulSet'));
  assert.ok(!supportsProtobuf('v1', 'toString'));
});

test('encoding is deterministic: fields by number, map keys sorted', () => {
  const a = encodeProtobuf({ apiVersion: 'v1', kind: 'ConfigMap', data: { b: '2', a: '1' }, metadata: { name: 'x' } });
  const b = encodeProtobuf({ kind: 'ConfigMap', metadata: { name: 'x' }, apiVersion: 'v1', data: { a: '1', b: '2' } });
  assert.deepEqual(a, b);
  // Envelope: magic, typeMeta, raw, then empty contentEncoding/contentType as Go writes them.
  const hex = Buffer.from(a).toString('hex');
  assert.ok(hex.startsWith('6b387300' + '0a0f' + '0a027631' + '1209436f6e6669674d6170' + '12'), hex);
  assert.ok(hex.endsWith('1a002200'), hex);
});

const envelope = (typeMeta: Uint8Array, raw: Uint8Array = new Uint8Array()) =>
  new ProtoWriter()
    .raw(PROTOBUF_MAGIC)
    .tag(1, WireType.Bytes)
    .bytes(typeMeta)
    .tag(2, WireType.Bytes)
    .bytes(raw)
    .finish();
const typeMeta = (apiVersion: string, kind: string) =>
  new ProtoWriter().tag(1, WireType.Bytes).string(apiVersion).tag(2, WireType.Bytes).string(kind).finish();

test('envelope errors carry upstream messages', () => {
  const cases: [Uint8Array, string][] = [
    [new Uint8Array(), 'empty data'],
    [
      Buffer.from('{"kind":"Pod"}'),
      'provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]',
    ],
    [
      Uint8Array.of(0x6b, 0x38),
      'provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]',
    ],
    [PROTOBUF_MAGIC, 'empty body'],
    [Uint8Array.of(...PROTOBUF_MAGIC, 0x0a, 0x09), 'unexpected EOF'],
    [
      envelope(typeMeta('apps/v1', '')),
      `Object 'Kind' is missing in 'runtime.TypeMeta{APIVersion:"apps/v1", Kind:""}'`,
    ],
    [envelope(typeMeta('', 'Pod')), `Object 'apiVersion' is missing in 'runtime.TypeMeta{APIVersion:"", Kind:"Pod"}'`],
    [
      envelope(typeMeta('apps/v1', 'StatefulSet')),
      'no kind "StatefulSet" is registered for version "apps/v1" in scheme "pkg/api/legacyscheme/scheme.go:30"',
    ],
  ];
  for (const [bytes, message] of cases) {
    const err = failure(() => decodeProtobuf(bytes));
    assert.equal(err.code, 400);
    assert.equal(err.reason, 'BadRequest');
    assert.equal(err.message, message);
  }
});

test('the endpoint kind fills a missing kind or apiVersion (copyKindDefaults)', () => {
  const raw = new ProtoWriter()
    .tag(1, WireType.Bytes)
    .bytes(new ProtoWriter().tag(1, WireType.Bytes).string('n').finish())
    .finish();
  const d = decodeProtobuf(envelope(typeMeta('', ''), raw), { apiVersion: 'v1', kind: 'Namespace' });
  assert.deepEqual(d, {
    apiVersion: 'v1',
    kind: 'Namespace',
    object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } },
  });
  // The body's own type meta wins over the defaults.
  assert.equal(decodeProtobuf(envelope(typeMeta('v1', 'Pod')), { kind: 'Namespace', apiVersion: 'v1' }).kind, 'Pod');
});

test('encodeProtobuf rejects values of the wrong type with the JSON path', () => {
  const cases: [object, string][] = [
    [
      { apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ name: 1 }] } },
      'spec.containers[0].name: expected a string, got number',
    ],
    [
      { apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 1.5 } },
      'spec.replicas: expected an int32, got number',
    ],
    [
      { apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 2 ** 31 } },
      'spec.replicas: 2147483648 overflows int32',
    ],
    [{ apiVersion: 'v1', kind: 'Secret', data: { k: 'not base64!' } }, 'data["k"]: expected base64 data, got string'],
    [{ apiVersion: 'v1', kind: 'Pod', metadata: 'x' }, 'metadata: expected an object, got string'],
    [{ apiVersion: 'v1', kind: 'Pod', metadata: { labels: [] } }, 'metadata.labels: expected an object, got array'],
    [
      { apiVersion: 'v1', kind: 'Pod', metadata: { finalizers: 'x' } },
      'metadata.finalizers: expected an array, got string',
    ],
    [
      { apiVersion: 'v1', kind: 'Pod', metadata: { creationTimestamp: 'yesterday' } },
      'metadata.creationTimestamp: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse',
    ],
    [
      { apiVersion: 'v1', kind: 'Service', spec: { ports: [{ targetPort: true }] } },
      'spec.ports[0].targetPort: expected an int32 or a string',
    ],
    [
      { apiVersion: 'apps/v1', kind: 'StatefulSet' },
      'no kind "StatefulSet" is registered for version "apps/v1" in scheme "pkg/api/legacyscheme/scheme.go:30"',
    ],
  ];
  for (const [obj, message] of cases) assert.equal(failure(() => encodeProtobuf(obj)).message, message);
});

test('null fields and null list elements encode as Go would hold them', () => {
  const obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: null, finalizers: [null, 'a'] }, spec: null };
  assert.deepEqual(decodeProtobuf(encodeProtobuf(obj)).object, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { finalizers: ['', 'a'] },
  });
});

test('unknown JSON fields are ignored by the encoder, like Go json.Unmarshal', () => {
  const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', bogus: 1 }, extra: { x: 1 } };
  assert.deepEqual(decodeProtobuf(encodeProtobuf(obj)).object, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c' },
  });
});
