import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderKubeconfig } from '../../src/control-plane/apiserver/pki/kubeconfig.js';
import { bootstrapTokenSecret } from '../../src/cmd/token.js';
import type { CertificateSigningRequest as Csr } from 'kubernetes-types/certificates/v1.js';
import { type Clock, realClock } from '../../src/lib/clock.js';
import { createLogger, parseLevel } from '../../src/lib/log.js';
import type { JoinError } from '../../src/node/bootstrap/join-errors.js';
import { joinCluster } from '../../src/node/bootstrap/join-cluster.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';

/**
 * Issue 11, TLS bootstrapping of a joining node against the real API server
 * and controllers: token discovery of the CA through the signed cluster-info,
 * the client CSR auto-approved as nodeclient, the serving CSR approved for the
 * node's own names, both signed; the resulting identities checked with real
 * kubectl; credentials reused on restart; clear errors for a wrong token, a
 * wrong CA pin and an unreachable server.
 */
const tokenID = 'abcdef';
const tokenSecret = '0123456789abcdef';
const token = `${tokenID}.${tokenSecret}`;
const log = createLogger('csr-bootstrap-test', { level: parseLevel(process.env.KUBETS_TEST_LOG, 'error') });

describe('TLS bootstrapping: joinCluster with a bootstrap token', () => {
  let c: TestCluster;
  let dataDir: string;

  before(async () => {
    c = await startTestCluster({
      controllers: ['csrapproving', 'csrsigning', 'csrcleaner', 'bootstrapsigner', 'token-cleaner'],
    });
    dataDir = mkdtempSync(join(tmpdir(), 'kubets-agent-'));
    const secret = bootstrapTokenSecret(tokenID, tokenSecret, { ttlMs: 3600_000, description: 'csr-bootstrap test' });
    const r = await c.kubectl(['create', '-f', '-'], { stdin: JSON.stringify(secret) });
    assert.equal(r.code, 0, r.stderr);
  });

  after(async () => {
    await c?.dispose();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('the node gets a client certificate for system:node:<name> and a serving certificate for its names', async () => {
    const creds = await joinCluster({
      serverURL: c.url,
      token,
      nodeName: 'worker-1',
      nodeIPs: ['192.0.2.10'],
      dataDir,
      log,
      certificateTimeoutMs: 60_000,
    });
    assert.equal(creds.caPEM, c.cp.pki.serverCA.certPEM, 'the CA came from cluster-info');
    assert.equal(creds.clientCAPEM, c.cp.pki.clientCA.certPEM);

    // The client certificate authenticates as the node (real kubectl, SelfSubjectReview).
    const kubeconfig = join(c.dir, 'worker-1.kubeconfig');
    writeFileSync(
      kubeconfig,
      renderKubeconfig({
        server: c.url,
        caPEM: creds.caPEM,
        clientCertPEM: creds.clientCert,
        clientKeyPEM: creds.clientKey,
      }),
    );
    const whoami = await c.kubectl(['auth', 'whoami', '-o', 'json'], {
      env: { KUBECONFIG: kubeconfig, KUBECACHEDIR: join(c.dir, 'cache-worker-1') },
    });
    assert.equal(whoami.code, 0, whoami.stderr);
    const review = JSON.parse(whoami.stdout) as { status: { userInfo: { username: string; groups: string[] } } };
    assert.equal(review.status.userInfo.username, 'system:node:worker-1');
    assert.ok(review.status.userInfo.groups.includes('system:nodes'));

    // The serving certificate chains to the server CA and covers the node's name and IP.
    const serving = new X509Certificate(creds.servingCert);
    const serverCA = new X509Certificate(c.cp.pki.serverCA.certPEM);
    assert.ok(serving.checkIssued(serverCA) && serving.verify(serverCA.publicKey));
    assert.equal(serving.subject, 'O=system:nodes\nCN=system:node:worker-1');
    assert.equal(serving.subjectAltName, 'DNS:worker-1, IP Address:192.0.2.10');
    assert.deepEqual(serving.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    assert.ok(new X509Certificate(creds.clientCert).checkIssued(new X509Certificate(c.cp.pki.clientCA.certPEM)));

    for (const f of [
      'server-ca.crt',
      'client-ca.crt',
      'client-kubelet.crt',
      'client-kubelet.key',
      'serving-kubelet.crt',
      'serving-kubelet.key',
    ])
      assert.equal(statSync(join(dataDir, 'agent', f)).mode & 0o777, 0o600, f);
  });

  test('kubectl get csr lists both requests as Approved,Issued with upstream columns', async () => {
    const r = await c.kubectl(['get', 'csr']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0]!, /^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION$/);
    const rows = lines.slice(1).map((l) => l.split(/\s+/));
    const client = rows.find((row) => row[0]!.startsWith('node-csr-'));
    const serving = rows.find((row) => row[0]!.startsWith('csr-'));
    assert.deepEqual(client?.slice(2), [
      'kubernetes.io/kube-apiserver-client-kubelet',
      `system:bootstrap:${tokenID}`,
      '<none>',
      'Approved,Issued',
    ]);
    assert.deepEqual(serving?.slice(2), [
      'kubernetes.io/kubelet-serving',
      'system:node:worker-1',
      '<none>',
      'Approved,Issued',
    ]);
    const detail = await c.kubectl(['get', 'csr', client![0]!, '-o', 'jsonpath={.status.conditions[0].message}']);
    assert.equal(detail.stdout, 'Auto approving kubelet client certificate after SubjectAccessReview.');
  });

  test('a restart reuses the stored credentials without the token and without new requests', async () => {
    const before = await c.kubectl(['get', 'csr', '-o', 'name']);
    const again = await joinCluster({ serverURL: c.url, nodeName: 'worker-1', nodeIPs: ['192.0.2.10'], dataDir, log });
    const stored = await joinCluster({
      serverURL: c.url,
      token,
      nodeName: 'worker-1',
      nodeIPs: ['192.0.2.10'],
      dataDir,
      log,
    });
    assert.equal(again.clientCert, stored.clientCert);
    assert.equal(again.servingCert, stored.servingCert);
    const afterList = await c.kubectl(['get', 'csr', '-o', 'name']);
    assert.equal(afterList.stdout, before.stdout);
  });

  test('past 80% of its lifetime the node renews both certificates with its own identity (selfnodeclient)', async () => {
    const first = await joinCluster({ serverURL: c.url, nodeName: 'worker-1', nodeIPs: ['192.0.2.10'], dataDir, log });
    // 300 of 365 days later, as the node sees it; the server signs with its own (real) time.
    const later: Clock = {
      now: () => realClock.now() + 300 * 24 * 3600_000,
      monotonic: () => realClock.monotonic(),
      setTimeout: (fn, ms) => realClock.setTimeout(fn, ms),
      setInterval: (fn, ms) => realClock.setInterval(fn, ms),
      sleep: (ms, signal) => realClock.sleep(ms, signal),
    };
    const renewed = await joinCluster({
      serverURL: c.url,
      nodeName: 'worker-1',
      nodeIPs: ['192.0.2.10'],
      dataDir,
      log,
      clock: later,
      certificateTimeoutMs: 60_000,
    });
    assert.notEqual(renewed.clientCert, first.clientCert);
    assert.notEqual(renewed.clientKey, first.clientKey);
    assert.notEqual(renewed.servingCert, first.servingCert);
    const r = await c.kubectl(['get', 'csr', '-o', 'json']);
    const items = (JSON.parse(r.stdout) as { items: Csr[] }).items;
    const renewal = items.find(
      (i) =>
        i.spec?.username === 'system:node:worker-1' &&
        i.spec.signerName === 'kubernetes.io/kube-apiserver-client-kubelet',
    );
    assert.equal(
      renewal?.status?.conditions?.[0]?.message,
      'Auto approving self kubelet client certificate after SubjectAccessReview.',
    );
    assert.ok(renewal?.status?.certificate);
  });

  test('a wrong token, a wrong CA pin and an unreachable server fail with one clear line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubets-agent-bad-'));
    try {
      const attempt = (t: string, url = c.url) =>
        joinCluster({
          serverURL: url,
          token: t,
          nodeName: 'bad',
          nodeIPs: ['192.0.2.11'],
          dataDir: dir,
          log,
          discoveryTimeoutMs: 1500,
        });
      await assert.rejects(attempt(`${tokenID}.ffffffffffffffff`), (err: JoinError) => {
        assert.equal(err.code, 'token-rejected');
        assert.equal(err.message, `the join token was rejected by ${c.url}: check \`kubets token list\` on the server`);
        return true;
      });
      await assert.rejects(attempt(`zzzzzz.${tokenSecret}`), { code: 'token-rejected' });
      const wrongPin = `K10${createHash('sha256').update('another CA').digest('hex')}::${token}`;
      await assert.rejects(attempt(wrongPin), (err: JoinError) => {
        assert.equal(err.code, 'ca-mismatch');
        assert.match(err.message, /^CA mismatch: /);
        return true;
      });
      const closed = await freePort();
      await assert.rejects(attempt(token, `https://127.0.0.1:${closed}`), (err: JoinError) => {
        assert.equal(err.code, 'unreachable');
        assert.match(
          err.message,
          /^cannot reach the server at https:\/\/127\.0\.0\.1:\d+ \(.*ECONNREFUSED.*\): check --server/,
        );
        return true;
      });
      await assert.rejects(attempt('not-a-token'), /malformed join token/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A loopback port nothing listens on (bound, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
