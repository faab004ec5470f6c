import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '../api/errors/status-error.js';
import { HttpTransport } from './http-transport.js';
import { loadKubeconfig, resolveKubeconfig } from './kubeconfig.js';
import { RestClient } from './rest-client.js';
import { typed } from './resource-client.js';
import { gvr } from './resource-path.js';
import { caCert, clientCert, clientKey, serverCert, serverKey } from './testdata/certs.js';
import { TransportError } from './transport.js';

const pods = gvr('', 'v1', 'pods');

interface Seen {
  path: string;
  httpVersion: string;
  authorization?: string;
  userAgent?: string;
  impersonateGroups?: string | string[];
  clientCN?: string;
  body?: string;
}

type Req = IncomingMessage | http2.Http2ServerRequest;
/** The subset of ServerResponse / Http2ServerResponse the double uses. */
type Res = {
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(b: Buffer): unknown;
  end(b?: string | Buffer): unknown;
};

/** A tiny API server double: a pod GET, a 404 Status, a 429-then-OK path and a chunked watch. */
function apiHandler(seen: Seen[], state: { failures: number }) {
  return (req: Req, raw: ServerResponse | http2.Http2ServerResponse) => {
    const res = raw as unknown as Res;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://x');
      const sock = req.socket as TLSSocket;
      const peer = sock.getPeerCertificate?.();
      seen.push({
        path: url.pathname + url.search,
        httpVersion: req.httpVersion,
        authorization: req.headers.authorization,
        userAgent: req.headers['user-agent'],
        impersonateGroups: req.headers['impersonate-group'],
        clientCN: sock.authorized && peer?.subject ? String(peer.subject.CN) : undefined,
        body: Buffer.concat(chunks).toString() || undefined,
      });
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (url.searchParams.get('watch') === 'true') return streamWatch(res);
      if (url.pathname.endsWith('/pods/missing')) {
        return json(404, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          reason: 'NotFound',
          message: 'pods "missing" not found',
          code: 404,
        });
      }
      if (url.pathname.endsWith('/pods/busy') && state.failures-- > 0) {
        return json(
          429,
          {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            reason: 'TooManyRequests',
            message: 'slow down',
            code: 429,
          },
          { 'retry-after': '0' },
        );
      }
      if (req.method === 'POST') return json(201, JSON.parse(Buffer.concat(chunks).toString()));
      json(200, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: url.pathname.split('/').pop(), namespace: 'default' },
      });
    });
  };
}

/** Writes three events in awkward chunks: split inside a line and inside a multi-byte character. */
function streamWatch(res: Res) {
  const lines = [
    { type: 'ADDED', object: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'a', resourceVersion: '5' } } },
    {
      type: 'MODIFIED',
      object: {
        kind: 'Pod',
        apiVersion: 'v1',
        metadata: { name: 'a', resourceVersion: '6', annotations: { note: 'héllo ✓' } },
      },
    },
    { type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: '9' } } },
  ];
  const bytes = Buffer.from(lines.map((l) => JSON.stringify(l) + '\n').join(''));
  const cut1 = 17;
  const cut2 = bytes.indexOf(Buffer.from('✓')) + 1;
  res.writeHead(200, { 'content-type': 'application/json' }); // no content-length: chunked on HTTP/1.1
  res.write(bytes.subarray(0, cut1));
  setTimeout(() => {
    res.write(bytes.subarray(cut1, cut2));
    setTimeout(() => {
      res.write(bytes.subarray(cut2));
      res.end();
    }, 5);
  }, 5);
}

async function listen(server: https.Server | http2.Http2SecureServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function withServers(
  fn: (ctx: {
    h2port: number;
    h1port: number;
    seen: Seen[];
    state: { failures: number };
    sessions: http2.ServerHttp2Session[];
  }) => Promise<void>,
) {
  const seen: Seen[] = [];
  const state = { failures: 0 };
  const tlsOpts = { key: serverKey, cert: serverCert, ca: caCert, requestCert: true, rejectUnauthorized: false };
  const h2 = http2.createSecureServer({ ...tlsOpts, allowHTTP1: true }, apiHandler(seen, state));
  const sessions: http2.ServerHttp2Session[] = [];
  h2.on('session', (s) => sessions.push(s));
  const h1 = https.createServer(tlsOpts, apiHandler(seen, state));
  try {
    const [h2port, h1port] = await Promise.all([listen(h2), listen(h1)]);
    await fn({ h2port, h1port, seen, state, sessions });
  } finally {
    for (const s of sessions) s.destroy();
    h1.closeAllConnections();
    await Promise.all([new Promise((r) => h2.close(r)), new Promise((r) => h1.close(r))]);
  }
}

function transport(port: number, extra: Partial<ConstructorParameters<typeof HttpTransport>[0]> = {}) {
  return new HttpTransport({
    server: `https://127.0.0.1:${port}`,
    ca: caCert,
    cert: clientCert,
    key: clientKey,
    userAgent: 'kubets-test/v1.32.4 (linux/amd64) kubets',
    ...extra,
  });
}

for (const proto of ['h2', 'http/1.1'] as const) {
  test(`HTTP transport over ${proto}: auth, headers, errors, retries, chunked watch decoding`, async () => {
    await withServers(async ({ h2port, h1port, seen, state }) => {
      const t = transport(proto === 'h2' ? h2port : h1port, {
        token: 'secret-token',
        impersonate: { user: 'bob', groups: ['g1', 'g2'] },
      });
      const rest = new RestClient({ transport: t, rateLimiter: null });
      const client = typed<Pod>(rest, pods, 'default');
      try {
        const got = await client.get('web');
        assert.equal(got.metadata?.name, 'web');
        const first = seen[0]!;
        assert.equal(first.httpVersion, proto === 'h2' ? '2.0' : '1.1');
        assert.equal(first.authorization, 'Bearer secret-token');
        assert.equal(first.userAgent, 'kubets-test/v1.32.4 (linux/amd64) kubets');
        assert.equal(first.clientCN, 'test-admin', 'client certificate presented');
        assert.deepEqual([first.impersonateGroups].flat().join(',').split(/,\s*/), ['g1', 'g2']);

        const created = await client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'new' } });
        assert.equal(created.metadata?.name, 'new');
        assert.equal(JSON.parse(seen.at(-1)!.body!).metadata.name, 'new');

        await assert.rejects(
          client.get('missing'),
          (e) => isNotFound(e) && (e as Error).message === 'pods "missing" not found',
        );

        state.failures = 2;
        const busy = await client.get('busy');
        assert.equal(busy.metadata?.name, 'busy');
        assert.equal(seen.filter((s) => s.path.endsWith('/busy')).length, 3);

        const w = await client.watch({ resourceVersion: '4' });
        const events: string[] = [];
        for await (const ev of w)
          events.push(
            `${ev.type}:${ev.object.metadata?.resourceVersion}:${ev.object.metadata?.annotations?.note ?? ''}`,
          );
        assert.deepEqual(events, ['ADDED:5:', 'MODIFIED:6:héllo ✓', 'BOOKMARK:9:']);
      } finally {
        await rest.dispose();
      }
    });
  });
}

test('HTTP/2: one session is shared; a GOAWAY makes the next request reconnect', async () => {
  await withServers(async ({ h2port, sessions }) => {
    const t = transport(h2port);
    const client = typed<Pod>(new RestClient({ transport: t, rateLimiter: null }), pods, 'default');
    try {
      await Promise.all([client.get('a'), client.get('b'), client.get('c')]);
      assert.equal(sessions.length, 1, 'concurrent requests multiplex over one session');
      sessions[0]!.goaway();
      await new Promise((r) => setTimeout(r, 50));
      assert.equal((await client.get('d')).metadata?.name, 'd');
      assert.equal(sessions.length, 2);
    } finally {
      t.dispose();
    }
  });
});

test('TLS verification failure is a permanent TransportError (no retry)', async () => {
  await withServers(async ({ h2port }) => {
    const t = new HttpTransport({ server: `https://127.0.0.1:${h2port}` });
    const rest = new RestClient({ transport: t, rateLimiter: null });
    try {
      await assert.rejects(typed<Pod>(rest, pods).get('x'), (e) => e instanceof TransportError && !e.retryable);
    } finally {
      t.dispose();
    }
    const insecure = new HttpTransport({ server: `https://127.0.0.1:${h2port}`, insecureSkipTLSVerify: true });
    try {
      const got = await typed<Pod>(new RestClient({ transport: insecure, rateLimiter: null }), pods, 'default').get(
        'y',
      );
      assert.equal(got.metadata?.name, 'y');
    } finally {
      insecure.dispose();
    }
  });
});

test('kubeconfig: files relative to the kubeconfig, *-data, tokenFile, context namespace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-kubeconfig-'));
  try {
    writeFileSync(join(dir, 'ca.crt'), caCert);
    writeFileSync(join(dir, 'token'), 'file-token\n');
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    writeFileSync(
      join(dir, 'config'),
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: main',
        'clusters:',
        '- name: local',
        '  cluster:',
        '    server: https://127.0.0.1:PORT',
        '    certificate-authority: ca.crt',
        'users:',
        '- name: admin',
        '  user:',
        `    client-certificate-data: ${b64(clientCert)}`,
        `    client-key-data: ${b64(clientKey)}`,
        '    tokenFile: token',
        'contexts:',
        '- name: main',
        '  context: {cluster: local, user: admin, namespace: team-a}',
        '- name: other',
        '  context: {cluster: local, user: admin}',
      ].join('\n'),
    );
    const kc = loadKubeconfig(join(dir, 'config'));
    const cfg = resolveKubeconfig(kc);
    assert.equal(cfg.namespace, 'team-a');
    assert.equal(cfg.ca, caCert);
    assert.equal(cfg.cert, clientCert);
    assert.equal(cfg.tokenFile, join(dir, 'token'));
    assert.equal(resolveKubeconfig(kc, 'other').namespace, 'default');
    assert.throws(() => resolveKubeconfig(kc, 'nope'), /context was not found for specified context: nope/);

    await withServers(async ({ h2port, seen }) => {
      const t = HttpTransport.fromConfig({ ...cfg, server: cfg.server.replace('PORT', String(h2port)) });
      try {
        await typed<Pod>(new RestClient({ transport: t, rateLimiter: null }), pods, cfg.namespace).get('z');
        assert.equal(seen[0]!.path, '/api/v1/namespaces/team-a/pods/z');
        assert.equal(seen[0]!.authorization, 'Bearer file-token');
        assert.equal(seen[0]!.clientCN, 'test-admin');
      } finally {
        t.dispose();
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('aborting a watch closes the HTTP/2 stream', async () => {
  await withServers(async ({ h2port }) => {
    const t = transport(h2port);
    const rest = new RestClient({ transport: t, rateLimiter: null });
    try {
      const ctrl = new AbortController();
      const w = await typed<Pod>(rest, pods, 'default').watch({ signal: ctrl.signal });
      const first = await w.next();
      assert.equal(first?.type, 'ADDED');
      ctrl.abort();
      assert.equal(await w.next(), undefined);
    } finally {
      t.dispose();
    }
  });
});
