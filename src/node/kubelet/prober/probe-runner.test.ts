import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { Server as GrpcServer, ServerCredentials, status as GrpcStatus } from '@grpc/grpc-js';
import type { Container } from 'kubernetes-types/core/v1.js';
import { resolvePort, runProbe, type ProbeTarget } from './probe-runner.js';

const container: Container = { name: 'c', ports: [{ name: 'http', containerPort: 8080 }] };
const target = (extra: Partial<ProbeTarget> = {}): ProbeTarget => ({
  runtime: {
    execSync: async (_id, cmd) => ({
      stdout: `ran ${cmd.join(' ')}\n`,
      stderr: '',
      exitCode: cmd[0] === 'false' ? 1 : 0,
    }),
  },
  containerId: 'abc',
  container,
  podIP: '127.0.0.1',
  timeoutMs: 1000,
  ...extra,
});

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

test('resolvePort: numbers, numeric strings and named container ports', () => {
  assert.equal(resolvePort(80, container), 80);
  assert.equal(resolvePort('81', container), 81);
  assert.equal(resolvePort('http', container), 8080);
  assert.equal(resolvePort('nope', container), "couldn't find port: nope in c");
});

test('exec probes pass on exit 0 and report the output otherwise', async () => {
  assert.deepEqual(await runProbe({ exec: { command: ['true'] } }, target()), {
    result: 'success',
    output: 'ran true\n',
  });
  assert.deepEqual(await runProbe({ exec: { command: ['false'] } }, target()), {
    result: 'failure',
    output: 'ran false\n',
  });
});

test('httpGet probes: status codes, headers, same-host redirects, refused connections, timeouts', async () => {
  const seen: Record<string, string | undefined>[] = [];
  const server = createServer((req, res) => {
    seen.push({
      url: req.url,
      ua: req.headers['user-agent'],
      host: req.headers.host,
      x: req.headers['x-probe'] as string,
    });
    if (req.url === '/ok') res.writeHead(200).end('fine');
    else if (req.url === '/moved') res.writeHead(302, { location: '/ok' }).end();
    else if (req.url === '/away') res.writeHead(301, { location: 'http://example.invalid/' }).end();
    else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end(), 2000);
    else res.writeHead(500).end('broken');
  });
  const port = await listen(server);
  try {
    const probe = (path: string) => ({ httpGet: { path, port, httpHeaders: [{ name: 'X-Probe', value: 'yes' }] } });
    assert.deepEqual(await runProbe(probe('/ok'), target()), { result: 'success', output: 'fine' });
    assert.equal(seen[0]!.ua, 'kube-probe/1.32');
    assert.equal(seen[0]!.x, 'yes');
    assert.deepEqual(await runProbe(probe('/bad'), target()), {
      result: 'failure',
      output: 'HTTP probe failed with statuscode: 500',
    });
    assert.equal((await runProbe(probe('/moved'), target())).result, 'success');
    assert.equal(seen.at(-1)!.url, '/ok', 'the redirect was followed');
    assert.equal((await runProbe(probe('/away'), target())).result, 'success', 'another host ends the probe as a pass');
    const slow = await runProbe(probe('/slow'), target({ timeoutMs: 200 }));
    assert.equal(slow.result, 'failure');
    assert.match(slow.output, /^Get "http:\/\/127\.0\.0\.1:\d+\/slow": context deadline exceeded/);
  } finally {
    server.closeAllConnections();
    server.close();
  }
  const refused = await runProbe({ httpGet: { path: '/', port } }, target());
  assert.deepEqual(refused, {
    result: 'failure',
    output: `Get "http://127.0.0.1:${port}/": dial tcp 127.0.0.1:${port}: connect: connection refused`,
  });
});

test('tcpSocket probes connect or report the dial error', async () => {
  const server = createTcpServer((s) => s.end());
  const port = await new Promise<number>((r) =>
    server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)),
  );
  try {
    assert.equal((await runProbe({ tcpSocket: { port } }, target())).result, 'success');
  } finally {
    server.close();
  }
  assert.deepEqual(await runProbe({ tcpSocket: { port } }, target()), {
    result: 'failure',
    output: `dial tcp 127.0.0.1:${port}: connect: connection refused`,
  });
});

test('grpc probes call grpc.health.v1.Health/Check', async () => {
  const server = new GrpcServer();
  const statuses: Record<string, number> = { '': 1, sick: 2 };
  server.register(
    '/grpc.health.v1.Health/Check',
    ((call: { request: { service: string } }, cb: (err: unknown, value?: number) => void) => {
      const st = statuses[call.request.service];
      if (st === undefined) cb({ code: GrpcStatus.NOT_FOUND, details: 'unknown service' });
      else cb(null, st);
    }) as never,
    (v: number) => (v === 0 ? Buffer.alloc(0) : Buffer.from([0x08, v])),
    // An empty message (the default service) must still arrive as a request object.
    (b: Buffer) => ({ service: b.length > 2 ? b.subarray(2).toString('utf8') : '' }),
    'unary',
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  try {
    assert.deepEqual(await runProbe({ grpc: { port } }, target()), { result: 'success', output: 'service is serving' });
    assert.deepEqual(await runProbe({ grpc: { port, service: 'sick' } }, target()), {
      result: 'failure',
      output: 'service unhealthy (responded with "NOT_SERVING")',
    });
    assert.equal((await runProbe({ grpc: { port, service: 'other' } }, target())).result, 'failure');
  } finally {
    server.forceShutdown();
  }
});
