import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminIdentity, ok } from './fixtures/security/identities.js';

/**
 * Issue 5: key rotation through the API, as upstream documents it — put the
 * new key first, `kubectl get secrets -A -o json | kubectl replace -f -`
 * (an unchanged update still rewrites a value read with an old key), then
 * drop the old key. Afterwards every Secret still reads, and every stored
 * value carries the new key's prefix.
 */
const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');
const providerA = { aescbc: { keys: [{ name: 'keya', secret: keyA }] } };
const providerB = { aescbc: { keys: [{ name: 'keyb', secret: keyB }] } };
const prefixA = 'k8s:enc:aescbc:v1:keya:';
const prefixB = 'k8s:enc:aescbc:v1:keyb:';

describe('security: encryption key rotation through the API', () => {
  let tmp: string;
  let dbDir: string;
  let c: TestCluster | undefined;
  const markers = [0, 1, 2].map((i) => `rotation-marker-${i}-${randomBytes(8).toString('hex')}`);

  const dbPath = () => join(dbDir, 'state.db');
  const datastoreBytes = () =>
    Buffer.concat(
      readdirSync(dbDir)
        .filter((f) => f.startsWith('state.db'))
        .map((f) => readFileSync(join(dbDir, f))),
    );

  /** The latest stored value of every live Secret key, read from the SQLite file itself. */
  function storedSecretValues(): Map<string, string> {
    const db = new Database(dbPath(), { readonly: true });
    try {
      const rows = db
        .prepare(
          `SELECT name, value FROM kv WHERE id IN (SELECT max(id) FROM kv WHERE name LIKE '/registry/secrets/%' GROUP BY name) AND deleted = 0`,
        )
        .all() as { name: string; value: Buffer }[];
      return new Map(rows.map((r) => [r.name, r.value.toString('latin1')]));
    } finally {
      db.close();
    }
  }

  async function restart(providers: object[]): Promise<TestCluster> {
    await c?.dispose();
    c = undefined;
    const path = join(tmp, `encryption-${Date.now()}.json`);
    writeFileSync(
      path,
      JSON.stringify({
        apiVersion: 'apiserver.config.k8s.io/v1',
        kind: 'EncryptionConfiguration',
        resources: [{ resources: ['secrets'], providers }],
      }),
      { mode: 0o600 },
    );
    c = await startTestCluster({
      datastoreEndpoint: `sqlite://${dbPath()}`,
      encryptionConfigPath: path,
      controllers: [],
    });
    return c;
  }

  async function secretValues(cl: TestCluster): Promise<string[]> {
    const list = JSON.parse(
      ok(await adminIdentity(cl).kubectl(['get', 'secrets', '-n', 'rot', '-o', 'json']), 'list').stdout,
    ) as { items: { metadata: { name: string }; data: { v: string } }[] };
    return list.items
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
      .map((s) => Buffer.from(s.data.v, 'base64').toString());
  }

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'kubets-sec-rot-'));
    dbDir = join(tmp, 'db');
    mkdirSync(dbDir);
  });

  after(async () => {
    await c?.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('key A, then [B, A] + replace through the API, then B alone', async () => {
    let cl = await restart([providerA]);
    let admin = adminIdentity(cl);
    ok(await admin.kubectl(['create', 'namespace', 'rot']), 'ns');
    for (const [i, m] of markers.entries())
      ok(await admin.kubectl(['create', 'secret', 'generic', `s${i}`, '-n', 'rot', `--from-literal=v=${m}`]), 'secret');
    await c!.dispose();
    c = undefined;
    const before = storedSecretValues();
    assert.ok(before.size >= markers.length);
    for (const [k, v] of before) assert.ok(v.startsWith(prefixA), `${k} stored with key A`);

    cl = await restart([providerB, providerA]);
    admin = adminIdentity(cl);
    const all = ok(await admin.kubectl(['get', 'secrets', '-A', '-o', 'json']), 'get all');
    const replaced = ok(await admin.kubectl(['replace', '-f', '-'], { stdin: all.stdout }), 'replace');
    assert.match(replaced.stdout, /secret\/s0 replaced/);
    assert.deepEqual(await secretValues(cl), markers);
    await c!.dispose();
    c = undefined;
    const rotated = storedSecretValues();
    assert.deepEqual([...rotated.keys()].sort(), [...before.keys()].sort());
    for (const [k, v] of rotated) assert.ok(v.startsWith(prefixB), `${k} re-encrypted with key B: ${v.slice(0, 30)}`);

    // Key A gone: everything must decrypt with B alone.
    cl = await restart([providerB]);
    assert.deepEqual(await secretValues(cl), markers);
    ok(await adminIdentity(cl).kubectl(['get', 'secrets', '-A']), 'all secrets readable with key B only');
    const bytes = datastoreBytes();
    for (const m of markers) {
      assert.equal(bytes.includes(Buffer.from(m)), false, 'no plaintext value in the datastore files');
      assert.equal(bytes.includes(Buffer.from(Buffer.from(m).toString('base64'))), false, 'no base64 value either');
    }
    assert.equal(bytes.includes(Buffer.from(prefixB)), true);
  });
});
