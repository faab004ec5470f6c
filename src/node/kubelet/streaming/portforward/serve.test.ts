import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { text } from 'node:stream/consumers';
import { connectSpdy, connectSpdyOverWebSocket } from '../spdy/client.js';
import type { SpdySession } from '../spdy/session.js';
import { UpgradeFailureError, connectWebSocket } from '../websocket/client.js';
import { validateStreamHeaders } from './forwarder.js';
import { servePortForward, type ServePortForwardOptions } from './serve.js';

interface Harness {
  url: string;
  /** Pod-side connections handed out by the connector. */
  targets: Socket[];
  sessions: Promise<void>[];
  close(): Promise<void>;
}

/** A stub kubelet whose pod listens on 8080 with an echo server; other ports refuse. */
async function serve(opts: ServePortForwardOptions = {}): Promise<Harness> {
  const echo = createTcpServer((s) => s.pipe(s));
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  const echoPort = (echo.address() as AddressInfo).port;
  const targets: Socket[] = [];
  const sessions: Promise<void>[] = [];
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    const connector = async (port: number): Promise<Duplex> => {
      if (port !== 8080) throw new Error(`dial tcp 127.0.0.1:${port}: connect: connection refused`);
      const s = connect(echoPort, '127.0.0.1');
      await once(s, 'connect');
      targets.push(s);
      return s;
    };
    sessions.push(servePortForward(socket, head, req, connector, { podName: 'web', uid: 'u-1', ...opts }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/portforward`,
    targets,
    sessions,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      echo.close();
    },
  };
}

/** What client-go does per local connection: error stream (closed for writing at once), then data stream. */
async function forward(session: SpdySession, port: number, requestID: string, payload: string) {
  const headers = { streamType: 'error', port: String(port), requestID };
  const error = await session.openStream(headers);
  error.end();
  const errorText = text(error);
  const data = await session.openStream({ ...headers, streamType: 'data' });
  const received = text(data);
  data.end(payload);
  return { data: await received, error: await errorText };
}

const dialers = [
  ['SPDY', connectSpdy],
  ['SPDY over WebSocket', connectSpdyOverWebSocket],
] as const;

for (const [name, dial] of dialers) {
  test(`${name}: each request pairs an error and a data stream and reaches the pod port`, async () => {
    const h = await serve();
    try {
      const { session, protocol } = await dial(h.url, { protocols: ['portforward.k8s.io'] });
      assert.equal(protocol, 'portforward.k8s.io');
      const results = await Promise.all([
        forward(session, 8080, '0', 'first'),
        forward(session, 8080, '1', 'x'.repeat(300_000)),
        forward(session, 8080, '2', ''),
      ]);
      assert.deepEqual(
        results.map((r) => [r.data.length, r.error]),
        [
          [5, ''],
          [300_000, ''],
          [0, ''],
        ],
      );
      assert.equal(results[0].data, 'first');
      assert.equal(h.targets.length, 3);
      await session.close();
      await Promise.all(h.sessions);
    } finally {
      await h.close();
    }
  });

  test(`${name}: a port that cannot be reached is reported on the error stream`, async () => {
    const h = await serve();
    try {
      const { session } = await dial(h.url, { protocols: ['portforward.k8s.io'] });
      const r = await forward(session, 9999, '0', 'hello');
      assert.equal(r.data, '');
      assert.equal(
        r.error,
        'error forwarding port 9999 to pod web, uid u-1: dial tcp 127.0.0.1:9999: connect: connection refused',
      );
      session.destroy();
      await Promise.all(h.sessions);
    } finally {
      await h.close();
    }
  });
}

const badHeaders: [Record<string, string>, string][] = [
  [{ streamType: 'data' }, '"port" header is required'],
  [{ streamType: 'data', port: 'http' }, 'unable to parse "http" as a port'],
  [{ streamType: 'data', port: '70000' }, 'unable to parse "70000" as a port'],
  [{ streamType: 'data', port: '0' }, 'port "0" must be > 0'],
  [{ port: '80' }, '"streamType" header is required'],
  [{ streamType: 'stdin', port: '80' }, 'invalid stream type "stdin"'],
];

for (const [headers, reason] of badHeaders) {
  test(`a stream with ${JSON.stringify(headers)} is refused: ${reason}`, async () => {
    const m = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    assert.equal(validateStreamHeaders({ header: (n: string) => m.get(n.toLowerCase()) }), reason);
    const h = await serve();
    try {
      const { session } = await connectSpdy(h.url, { protocols: ['portforward.k8s.io'] });
      await assert.rejects(session.openStream(headers), /reset by the peer \(status 5\)/);
      session.destroy();
    } finally {
      await h.close();
    }
  });
}

test('clients without requestID headers are paired by consecutive stream ids', async () => {
  const h = await serve();
  try {
    const { session } = await connectSpdy(h.url, { protocols: ['portforward.k8s.io'] });
    const error = await session.openStream({ streamType: 'error', port: '8080' });
    error.end();
    const data = await session.openStream({ streamType: 'data', port: '8080' });
    const got = text(data);
    data.end('legacy');
    assert.equal(await got, 'legacy');
    assert.equal(await text(error), '');
    session.destroy();
  } finally {
    await h.close();
  }
});

test('a request whose second stream never comes times out with a message', async () => {
  const h = await serve({ streamCreationTimeoutMs: 50 });
  try {
    const { session } = await connectSpdy(h.url, { protocols: ['portforward.k8s.io'] });
    const error = await session.openStream({ streamType: 'error', port: '8080', requestID: '7' });
    error.end();
    assert.equal(await text(error), 'timed out waiting for streams');
    assert.equal(h.targets.length, 0);
    session.destroy();
  } finally {
    await h.close();
  }
});

test('a reset data stream tears down the pod connection; a closed session ends the service', async () => {
  const h = await serve();
  try {
    const { session } = await connectSpdy(h.url, { protocols: ['portforward.k8s.io'] });
    const error = await session.openStream({ streamType: 'error', port: '8080', requestID: '0' });
    error.end();
    const data = await session.openStream({ streamType: 'data', port: '8080', requestID: '0' });
    data.write('ping');
    await once(data, 'data');
    const target = h.targets[0];
    data.reset();
    await once(target, 'close');
    // Another connection left open is torn down when the session goes.
    const e2 = await session.openStream({ streamType: 'error', port: '8080', requestID: '1' });
    const d2 = await session.openStream({ streamType: 'data', port: '8080', requestID: '1' });
    d2.write('x');
    await once(d2, 'data');
    void e2;
    session.destroy();
    await once(h.targets[1], 'close');
    await Promise.all(h.sessions);
  } finally {
    await h.close();
  }
});

test('WebSocket tunnel refusals: no SPDY subprotocol is 400, an unknown SPDY protocol 403', async () => {
  const h = await serve();
  try {
    const none = await connectWebSocket(h.url, { protocols: ['v5.channel.k8s.io'] }).catch((e: unknown) => e);
    assert.ok(none instanceof UpgradeFailureError);
    assert.equal(none.status, 400);
    assert.equal(none.body, 'unable to upgrade: no tunneling spdy protocols provided\n');
    const other = await connectSpdyOverWebSocket(h.url, { protocols: ['portforward.v2.k8s.io'] }).catch(
      (e: unknown) => e,
    );
    assert.ok(other instanceof UpgradeFailureError);
    assert.equal(other.status, 403);
    const spdy = await connectSpdy(h.url, { protocols: ['portforward.v2.k8s.io'] }).catch((e: unknown) => e);
    assert.ok(spdy instanceof UpgradeFailureError);
    assert.equal(spdy.headers['x-accepted-stream-protocol-versions'], 'portforward.k8s.io');
  } finally {
    await h.close();
  }
});

test('aborting the serve signal ends the session and its forwarded connections', async () => {
  const shutdown = new AbortController();
  const h = await serve({ signal: shutdown.signal });
  try {
    const { session } = await connectSpdyOverWebSocket(h.url, { protocols: ['portforward.k8s.io'] });
    await session.openStream({ streamType: 'error', port: '8080', requestID: '0' });
    const data = await session.openStream({ streamType: 'data', port: '8080', requestID: '0' });
    data.write('x');
    await once(data, 'data');
    shutdown.abort();
    await session.whenClosed();
    await Promise.all(h.sessions);
    assert.equal(h.targets[0].destroyed, true);
  } finally {
    await h.close();
  }
});
