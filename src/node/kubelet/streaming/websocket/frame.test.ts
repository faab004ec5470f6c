import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CloseCode,
  FrameParser,
  Opcode,
  WebSocketProtocolError,
  decodeClosePayload,
  encodeClosePayload,
  encodeFrame,
  isValidCloseCode,
} from './frame.js';

const serverParser = () => new FrameParser({ expectMasked: true, maxPayload: 1 << 20 });
const clientParser = () => new FrameParser({ expectMasked: false, maxPayload: 1 << 20 });

test('frames round-trip across the three length encodings, masked and unmasked', () => {
  for (const len of [0, 1, 125, 126, 65535, 65536, 70000]) {
    const payload = Buffer.alloc(len, 0x5a);
    const masked = encodeFrame(Opcode.binary, payload, { mask: true });
    const [f] = serverParser().push(masked);
    assert.equal(f.payload.length, len);
    assert.ok(f.payload.equals(payload), `masked ${len}`);
    assert.equal(f.masked, true);
    const plain = encodeFrame(Opcode.text, payload);
    const [g] = clientParser().push(plain);
    assert.ok(g.payload.equals(payload), `plain ${len}`);
    assert.equal(g.opcode, Opcode.text);
  }
});

test('wire layout matches RFC 6455 §5.7 examples', () => {
  // A single-frame unmasked text message "Hello".
  assert.deepEqual([...encodeFrame(Opcode.text, Buffer.from('Hello'))], [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
  // A masked "Hello" from the RFC, parsed.
  const [f] = serverParser().push(Buffer.from([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]));
  assert.equal(f.payload.toString(), 'Hello');
  // 256 bytes binary uses the 16-bit length form.
  assert.deepEqual([...encodeFrame(Opcode.binary, Buffer.alloc(256)).subarray(0, 4)], [0x82, 0x7e, 0x01, 0x00]);
  // 64 KiB binary uses the 64-bit length form.
  assert.deepEqual(
    [...encodeFrame(Opcode.binary, Buffer.alloc(65536)).subarray(0, 10)],
    [0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0],
  );
});

test('masking does not mutate the caller payload and uses a fresh key', () => {
  const payload = Buffer.from('abcdefgh');
  const a = encodeFrame(Opcode.binary, payload, { mask: true });
  const b = encodeFrame(Opcode.binary, payload, { mask: true });
  assert.equal(payload.toString(), 'abcdefgh');
  assert.notDeepEqual(a.subarray(2, 6), b.subarray(2, 6));
});

test('the parser reassembles frames split at every byte boundary', () => {
  const frames = Buffer.concat([
    encodeFrame(Opcode.binary, Buffer.from('first'), { mask: true }),
    encodeFrame(Opcode.ping, Buffer.from('p'), { mask: true }),
    encodeFrame(Opcode.binary, Buffer.alloc(300, 7), { mask: true, fin: false }),
  ]);
  const p = serverParser();
  const got = [];
  for (const byte of frames) got.push(...p.push(Buffer.from([byte])));
  assert.deepEqual(
    got.map((f) => [f.opcode, f.fin, f.payload.length]),
    [
      [Opcode.binary, true, 5],
      [Opcode.ping, true, 1],
      [Opcode.binary, false, 300],
    ],
  );
});

const violations: [string, Buffer, boolean, number][] = [
  ['unmasked client frame', encodeFrame(Opcode.binary, Buffer.from('x')), true, CloseCode.protocolError],
  ['masked server frame', encodeFrame(Opcode.binary, Buffer.from('x'), { mask: true }), false, CloseCode.protocolError],
  ['reserved bit', Buffer.from([0xc2, 0x80, 0, 0, 0, 0]), true, CloseCode.protocolError],
  ['unknown opcode', Buffer.from([0x83, 0x80, 0, 0, 0, 0]), true, CloseCode.protocolError],
  [
    'fragmented ping',
    encodeFrame(Opcode.ping, Buffer.alloc(1), { mask: true, fin: false }),
    true,
    CloseCode.protocolError,
  ],
  ['oversized control', encodeFrame(Opcode.ping, Buffer.alloc(126), { mask: true }), true, CloseCode.protocolError],
  [
    'frame over the limit',
    encodeFrame(Opcode.binary, Buffer.alloc(2 << 20), { mask: true }),
    true,
    CloseCode.messageTooBig,
  ],
];

for (const [name, bytes, expectMasked, code] of violations) {
  test(`parser rejects ${name} with close code ${code}`, () => {
    const p = new FrameParser({ expectMasked, maxPayload: 1 << 20 });
    assert.throws(
      () => p.push(bytes),
      (err: unknown) => err instanceof WebSocketProtocolError && err.code === code,
    );
  });
}

test('oversized frames are refused from the header, before the payload arrives', () => {
  const header = encodeFrame(Opcode.binary, Buffer.alloc(2 << 20), { mask: true }).subarray(0, 14);
  const p = new FrameParser({ expectMasked: true, maxPayload: 1 << 20 });
  assert.throws(() => p.push(header), /exceeds the limit/);
});

test('close payloads: codes and reasons', () => {
  assert.deepEqual(decodeClosePayload(encodeClosePayload(1000, 'bye')), { code: 1000, reason: 'bye' });
  assert.deepEqual(decodeClosePayload(Buffer.alloc(0)), { code: CloseCode.noStatus, reason: '' });
  assert.equal(encodeClosePayload(1000, 'x'.repeat(200)).length, 125);
  assert.throws(() => decodeClosePayload(Buffer.from([3])), /1 byte/);
  assert.throws(() => decodeClosePayload(encodeClosePayload(1005)), /invalid close code 1005/);
  assert.throws(
    () => decodeClosePayload(Buffer.concat([encodeClosePayload(1000), Buffer.from([0xff, 0xfe])])),
    (err: unknown) => err instanceof WebSocketProtocolError && err.code === CloseCode.invalidPayload,
  );
  for (const [code, ok] of [
    [999, false],
    [1000, true],
    [1004, false],
    [1006, false],
    [1011, true],
    [1015, false],
    [2999, false],
    [3000, true],
    [4999, true],
    [5000, false],
  ] as const) {
    assert.equal(isValidCloseCode(code), ok, String(code));
  }
});
