import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Secret } from 'kubernetes-types/core/v1.js';
import { ResourceClient, gvr, type KubeObject, type RestClient } from '../../src/client/index.js';
import { inProcessRest } from '../../src/cmd/in-process.js';
import { derivedTokenDescription, ensureNodeToken } from '../../src/cmd/node-token.js';
import { formatServerToken } from '../../src/cmd/ha/server-token.js';
import { createLogger, parseLevel } from '../../src/lib/log.js';
import type { JoinError } from '../../src/node/bootstrap/join-errors.js';
import { joinCluster } from '../../src/node/bootstrap/join-cluster.js';
import { deriveBootstrapToken } from '../../src/node/bootstrap/join-token.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';

/**
 * Issue 11: an agent joins with the server token (k3s's `agent --token
 * <server token>`). The server keeps the bootstrap token derived from its
 * token; joinCluster, given the server token, derives the same one, pins the
 * CA hash, and gets its certificates. A wrong server token fails with the
 * usual one-line error.
 */
const log = createLogger('server-token-join-test', { level: parseLevel(process.env.KUBETS_TEST_LOG, 'error') });

describe('agents join with the server token', () => {
  let c: TestCluster;
  let rest: RestClient;
  const dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'kubets-agent-'));
    dirs.push(d);
    return d;
  };

  before(async () => {
    c = await startTestCluster({ controllers: ['csrapproving', 'csrsigning', 'bootstrapsigner'] });
    rest = inProcessRest(
      c.cp.apiserver,
      { username: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] },
      'server-token-join-test',
    );
  });
  after(async () => {
    await c?.dispose();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('a generated server token is stored, kept across restarts, and its derived Secret written', async () => {
    const first = await ensureNodeToken({ rest, dataDir: c.dir, caPEM: c.cp.pki.serverCA.certPEM });
    assert.equal(first.path, join(c.dir, 'server', 'token'));
    assert.equal(readFileSync(first.path, 'utf8').trim(), first.token);
    assert.equal(statSync(first.path).mode & 0o777, 0o600);
    assert.match(first.token, /^K10[0-9a-f]{64}::server:[0-9a-f]{32}$/);
    const again = await ensureNodeToken({ rest, dataDir: c.dir, caPEM: c.cp.pki.serverCA.certPEM });
    assert.equal(again.token, first.token);

    const { id, secret } = deriveBootstrapToken(first.token.split('::server:')[1]!);
    assert.equal(first.secretName, `bootstrap-token-${id}`);
    const s = await new ResourceClient<Secret & KubeObject>(rest, gvr('', 'v1', 'secrets'), 'kube-system').get(
      first.secretName,
    );
    const dec = (k: string) => Buffer.from(s.data?.[k] ?? '', 'base64').toString();
    assert.equal(s.type, 'bootstrap.kubernetes.io/token');
    assert.deepEqual(
      Object.fromEntries(Object.keys(s.data ?? {}).map((k) => [k, dec(k)])),
      {
        'token-id': id,
        'token-secret': secret,
        description: derivedTokenDescription,
        'usage-bootstrap-authentication': 'true',
        'usage-bootstrap-signing': 'true',
        'auth-extra-groups': 'system:bootstrappers:kubets:default-node-token',
      },
      'no expiration',
    );
  });

  test('joinCluster with the server token gets node credentials; a wrong one is rejected', async () => {
    const { token } = await ensureNodeToken({ rest, dataDir: c.dir, caPEM: c.cp.pki.serverCA.certPEM });
    const creds = await joinCluster({
      serverURL: c.url,
      token: `${token}\n`,
      nodeName: 'worker-st',
      nodeIPs: ['192.0.2.20'],
      dataDir: tempDir(),
      log,
      certificateTimeoutMs: 60_000,
    });
    assert.equal(creds.caPEM, c.cp.pki.serverCA.certPEM);
    assert.match(creds.clientCert, /BEGIN CERTIFICATE/);
    assert.match(creds.servingCert, /BEGIN CERTIFICATE/);

    const wrong = formatServerToken(c.cp.pki.serverCA.certPEM, 'not-the-password');
    await assert.rejects(
      joinCluster({
        serverURL: c.url,
        token: wrong,
        nodeName: 'intruder',
        nodeIPs: ['192.0.2.21'],
        dataDir: tempDir(),
        log,
        discoveryTimeoutMs: 1500,
      }),
      (err: JoinError) => {
        assert.equal(err.code, 'token-rejected');
        assert.equal(err.message, `the join token was rejected by ${c.url}: check \`kubets token list\` on the server`);
        return true;
      },
    );
    // The right password with another cluster's CA hash: the pin still holds.
    const otherCA = formatServerToken('another CA', token.split('::server:')[1]!);
    await assert.rejects(
      joinCluster({
        serverURL: c.url,
        token: otherCA,
        nodeName: 'pinned',
        nodeIPs: ['192.0.2.22'],
        dataDir: tempDir(),
        log,
        discoveryTimeoutMs: 1500,
      }),
      { code: 'ca-mismatch' },
    );
  });

  test('a server started with --token keeps that password', async () => {
    const dataDir = tempDir();
    const given = 'my-cluster-secret';
    const r = await ensureNodeToken({ rest, dataDir, caPEM: c.cp.pki.serverCA.certPEM, given });
    assert.equal(r.token, formatServerToken(c.cp.pki.serverCA.certPEM, given));
    assert.equal(r.secretName, `bootstrap-token-${deriveBootstrapToken(given).id}`);
    // The Secret derived from the previous token is gone: one derived token per cluster.
    const derived = await new ResourceClient<Secret & KubeObject>(rest, gvr('', 'v1', 'secrets'), 'kube-system').list({
      labelSelector: 'kubets.io/derived-from=server-token',
    });
    assert.deepEqual(
      derived.items.map((s) => s.metadata!.name),
      [r.secretName],
    );
    await assert.rejects(
      ensureNodeToken({ rest, dataDir, caPEM: c.cp.pki.serverCA.certPEM, given: 'another' }),
      /--token differs from the token this server already uses/,
    );
  });
});
