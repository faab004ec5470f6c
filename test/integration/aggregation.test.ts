import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createCertificate, generateKey, publicKeyOf } from '../../src/control-plane/apiserver/pki/x509.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminIdentity, certIdentity, ok, type Identity } from './fixtures/security/identities.js';
import { waitFor } from './fixtures/security/wait.js';

/**
 * Issue 5 acceptance (aggregation): an APIService for wardle.example.com/v1alpha1
 * backed by a tiny HTTPS "extension API server" on loopback (reached through
 * an ExternalName Service, as upstream's resolver allows). The extension
 * server trusts only what kube-system/extension-apiserver-authentication
 * publishes: requests must carry a front-proxy client certificate with an
 * allowed CN, and the user comes from X-Remote-User/-Group.
 */
const group = 'wardle.example.com';
const version = 'v1alpha1';

interface Seen {
  path: string;
  user: string | undefined;
  groups: string[];
  authorization: string | undefined;
  clientCN: string | undefined;
}

interface Extension {
  port: number;
  caBundle: string;
  seen: Seen[];
  server: Server;
}

/** The extension server: verifies the client certificate against the published request-header CA. */
async function startExtension(requestHeaderCA: string, allowed: string[]): Promise<Extension> {
  const caKey = generateKey();
  const now = Date.now();
  const caPEM = createCertificate({
    subject: { commonName: 'wardle-ca' },
    publicKey: caKey.publicKey,
    selfSigningKey: caKey.privateKey,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 24 * 3600_000),
    isCA: true,
    keyUsage: ['digitalSignature', 'keyCertSign'],
  });
  const leaf = generateKey();
  const certPEM = createCertificate({
    subject: { commonName: 'api.wardle.svc' },
    publicKey: leaf.publicKey,
    issuer: {
      subject: { commonName: 'wardle-ca' },
      privateKey: caKey.privateKey,
      publicKey: publicKeyOf(caKey.privateKey),
    },
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 24 * 3600_000),
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    extKeyUsage: ['serverAuth'],
    dnsNames: ['api.wardle.svc'],
  });
  const seen: Seen[] = [];
  const server = createServer(
    { cert: certPEM, key: leaf.privateKeyPEM, ca: requestHeaderCA, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const sock = req.socket as TLSSocket;
      const peer = sock.getPeerCertificate();
      const cn = peer && peer.subject ? String(peer.subject.CN) : undefined;
      const groups = req.headersDistinct['x-remote-group'] ?? [];
      seen.push({
        path: req.url ?? '',
        user: req.headers['x-remote-user'] as string | undefined,
        groups,
        authorization: req.headers.authorization,
        clientCN: cn,
      });
      if (!sock.authorized || !cn || !allowed.includes(cn) || !req.headers['x-remote-user']) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 401, reason: 'Unauthorized' }),
        );
        return;
      }
      res.setHeader('content-type', 'application/json');
      if (req.url?.includes('watch=true')) {
        // A watch that never ends: the first event must reach the client while the stream is open.
        res.write(`${JSON.stringify({ type: 'ADDED', object: { kind: 'Flunder', metadata: { name: 'f1' } } })}\n`);
        return;
      }
      if (req.url === `/apis/${group}/${version}`) {
        res.end(
          JSON.stringify({
            kind: 'APIResourceList',
            apiVersion: 'v1',
            groupVersion: `${group}/${version}`,
            resources: [
              { name: 'flunders', singularName: 'flunder', namespaced: true, kind: 'Flunder', verbs: ['get', 'list'] },
              { name: 'flunders/status', singularName: '', namespaced: true, kind: 'Flunder', verbs: ['get'] },
            ],
          }),
        );
        return;
      }
      res.end(JSON.stringify({ path: req.url, user: req.headers['x-remote-user'], groups }));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    caBundle: Buffer.from(caPEM).toString('base64'),
    seen,
    server,
  };
}

/** POSTs a SelfSubjectReview with a client certificate; the user, or the HTTP status on failure. */
function whoami(
  c: TestCluster,
  kp: { certPEM: string; keyPEM: string },
  headers: Record<string, string>,
): Promise<{ username: string; groups: string[] } | number> {
  const u = new URL(c.url);
  const body = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method: 'POST',
        path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
        ca: c.cp.pki.serverCA.certPEM,
        cert: kp.certPEM,
        key: kp.keyPEM,
        agent: false,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString('utf8')));
        res.on('end', () => {
          if (res.statusCode !== 201) return resolve(res.statusCode ?? 0);
          const u = (JSON.parse(text) as { status: { userInfo: { username: string; groups: string[] } } }).status
            .userInfo;
          resolve({ username: u.username, groups: u.groups });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('aggregation: an APIService proxied to an extension API server', () => {
  let c: TestCluster;
  let admin: Identity;
  let ext: Extension | undefined;

  const condition = async () => {
    const r = await admin.kubectl(['get', 'apiservice', `${version}.${group}`, '-o', 'json']);
    if (r.code !== 0) return undefined;
    const s = JSON.parse(r.stdout) as { status?: { conditions?: { type: string; status: string; reason: string }[] } };
    return s.status?.conditions?.find((x) => x.type === 'Available');
  };

  before(async () => {
    c = await startTestCluster();
    admin = adminIdentity(c);
    const cm = JSON.parse(
      ok(
        await admin.kubectl([
          'get',
          'configmap',
          'extension-apiserver-authentication',
          '-n',
          'kube-system',
          '-o',
          'json',
        ]),
        'extension-apiserver-authentication',
      ).stdout,
    ) as { data: Record<string, string> };
    ext = await startExtension(
      cm.data['requestheader-client-ca-file']!,
      JSON.parse(cm.data['requestheader-allowed-names']!) as string[],
    );
    ok(await admin.kubectl(['create', 'namespace', 'wardle']), 'namespace');
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'api', namespace: 'wardle' },
      spec: { type: 'ExternalName', externalName: '127.0.0.1' },
    };
    ok(await admin.kubectl(['apply', '-f', '-'], { stdin: JSON.stringify(svc) }), 'service');
    const apiService = {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: `${version}.${group}` },
      spec: {
        group,
        version,
        service: { namespace: 'wardle', name: 'api', port: ext.port },
        caBundle: ext.caBundle,
        groupPriorityMinimum: 1000,
        versionPriority: 15,
      },
    };
    ok(await admin.kubectl(['apply', '-f', '-'], { stdin: JSON.stringify(apiService) }), 'apiservice');
  });

  after(async () => {
    await c?.dispose();
    ext?.server.closeAllConnections();
    await new Promise<void>((resolve) => (ext ? ext.server.close(() => resolve()) : resolve()));
  });

  test('the extension-apiserver-authentication ConfigMap carries the CAs and request-header settings', async () => {
    const r = ok(
      await admin.kubectl([
        'get',
        'configmap',
        'extension-apiserver-authentication',
        '-n',
        'kube-system',
        '-o',
        'json',
      ]),
      'cm',
    );
    const data = (JSON.parse(r.stdout) as { data: Record<string, string> }).data;
    assert.equal(
      new X509Certificate(data['client-ca-file']!).subject,
      new X509Certificate(c.cp.pki.clientCA.certPEM).subject,
    );
    assert.equal(data['requestheader-client-ca-file'], c.cp.pki.requestHeaderCA.certPEM.trim() + '\n');
    assert.equal(data['requestheader-allowed-names'], '["front-proxy-client"]');
    assert.equal(data['requestheader-username-headers'], '["X-Remote-User"]');
    assert.equal(data['requestheader-group-headers'], '["X-Remote-Group"]');
    assert.equal(data['requestheader-extra-headers-prefix'], '["X-Remote-Extra-"]');
  });

  test('the APIService becomes Available (Passed) and discovery lists the group', async () => {
    await waitFor('APIService Available', async () => (await condition())?.status === 'True', 20_000);
    assert.equal((await condition())?.reason, 'Passed');
    const groups = JSON.parse(ok(await admin.kubectl(['get', '--raw', '/apis']), '/apis').stdout) as {
      groups: { name: string; preferredVersion: { groupVersion: string } }[];
    };
    const g = groups.groups.find((x) => x.name === group);
    assert.equal(g?.preferredVersion.groupVersion, `${group}/${version}`);
    // kubectl's aggregated discovery knows the extension's resources.
    const res = ok(await admin.kubectl(['api-resources', '--api-group', group, '-o', 'name']), 'api-resources');
    assert.equal(res.stdout.trim(), `flunders.${group}`);
  });

  test("requests are proxied with the front-proxy certificate and the caller's identity, not its credentials", async () => {
    await waitFor('APIService Available', async () => (await condition())?.status === 'True', 20_000);
    const alice = certIdentity(c, 'alice', ['wardle-users']);
    // Authorization is kube-apiserver's: alice may do nothing yet.
    const denied = await alice.kubectl(['get', '--raw', `/apis/${group}/${version}/namespaces/default/flunders`]);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /Forbidden/);
    ok(
      await admin.kubectl([
        'create',
        'clusterrolebinding',
        'alice-wardle',
        '--clusterrole=cluster-admin',
        '--user=alice',
      ]),
      'binding',
    );
    let out: { path: string; user: string; groups: string[] } | undefined;
    await waitFor('alice proxied', async () => {
      const r = await alice.kubectl(['get', '--raw', `/apis/${group}/${version}/namespaces/default/flunders?limit=5`]);
      if (r.code !== 0) return false;
      out = JSON.parse(r.stdout) as typeof out;
      return true;
    });
    assert.deepEqual(out, {
      path: `/apis/${group}/${version}/namespaces/default/flunders?limit=5`,
      user: 'alice',
      groups: ['wardle-users', 'system:authenticated'],
    });
    const last = ext!.seen.filter((s) => s.user === 'alice').at(-1)!;
    assert.equal(last.clientCN, 'front-proxy-client');
    assert.equal(last.authorization, undefined);
  });

  test('watches stream through the proxy', async () => {
    await waitFor('APIService Available', async () => (await condition())?.status === 'True', 20_000);
    const u = new URL(c.url);
    const first = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          path: `/apis/${group}/${version}/namespaces/default/flunders?watch=true`,
          ca: c.cp.pki.serverCA.certPEM,
          cert: c.cp.pki.admin.certPEM,
          key: c.cp.pki.admin.keyPEM,
          agent: false,
        },
        (res) => {
          res.once('data', (d: Buffer) => {
            resolve(`${res.statusCode} ${d.toString('utf8').trim()}`);
            req.destroy();
          });
        },
      );
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
      req.end();
    });
    assert.equal(first, '200 {"type":"ADDED","object":{"kind":"Flunder","metadata":{"name":"f1"}}}');
  });

  test('the API server believes X-Remote-User only from a front-proxy certificate', async () => {
    const pki = c.cp.pki;
    const other = pki.clientCert('client-test-mallory', { commonName: 'mallory' });
    const proxied = await whoami(c, pki.frontProxyClient, { 'X-Remote-User': 'bob', 'X-Remote-Group': 'g1' });
    assert.deepEqual(proxied, { username: 'bob', groups: ['g1', 'system:authenticated'] });
    assert.deepEqual(await whoami(c, other, { 'X-Remote-User': 'bob' }), {
      username: 'mallory',
      groups: ['system:authenticated'],
    });
    // Without asserted user the front-proxy certificate is no identity at all.
    assert.equal(await whoami(c, pki.frontProxyClient, {}), 401);
  });

  test('deleting the Service makes the APIService unavailable and the group leaves discovery', async () => {
    ok(await admin.kubectl(['delete', 'service', 'api', '-n', 'wardle']), 'delete service');
    await waitFor('APIService unavailable', async () => (await condition())?.status === 'False', 20_000);
    assert.equal((await condition())?.reason, 'ServiceNotFound');
    const groups = JSON.parse(ok(await admin.kubectl(['get', '--raw', '/apis']), '/apis').stdout) as {
      groups: { name: string }[];
    };
    assert.ok(!groups.groups.some((g) => g.name === group));
    const r = await admin.kubectl(['get', '--raw', `/apis/${group}/${version}/namespaces/default/flunders`]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /ServiceUnavailable|service unavailable|unable to handle the request/);
  });
});
