import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { text } from 'node:stream/consumers';
import { forwardHttp, rewriteLocation, type ForwardRequest } from './http-forward.js';

test('rewriteLocation keeps backend links behind the proxy (upstream rewriteURL)', () => {
  const prefix = '/api/v1/namespaces/ns/pods/p:8080/proxy';
  const backend = '10.42.0.5:8080';
  const cases: [string, string][] = [
    ['/login', `${prefix}/login`],
    ['/dir/', `${prefix}/dir/`],
    ['/a?b=c#d', `${prefix}/a?b=c#d`],
    ['http://10.42.0.5:8080/x/../y', `${prefix}/y`],
    [`${prefix}/already`, `${prefix}/already`],
    ['https://example.com/elsewhere', 'https://example.com/elsewhere'],
    ['relative/path', 'relative/path'],
    ['https://apiserver:6443/z', 'https://apiserver:6443/api/v1/namespaces/ns/pods/p:8080/proxy/z'],
  ];
  for (const [loc, want] of cases) assert.equal(rewriteLocation(loc, backend, 'apiserver:6443', prefix), want, loc);
});

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

async function backend(): Promise<{ server: Server; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer(async (req, res) => {
    const body = await text(req);
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
    if (req.url === '/redirect') {
      res.writeHead(302, { Location: '/target' }).end();
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('X-Backend', 'yes');
    res.setHeader('Content-Type', 'text/plain');
    res.writeHead(req.url?.startsWith('/missing') ? 404 : 200);
    res.end(`${req.method} ${req.url} ${body}`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, seen };
}

function request(port: number, over: Partial<ForwardRequest> = {}): ForwardRequest {
  return {
    target: { scheme: 'http', host: '127.0.0.1', port },
    method: 'GET',
    path: '/a b/',
    query: 'x=1&y=2',
    headers: {
      authorization: 'Bearer secret',
      'impersonate-user': 'someone',
      connection: 'keep-alive, x-hop',
      'x-hop': 'drop me',
      'x-keep': 'keep me',
      cookie: 'c=1',
      host: 'apiserver:6443',
    },
    remoteAddress: '127.0.0.9',
    prefix: '/api/v1/namespaces/ns/pods/p/proxy',
    signal: new AbortController().signal,
    ...over,
  };
}

test('forwardHttp sends method, path, query and body, strips credentials and hop-by-hop headers', async (t) => {
  const b = await backend();
  t.after(() => b.server.close());
  const res = await forwardHttp(
    request(b.port, { method: 'POST', body: new TextEncoder().encode('hello'), headers: { ...request(0).headers } }),
  );
  assert.equal(res.type, 'stream');
  if (res.type !== 'stream') return;
  assert.equal(res.status, 200);
  assert.equal(res.contentType, 'text/plain');
  assert.equal(await text(res.body as AsyncIterable<Uint8Array>), 'POST /a%20b/?x=1&y=2 hello');
  assert.equal(res.headers?.['x-backend'], 'yes');
  assert.equal(res.headers?.['access-control-allow-origin'], undefined);
  const h = b.seen[0]!.headers;
  assert.equal(h.authorization, undefined);
  assert.equal(h['impersonate-user'], undefined);
  assert.equal(h['x-hop'], undefined);
  assert.equal(h['x-keep'], 'keep me');
  assert.equal(h.cookie, 'c=1');
  assert.equal(h.host, 'apiserver:6443');
  assert.equal(h['x-forwarded-for'], '127.0.0.9');
  assert.equal(h['x-forwarded-uri'], '/api/v1/namespaces/ns/pods/p/proxy/a%20b/');
});

test('forwardHttp passes backend errors through and rewrites redirects', async (t) => {
  const b = await backend();
  t.after(() => b.server.close());
  const missing = await forwardHttp(request(b.port, { path: '/missing', query: '' }));
  assert.equal(missing.status, 404);
  if (missing.type === 'stream') assert.equal(await text(missing.body as AsyncIterable<Uint8Array>), 'GET /missing ');
  const redirect = await forwardHttp(request(b.port, { path: '/redirect', query: '' }));
  assert.equal(redirect.status, 302);
  assert.equal(redirect.headers?.location, '/api/v1/namespaces/ns/pods/p/proxy/target');
});

test('forwardHttp: an unreachable backend is 503 "error trying to reach service"', async () => {
  // Grab a free port, then close it so nothing listens there.
  const s = createTcpServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  await assert.rejects(forwardHttp(request(port)), (err: { code: number; reason: string; message: string }) => {
    assert.equal(err.code, 503);
    assert.equal(err.reason, 'ServiceUnavailable');
    assert.equal(err.message, `error trying to reach service: dial tcp 127.0.0.1:${port}: connect: connection refused`);
    return true;
  });
});
