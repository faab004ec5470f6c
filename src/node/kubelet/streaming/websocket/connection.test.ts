import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { connectWebSocket, UpgradeFailureError } from './client.js';
import type { CloseInfo, WebSocketConnection } from './connection.js';
import { CloseCode, FrameParser, Opcode, encodeClosePayload, encodeFrame } from './frame.js';
import { acceptWebSocket, acceptKey, selectSubprotocol, type AcceptWebSocketOptions } from './handshake.js';

interface Harness {
  url: string;
  port: number;
  accepted: WebSocketConnection[];
  close(): Promise<void>;
}

async function serve(
  opts: AcceptWebSocketOptions,
  onConn: (c: WebSocketConnection) => void = () => {},
): Promise<Harness> {
  const accepted: WebSocketConnection[] = [];
  const server: Server = createServer((_req, res) => res.end('plain'));
  server.on('upgrade', (req, socket, head) => {
    const r = acceptWebSocket(socket, head, req, opts);
    if (r.ok) {
      accepted.push(r.conn);
      onConn(r.conn);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/ws`,
    port,
    accepted,
    close: async () => {
      for (const c of accepted) c.terminate();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const echo = (c: WebSocketConnection) => c.on('message', (d, bin) => c.send(bin ? d : d.toString(), { binary: bin }));

function nextMessage(c: WebSocketConnection): Promise<[Buffer, boolean]> {
  return once(c, 'message') as Promise<[Buffer, boolean]>;
}

test('subprotocol selection follows the client preference among what the server allows', () => {
  assert.deepEqual(
    selectSubprotocol(['v5.channel.k8s.io', 'v4.channel.k8s.io'], ['v4.channel.k8s.io', 'v5.channel.k8s.io']),
    {
      ok: true,
      protocol: 'v5.channel.k8s.io',
    },
  );
  assert.deepEqual(selectSubprotocol([], ['', 'channel.k8s.io']), { ok: true, protocol: '' });
  assert.equal(selectSubprotocol([], ['channel.k8s.io']).ok, false);
  assert.equal(selectSubprotocol(['x'], ['y']).ok, false);
  assert.equal(acceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
});

test('handshake negotiates the subprotocol and messages round-trip', async () => {
  const h = await serve({ protocols: ['v4.channel.k8s.io', 'v5.channel.k8s.io'] }, echo);
  try {
    const c = await connectWebSocket(h.url, { protocols: ['v5.channel.k8s.io', 'v4.channel.k8s.io'] });
    assert.equal(c.protocol, 'v5.channel.k8s.io');
    assert.equal(h.accepted[0].protocol, 'v5.channel.k8s.io');
    c.send(Buffer.from([1, 2, 3]));
    assert.deepEqual(await nextMessage(c), [Buffer.from([1, 2, 3]), true]);
    c.send('héllo');
    const [text, isBinary] = await nextMessage(c);
    assert.equal(text.toString('utf8'), 'héllo');
    assert.equal(isBinary, false);
    const info = await c.close();
    assert.equal(info.code, CloseCode.normal);
    assert.equal(info.wasClean, true);
  } finally {
    await h.close();
  }
});

test('refusals: unsupported protocol is 403, wrong version 426, non-GET 405', async () => {
  const h = await serve({ protocols: ['v5.channel.k8s.io'] });
  try {
    await assert.rejects(
      connectWebSocket(h.url, { protocols: ['v4.channel.k8s.io'] }),
      (err: unknown) => err instanceof UpgradeFailureError && err.status === 403,
    );
    await assert.rejects(
      connectWebSocket(h.url),
      (err: unknown) => err instanceof UpgradeFailureError && err.status === 403,
    );
    const raw = await rawHandshake(h.port, { version: '8' });
    assert.match(raw, /^HTTP\/1\.1 426 Upgrade Required\r\n/);
    assert.match(raw, /\r\nSec-WebSocket-Version: 13\r\n/);
    const post = await rawHandshake(h.port, { method: 'POST' });
    assert.match(post, /^HTTP\/1\.1 405 /);
  } finally {
    await h.close();
  }
});

function rawHandshake(port: number, o: { version?: string; method?: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(
        `${o.method ?? 'GET'} /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          `Sec-WebSocket-Version: ${o.version ?? '13'}\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
      );
    });
    let out = '';
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('close', () => resolve(out));
    s.on('error', reject);
  });
}

test('fragmented messages are reassembled; outgoing fragmentation is transparent', async () => {
  const h = await serve({ protocols: [''] }, echo);
  try {
    const c = await connectWebSocket(h.url, { fragmentSize: 7 });
    const big = Buffer.alloc(1000);
    for (let i = 0; i < big.length; i++) big[i] = i & 0xff;
    c.send(big);
    const [got] = await nextMessage(c);
    assert.ok(got.equals(big));
    await c.close();
  } finally {
    await h.close();
  }
});

test('pings are answered with the same payload; pongs are reported', async () => {
  const h = await serve({ protocols: [''] });
  try {
    const c = await connectWebSocket(h.url);
    c.ping(Buffer.from('beat'));
    const [pong] = (await once(c, 'pong')) as [Buffer];
    assert.equal(pong.toString(), 'beat');
    await c.close();
  } finally {
    await h.close();
  }
});

test('server-initiated close: client sees the code and reason, both sides end cleanly', async () => {
  const h = await serve({ protocols: [''] });
  try {
    const c = await connectWebSocket(h.url);
    const closing = once(c, 'closing');
    const serverDone = h.accepted[0].close(4000, 'done here');
    assert.deepEqual(await closing, [4000, 'done here']);
    const [clientInfo, serverInfo] = await Promise.all([c.whenClosed(), serverDone]);
    assert.deepEqual([clientInfo.code, clientInfo.reason, clientInfo.wasClean], [4000, 'done here', true]);
    assert.deepEqual([serverInfo.code, serverInfo.wasClean], [4000, true]);
    assert.equal(c.send('late'), false);
  } finally {
    await h.close();
  }
});

test('a message over the limit closes the connection with 1009', async () => {
  const h = await serve({ protocols: [''], maxMessageSize: 100 });
  try {
    const c = await connectWebSocket(h.url, { fragmentSize: 40 });
    c.send(Buffer.alloc(150));
    const info = await c.whenClosed();
    assert.equal(info.code, CloseCode.messageTooBig);
    const serverInfo = await h.accepted[0].whenClosed();
    assert.match(String(serverInfo.error?.message), /exceeds 100 bytes/);
  } finally {
    await h.close();
  }
});

/** A hand-driven client: lets tests send frames a well-behaved client never would. */
async function rawClient(port: number): Promise<{ socket: Socket; frames: FrameParser; received: Promise<Buffer> }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(
    'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
  );
  const chunks: Buffer[] = [];
  socket.on('data', (d: Buffer) => chunks.push(d));
  const received = once(socket, 'close').then(() => Buffer.concat(chunks));
  return { socket, frames: new FrameParser({ expectMasked: false, maxPayload: 1 << 20 }), received };
}

function closeCodeIn(bytes: Buffer, parser: FrameParser): number | undefined {
  const body = bytes.subarray(bytes.indexOf('\r\n\r\n') + 4);
  const close = parser.push(body).find((f) => f.opcode === Opcode.close);
  return close ? close.payload.readUInt16BE(0) : undefined;
}

const misbehaviours: [string, Buffer, number][] = [
  ['an unmasked frame', encodeFrame(Opcode.binary, Buffer.from('x')), CloseCode.protocolError],
  ['invalid UTF-8 text', encodeFrame(Opcode.text, Buffer.from([0xc3, 0x28]), { mask: true }), CloseCode.invalidPayload],
  ['a stray continuation', encodeFrame(Opcode.continuation, Buffer.from('x'), { mask: true }), CloseCode.protocolError],
  [
    'a new message inside a fragmented one',
    Buffer.concat([
      encodeFrame(Opcode.binary, Buffer.from('a'), { mask: true, fin: false }),
      encodeFrame(Opcode.binary, Buffer.from('b'), { mask: true }),
    ]),
    CloseCode.protocolError,
  ],
  [
    'a close with an invalid code',
    encodeFrame(Opcode.close, encodeClosePayload(1006), { mask: true }),
    CloseCode.protocolError,
  ],
];

for (const [name, bytes, code] of misbehaviours) {
  test(`the server fails the connection with ${code} on ${name}`, async () => {
    const h = await serve({ protocols: [''] });
    try {
      const { socket, frames, received } = await rawClient(h.port);
      socket.write(bytes);
      const all = await received;
      assert.equal(closeCodeIn(all, frames), code);
      const info: CloseInfo = await h.accepted[0].whenClosed();
      assert.equal(info.wasClean, false);
      assert.ok(info.error);
    } finally {
      await h.close();
    }
  });
}

test('a client that vanishes without a close frame reports 1006', async () => {
  const h = await serve({ protocols: [''] });
  try {
    const { socket } = await rawClient(h.port);
    await once(socket, 'data');
    socket.destroy();
    const info = await h.accepted[0].whenClosed();
    assert.equal(info.code, CloseCode.abnormal);
    assert.equal(info.wasClean, false);
  } finally {
    await h.close();
  }
});

test('a peer that never answers the close frame is dropped after the timeout', async () => {
  const h = await serve({ protocols: [''], closeTimeoutMs: 50 });
  try {
    const { socket } = await rawClient(h.port);
    await once(socket, 'data');
    socket.pause(); // never reads, never replies
    const t0 = Date.now();
    const info = await h.accepted[0].close(1000);
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(info.wasClean, false);
    socket.destroy();
  } finally {
    await h.close();
  }
});

test('send reports backpressure and drain follows', async () => {
  const h = await serve({ protocols: [''] });
  try {
    const c = await connectWebSocket(h.url);
    const server = h.accepted[0];
    let total = 0;
    const chunk = Buffer.alloc(64 * 1024);
    server.on('message', (d) => (total += d.length));
    let sent = 0;
    while (c.send(chunk)) sent += chunk.length;
    sent += chunk.length;
    assert.ok(c.bufferedAmount > 0);
    await once(c, 'drain');
    while (total < sent) await new Promise((r) => setTimeout(r, 5));
    assert.equal(total, sent);
    await c.close();
  } finally {
    await h.close();
  }
});

test('pausing stops delivery until resumed', async () => {
  const h = await serve({ protocols: [''] });
  try {
    const c = await connectWebSocket(h.url);
    const server = h.accepted[0];
    const got: string[] = [];
    server.on('message', (d) => got.push(d.toString()));
    server.pause();
    c.send('one');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(got, []);
    server.resume();
    await once(server, 'message');
    assert.deepEqual(got, ['one']);
    await c.close();
  } finally {
    await h.close();
  }
});

test('an idle connection is closed with 1001 after the idle timeout; traffic keeps it open', async () => {
  const h = await serve({ protocols: [''], idleTimeoutMs: 150 });
  try {
    const c = await connectWebSocket(h.url);
    const t0 = Date.now();
    for (let i = 0; i < 6; i++) {
      c.ping();
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(h.accepted[0].readyState, 'open');
    const info = await c.whenClosed();
    assert.equal(info.code, CloseCode.goingAway);
    assert.equal(info.reason, 'idle timeout');
    assert.ok(Date.now() - t0 >= 300);
  } finally {
    await h.close();
  }
});
