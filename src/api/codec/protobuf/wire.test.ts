import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../errors/status-error.js';
import { ProtoReader, ProtoWriter, WireType } from './wire.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s/g, ''), 'hex'));

function failure(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError, `expected a StatusError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

test('varints encode as the protobuf spec shows', () => {
  const cases: [number, string][] = [
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [2147483647, 'ffffffff07'],
    [4294967295, 'ffffffff0f'],
    [2 ** 53 - 1, 'ffffffffffffff0f'],
    [-1, 'ffffffffffffffffff01'],
    [-2147483648, '80808080f8ffffffff01'],
  ];
  for (const [n, h] of cases) {
    assert.equal(hex(new ProtoWriter().int64(n).finish()), h, String(n));
    const r = new ProtoReader(bytes(h));
    assert.equal(r.int64(), n, h);
    assert.ok(r.done);
  }
  // int32 fields truncate to the low 32 bits, as Go does.
  assert.equal(new ProtoReader(bytes('ffffffffffffffffff01')).int32(), -1);
  assert.equal(new ProtoReader(bytes('ffffffff0f')).int32(), -1);
  assert.equal(new ProtoReader(bytes('ffffffff0f')).uint64(), 4294967295);
  assert.equal(new ProtoReader(bytes('02')).bool(), true);
});

test('tags, strings, bytes and doubles', () => {
  const w = new ProtoWriter()
    .tag(1, WireType.Bytes)
    .string('héllo')
    .tag(2, WireType.Varint)
    .bool(true)
    .tag(3, WireType.Fixed64)
    .double(1.5)
    .tag(16, WireType.Bytes)
    .bytes(Uint8Array.of(0, 255));
  const b = w.finish();
  assert.equal(hex(b), '0a0668c3a96c6c6f' + '1001' + '19000000000000f83f' + '820102' + '00ff');
  const r = new ProtoReader(b);
  assert.deepEqual(r.tag(), [1, WireType.Bytes]);
  assert.equal(r.string(), 'héllo');
  assert.deepEqual(r.tag(), [2, WireType.Varint]);
  assert.equal(r.bool(), true);
  assert.deepEqual(r.tag(), [3, WireType.Fixed64]);
  assert.equal(r.double(), 1.5);
  assert.deepEqual(r.tag(), [16, WireType.Bytes]);
  assert.deepEqual([...r.bytes()], [0, 255]);
  assert.ok(r.done);
});

test('the writer grows past its initial buffer', () => {
  const big = 'x'.repeat(100000);
  const r = new ProtoReader(new ProtoWriter().tag(1, WireType.Bytes).string(big).finish());
  r.tag();
  assert.equal(r.string(), big);
});

test('skip handles every wire type, groups included', () => {
  // field 1 varint, 2 fixed64, 3 bytes, 4 group{5 varint}, 6 fixed32, then field 7 varint 42
  const b = bytes('0896 01 11 0102030405060708 1a03616263 23 2801 24 35 01020304 382a');
  const r = new ProtoReader(b);
  for (let i = 0; i < 5; i++) {
    const [, wt] = r.tag();
    r.skip(wt);
  }
  assert.deepEqual(r.tag(), [7, WireType.Varint]);
  assert.equal(r.int64(), 42);
});

test('malformed input fails with gogo-protobuf messages', () => {
  assert.equal(failure(() => new ProtoReader(bytes('80')).int64()).message, 'unexpected EOF');
  assert.equal(
    failure(() => new ProtoReader(bytes('ffffffffffffffffffff01')).int64()).message,
    'proto: integer overflow',
  );
  const truncated = new ProtoReader(bytes('0a05616263'));
  truncated.tag();
  assert.equal(failure(() => truncated.string()).message, 'unexpected EOF');
  assert.equal(failure(() => new ProtoReader(bytes('0102')).double()).message, 'unexpected EOF');
  assert.equal(failure(() => new ProtoReader(bytes('')).skip(6)).message, 'proto: illegal wireType 6');
  assert.equal(
    failure(() => new ProtoReader(bytes('')).skip(WireType.EndGroup)).message,
    'proto: unexpected end group',
  );
  assert.equal(failure(() => new ProtoReader(bytes('2808')).skip(WireType.StartGroup)).message, 'unexpected EOF');
  // A length beyond 2^53 cannot be honoured.
  assert.equal(
    failure(() => new ProtoReader(bytes('ffffffffffffffff7f')).span()).message,
    'proto: negative length found during unmarshaling',
  );
});
