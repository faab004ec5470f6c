import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.js';
import {
  FrameReader,
  SpdyProtocolError,
  decodeHeaderBlock,
  encodeData,
  encodeGoAway,
  encodeHeaderBlock,
  encodeHeaders,
  encodePing,
  encodeRstStream,
  encodeSettings,
  encodeSynReply,
  encodeSynStream,
  encodeWindowUpdate,
} from './frames.js';
import { HeaderCodec } from './header-codec.js';

function adler32(buf: Buffer): number {
  let a = 1;
  let b = 0;
  for (const x of buf) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

test('the SPDY/3 dictionary is the 1423 bytes whose Adler-32 peers agree on', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  // The value Go's zlib writer puts in the FDICT field of every SPDY/3 header stream.
  assert.equal(adler32(SPDY3_DICTIONARY), 0xe3c6a7c2);
  assert.deepEqual([...SPDY3_DICTIONARY.subarray(0, 11)], [0, 0, 0, 7, ...Buffer.from('options')]);
  assert.equal(SPDY3_DICTIONARY.subarray(-9).toString('latin1'), ',*,enq=0.');
});

test('control and data frames have the SPDY/3 layout', () => {
  // SYN_STREAM: control bit + version 3, type 1, flags FIN|UNIDIRECTIONAL, length = 10 + block.
  const syn = encodeSynStream(1, Buffer.from('hb'), { fin: true, unidirectional: true, priority: 7, associatedTo: 0 });
  assert.equal(
    syn.toString('hex'),
    '80030001' + '0300000c' + '00000001' + '00000000' + 'e000' + Buffer.from('hb').toString('hex'),
  );
  assert.equal(encodeSynReply(3, Buffer.alloc(0)).toString('hex'), '80030002' + '00000004' + '00000003');
  assert.equal(encodeRstStream(5, 5).toString('hex'), '80030003' + '00000008' + '00000005' + '00000005');
  assert.equal(encodePing(2).toString('hex'), '80030006' + '00000004' + '00000002');
  assert.equal(encodeGoAway(7, 0).toString('hex'), '80030007' + '00000008' + '00000007' + '00000000');
  assert.equal(encodeWindowUpdate(0, 1000).toString('hex'), '80030009' + '00000008' + '00000000' + '000003e8');
  assert.equal(
    encodeSettings([{ id: 7, value: 65536 }]).toString('hex'),
    '80030004' + '0000000c' + '00000001' + '00000007' + '00010000',
  );
  assert.equal(encodeData(9, Buffer.from('abc'), true).toString('hex'), '00000009' + '01000003' + '616263');
});

test('the reader parses every frame type back, across arbitrary chunking', () => {
  const wire = Buffer.concat([
    encodeSynStream(1, Buffer.from('block'), { priority: 2 }),
    encodeSynReply(1, Buffer.from('r'), true),
    encodeHeaders(1, Buffer.from('h')),
    encodeData(1, Buffer.alloc(40000, 1), false),
    encodeData(1, Buffer.alloc(0), true),
    encodeRstStream(3, 7),
    encodeSettings([
      { id: 4, value: 100 },
      { id: 7, value: 1 << 20, flags: 1 },
    ]),
    encodePing(11),
    encodeGoAway(9, 2),
    encodeWindowUpdate(1, 12345),
  ]);
  for (const step of [1, 7, 4096, wire.length]) {
    const r = new FrameReader();
    const frames = [];
    for (let off = 0; off < wire.length; off += step) frames.push(...r.push(wire.subarray(off, off + step)));
    assert.deepEqual(
      frames.map((f) => f.type),
      ['synStream', 'synReply', 'headers', 'data', 'data', 'rstStream', 'settings', 'ping', 'goAway', 'windowUpdate'],
    );
    const [syn, reply, , data, fin, rst, settings, ping, goAway, wu] = frames;
    assert.deepEqual(syn, {
      type: 'synStream',
      flags: 0,
      streamId: 1,
      associatedTo: 0,
      priority: 2,
      block: Buffer.from('block'),
    });
    assert.equal(reply.type === 'synReply' && reply.flags, 1);
    assert.equal(data.type === 'data' && data.data.length, 40000);
    assert.equal(fin.type === 'data' && fin.flags, 1);
    assert.deepEqual(rst, { type: 'rstStream', streamId: 3, status: 7 });
    assert.deepEqual(settings, {
      type: 'settings',
      flags: 0,
      entries: [
        { flags: 0, id: 4, value: 100 },
        { flags: 1, id: 7, value: 1 << 20 },
      ],
    });
    assert.deepEqual(ping, { type: 'ping', id: 11 });
    assert.deepEqual(goAway, { type: 'goAway', lastGoodStreamId: 9, status: 2 });
    assert.deepEqual(wu, { type: 'windowUpdate', streamId: 1, delta: 12345 });
  }
});

test('the reader rejects wrong versions, data on stream 0 and oversized frames', () => {
  const v2 = encodePing(1);
  v2.writeUInt16BE(0x8002, 0);
  assert.throws(() => new FrameReader().push(v2), SpdyProtocolError);
  assert.throws(() => new FrameReader().push(encodeData(0, Buffer.from('x'), false)), /stream 0/);
  assert.throws(() => new FrameReader(100).push(encodeData(1, Buffer.alloc(200), false)), /exceeds/);
  const unknown = encodePing(1);
  unknown.writeUInt16BE(10, 2);
  assert.deepEqual(new FrameReader().push(unknown), [{ type: 'unknown', frameType: 10 }]);
});

test('header blocks: lower-cased names, NUL-separated multi-values', () => {
  const block = encodeHeaderBlock({ StreamType: 'error', Port: '8080', multi: ['a', 'b'] });
  const decoded = decodeHeaderBlock(block);
  assert.deepEqual(
    [...decoded],
    [
      ['streamtype', ['error']],
      ['port', ['8080']],
      ['multi', ['a', 'b']],
    ],
  );
  assert.throws(() => decodeHeaderBlock(block.subarray(0, block.length - 1)), /malformed/);
});

test('header compression: one zlib stream per direction, dictionary-seeded, sync-flushed per block', async () => {
  const tx = new HeaderCodec();
  const rx = new HeaderCodec();
  const blocks = [
    encodeHeaderBlock({ streamtype: 'error', port: '80', requestid: '0' }),
    encodeHeaderBlock({ streamtype: 'data', port: '80', requestid: '0' }),
    encodeHeaderBlock({ big: 'x'.repeat(100_000) }),
    encodeHeaderBlock({}),
  ];
  const wire = [];
  for (const b of blocks) wire.push(await tx.compress(b));
  // The first segment names the dictionary (FDICT) with its Adler-32, as Go's zlib reader requires.
  assert.equal(wire[0][1] & 0x20, 0x20);
  assert.equal(wire[0].readUInt32BE(2), 0xe3c6a7c2);
  // Later segments continue the stream: they only decode in order, through the same context.
  assert.ok(wire[1].length < blocks[1].length);
  const out = await Promise.all(wire.map((w) => rx.decompress(w)));
  out.forEach((o, i) => assert.ok(o.equals(blocks[i]), `block ${i}`));
  // Independent check with zlib itself: the first segment alone inflates with the dictionary.
  assert.ok(inflateSync(wire[0], { dictionary: SPDY3_DICTIONARY, finishFlush: 2 }).equals(blocks[0]));
  tx.close();
  rx.close();
});

test('header decompression refuses garbage and oversized blocks', async () => {
  const rx = new HeaderCodec({ maxHeaderBlock: 1000 });
  await assert.rejects(rx.decompress(Buffer.from('not zlib at all')));
  const tx = new HeaderCodec();
  const rx2 = new HeaderCodec({ maxHeaderBlock: 1000 });
  await assert.rejects(rx2.decompress(await tx.compress(encodeHeaderBlock({ x: 'y'.repeat(5000) }))), /exceeds/);
  tx.close();
  rx.close();
  rx2.close();
});
