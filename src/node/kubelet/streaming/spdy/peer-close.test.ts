// How a session behaves towards a Go runtime's streaming server at the end of
// an exec (containerd, through spdystream): it writes the last output and the
// status, resets every stream and closes the connection — often all in one
// TCP segment, while our reader is still behind. Nothing received may be lost,
// and nothing may be sent back that would make the peer's kernel reset the
// connection (and drop the output it still has queued).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { text } from 'node:stream/consumers';
import {
  encodeData,
  encodeGoAway,
  encodeHeaderBlock,
  encodeRstStream,
  encodeSettings,
  encodeSynReply,
  encodeSynStream,
  FrameReader,
  GoAwayStatus,
  RstStatus,
  SettingsId,
  type SpdyFrame,
} from './frames.js';
import { HeaderCodec } from './header-codec.js';
import { SpdySession } from './session.js';
import type { SpdyStream } from './stream.js';

/** A session on one end of a loopback connection; the test writes raw frames on the other. */
async function rawPeer(role: 'client' | 'server') {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const raw = connect((server.address() as AddressInfo).port, '127.0.0.1');
  const [[ours]] = await Promise.all([accepted, once(raw, 'connect')]);
  const session = new SpdySession(ours, undefined, { role });
  const frames: SpdyFrame[] = [];
  const reader = new FrameReader();
  raw.on('data', (d: Buffer) => frames.push(...reader.push(d)));
  raw.on('error', () => undefined);
  const codec = new HeaderCodec();
  return {
    session,
    raw,
    frames,
    headers: (h: Record<string, string>) => codec.compress(encodeHeaderBlock(h)),
    cleanup: async () => {
      codec.close();
      session.destroy();
      raw.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

test('data that arrives with the peer reset stays readable, then the stream ends and closes', async () => {
  const p = await rawPeer('server');
  try {
    const incoming = once(p.session, 'stream') as Promise<[SpdyStream]>;
    // SYN_STREAM, the status, RST_STREAM, GOAWAY: one write, one read on our side.
    p.raw.write(
      Buffer.concat([
        encodeSynStream(1, await p.headers({ streamtype: 'error' })),
        encodeData(1, Buffer.from('{"status":"Success"}'), false),
        encodeRstStream(1, RstStatus.cancel),
        encodeGoAway(0, GoAwayStatus.ok),
      ]),
    );
    const [stream] = await incoming;
    // The reader starts late, as a busy event loop makes it.
    await tick();
    const closed = once(stream, 'close');
    assert.equal(await text(stream), '{"status":"Success"}');
    await closed;
    assert.equal(stream.resetStatus, RstStatus.cancel);
    assert.equal(p.session.openStreams, 0);
  } finally {
    await p.cleanup();
  }
});

test('a paused reader keeps the buffered output when the peer resets the stream', async () => {
  const p = await rawPeer('client');
  try {
    p.session.once('stream', () => assert.fail('unexpected stream'));
    const opening = p.session.openStream({ streamtype: 'stdout' });
    while (!p.frames.some((f) => f.type === 'synStream')) await tick();
    p.raw.write(encodeSynReply(1, await p.headers({})));
    const stdout = await opening;
    let got = '';
    stdout.on('data', (d: Buffer) => {
      got += d.toString();
      stdout.pause(); // a slow consumer: one chunk, then backpressure
    });
    const chunks = ['a'.repeat(1000), 'b'.repeat(1000), 'c'.repeat(1000)];
    p.raw.write(
      Buffer.concat([
        ...chunks.map((c) => encodeData(1, Buffer.from(c), false)),
        encodeData(1, Buffer.alloc(0), true),
        encodeRstStream(1, RstStatus.cancel),
      ]),
    );
    while (stdout.resetStatus === undefined) await tick();
    assert.equal(stdout.destroyed, false, 'not destroyed while output is unread');
    const ended = once(stdout, 'end');
    const closed = once(stdout, 'close');
    stdout.removeAllListeners('data');
    stdout.on('data', (d: Buffer) => (got += d.toString()));
    stdout.resume();
    await ended;
    assert.equal(got, chunks.join(''));
    await closed;
  } finally {
    await p.cleanup();
  }
});

test('data still buffered when the transport closes is readable afterwards; writes are dropped quietly', async () => {
  const p = await rawPeer('server');
  try {
    const incoming = once(p.session, 'stream') as Promise<[SpdyStream]>;
    p.raw.end(
      Buffer.concat([
        encodeSynStream(1, await p.headers({ streamtype: 'stdout' })),
        encodeData(1, Buffer.from('last words'), false),
      ]),
    );
    const [stream] = await incoming;
    let errored = false;
    stream.on('error', () => (errored = true));
    await p.session.whenClosed();
    await tick();
    await new Promise<void>((resolve, reject) => stream.write('late', (err) => (err ? reject(err) : resolve())));
    assert.equal(await text(stream), 'last words');
    await tick();
    assert.equal(stream.destroyed, true);
    assert.equal(errored, false);
  } finally {
    await p.cleanup();
  }
});

test('no WINDOW_UPDATE goes to a peer that never spoke flow control (spdystream)', async () => {
  const p = await rawPeer('server');
  try {
    const incoming = once(p.session, 'stream') as Promise<[SpdyStream]>;
    p.raw.write(encodeSynStream(1, await p.headers({ streamtype: 'stdin' })));
    const [stream] = await incoming;
    const payload = Buffer.alloc(32 * 1024, 7);
    for (let i = 0; i < 8; i++) p.raw.write(encodeData(1, payload, false));
    let got = 0;
    stream.on('data', (d: Buffer) => (got += d.length));
    while (got < 8 * payload.length) await tick();
    // A ping round trip: everything the session wrote before its answer has arrived.
    p.raw.write(Buffer.from([0x80, 3, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1]));
    while (!p.frames.some((f) => f.type === 'ping')) await tick();
    assert.deepEqual(
      p.frames.filter((f) => f.type === 'windowUpdate' || f.type === 'settings'),
      [],
    );
  } finally {
    await p.cleanup();
  }
});

test('a peer that speaks flow control gets our SETTINGS in return and window updates for what was read', async () => {
  const p = await rawPeer('server');
  try {
    const incoming = once(p.session, 'stream') as Promise<[SpdyStream]>;
    p.raw.write(
      Buffer.concat([
        encodeSettings([{ id: SettingsId.initialWindowSize, value: 64 * 1024 }]),
        encodeSynStream(1, await p.headers({ streamtype: 'stdin' })),
      ]),
    );
    const [stream] = await incoming;
    const payload = Buffer.alloc(48 * 1024, 7);
    p.raw.write(encodeData(1, payload, false));
    let got = 0;
    stream.on('data', (d: Buffer) => (got += d.length));
    while (!p.frames.some((f) => f.type === 'windowUpdate' && f.streamId === 1)) await tick();
    assert.equal(got, payload.length);
    assert.deepEqual(
      p.frames.find((f) => f.type === 'settings'),
      { type: 'settings', flags: 0, entries: [{ id: SettingsId.initialWindowSize, value: 64 * 1024, flags: 0 }] },
    );
    const updates = p.frames.filter((f) => f.type === 'windowUpdate');
    assert.deepEqual(
      updates.map((u) => u.streamId),
      [1, 0],
    );
  } finally {
    await p.cleanup();
  }
});
