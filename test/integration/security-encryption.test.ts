import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminIdentity, ok } from './fixtures/security/identities.js';

/**
 * Issue 5 acceptance: with an EncryptionConfiguration (aesgcm, 32-byte key)
 * Secrets are not readable in the SQLite datastore files, and are still
 * readable through the API — also after a restart, when they can only come
 * from decrypting what is stored. A ConfigMap (not encrypted) is the control
 * that shows the file scan would find a plaintext value.
 */
const key1 = randomBytes(32).toString('base64');

function encryptionConfig(providers: object[]): string {
  return JSON.stringify({
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'EncryptionConfiguration',
    resources: [{ resources: ['secrets'], providers }],
  });
}

describe('security: encryption at rest (SQLite datastore)', () => {
  let tmp: string;
  let dbDir: string;
  let c: TestCluster | undefined;
  const secretMarker = `secret-marker-${randomBytes(12).toString('hex')}`;
  const cmMarker = `configmap-marker-${randomBytes(12).toString('hex')}`;

  /** Every datastore file (state.db, -wal, -shm) as one buffer. */
  const datastoreBytes = () =>
    Buffer.concat(
      readdirSync(dbDir)
        .filter((f) => f.startsWith('state.db'))
        .map((f) => readFileSync(join(dbDir, f))),
    );
  const contains = (needle: string) => datastoreBytes().includes(Buffer.from(needle));

  const start = async (providers: object[]) => {
    const path = join(tmp, `encryption-${Date.now()}.json`);
    writeFileSync(path, encryptionConfig(providers), { mode: 0o600 });
    c = await startTestCluster({
      datastoreEndpoint: `sqlite://${join(dbDir, 'state.db')}`,
      encryptionConfigPath: path,
    });
    return c;
  };

  async function waitForFile(needle: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (contains(needle)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${needle} never reached the datastore files`);
  }

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'kubets-sec-enc-'));
    dbDir = join(tmp, 'db');
    mkdirSync(dbDir);
  });

  after(async () => {
    await c?.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('secrets are ciphertext in the datastore files and plaintext through the API', async () => {
    const cl = await start([{ aesgcm: { keys: [{ name: 'key1', secret: key1 }] } }, { identity: {} }]);
    const admin = adminIdentity(cl);
    ok(await admin.kubectl(['create', 'namespace', 'enc']), 'ns');
    ok(
      await admin.kubectl(['create', 'secret', 'generic', 'top', '-n', 'enc', `--from-literal=token=${secretMarker}`]),
      'secret',
    );
    ok(await admin.kubectl(['create', 'configmap', 'control', '-n', 'enc', `--from-literal=v=${cmMarker}`]), 'cm');

    await waitForFile(cmMarker);
    assert.equal(contains(secretMarker), false, 'secret value in plaintext');
    assert.equal(contains(Buffer.from(secretMarker).toString('base64')), false, 'secret value base64 in the file');
    assert.equal(contains('k8s:enc:aesgcm:v1:key1:'), true, 'aesgcm envelope prefix');
    // Keys stay readable (as upstream: only values are transformed).
    assert.equal(contains('/registry/secrets/enc/top'), true);

    const r = ok(await admin.kubectl(['get', 'secret', 'top', '-n', 'enc', '-o', 'jsonpath={.data.token}']), 'get');
    assert.equal(Buffer.from(r.stdout, 'base64').toString(), secretMarker);
    const l = ok(await admin.kubectl(['get', 'secrets', '-n', 'enc', '-o', 'json']), 'list');
    assert.ok(
      JSON.parse(l.stdout).items.some(
        (s: { data?: { token?: string } }) => s.data?.token === Buffer.from(secretMarker).toString('base64'),
      ),
    );

    // An update is re-encrypted too.
    const updated = `${secretMarker}-v2`;
    ok(
      await admin.kubectl([
        'patch',
        'secret',
        'top',
        '-n',
        'enc',
        '-p',
        JSON.stringify({ data: { token: Buffer.from(updated).toString('base64') } }),
      ]),
      'patch',
    );
    const p = ok(await admin.kubectl(['get', 'secret', 'top', '-n', 'enc', '-o', 'jsonpath={.data.token}']), 'get v2');
    assert.equal(Buffer.from(p.stdout, 'base64').toString(), updated);
    assert.equal(contains(updated), false);
    assert.equal(contains(Buffer.from(updated).toString('base64')), false);
  });

  test('stringData is write-only: merged into data (then encrypted), never stored or returned as such', async () => {
    assert.ok(c, 'the cluster of the previous test is running');
    const admin = adminIdentity(c);
    const marker = `stringdata-${secretMarker}`;
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'sd', namespace: 'enc' },
      stringData: { token: marker },
    };
    ok(await admin.kubectl(['create', '-f', '-'], { stdin: JSON.stringify(secret) }), 'create');
    const got = JSON.parse(ok(await admin.kubectl(['get', 'secret', 'sd', '-n', 'enc', '-o', 'json']), 'get').stdout);
    assert.deepEqual(
      { data: got.data, stringData: got.stringData },
      { data: { token: Buffer.from(marker).toString('base64') }, stringData: undefined },
    );
    // stringData overwrites data on update as well (upstream Convert_v1_Secret_To_core_Secret).
    ok(
      await admin.kubectl([
        'patch',
        'secret',
        'sd',
        '-n',
        'enc',
        '-p',
        JSON.stringify({ stringData: { token: `${marker}-2` } }),
      ]),
      'patch',
    );
    const patched = JSON.parse(
      ok(await admin.kubectl(['get', 'secret', 'sd', '-n', 'enc', '-o', 'json']), 'get').stdout,
    );
    assert.deepEqual(
      { data: patched.data, stringData: patched.stringData },
      { data: { token: Buffer.from(`${marker}-2`).toString('base64') }, stringData: undefined },
    );
    assert.equal(contains(marker), false);
  });

  test('after a restart the secret is decrypted from the datastore', async () => {
    assert.ok(c, 'the cluster of the previous test is running');
    await c.dispose();
    c = undefined;
    const cl = await start([{ aesgcm: { keys: [{ name: 'key1', secret: key1 }] } }, { identity: {} }]);
    const admin = adminIdentity(cl);
    const r = ok(await admin.kubectl(['get', 'secret', 'top', '-n', 'enc', '-o', 'jsonpath={.data.token}']), 'get');
    assert.equal(Buffer.from(r.stdout, 'base64').toString(), `${secretMarker}-v2`);
  });

  test('identity first: old ciphertext still reads, new secrets are written in plaintext', async () => {
    assert.ok(c, 'the cluster of the previous test is running');
    await c.dispose();
    c = undefined;
    const cl = await start([{ identity: {} }, { aesgcm: { keys: [{ name: 'key1', secret: key1 }] } }]);
    const admin = adminIdentity(cl);
    const r = ok(await admin.kubectl(['get', 'secret', 'top', '-n', 'enc', '-o', 'jsonpath={.data.token}']), 'get old');
    assert.equal(Buffer.from(r.stdout, 'base64').toString(), `${secretMarker}-v2`);
    const plain = `plain-${secretMarker}`;
    ok(
      await admin.kubectl(['create', 'secret', 'generic', 'later', '-n', 'enc', `--from-literal=token=${plain}`]),
      'secret',
    );
    await waitForFile(Buffer.from(plain).toString('base64'));
  });
});
