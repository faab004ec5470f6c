/**
 * Real kubectl v1.32 against a stub HTTPS API server whose exec, attach and
 * portforward upgrades are served by this library: the WebSocket v5 channel
 * protocol, the SPDY fallback (forced with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=
 * false), port-forward over SPDY tunnelled in a WebSocket (the default) and
 * over plain SPDY (KUBECTL_PORT_FORWARD_WEBSOCKETS=false).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { connect, createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { servePortForward } from '../../src/node/kubelet/streaming/portforward/serve.js';
import { serveRemoteCommand } from '../../src/node/kubelet/streaming/remotecommand/serve.js';
import type { RemoteCommandHandler } from '../../src/node/kubelet/streaming/remotecommand/types.js';
import { isWebSocketRequest } from '../../src/node/kubelet/streaming/websocket/handshake.js';
import * as x509 from '../../src/control-plane/apiserver/pki/x509.js';
import * as kubeconfigModule from '../../src/control-plane/apiserver/pki/kubeconfig.js';
import * as clients from '../harness/clients.js';

const POD = {
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: {
    name: 'p',
    namespace: 'default',
    uid: 'uid-p',
    resourceVersion: '1',
    creationTimestamp: '2025-01-01T00:00:00Z',
  },
  spec: { containers: [{ name: 'main', image: 'busybox' }] },
  status: { phase: 'Running' },
};

/** A pretend shell: enough commands to exercise every stream. */
const fakeExec: RemoteCommandHandler = async ({ command, stdin, stdout, stderr }) => {
  const [cmd, ...args] = command;
  if (command.length === 0) {
    stdout?.write('attached\n');
    return { exitCode: 0 };
  }
  if (cmd === 'echo') {
    stdout?.write(`${args.join(' ')}\n`);
    return { exitCode: 0 };
  }
  if (cmd === 'cat') {
    if (stdin) for await (const chunk of stdin) stdout?.write(chunk);
    return { exitCode: 0 };
  }
  if (cmd === 'big') {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    for (let left = Number(args[0]); left > 0; left -= chunk.length) {
      const part = chunk.subarray(0, Math.min(left, chunk.length));
      if (stdout && !stdout.write(part)) await once(stdout, 'drain');
    }
    return { exitCode: 0 };
  }
  if (cmd === 'sh' && args[0] === '-c') {
    const script = args[1] ?? '';
    const exit = /^exit (\d+)$/.exec(script);
    if (exit) return { exitCode: Number(exit[1]) };
    const err = /^echo (.*) >&2$/.exec(script);
    if (err) {
      stderr?.write(`${err[1]}\n`);
      return { exitCode: 0 };
    }
  }
  throw new Error(`${cmd}: not found`);
};

interface Stub {
  url: string;
  caPEM: string;
  server: Server;
  upgrades: { path: string; query: string; transport: 'websocket' | 'spdy'; protocol: string }[];
  sessions: Set<Promise<void>>;
  /** Answer WebSocket upgrades with 400, as an apiserver that predates them would. */
  refuseWebSockets: boolean;
}

async function startStub(podPortTarget: () => number): Promise<Stub> {
  const ca = x509.generateKey();
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 3600_000);
  const caPEM = x509.createCertificate({
    subject: { commonName: 'streaming-test-ca' },
    publicKey: ca.publicKey,
    selfSigningKey: ca.privateKey,
    notBefore,
    notAfter,
    isCA: true,
    keyUsage: ['digitalSignature', 'keyCertSign'],
  });
  const leaf = x509.generateKey();
  const cert = x509.createCertificate({
    subject: { commonName: 'stub-apiserver' },
    publicKey: leaf.publicKey,
    issuer: { subject: { commonName: 'streaming-test-ca' }, privateKey: ca.privateKey, publicKey: ca.publicKey },
    notBefore,
    notAfter,
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    extKeyUsage: ['serverAuth'],
    ipAddresses: ['127.0.0.1'],
  });

  const json = (body: unknown) => JSON.stringify(body);
  let port = 0;
  const routes = new Map<string, () => string>([
    ['/version', () => json({ major: '1', minor: '32', gitVersion: 'v1.32.0', platform: 'linux/amd64' })],
    [
      '/api',
      () =>
        json({
          kind: 'APIVersions',
          versions: ['v1'],
          serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${port}` }],
        }),
    ],
    ['/apis', () => json({ kind: 'APIGroupList', apiVersion: 'v1', groups: [] })],
    [
      '/api/v1',
      () =>
        json({
          kind: 'APIResourceList',
          groupVersion: 'v1',
          resources: [
            {
              name: 'pods',
              singularName: 'pod',
              namespaced: true,
              kind: 'Pod',
              verbs: ['get', 'list'],
              shortNames: ['po'],
            },
            { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
            {
              name: 'pods/attach',
              singularName: '',
              namespaced: true,
              kind: 'PodAttachOptions',
              verbs: ['create', 'get'],
            },
            {
              name: 'pods/portforward',
              singularName: '',
              namespaced: true,
              kind: 'PodPortForwardOptions',
              verbs: ['create', 'get'],
            },
          ],
        }),
    ],
    ['/api/v1/namespaces/default/pods/p', () => json(POD)],
  ]);

  const upgrades: Stub['upgrades'] = [];
  const sessions = new Set<Promise<void>>();
  const stub = { refuseWebSockets: false };
  const server = createServer({ key: leaf.privateKeyPEM, cert }, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://stub').pathname;
    const route = req.method === 'GET' ? routes.get(path) : undefined;
    if (!route) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(
        json({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404 }),
      );
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(route());
  });
  server.on('upgrade', (req, socket, head) => {
    const { pathname: path, search: query } = new URL(req.url ?? '/', 'https://stub');
    const ws = isWebSocketRequest(req);
    upgrades.push({
      path,
      query,
      transport: ws ? 'websocket' : 'spdy',
      protocol: String(ws ? req.headers['sec-websocket-protocol'] : req.headers['x-stream-protocol-version']),
    });
    if (ws && stub.refuseWebSockets) {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    let work: Promise<void>;
    if (path === '/api/v1/namespaces/default/pods/p/exec' || path === '/api/v1/namespaces/default/pods/p/attach') {
      work = serveRemoteCommand(socket, head, req, fakeExec);
    } else if (path === '/api/v1/namespaces/default/pods/p/portforward') {
      work = servePortForward(
        socket,
        head,
        req,
        async (p) => {
          if (p !== 8080) throw new Error(`dial tcp 127.0.0.1:${p}: connect: connection refused`);
          const s = connect(podPortTarget(), '127.0.0.1');
          await once(s, 'connect');
          return s;
        },
        { podName: 'p', uid: 'uid-p' },
      );
    } else {
      socket.destroy();
      return;
    }
    const tracked = work.catch(() => {});
    sessions.add(tracked);
    void tracked.finally(() => sessions.delete(tracked));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
  return Object.assign(stub, { url: `https://127.0.0.1:${port}`, caPEM, server, upgrades, sessions });
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

test('real kubectl exec, attach and port-forward through the streaming library', { timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-streaming-'));
  const children = new Set<ChildProcess>();
  let stub: Stub | undefined;
  let echo: TcpServer | undefined;
  try {
    echo = createTcpServer((s) => s.pipe(s));
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    const echoPort = (echo.address() as AddressInfo).port;
    stub = await startStub(() => echoPort);
    const { renderKubeconfig } = kubeconfigModule;
    const { kubectlPath } = clients;
    const kubeconfig = join(dir, 'kubeconfig.yaml');
    writeFileSync(kubeconfig, renderKubeconfig({ server: stub.url, caPEM: stub.caPEM, token: 'test-token' }));
    const bin = kubectlPath();
    const baseArgs = ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache')];

    const start = (args: string[], env: Record<string, string> = {}): ChildProcess => {
      const child = spawn(bin, [...baseArgs, ...args], {
        env: { PATH: process.env.PATH ?? '', HOME: dir, ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    };
    const run = async (args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<Run> => {
      const child = start(args, opts.env);
      const out = text(child.stdout!);
      const err = text(child.stderr!);
      child.stdin!.end(opts.input ?? '');
      const [code] = (await once(child, 'exit')) as [number | null];
      return { code, stdout: await out, stderr: await err };
    };
    const lastUpgrade = () => stub!.upgrades.at(-1);

    for (const [mode, env, transport] of [
      ['WebSocket v5', {}, 'websocket'],
      ['SPDY fallback', { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }, 'spdy'],
    ] as const) {
      await t.test(`${mode}: exec prints stdout`, async () => {
        const r = await run(['exec', 'p', '--', 'echo', 'hi'], { env });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'hi\n');
        assert.equal(lastUpgrade()?.transport, transport);
        assert.match(
          lastUpgrade()!.protocol,
          transport === 'websocket' ? /^v5\.channel\.k8s\.io$/ : /v4\.channel\.k8s\.io/,
        );
      });

      await t.test(`${mode}: exec -i copies stdin to the command and ends it at EOF`, async () => {
        const input = 'line one\nline two\n'.repeat(50);
        const r = await run(['exec', '-i', 'p', '--', 'cat'], { env, input });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, input);
      });

      await t.test(`${mode}: stderr is a separate stream`, async () => {
        const r = await run(['exec', 'p', '--', 'sh', '-c', 'echo oops >&2'], { env });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, '');
        assert.equal(r.stderr, 'oops\n');
      });

      await t.test(`${mode}: a non-zero exit code is propagated`, async () => {
        const r = await run(['exec', 'p', '--', 'sh', '-c', 'exit 3'], { env });
        assert.equal(r.code, 3);
        assert.match(r.stderr, /command terminated with exit code 3/);
      });

      await t.test(`${mode}: a handler failure is reported as an error`, async () => {
        const r = await run(['exec', 'p', '--', 'nosuchcmd'], { env });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /error executing command in container: nosuchcmd: not found/);
      });

      await t.test(`${mode}: large output arrives complete`, async () => {
        const r = await run(['exec', 'p', '--', 'big', String(3 * 1024 * 1024 + 17)], { env });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.length, 3 * 1024 * 1024 + 17);
      });

      await t.test(`${mode}: attach`, async () => {
        const r = await run(['attach', 'p'], { env });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /attached/);
        assert.equal(lastUpgrade()?.path, '/api/v1/namespaces/default/pods/p/attach');
      });
    }

    await t.test('exec -it without a terminal drops the TTY and still runs', async () => {
      const r = await run(['exec', '-it', 'p', '--', 'cat'], { input: 'no tty here\n' });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'no tty here\n');
      assert.match(r.stderr, /Unable to use a TTY - input is not a terminal or the right kind of file/);
      const q = new URLSearchParams(lastUpgrade()!.query);
      assert.deepEqual([q.get('stdin'), q.get('tty'), q.getAll('command')], ['true', null, ['cat']]);
    });

    await t.test('a refused WebSocket upgrade falls back to SPDY by itself', async () => {
      stub!.refuseWebSockets = true;
      try {
        const r = await run(['exec', '-i', 'p', '--', 'cat'], { input: 'via fallback\n' });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'via fallback\n');
        const [ws, spdy] = stub!.upgrades.slice(-2);
        assert.equal(ws.transport, 'websocket');
        assert.equal(spdy.transport, 'spdy');
        assert.equal(
          spdy.protocol,
          'v5.channel.k8s.io, v4.channel.k8s.io, v3.channel.k8s.io, v2.channel.k8s.io, channel.k8s.io',
        );
      } finally {
        stub!.refuseWebSockets = false;
      }
    });

    for (const [mode, env, transport] of [
      ['SPDY tunnelled in WebSocket', {}, 'websocket'],
      ['plain SPDY', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }, 'spdy'],
    ] as const) {
      await t.test(`${mode}: port-forward carries bytes both ways`, async () => {
        const child = start(['port-forward', 'pod/p', '0:8080'], env);
        let out = '';
        let err = '';
        child.stderr!.on('data', (d: Buffer) => (err += d));
        const localPort = await new Promise<number>((resolve, reject) => {
          child.stdout!.on('data', (d: Buffer) => {
            out += d;
            const m = /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(out);
            if (m) resolve(Number(m[1]));
          });
          child.once('exit', (code) => reject(new Error(`kubectl exited ${code}: ${out}${err}`)));
        });
        for (let round = 0; round < 3; round++) {
          const sock = connect(localPort, '127.0.0.1');
          await once(sock, 'connect');
          const payload = Buffer.alloc(200_000 + round, round + 1);
          const received = new Promise<Buffer>((resolve) => {
            const chunks: Buffer[] = [];
            sock.on('data', (c: Buffer) => {
              chunks.push(c);
              if (Buffer.concat(chunks).length >= payload.length) resolve(Buffer.concat(chunks));
            });
          });
          sock.write(payload);
          const got = await received;
          assert.ok(got.equals(payload), `round ${round}`);
          sock.end();
          await once(sock, 'close');
        }
        assert.equal(lastUpgrade()?.transport, transport);
        assert.match(lastUpgrade()!.protocol, /portforward\.k8s\.io/);
        assert.match(out, /Handling connection for \d+/);
        child.kill('SIGTERM');
        await once(child, 'exit');
      });
    }

    await t.test('port-forward to a port nothing listens on reports the kubelet error', async () => {
      const child = start(['port-forward', 'pod/p', '0:9999']);
      let out = '';
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d));
      const exited = once(child, 'exit');
      const localPort = await new Promise<number>((resolve) => {
        child.stdout!.on('data', (d: Buffer) => {
          out += d;
          const m = /Forwarding from 127\.0\.0\.1:(\d+) -> 9999/.exec(out);
          if (m) resolve(Number(m[1]));
        });
      });
      const sock = connect(localPort, '127.0.0.1');
      sock.on('error', () => {});
      await once(sock, 'close');
      await exited;
      assert.match(
        err,
        /error forwarding port 9999 to pod p, uid uid-p: dial tcp 127\.0\.0\.1:9999: connect: connection refused/,
      );
    });

    await Promise.all([...stub.sessions]);
  } finally {
    for (const c of children) c.kill('SIGKILL');
    if (stub) {
      stub.server.closeAllConnections();
      await new Promise<void>((resolve) => stub!.server.close(() => resolve()));
    }
    if (echo) await new Promise<void>((resolve) => echo!.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
});
