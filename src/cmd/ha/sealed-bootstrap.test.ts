import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applySnapshotBootstrap,
  bootstrapSidecarOf,
  collectSnapshotBootstrap,
  openBootstrap,
  planBootstrapRestore,
  sealBootstrap,
  type SnapshotBootstrap,
  writeBootstrapSidecar,
} from './sealed-bootstrap.js';
import { formatServerToken } from './server-token.js';

const root = mkdtempSync(join(tmpdir(), 'kbt-sealed-'));
after(() => rmSync(root, { recursive: true, force: true }));

const pem = (what: string) => `-----BEGIN ${what}-----\nAAAA${what.length}\n-----END ${what}-----\n`;
const caPEM = pem('CERTIFICATE');
const token = formatServerToken(caPEM, 'secret-password');
const sample: SnapshotBootstrap = {
  version: 1,
  files: {
    'server-ca.crt': caPEM,
    'server-ca.key': pem('EC PRIVATE KEY'),
    'client-ca.crt': pem('CERTIFICATE C'),
    'client-ca.key': pem('EC PRIVATE KEY C'),
    'service.key': pem('PRIVATE KEY'),
  },
  token,
  encryptionConfig: 'kind: EncryptionConfiguration\n',
};

/** A data dir whose server/tls holds `files`. */
function dataDirWith(name: string, files: Record<string, string>): string {
  const d = join(root, name);
  for (const [f, c] of Object.entries(files)) {
    mkdirSync(join(d, 'server', 'tls', ...f.split('/').slice(0, -1)), { recursive: true });
    writeFileSync(join(d, 'server', 'tls', f), c);
  }
  return d;
}

test('seal/open: round trip with the full token or the bare password; other tokens and tampering are refused', () => {
  const sealed = sealBootstrap(sample, token);
  assert.doesNotMatch(sealed, /BEGIN|secret-password/);
  assert.deepEqual(openBootstrap(sealed, token), sample);
  assert.deepEqual(openBootstrap(sealed, 'secret-password'), sample);
  assert.notEqual(sealBootstrap(sample, token), sealed, 'fresh salt and nonce every time');

  const wrong = /cannot decrypt F: the token is not the server token of the cluster that saved it/;
  assert.throws(() => openBootstrap(sealed, 'other', 'F'), wrong);
  assert.throws(() => openBootstrap(sealed, formatServerToken(caPEM, 'other'), 'F'), wrong);
  const doc = JSON.parse(sealed) as { data: string };
  const flipped = Buffer.from(doc.data, 'base64');
  flipped[0] = flipped[0]! ^ 1;
  assert.throws(() => openBootstrap(JSON.stringify({ ...doc, data: flipped.toString('base64') }), token, 'F'), wrong);
  assert.throws(() => openBootstrap('nope', token, 'F'), /^Error: F is not a kubets sealed bootstrap file$/);
  const incomplete = sealBootstrap({ ...sample, files: { 'server-ca.crt': caPEM } }, token);
  assert.throws(() => openBootstrap(incomplete, token, 'F'), /F lacks server-ca\.key/);
});

test('collect: shared files present (etcd CAs optional), the token re-issued with the CA hash; no CA = nothing', () => {
  const d = dataDirWith('collect', { ...sample.files, 'etcd/server-ca.crt': pem('ETCD'), 'serving.crt': pem('X') });
  const b = collectSnapshotBootstrap({ dataDir: d, token: 'secret-password' })!;
  assert.deepEqual(Object.keys(b.files).sort(), [...Object.keys(sample.files), 'etcd/server-ca.crt'].sort());
  assert.equal(b.token, token);
  assert.equal(b.encryptionConfig, undefined);
  assert.throws(
    () => collectSnapshotBootstrap({ dataDir: d, token: formatServerToken(pem('OTHER CA'), 'secret-password') }),
    /CA hash of another cluster/,
  );
  assert.equal(collectSnapshotBootstrap({ dataDir: join(root, 'empty'), token }), undefined);
  const partial = dataDirWith('partial', { 'server-ca.crt': caPEM });
  assert.throws(() => collectSnapshotBootstrap({ dataDir: partial, token }), /server-ca\.key is missing/);
});

test('plan + apply: token needed on a new data dir, not on the same cluster; another CA is refused', () => {
  const snap = join(root, 'snap-1');
  writeFileSync(snap, 'x');
  const fresh = join(root, 'fresh');
  assert.match(planBootstrapRestore(snap, fresh, token).warning ?? '', /snap-1\.bootstrap not found/);
  writeBootstrapSidecar(snap, sample, token);
  assert.equal(statSync(bootstrapSidecarOf(snap)).mode & 0o777, 0o600);
  assert.throws(() => planBootstrapRestore(snap, fresh), /pass --token or --token-file/);
  assert.throws(() => planBootstrapRestore(snap, fresh, 'bad'), /cannot decrypt/);
  const plan = planBootstrapRestore(snap, fresh, token);
  assert.deepEqual(plan.bootstrap, sample);
  assert.ok(!existsSync(fresh), 'planning writes nothing');

  const applied = applySnapshotBootstrap(plan.bootstrap!, fresh);
  for (const [f, c] of Object.entries(sample.files)) {
    assert.equal(readFileSync(join(fresh, 'server', 'tls', f), 'utf8'), c);
    assert.equal(statSync(join(fresh, 'server', 'tls', f)).mode & 0o777, 0o600);
  }
  assert.equal(readFileSync(applied.tokenPath, 'utf8'), `${token}\n`);
  assert.equal(readFileSync(applied.encryptionConfigPath!, 'utf8'), sample.encryptionConfig);

  assert.deepEqual(planBootstrapRestore(snap, fresh), {}, 'same cluster: no token needed');
  const other = dataDirWith('other', { 'server-ca.crt': pem('OTHER CA') });
  assert.throws(() => planBootstrapRestore(snap, other, token), /is the CA of another cluster/);
});
