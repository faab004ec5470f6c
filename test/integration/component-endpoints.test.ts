/**
 * The embedded kube-controller-manager's and kube-scheduler's secure ports
 * through a real control plane: health endpoints answer anonymously,
 * `/metrics` needs a client certificate whose user RBAC allows `get` on the
 * non-resource URL (delegated to the API server by SubjectAccessReview).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../../src/cmd/control-plane.js';
import { inProcessRest } from '../../src/cmd/in-process.js';
import { gvr, typed, type KubeObject } from '../../src/client/index.js';
import { createLogger } from '../../src/lib/log.js';
import { certificateSubjectDER, createCertificate, generateKey, publicKeyOf } from '../../src/lib/pki/x509.js';

interface Reply {
  status: number;
  body: string;
  type: string | undefined;
}

function get(url: string, ca: string, client?: { cert: string; key: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, ...client, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A client certificate from the cluster's client CA for `user` in `groups`. */
function clientCert(cp: ControlPlane, user: string, groups: string[] = []): { cert: string; key: string } {
  const caKey = createPrivateKey(cp.pki.clientCA.keyPEM);
  const leaf = generateKey();
  const cert = createCertificate({
    subject: { commonName: user, organizations: groups },
    publicKey: leaf.publicKey,
    issuer: {
      subject: { commonName: 'unused' },
      subjectDER: certificateSubjectDER(cp.pki.clientCA.certPEM),
      privateKey: caKey,
      publicKey: publicKeyOf(caKey),
    },
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3_600_000),
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    extKeyUsage: ['clientAuth'],
  });
  return { cert, key: leaf.privateKeyPEM };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (last !== undefined) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('controller-manager and scheduler secure ports: anonymous health, RBAC-gated metrics', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-endpoints-'));
  const cp = await startControlPlane({
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
    controllers: ['serviceaccount', 'namespace'],
    scheduler: true,
    securePorts: { controllerManager: 0, scheduler: 0 },
    log: createLogger('test', { level: 'error' }),
  });
  t.after(async () => {
    await cp.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  const ca = cp.pki.serverCA.certPEM;
  assert.ok(cp.componentEndpoints?.controllerManager && cp.componentEndpoints.scheduler, 'both endpoints are served');
  const cm = cp.componentEndpoints.controllerManager;
  const sched = cp.componentEndpoints.scheduler;
  assert.notEqual(cm.port, 0);
  assert.notEqual(sched.port, 0);
  const admin = { cert: cp.pki.admin.certPEM, key: cp.pki.admin.keyPEM };
  const nobody = clientCert(cp, 'nobody', ['team-a']);
  const scraper = clientCert(cp, 'scraper');

  await t.test('health endpoints answer anonymously', async () => {
    for (const url of [`${cm.url}/healthz`, `${sched.url}/healthz`, `${sched.url}/livez`, `${sched.url}/readyz`]) {
      const r = await get(url, ca);
      assert.deepEqual([r.status, r.body], [200, 'ok'], url);
    }
    const verbose = await get(`${cm.url}/healthz?verbose`, ca);
    assert.equal(verbose.status, 200);
    assert.equal(verbose.body, '[+]ping ok\n[+]log ok\n[+]namespace ok\n[+]serviceaccount ok\nhealthz check passed\n');
    const one = await get(`${sched.url}/healthz/sched-handler-sync`, ca);
    assert.deepEqual([one.status, one.body], [200, 'ok']);
    const missing = await get(`${cm.url}/healthz/nope`, ca);
    assert.equal(missing.status, 403, 'an unknown check is an ordinary (authorized) path');
  });

  await t.test('/metrics: 403 anonymously and without RBAC, with the API server Status', async () => {
    for (const [who, client, user] of [
      ['anonymous', undefined, 'system:anonymous'],
      ['no RBAC', nobody, 'nobody'],
    ] as const) {
      for (const ep of [cm, sched]) {
        const r = await get(`${ep.url}/metrics`, ca, client);
        assert.equal(r.status, 403, `${who} ${ep.url}`);
        const status = JSON.parse(r.body) as { kind: string; reason: string; message: string; code: number };
        assert.deepEqual(
          [status.kind, status.reason, status.code, status.message],
          ['Status', 'Forbidden', 403, `forbidden: User "${user}" cannot get path "/metrics"`],
        );
      }
    }
  });

  await t.test('/metrics for admin: workqueue and scheduler metrics in Prometheus text', async () => {
    const r = await get(`${cm.url}/metrics`, ca, admin);
    assert.equal(r.status, 200);
    assert.match(r.type ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(r.body, /^# TYPE workqueue_depth gauge$/m);
    assert.match(r.body, /^workqueue_depth\{name="serviceaccount"\} \d+$/m);
    assert.match(r.body, /^workqueue_adds_total\{name="serviceaccount"\} [1-9]\d*$/m, 'the queue has seen adds');
    assert.match(r.body, /^workqueue_work_duration_seconds_count\{name="serviceaccount"\} [1-9]\d*$/m);

    // No nodes: a new pod is unschedulable, and that attempt is counted.
    const rest = inProcessRest(cp.apiserver, { username: 'admin', groups: ['system:masters'] }, 'test');
    await typed<KubeObject>(rest, gvr('', 'v1', 'pods'), 'default').create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'pending' },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    } as KubeObject);
    const body = await waitFor('an unschedulable attempt', async () => {
      const s = await get(`${sched.url}/metrics`, ca, admin);
      assert.equal(s.status, 200);
      return /^scheduler_schedule_attempts_total\{profile="default-scheduler",result="unschedulable"\} [1-9]/m.test(
        s.body,
      )
        ? s.body
        : undefined;
    });
    const pending = [...body.matchAll(/^scheduler_pending_pods\{queue="\w+"\} (\d+)$/gm)].map((m) => Number(m[1]));
    assert.equal(pending.length, 4, 'active, backoff, unschedulable, gated');
    assert.equal(
      pending.reduce((a, b) => a + b, 0),
      1,
      'the pod waits in one of the queues',
    );
    assert.match(
      body,
      /^scheduler_scheduling_attempt_duration_seconds_count\{profile="default-scheduler",result="unschedulable"\} [1-9]/m,
    );
  });

  await t.test('/metrics for a user RBAC allows (SubjectAccessReview)', async () => {
    const rest = inProcessRest(cp.apiserver, { username: 'admin', groups: ['system:masters'] }, 'test');
    await typed<KubeObject>(rest, gvr('rbac.authorization.k8s.io', 'v1', 'clusterroles')).create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'metrics-reader' },
      rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }],
    } as KubeObject);
    await typed<KubeObject>(rest, gvr('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings')).create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'scraper' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'metrics-reader' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'scraper' }],
    } as KubeObject);
    for (const ep of [cm, sched]) {
      const r = await waitFor('RBAC to allow the scraper', async () => {
        const x = await get(`${ep.url}/metrics`, ca, scraper);
        return x.status === 200 ? x : undefined;
      });
      assert.match(r.body, /^# TYPE /m);
    }
    const still = await get(`${cm.url}/metrics`, ca, nobody);
    assert.equal(still.status, 403);
  });
});
