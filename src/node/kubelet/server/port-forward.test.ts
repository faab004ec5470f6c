// criPortConnector against a stand-in runtime streaming server: a real HTTP
// server speaking the port-forward protocol (the streaming library's server
// side), whose "pod" is an echo listener on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ContainerRuntime } from '../../runtime/index.js';
import { servePortForward } from '../streaming/index.js';
import { criPortConnector, runtimeForwardError } from './port-forward.js';

interface StandIn {
  runtime: Pick<ContainerRuntime, 'cri'>;
  /** CRI PortForward calls: [sandboxId, ports]. */
  calls: [string, number[]][];
  close(): Promise<void>;
}

/** Port 7000 of the sandbox echoes; others are refused, worded like containerd's streaming server. */
async function standIn(): Promise<StandIn> {
  const echo = createTcpServer((s) => s.pipe(s));
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  const echoPort = (echo.address() as AddressInfo).port;
  const sessions: Promise<void>[] = [];
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    const connector = async (port: number): Promise<Duplex> => {
      if (port !== 7000) throw new Error(`failed to connect to localhost:${port} inside namespace: connection refused`);
      const s = connect(echoPort, '127.0.0.1');
      await once(s, 'connect');
      return s;
    };
    sessions.push(servePortForward(socket, head, req, connector, { podName: 'sb-1', uid: '' }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/portforward/tok`;
  const calls: [string, number[]][] = [];
  const cri = {
    portForward: async (sandboxId: string, ports: number[]) => {
      calls.push([sandboxId, ports]);
      return url;
    },
  } as unknown as ContainerRuntime['cri'];
  return {
    runtime: { cri },
    calls,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      echo.close();
      await Promise.all(sessions);
    },
  };
}

function readSome(d: Duplex, bytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const onData = (c: Buffer) => {
      got += c.toString();
      if (got.length >= bytes) {
        d.off('data', onData);
        resolve(got);
      }
    };
    d.on('data', onData);
    d.once('error', reject);
  });
}

test('a connection goes through CRI PortForward to the sandbox port and carries bytes both ways', async () => {
  const s = await standIn();
  try {
    const connector = criPortConnector(s.runtime, () => 'sb-1');
    const conn = await connector(7000, new AbortController().signal);
    const reply = readSome(conn, 10);
    conn.write('ping-');
    conn.write('pong!');
    assert.equal(await reply, 'ping-pong!');
    assert.deepEqual(s.calls, [['sb-1', [7000]]]);
    // Our FIN reaches the pod; the echo server's FIN comes back as the end of the stream.
    conn.end();
    conn.resume();
    await once(conn, 'end');
    conn.destroy();
  } finally {
    await s.close();
  }
});

test("the runtime's error (a refused port) destroys the connection with its message", async () => {
  const s = await standIn();
  try {
    const conn = await criPortConnector(s.runtime, () => 'sb-1')(7001, new AbortController().signal);
    conn.resume();
    const [err] = (await once(conn, 'error')) as [Error];
    assert.equal(err.message, 'failed to connect to localhost:7001 inside namespace: connection refused');
  } finally {
    await s.close();
  }
});

test('no ready sandbox: the connection fails before CRI is asked', async () => {
  const s = await standIn();
  try {
    await assert.rejects(
      criPortConnector(s.runtime, () => undefined)(7000, new AbortController().signal),
      /the pod has no running sandbox/,
    );
    assert.deepEqual(s.calls, []);
  } finally {
    await s.close();
  }
});

test('runtimeForwardError drops the streaming server prefix only', () => {
  const cases: [string, string][] = [
    ['error forwarding port 80 to pod abc123, uid : failed to x: y', 'failed to x: y'],
    ['error forwarding port 80 to pod web, uid u-1: dial tcp: refused', 'dial tcp: refused'],
    ['something else: z', 'something else: z'],
  ];
  for (const [raw, want] of cases) assert.equal(runtimeForwardError(raw), want);
});
