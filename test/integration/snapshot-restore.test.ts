// Issue 11: a snapshot restores a cluster onto a new machine. `kubets
// etcd-snapshot save` seals the cluster's CAs, keys and server token beside
// the snapshot; `restore --token` into a fresh data dir brings keyspace and
// PKI back, so the old admin client certificate and an old ServiceAccount
// token are accepted by the control plane started from it. A wrong token is
// refused in one line before anything is written.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runCli } from '../../src/cli/command.js';
import { etcdSnapshotCommand } from '../../src/cmd/etcd-snapshot.js';
import { startControlPlane, type ControlPlane } from '../../src/cmd/control-plane.js';

const root = mkdtempSync(join(tmpdir(), 'kbt-snap-restore-'));
after(() => rmSync(root, { recursive: true, force: true }));

const start = (dataDir: string) =>
  startControlPlane({
    dataDir,
    bindAddress: '127.0.0.1',
    httpsPort: 0,
    advertiseAddress: '127.0.0.1',
    kubeconfigPath: join(dataDir, 'kubeconfig.yaml'),
    kubeconfigMode: 0o600,
    tlsSans: [],
    serviceCIDR: '10.43.0.0/16',
    clusterCIDR: '10.42.0.0/16',
    clusterDomain: 'cluster.local',
    controllers: [],
    scheduler: false,
  });

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream;
  const stderr = { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream;
  const code = await runCli('kubets', 'test', [etcdSnapshotCommand], ['etcd-snapshot', ...argv], { stdout, stderr });
  return { code, out, err };
}

interface Creds {
  ca: string;
  cert?: string;
  key?: string;
  bearer?: string;
}

/** The CA and admin client certificate of a kubeconfig `kubets` wrote. */
function kubeconfigCreds(path: string): Creds {
  const kc = parse(readFileSync(path, 'utf8')) as {
    clusters: { cluster: { 'certificate-authority-data': string } }[];
    users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
  return {
    ca: b64(kc.clusters[0]!.cluster['certificate-authority-data']),
    cert: b64(kc.users[0]!.user['client-certificate-data']),
    key: b64(kc.users[0]!.user['client-key-data']),
  };
}

function call(
  cp: ControlPlane,
  creds: Creds,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: cp.https.port,
        method,
        path,
        ca: creds.ca,
        cert: creds.cert,
        key: creds.key,
        headers: {
          'content-type': 'application/json',
          ...(creds.bearer ? { authorization: `Bearer ${creds.bearer}` } : {}),
        },
      },
      (res) => {
        let data = '';
        res.on('data', (d: Buffer) => (data += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: data ? JSON.parse(data) : {} }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const whoAmI = async (cp: ControlPlane, creds: Creds) => {
  const r = await call(cp, creds, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'SelfSubjectReview',
  });
  return { status: r.status, user: (r.json.status as { userInfo?: { username?: string } } | undefined)?.userInfo };
};

test('save on one data dir, restore onto a fresh one with the token: same CA, old admin cert and SA token work', async () => {
  const dirA = join(root, 'a');
  const dirB = join(root, 'b');
  let snapshot = '';
  let saToken = '';
  const cpA = await start(dirA);
  const oldAdmin = kubeconfigCreds(join(dirA, 'kubeconfig.yaml'));
  try {
    const cm = await call(cpA, oldAdmin, 'POST', '/api/v1/namespaces/default/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'survivor' },
      data: { k: 'v' },
    });
    assert.equal(cm.status, 201, JSON.stringify(cm.json));
    const sa = await call(cpA, oldAdmin, 'POST', '/api/v1/namespaces/default/serviceaccounts', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'robot' },
    });
    assert.equal(sa.status, 201, JSON.stringify(sa.json));
    const tr = await call(cpA, oldAdmin, 'POST', '/api/v1/namespaces/default/serviceaccounts/robot/token', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 3600 },
    });
    assert.equal(tr.status, 201, JSON.stringify(tr.json));
    saToken = (tr.json.status as { token: string }).token;
    assert.equal(
      (await whoAmI(cpA, { ca: oldAdmin.ca, bearer: saToken })).user?.username,
      'system:serviceaccount:default:robot',
    );

    const s = await cli('save', '--data-dir', dirA);
    assert.equal(s.code, 0, s.err);
    snapshot = /^Snapshot \S+ saved \(\d+ bytes\) at (\S+)$/m.exec(s.out)?.[1] ?? '';
    assert.ok(snapshot, s.out);
    assert.match(s.out, new RegExp(`sealed with the server token at ${snapshot}\\.bootstrap$`, 'm'));
    // The sidecar is sealed: none of the private keys is readable in it.
    const sealed = readFileSync(`${snapshot}.bootstrap`, 'utf8');
    assert.doesNotMatch(sealed, /PRIVATE KEY|BEGIN/);
  } finally {
    await cpA.dispose();
  }
  const token = readFileSync(join(dirA, 'server', 'token'), 'utf8').trim();
  assert.match(token, /^K10[0-9a-f]{64}::server:/);

  // A wrong token: one line, nothing written.
  const dirC = join(root, 'c');
  const wrong = await cli('restore', snapshot, '--data-dir', dirC, '--token', 'not-the-password');
  assert.equal(wrong.code, 1);
  assert.equal(wrong.err.trim().split('\n').length, 1, wrong.err);
  assert.match(
    wrong.err,
    /cannot decrypt .*\.bootstrap: the token is not the server token of the cluster that saved it/,
  );
  assert.ok(!existsSync(dirC), 'nothing was written');
  // No token at all on a fresh data dir: refused too (the CAs would be lost).
  const none = await cli('restore', snapshot, '--data-dir', dirC);
  assert.equal(none.code, 1);
  assert.match(none.err, /pass --token or --token-file/);
  assert.ok(!existsSync(dirC));

  // The bare password opens it as well as the full K10 token does.
  const r = await cli('restore', snapshot, '--data-dir', dirB, '--token', token.split('::server:')[1]!);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Restored the cluster's CAs, keys and server token/);
  assert.equal(readFileSync(join(dirB, 'server', 'token'), 'utf8').trim(), token);

  const cpB = await start(dirB);
  try {
    assert.equal(cpB.pki.serverCA.certPEM, oldAdmin.ca, 'the restored cluster has the old server CA');
    // The old admin kubeconfig's certificate, against the new server.
    const got = await call(cpB, oldAdmin, 'GET', '/api/v1/namespaces/default/configmaps/survivor');
    assert.equal(got.status, 200, JSON.stringify(got.json));
    assert.deepEqual(got.json.data, { k: 'v' });
    // The old ServiceAccount token validates: same signing key, same ServiceAccount UID.
    const me = await whoAmI(cpB, { ca: oldAdmin.ca, bearer: saToken });
    assert.equal(me.status, 201);
    assert.equal(me.user?.username, 'system:serviceaccount:default:robot');
  } finally {
    await cpB.dispose();
  }
});

test('a snapshot of a fresh data dir restored without its sidecar warns that credentials change', async () => {
  const dirA = join(root, 'plain-a');
  const cpA = await start(dirA);
  let snapshot = '';
  try {
    const s = await cli('save', '--data-dir', dirA, '--name', 'plain');
    assert.equal(s.code, 0, s.err);
    snapshot = /at (\S+)$/m.exec(s.out)![1]!;
  } finally {
    await cpA.dispose();
  }
  rmSync(`${snapshot}.bootstrap`);
  const r = await cli('restore', snapshot, '--data-dir', join(root, 'plain-b'));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^Warning: .*\.bootstrap not found: only the keyspace is restored/m);
  assert.ok(!existsSync(join(root, 'plain-b', 'server', 'tls')), 'no PKI was written');
});
