import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../errors/status-error.js';
import { decodeWellKnown, encodeWellKnown, formatTime, parseTime } from './well-known.js';
import { ProtoWriter, WireType } from './wire.js';

const noEmbedded = () => assert.fail('no nested envelope expected');
const timestamp = (seconds: number, nanos = 0) =>
  new ProtoWriter().tag(1, WireType.Varint).int64(seconds).tag(2, WireType.Varint).int64(nanos).finish();

test('Time formats seconds as RFC3339 UTC and ignores nanos; MicroTime keeps 6 digits', () => {
  assert.equal(formatTime(1767225600, undefined), '2026-01-01T00:00:00Z');
  assert.equal(formatTime(0, undefined), '1970-01-01T00:00:00Z');
  assert.equal(formatTime(-1, undefined), '1969-12-31T23:59:59Z');
  assert.equal(formatTime(-62135596800, undefined), '0001-01-01T00:00:00Z');
  assert.equal(formatTime(1767225600, 123456789), '2026-01-01T00:00:00.123456Z');
  assert.equal(formatTime(1767225600, 0), '2026-01-01T00:00:00.000000Z');
  assert.equal(formatTime(1767225600, 1_500_000_000), '2026-01-01T00:00:01.500000Z');
  assert.deepEqual(decodeWellKnown('time', timestamp(1767225600, 999), noEmbedded), {
    value: '2026-01-01T00:00:00Z',
    zero: false,
  });
  assert.deepEqual(decodeWellKnown('microtime', timestamp(1767225600, 1000), noEmbedded), {
    value: '2026-01-01T00:00:00.000001Z',
    zero: false,
  });
  // An empty message is Go's zero Time: null in JSON, so the field is left out.
  assert.deepEqual(decodeWellKnown('time', new Uint8Array(), noEmbedded), { value: undefined, zero: true });
  assert.throws(
    () => formatTime(253402300800, undefined),
    (e: unknown) => e instanceof StatusError && /year outside of range/.test(e.message),
  );
});

test('parseTime accepts what Go time.Parse(RFC3339) accepts', () => {
  assert.deepEqual(parseTime('2026-01-01T00:00:00Z', 'x'), [1767225600, 0]);
  assert.deepEqual(parseTime('2026-01-01T01:30:00+01:30', 'x'), [1767225600, 0]);
  assert.deepEqual(parseTime('2026-01-01T00:00:00.25Z', 'x'), [1767225600, 250000000]);
  assert.deepEqual(parseTime('0001-01-01T00:00:00Z', 'x'), [-62135596800, 0]);
  for (const t of ['0050-06-01T12:00:00Z', '0999-12-31T23:59:59Z', '2024-02-29T10:20:30Z', '9999-12-31T23:59:59Z']) {
    assert.equal(formatTime(parseTime(t, 'x')[0], undefined), t); // years below 100 are not shifted to 19xx
  }
  for (const bad of [
    '2026-02-30T00:00:00Z',
    '2026-01-01 00:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T00:00:00',
    'now',
  ]) {
    assert.throws(() => parseTime(bad, 'f'), /f: parsing time/, bad);
  }
  const enc = encodeWellKnown('microtime', '2026-01-01T00:00:00.123456Z', 'x')!;
  assert.equal(decodeWellKnown('microtime', enc, noEmbedded).value, '2026-01-01T00:00:00.123456Z');
  assert.equal(encodeWellKnown('time', '', 'x'), undefined);
});

test('IntOrString, Quantity, FieldsV1, ExtraValue and RawExtension conversions', () => {
  const roundTrip = (kind: Parameters<typeof encodeWellKnown>[0], v: unknown) =>
    decodeWellKnown(kind, encodeWellKnown(kind, v, 'x')!, noEmbedded);
  assert.deepEqual(roundTrip('intstr', 8080), { value: 8080, zero: false });
  assert.deepEqual(roundTrip('intstr', -1), { value: -1, zero: false });
  assert.deepEqual(roundTrip('intstr', 'http'), { value: 'http', zero: false });
  assert.deepEqual(roundTrip('intstr', 0), { value: 0, zero: true });
  assert.deepEqual(roundTrip('intstr', ''), { value: '', zero: false }); // a string "" is not Go's zero IntOrString
  assert.deepEqual(roundTrip('quantity', '1Gi'), { value: '1Gi', zero: false });
  assert.deepEqual(roundTrip('quantity', 2), { value: '2', zero: false });
  assert.deepEqual(decodeWellKnown('quantity', new Uint8Array(), noEmbedded), { value: '0', zero: true });
  assert.deepEqual(roundTrip('fieldsv1', { 'f:spec': { 'f:replicas': {} } }), {
    value: { 'f:spec': { 'f:replicas': {} } },
    zero: false,
  });
  assert.deepEqual(roundTrip('strings', ['a', 'b']), { value: ['a', 'b'], zero: false });
  assert.deepEqual(roundTrip('raw', { kind: 'Foo', spec: [1] }), { value: { kind: 'Foo', spec: [1] }, zero: false });
  const nested = Uint8Array.of(0x6b, 0x38, 0x73, 0x00, 1, 2);
  const raw = new ProtoWriter().tag(1, WireType.Bytes).bytes(nested).finish();
  assert.deepEqual(
    decodeWellKnown('raw', raw, (b) => ({ nested: b.length })),
    { value: { nested: 6 }, zero: false },
  );
  const bad = new ProtoWriter().tag(1, WireType.Bytes).string('{not json').finish();
  assert.throws(() => decodeWellKnown('raw', bad, noEmbedded), StatusError);
});
