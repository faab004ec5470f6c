import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agent } from 'node:https';
import { startControlPlane, type ControlPlane } from '../../src/cmd/control-plane.js';
import { createLogger } from '../../src/lib/log.js';
import { rawAgent, rawRequest } from './fixtures/security/raw-client.js';

/**
 * Issue 5: requests refused before the handler — 401 (authentication), 403
 * (authorization) — are audited like upstream (WithFailedAuthenticationAudit,
 * WithAudit outside authorization), and authorization decisions are audit
 * annotations. `--audit-policy-file` / `--audit-log-path` map to the control
 * plane's `audit` config; the log file is read back line by line.
 */
const policy = `
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: None
    nonResourceURLs: ["/healthz*", "/readyz*", "/livez*"]
  - level: Metadata
`;

interface Line {
  stage: string;
  auditID: string;
  verb: string;
  user: { username?: string; groups?: string[] };
  objectRef?: { resource?: string; namespace?: string };
  responseStatus?: { code?: number; reason?: string; status?: string };
  annotations?: Record<string, string>;
}

describe('security: audit of refused requests', () => {
  let dir: string;
  let logPath: string;
  let cp: ControlPlane | undefined;
  const agents: Agent[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubets-it-audit-'));
    logPath = join(dir, 'audit.log');
    const policyPath = join(dir, 'policy.yaml');
    writeFileSync(policyPath, policy);
    cp = await startControlPlane({
      dataDir: dir,
      bindAddress: '127.0.0.1',
      httpsPort: 0,
      advertiseAddress: '127.0.0.1',
      kubeconfigPath: join(dir, 'kubeconfig.yaml'),
      kubeconfigMode: 0o600,
      tlsSans: [],
      serviceCIDR: '10.43.0.0/16',
      clusterCIDR: '10.42.0.0/16',
      clusterDomain: 'cluster.local',
      controllers: [],
      scheduler: false,
      audit: { policyPath, logPath },
      log: createLogger('test', { level: 'error' }),
    });
  });

  after(async () => {
    for (const a of agents) a.destroy();
    await cp?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The audit lines of one request (by Audit-ID), waiting until its final stage is written. */
  async function linesFor(auditID: string, finalStage: string): Promise<Line[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const lines = existsSync(logPath)
        ? readFileSync(logPath, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Line)
            .filter((l) => l.auditID === auditID)
        : [];
      if (lines.some((l) => l.stage === finalStage)) return lines;
      if (Date.now() > deadline) throw new Error(`no ${finalStage} line for ${auditID}: ${JSON.stringify(lines)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  function request(creds: { certPEM?: string; keyPEM?: string }, path: string, headers: Record<string, string> = {}) {
    const agent = rawAgent({ ca: cp!.pki.serverCA.certPEM, ...creds }, false);
    agents.push(agent);
    const auditID = randomUUID();
    return rawRequest(cp!.url, agent, { path, headers: { 'audit-id': auditID, ...headers } }).then((res) => ({
      res,
      auditID,
    }));
  }

  test('401 (bad bearer token): a single ResponseStarted event with an empty user', async () => {
    const { res, auditID } = await request({}, '/api/v1/namespaces/default/secrets', {
      authorization: 'Bearer not-a-real-token',
    });
    assert.equal(res.status, 401);
    const lines = await linesFor(auditID, 'ResponseStarted');
    assert.deepEqual(
      lines.map((l) => ({ stage: l.stage, verb: l.verb, user: l.user, ref: l.objectRef, status: l.responseStatus })),
      [
        {
          stage: 'ResponseStarted',
          verb: 'list',
          user: {},
          ref: { resource: 'secrets', namespace: 'default', apiVersion: 'v1' },
          status: { metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 },
        },
      ],
    );
  });

  test('403 (user without RBAC): RequestReceived and ResponseComplete with decision=forbid', async () => {
    const kp = cp!.pki.clientCert('client-test-nobody', { commonName: 'nobody', organizations: ['team-x'] });
    const { res, auditID } = await request(
      { certPEM: kp.certPEM, keyPEM: kp.keyPEM },
      '/api/v1/namespaces/default/secrets',
    );
    assert.equal(res.status, 403);
    const lines = await linesFor(auditID, 'ResponseComplete');
    assert.deepEqual(
      lines.map((l) => l.stage),
      ['RequestReceived', 'ResponseComplete'],
    );
    const done = lines[1]!;
    assert.deepEqual(done.user, { username: 'nobody', groups: ['team-x', 'system:authenticated'] });
    assert.equal(done.responseStatus?.code, 403);
    assert.equal(done.responseStatus?.reason, 'Forbidden');
    assert.equal(done.annotations?.['authorization.k8s.io/decision'], 'forbid');
    assert.equal(typeof done.annotations?.['authorization.k8s.io/reason'], 'string');
    // RequestReceived is written before authorization has decided.
    assert.equal(lines[0]!.annotations, undefined);
  });

  test('allowed request: decision=allow on ResponseComplete', async () => {
    const { res, auditID } = await request(
      { certPEM: cp!.pki.admin.certPEM, keyPEM: cp!.pki.admin.keyPEM },
      '/api/v1/namespaces/default/configmaps',
    );
    assert.equal(res.status, 200);
    const lines = await linesFor(auditID, 'ResponseComplete');
    const done = lines.find((l) => l.stage === 'ResponseComplete')!;
    assert.equal(done.user.username, 'admin');
    assert.equal(done.responseStatus?.code, 200);
    assert.equal(done.annotations?.['authorization.k8s.io/decision'], 'allow');
    assert.ok('authorization.k8s.io/reason' in (done.annotations ?? {}));
  });

  test('impersonation refused (403): audited with the real user', async () => {
    const kp = cp!.pki.clientCert('client-test-imp', { commonName: 'mallory', organizations: [] });
    const { res, auditID } = await request(
      { certPEM: kp.certPEM, keyPEM: kp.keyPEM },
      '/api/v1/namespaces/default/configmaps',
      { 'impersonate-user': 'admin' },
    );
    assert.equal(res.status, 403);
    const lines = await linesFor(auditID, 'ResponseComplete');
    const done = lines.find((l) => l.stage === 'ResponseComplete')!;
    assert.equal(done.user.username, 'mallory');
    assert.equal(done.responseStatus?.code, 403);
  });
});
