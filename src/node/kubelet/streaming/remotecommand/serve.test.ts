import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forbidden } from '../../../../api/errors/status-error.js';
import { connectSpdy } from '../spdy/client.js';
import { UpgradeFailureError, connectWebSocket, upgradeRequest } from '../websocket/client.js';
import {
  execOverSpdy,
  execOverWebSocket,
  remoteCommandQuery,
  type ExecClientOptions,
  type ExecClientResult,
} from './client.js';
import { serveRemoteCommand } from './serve.js';
import type { RemoteCommandHandler, RemoteCommandStreams, ServeRemoteCommandOptions, TerminalSize } from './types.js';

interface Harness {
  base: string;
  calls: RemoteCommandStreams[];
  sessions: Promise<void>[];
  close(): Promise<void>;
}

async function serve(handler: RemoteCommandHandler, opts: ServeRemoteCommandOptions = {}): Promise<Harness> {
  const calls: RemoteCommandStreams[] = [];
  const sessions: Promise<void>[] = [];
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    sessions.push(
      serveRemoteCommand(
        socket,
        head,
        req,
        (streams) => {
          calls.push(streams);
          return handler(streams);
        },
        opts,
      ),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/exec`,
    calls,
    sessions,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** echo / cat / exit N / stderr / fail — like a tiny shell. */
const shell: RemoteCommandHandler = async ({ command, stdin, stdout, stderr }) => {
  const [cmd, ...args] = command;
  switch (cmd) {
    case 'echo':
      stdout?.write(`${args.join(' ')}\n`);
      return { exitCode: 0 };
    case 'cat':
      if (stdin) for await (const c of stdin) stdout?.write(c);
      return { exitCode: 0 };
    case 'exit':
      return { exitCode: Number(args[0]) };
    case 'warn':
      stderr?.write(`${args.join(' ')}\n`);
      return { exitCode: 0 };
    case 'forbid':
      throw forbidden({ group: '', resource: 'pods' }, 'p', 'no exec for you');
    default:
      throw new Error(`${cmd}: not found`);
  }
};

const url = (h: Harness, command: string[], o: ExecClientOptions = {}) => h.base + remoteCommandQuery(command, o);

const transports = [
  ['WebSocket v5', execOverWebSocket],
  ['SPDY v4', execOverSpdy],
] as const;

for (const [name, exec] of transports) {
  test(`${name}: stdout, stderr, stdin and exit codes`, async () => {
    const h = await serve(shell);
    try {
      const echo = await exec(url(h, ['echo', 'hello', 'world']));
      assert.deepEqual([echo.stdout, echo.stderr, echo.exitCode], ['hello world\n', '', 0]);
      assert.deepEqual(echo.status, { metadata: {}, status: 'Success' });

      const input = 'x'.repeat(100_000);
      const cat = await exec(url(h, ['cat'], { stdin: input }), { stdin: input });
      assert.equal(cat.stdout, input);
      assert.equal(cat.exitCode, 0);

      const warn = await exec(url(h, ['warn', 'careful']));
      assert.deepEqual([warn.stdout, warn.stderr], ['', 'careful\n']);

      const exit = await exec(url(h, ['exit', '42']));
      assert.equal(exit.exitCode, 42);
      assert.deepEqual(exit.status, {
        metadata: {},
        status: 'Failure',
        message: 'command terminated with non-zero exit code: error executing command [exit 42], exit code 42',
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '42' }] },
      });
      assert.equal(exit.protocol, exec === execOverWebSocket ? 'v5.channel.k8s.io' : 'v4.channel.k8s.io');
      await Promise.all(h.sessions);
    } finally {
      await h.close();
    }
  });

  test(`${name}: handler failures become Failure statuses`, async () => {
    const h = await serve(shell);
    try {
      const missing = await exec(url(h, ['nope']));
      assert.deepEqual(missing.status, {
        metadata: {},
        status: 'Failure',
        message: 'Internal error occurred: error executing command in container: nope: not found',
        reason: 'InternalError',
        details: { causes: [{ message: 'error executing command in container: nope: not found' }] },
        code: 500,
      });
      assert.equal(missing.exitCode, -1);
      const denied = await exec(url(h, ['forbid']));
      assert.equal(typeof denied.status === 'object' && denied.status.reason, 'Forbidden');
      assert.equal(typeof denied.status === 'object' && denied.status.code, 403);
    } finally {
      await h.close();
    }
  });

  test(`${name}: a TTY drops stderr and delivers resizes in order`, async () => {
    const seen: TerminalSize[] = [];
    const h = await serve(async ({ tty, stderr, resize, stdin, stdout }) => {
      assert.equal(tty, true);
      assert.equal(stderr, undefined);
      for await (const s of resize) {
        seen.push(s);
        if (seen.length === 3) break;
      }
      if (stdin) for await (const c of stdin) stdout?.write(c);
      return { exitCode: 0 };
    });
    try {
      const sizes = [
        { width: 80, height: 24 },
        { width: 120, height: 40 },
        { width: 1, height: 65535 },
      ];
      const o = { tty: true, stdin: 'typed', resizes: sizes };
      const r = await exec(url(h, ['sh'], o), o);
      assert.equal(r.stdout, 'typed');
      assert.deepEqual(seen, sizes);
      assert.equal(h.calls[0].stderr, undefined);
    } finally {
      await h.close();
    }
  });
}

test('WebSocket: the first message is an empty one on the lowest writable channel', async () => {
  for (const [o, channel] of [
    [{}, 1],
    [{ stdout: false }, 2],
    [{ stdout: false, stderr: false, stdin: '' }, 3],
  ] as const) {
    const h = await serve(async () => ({ exitCode: 0 }));
    try {
      const conn = await connectWebSocket(url(h, ['true'], o), { protocols: ['v5.channel.k8s.io'] });
      const [first] = (await once(conn, 'message')) as [Buffer];
      assert.deepEqual([...first], [channel]);
      if (o.stdin !== undefined) conn.send(Buffer.from([255, 0]));
      await conn.whenClosed();
    } finally {
      await h.close();
    }
  }
});

test('WebSocket: older channel protocols (v4, base64, unversioned) and their status formats', async () => {
  const h = await serve(shell);
  try {
    const v4 = await execOverWebSocket(url(h, ['exit', '7']), { protocols: ['v4.channel.k8s.io'] });
    assert.equal(v4.protocol, 'v4.channel.k8s.io');
    assert.equal(v4.exitCode, 7);

    const b64 = await execOverWebSocket(url(h, ['echo', 'über']), { protocols: ['v4.base64.channel.k8s.io'] });
    assert.deepEqual([b64.protocol, b64.stdout, b64.exitCode], ['v4.base64.channel.k8s.io', 'über\n', 0]);

    const v1fail = await execOverWebSocket(url(h, ['nope']), { protocols: ['channel.k8s.io'] });
    assert.equal(v1fail.status, 'Internal error occurred: error executing command in container: nope: not found');
    const v1ok = await execOverWebSocket(url(h, ['echo', 'x']), { protocols: ['channel.k8s.io'] });
    assert.deepEqual([v1ok.status, v1ok.stdout], ['', 'x\n']);

    const none = await execOverWebSocket(url(h, ['echo', 'y']), { protocols: [] });
    assert.deepEqual([none.protocol, none.stdout], ['', 'y\n']);

    await assert.rejects(
      execOverWebSocket(url(h, ['echo']), { protocols: ['v9.channel.k8s.io'] }),
      (err: unknown) => err instanceof UpgradeFailureError && err.status === 403,
    );
  } finally {
    await h.close();
  }
});

test('WebSocket v5: stdin stays open until the close signal', async () => {
  let ended = false;
  const h = await serve(async ({ stdin, stdout }) => {
    for await (const c of stdin!) stdout!.write(c);
    ended = true;
    return { exitCode: 0 };
  });
  try {
    const conn = await connectWebSocket(url(h, ['cat'], { stdin: '' }), { protocols: ['v5.channel.k8s.io'] });
    const got: Buffer[] = [];
    conn.on('message', (d) => got.push(d));
    conn.send(Buffer.from([0, ...Buffer.from('abc')]));
    while (!got.some((d) => d[0] === 1 && d.length > 1)) await new Promise((r) => setTimeout(r, 5));
    assert.equal(ended, false);
    conn.send(Buffer.from([255, 0]));
    await conn.whenClosed();
    assert.equal(ended, true);
    const status = got.find((d) => d[0] === 3);
    assert.deepEqual(JSON.parse(status!.subarray(1).toString()), { metadata: {}, status: 'Success' });
  } finally {
    await h.close();
  }
});

test('a client that disconnects aborts the handler signal and ends stdin', async () => {
  let aborted: Promise<void> | undefined;
  let stdinEnded = false;
  const h = await serve(async ({ signal, stdin }) => {
    aborted = new Promise((r) => signal.addEventListener('abort', () => r(), { once: true }));
    stdin!.resume();
    stdin!.on('end', () => (stdinEnded = true));
    await aborted;
    return { exitCode: 0 };
  });
  try {
    const conn = await connectWebSocket(url(h, ['sleep'], { stdin: '' }), { protocols: ['v5.channel.k8s.io'] });
    while (!aborted) await new Promise((r) => setTimeout(r, 5));
    conn.terminate();
    await aborted;
    await Promise.all(h.sessions);
    assert.equal(stdinEnded, true);

    const spdy = await connectSpdy(url(h, ['sleep'], { stdin: '' }), { protocols: ['v4.channel.k8s.io'] });
    aborted = undefined;
    await spdy.session.openStream({ streamType: 'error' });
    await spdy.session.openStream({ streamType: 'stdin' });
    await spdy.session.openStream({ streamType: 'stdout' });
    await spdy.session.openStream({ streamType: 'stderr' });
    while (!aborted) await new Promise((r) => setTimeout(r, 5));
    spdy.session.destroy();
    await aborted;
    await Promise.all(h.sessions);
  } finally {
    await h.close();
  }
});

test('requests without any stream are refused with a BadRequest Status', async () => {
  const h = await serve(shell);
  try {
    const err = await execOverWebSocket(`${h.base}?command=echo`).catch((e: unknown) => e);
    assert.ok(err instanceof UpgradeFailureError);
    assert.equal(err.status, 400);
    assert.deepEqual(JSON.parse(err.body), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'you must specify at least 1 of stdin, stdout, stderr',
      reason: 'BadRequest',
      code: 400,
    });
    assert.equal(h.calls.length, 0);
  } finally {
    await h.close();
  }
});

test('SPDY: protocol negotiation picks the best common version; mismatches are 403, a missing header 400', async () => {
  const h = await serve(shell);
  try {
    const v2 = await execOverSpdy(url(h, ['nope']), { protocols: ['v2.channel.k8s.io'] });
    assert.equal(v2.protocol, 'v2.channel.k8s.io');
    assert.equal(v2.status, 'Internal error occurred: error executing command in container: nope: not found');
    const v3ok = await execOverSpdy(url(h, ['echo', 'ok']), { protocols: ['v3.channel.k8s.io'] });
    assert.deepEqual([v3ok.status, v3ok.stdout], ['', 'ok\n']);

    const err = await connectSpdy(url(h, ['echo']), { protocols: ['v9.channel.k8s.io'] }).catch((e: unknown) => e);
    assert.ok(err instanceof UpgradeFailureError);
    assert.equal(err.status, 403);
    assert.equal(
      err.body,
      'unable to upgrade: unable to negotiate protocol: client supports [v9.channel.k8s.io], server accepts [v4.channel.k8s.io v3.channel.k8s.io v2.channel.k8s.io channel.k8s.io]\n',
    );
    assert.equal(
      err.headers['x-accepted-stream-protocol-versions'],
      'v4.channel.k8s.io, v3.channel.k8s.io, v2.channel.k8s.io, channel.k8s.io',
    );

    const bare = await upgradeRequest(url(h, ['echo']), {
      method: 'POST',
      headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1' },
    }).catch((e: unknown) => e);
    assert.ok(bare instanceof UpgradeFailureError);
    assert.equal(bare.status, 400);
    assert.match(bare.body, /X-Stream-Protocol-Version is required/);
  } finally {
    await h.close();
  }
});

test('SPDY: a client that does not open the expected streams in time is dropped', async () => {
  const h = await serve(shell, { streamCreationTimeoutMs: 100 });
  try {
    const { session } = await connectSpdy(url(h, ['echo']), { protocols: ['v4.channel.k8s.io'] });
    await session.openStream({ streamType: 'error' });
    // stdout and stderr never come.
    await session.whenClosed();
    assert.equal(h.calls.length, 0);
    await Promise.all(h.sessions);
  } finally {
    await h.close();
  }
});

test('aborting the serve signal ends WebSocket and SPDY sessions and aborts the handler', async () => {
  for (const exec of [execOverWebSocket, execOverSpdy]) {
    const shutdown = new AbortController();
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const h = await serve(
      async ({ signal, stdout }) => {
        stdout!.write('started\n');
        started();
        await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
        return { exitCode: 0 };
      },
      { signal: shutdown.signal },
    );
    try {
      const result = exec(url(h, ['sleep']));
      await running;
      shutdown.abort();
      const r = await result.catch((e: unknown) => e);
      if (exec === execOverWebSocket) {
        // Close frame without a status: like client-go, an empty error channel reads as success.
        assert.ok(!(r instanceof Error));
        assert.equal((r as ExecClientResult).stdout, 'started\n');
      } else {
        // The SPDY session is dropped: the client's streams end prematurely.
        assert.ok(r instanceof Error, String(r));
      }
      await Promise.all(h.sessions);
      assert.equal(h.calls[0].signal.aborted, true);
    } finally {
      await h.close();
    }
  }
});
