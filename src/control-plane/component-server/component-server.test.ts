import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { createCertificate, generateKey } from '../../lib/pki/x509.js';
import { startComponentServer, type ComponentUser, type NonResourceAttributes } from './component-server.js';
import { conditionCheck, pingCheck } from './health-checks.js';

const notBefore = new Date(Date.now() - 60_000);
const notAfter = new Date(Date.now() + 3_600_000);

function ca(name: string) {
  const key = generateKey();
  const certPEM = createCertificate({
    subject: { commonName: name },
    publicKey: key.publicKey,
    selfSigningKey: key.privateKey,
    notBefore,
    notAfter,
    isCA: true,
    keyUsage: ['digitalSignature', 'keyCertSign'],
  });
  return { name, key, certPEM };
}

function leaf(issuer: ReturnType<typeof ca>, cn: string, o: string[], usage: 'serverAuth' | 'clientAuth') {
  const key = generateKey();
  const cert = createCertificate({
    subject: { commonName: cn, organizations: o },
    publicKey: key.publicKey,
    issuer: {
      subject: { commonName: issuer.name },
      privateKey: issuer.key.privateKey,
      publicKey: issuer.key.publicKey,
    },
    notBefore,
    notAfter,
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    extKeyUsage: [usage],
    ipAddresses: usage === 'serverAuth' ? ['127.0.0.1'] : undefined,
  });
  return { cert, key: key.privateKeyPEM };
}

function get(url: string, caPEM: string, client?: { cert: string; key: string }) {
  return new Promise<{ status: number; body: string; type?: string }>((resolve, reject) => {
    const req = request(url, { ca: caPEM, ...client, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('component server: anonymous health, authorized metrics, delegated decisions', async (t) => {
  const serverCA = ca('server-ca');
  const clientCA = ca('client-ca');
  const otherCA = ca('other-ca');
  const serving = leaf(serverCA, 'kube-scheduler', [], 'serverAuth');
  const calls: [ComponentUser, NonResourceAttributes][] = [];
  let decision: boolean | Error = false;
  let healthy = true;
  const srv = await startComponentServer({
    component: 'test',
    host: '127.0.0.1',
    port: 0,
    certPEM: serving.cert,
    keyPEM: serving.key,
    clientCAPEM: clientCA.certPEM,
    health: { healthz: [pingCheck, conditionCheck('sync', () => healthy, 'not synced')] },
    metrics: () => '# TYPE up gauge\nup 1\n',
    authorize: async (user, attrs) => {
      calls.push([user, attrs]);
      if (decision instanceof Error) throw decision;
      return decision;
    },
  });
  t.after(() => srv.dispose());
  assert.notEqual(srv.port, 0, 'ephemeral port is reported');
  assert.equal(srv.url, `https://127.0.0.1:${srv.port}`);
  const alice = leaf(clientCA, 'alice', ['team'], 'clientAuth');
  const master = leaf(clientCA, 'root', ['system:masters'], 'clientAuth');
  const forged = leaf(otherCA, 'root', ['system:masters'], 'clientAuth');
  const ca0 = serverCA.certPEM;

  assert.deepEqual(await get(`${srv.url}/healthz`, ca0), {
    status: 200,
    body: 'ok',
    type: 'text/plain; charset=utf-8',
  });
  assert.equal((await get(`${srv.url}/healthz/sync`, ca0)).body, 'ok');
  healthy = false;
  const sick = await get(`${srv.url}/healthz`, ca0);
  assert.deepEqual(
    [sick.status, sick.body],
    [500, '[+]ping ok\n[-]sync failed: reason withheld\nhealthz check failed\n'],
  );
  assert.equal(calls.length, 0, 'health endpoints need no authorization');

  const anon = await get(`${srv.url}/metrics`, ca0);
  assert.equal(anon.status, 403);
  assert.deepEqual(JSON.parse(anon.body), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'forbidden: User "system:anonymous" cannot get path "/metrics"',
    reason: 'Forbidden',
    code: 403,
  });
  assert.deepEqual(calls.pop(), [
    { username: 'system:anonymous', groups: ['system:unauthenticated'] },
    { verb: 'get', path: '/metrics' },
  ]);

  const forgedReply = await get(`${srv.url}/metrics`, ca0, forged);
  assert.equal(forgedReply.status, 403, 'a certificate from another CA is anonymous');
  assert.equal(calls.pop()?.[0].username, 'system:anonymous');

  decision = true;
  const ok = await get(`${srv.url}/metrics`, ca0, alice);
  assert.deepEqual(ok, {
    status: 200,
    body: '# TYPE up gauge\nup 1\n',
    type: 'text/plain; version=0.0.4; charset=utf-8',
  });
  assert.deepEqual(calls.pop(), [
    { username: 'alice', groups: ['team', 'system:authenticated'] },
    { verb: 'get', path: '/metrics' },
  ]);
  assert.equal((await get(`${srv.url}/debug/pprof`, ca0, alice)).status, 404, 'authorized but unknown path');
  calls.length = 0;

  decision = false;
  assert.equal((await get(`${srv.url}/metrics`, ca0, master)).status, 200, 'system:masters is always allowed');
  assert.equal(calls.length, 0);

  decision = new Error('apiserver down');
  assert.equal((await get(`${srv.url}/metrics`, ca0, alice)).status, 500);

  await srv.dispose();
  await assert.rejects(get(`${srv.url}/healthz`, ca0), /ECONNREFUSED/);
});
