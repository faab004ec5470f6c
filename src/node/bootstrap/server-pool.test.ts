import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createCertificate, generateKey } from '../../lib/pki/x509.js';
import { loadServerList, ServerPool, serverPoolStateFile } from './server-pool.js';

/**
 * Failover over real loopback HTTPS servers: two "API servers" answering
 * /version with their own name and listing each other in the `kubernetes`
 * Endpoints; the node's client certificate is required by both.
 */
function pki() {
  const ca = generateKey();
  const now = Date.now();
  const caPEM = createCertificate({
    subject: { commonName: 'test-ca' },
    publicKey: ca.publicKey,
    selfSigningKey: ca.privateKey,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3600_000),
    isCA: true,
    keyUsage: ['digitalSignature', 'keyCertSign'],
  });
  const issuer = { subject: { commonName: 'test-ca' }, privateKey: ca.privateKey, publicKey: ca.publicKey };
  const leaf = (cn: string, server: boolean) => {
    const k = generateKey();
    return {
      keyPEM: k.privateKeyPEM,
      certPEM: createCertificate({
        subject: { commonName: cn, organizations: server ? [] : ['system:nodes'] },
        publicKey: k.publicKey,
        issuer,
        notBefore: new Date(now - 60_000),
        notAfter: new Date(now + 3600_000),
        keyUsage: ['digitalSignature'],
        extKeyUsage: [server ? 'serverAuth' : 'clientAuth'],
        ipAddresses: server ? ['127.0.0.1'] : [],
      }),
    };
  };
  return { caPEM, serving: leaf('apiserver', true), node: leaf('system:node:n1', false) };
}

interface FakeApiServer {
  name: string;
  server: Server;
  port: number;
  hits: number;
}

async function start(
  name: string,
  p: ReturnType<typeof pki>,
  endpoints: () => number[],
  port = 0,
): Promise<FakeApiServer> {
  const s: FakeApiServer = { name, server: undefined as never, port: 0, hits: 0 };
  s.server = createServer(
    { cert: p.serving.certPEM, key: p.serving.keyPEM, ca: p.caPEM, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      s.hits++;
      res.setHeader('content-type', 'application/json');
      if (req.url?.startsWith('/api/v1/namespaces/default/endpoints/kubernetes')) {
        res.end(
          JSON.stringify({
            apiVersion: 'v1',
            kind: 'Endpoints',
            metadata: { name: 'kubernetes', namespace: 'default' },
            // All servers on 127.0.0.1 here, so one subset per port (real clusters: one port, many addresses).
            subsets: endpoints().map((port) => ({
              addresses: [{ ip: '127.0.0.1' }],
              ports: [{ name: 'https', port, protocol: 'TCP' }],
            })),
          }),
        );
        return;
      }
      res.end(JSON.stringify({ major: '1', minor: '32', gitVersion: name }));
    },
  );
  await new Promise<void>((resolve) => s.server.listen(port, '127.0.0.1', resolve));
  s.port = (s.server.address() as AddressInfo).port;
  return s;
}

const stop = (s: FakeApiServer) =>
  new Promise<void>((resolve) => {
    s.server.closeAllConnections();
    s.server.close(() => resolve());
  });

test('requests fail over to the next server when one stops; a recovered server is used again when needed', async () => {
  const p = pki();
  const a = await start('server-a', p, () => [a.port]);
  const b = await start('server-b', p, () => [b.port]);
  const pool = new ServerPool({
    servers: [`https://127.0.0.1:${a.port}`, `https://127.0.0.1:${b.port}`],
    caPEM: p.caPEM,
    certPEM: p.node.certPEM,
    keyPEM: p.node.keyPEM,
    cooldownMs: 200,
  });
  const rest = pool.rest('kubelet', { qps: Infinity, maxRetries: 0 });
  const version = async () =>
    (await rest.requestObject<{ gitVersion: string }>({ method: 'GET', path: '/version' })).gitVersion;
  try {
    assert.equal(await version(), 'server-a');
    assert.equal(await version(), 'server-a', 'sticks to the working server');
    await stop(a);
    assert.equal(await version(), 'server-b', 'fails over within one request');
    assert.equal(pool.transport.current, `https://127.0.0.1:${b.port}`);
    // A POST that never reached a server fails over too (connection refused is "not sent").
    const created = await rest.requestObject<{ gitVersion: string }>({ method: 'POST', path: '/version', body: {} });
    assert.equal(created.gitVersion, 'server-b');
    // Server b stays preferred even after a comes back; when b goes, a is used again.
    const a2 = await start('server-a-again', p, () => [], a.port);
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(await version(), 'server-b');
    await stop(b);
    assert.equal(await version(), 'server-a-again');
    await stop(a2);
    await assert.rejects(version(), /ECONNREFUSED/, 'with every server down the last connection error surfaces');
  } finally {
    await pool.dispose();
    for (const s of [a, b]) if (s.server.listening) await stop(s);
  }
});

test('refresh() adds the API servers listed in default/kubernetes Endpoints and keeps the join URL', async () => {
  const p = pki();
  const b = await start('server-b', p, () => []);
  const a = await start('server-a', p, () => [a.port, b.port]);
  const pool = new ServerPool({
    servers: [`https://127.0.0.1:${a.port}`],
    caPEM: p.caPEM,
    certPEM: p.node.certPEM,
    keyPEM: p.node.keyPEM,
    cooldownMs: 200,
  });
  try {
    assert.deepEqual(await pool.refresh(), [`https://127.0.0.1:${a.port}`, `https://127.0.0.1:${b.port}`]);
    await stop(a);
    const rest = pool.rest('kube-proxy', { qps: Infinity, maxRetries: 0 });
    const v = await rest.requestObject<{ gitVersion: string }>({ method: 'GET', path: '/version' });
    assert.equal(v.gitVersion, 'server-b', 'a discovered server takes over when the join server is gone');
    // Endpoints without addresses (b lists none) change nothing.
    assert.deepEqual(await pool.refresh(), [`https://127.0.0.1:${a.port}`, `https://127.0.0.1:${b.port}`]);
  } finally {
    await pool.dispose();
    for (const s of [a, b]) if (s.server.listening) await stop(s);
  }
});

test('the known servers survive a restart: saved (0600, atomically) on change, loaded after --server', async () => {
  const p = pki();
  const dir = mkdtempSync(join(tmpdir(), 'kbt-pool-'));
  const stateFile = serverPoolStateFile(dir);
  const b = await start('server-b', p, () => []);
  const a = await start('server-a', p, () => [a.port, b.port]);
  const urlA = `https://127.0.0.1:${a.port}`;
  const urlB = `https://127.0.0.1:${b.port}`;
  const opts = { caPEM: p.caPEM, certPEM: p.node.certPEM, keyPEM: p.node.keyPEM, cooldownMs: 200, stateFile };
  try {
    const first = new ServerPool({ servers: [urlA], ...opts });
    try {
      assert.deepEqual(JSON.parse(readFileSync(stateFile, 'utf8')), { serverURL: urlA, servers: [urlA] });
      await first.refresh();
    } finally {
      await first.dispose();
    }
    assert.deepEqual(JSON.parse(readFileSync(stateFile, 'utf8')), { serverURL: urlA, servers: [urlA, urlB] });
    assert.equal(statSync(stateFile).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dirname(stateFile)), ['kubets-agent-load-balancer.json'], 'no temp file left');

    // Restart with the join server down: the saved server takes over before any discovery.
    await stop(a);
    const second = new ServerPool({ servers: [urlA], ...opts });
    try {
      assert.deepEqual(second.servers, [urlA, urlB], '--server first, then the saved ones');
      const rest = second.rest('kubelet', { qps: Infinity, maxRetries: 0 });
      const v = await rest.requestObject<{ gitVersion: string }>({ method: 'GET', path: '/version' });
      assert.equal(v.gitVersion, 'server-b');
    } finally {
      await second.dispose();
    }

    // Another --server (maybe another cluster): the saved list is not used, and is replaced.
    const other = new ServerPool({ servers: [urlB], ...opts });
    try {
      assert.deepEqual(other.servers, [urlB]);
    } finally {
      await other.dispose();
    }
    assert.deepEqual(JSON.parse(readFileSync(stateFile, 'utf8')), { serverURL: urlB, servers: [urlB] });
  } finally {
    for (const s of [a, b]) if (s.server.listening) await stop(s);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadServerList: missing, corrupt or foreign files give no servers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kbt-pool-'));
  const file = join(dir, 'lb.json');
  try {
    const cases: [string, string | undefined, string[]][] = [
      ['missing', undefined, []],
      ['not JSON', '{', []],
      ['no servers', '{"serverURL":"https://a:6443"}', []],
      ['another server', '{"serverURL":"https://b:6443","servers":["https://b:6443"]}', []],
      [
        'same server; junk entries dropped',
        '{"serverURL":"https://a:6443","servers":["https://a:6443",7,"http://x:1","https://c:6443"]}',
        ['https://a:6443', 'https://c:6443'],
      ],
    ];
    for (const [name, content, want] of cases) {
      rmSync(file, { force: true });
      if (content !== undefined) writeFileSync(file, content);
      assert.deepEqual(loadServerList(file, 'https://a:6443'), want, name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
