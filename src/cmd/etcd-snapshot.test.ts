import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { runCli } from '../cli/command.js';
import { ResourceClient, type KubeObject } from '../client/index.js';
import { freePort } from '../control-plane/storage/etcd/launcher.js';
import { ensureEtcdPKI } from '../control-plane/storage/etcd/managed/etcd-pki.js';
import { startManagedEtcd } from '../control-plane/storage/etcd/managed/managed-etcd.js';
import { writeMemberState } from '../control-plane/storage/etcd/managed/member-state.js';
import { openStorage } from '../control-plane/storage/factory.js';
import { startControlPlane, type ControlPlane } from './control-plane.js';
import { etcdSnapshotCommand, snapshotDatastore } from './etcd-snapshot.js';
import { haPaths } from './ha/ha-datastore.js';
import { inProcessRest } from './in-process.js';

const root = mkdtempSync(join(tmpdir(), 'kbt-snap-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Runs `kubets etcd-snapshot ARGS` in this process; returns the exit code and what it printed. */
async function snapshotCli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream;
  const stderr = { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream;
  const code = await runCli('kubets', 'test', [etcdSnapshotCommand], ['etcd-snapshot', ...argv], { stdout, stderr });
  return { code, out, err };
}

test('snapshotDatastore: --datastore-endpoint, else the managed etcd member of the data dir, else SQLite', () => {
  const plain = join(root, 'plain');
  const ha = join(root, 'ha');
  const p = haPaths(ha);
  writeMemberState(p.memberState, {
    name: 'srv-1a2b3c4d',
    clientURL: 'https://10.0.0.1:2379',
    peerURL: 'https://10.0.0.1:2380',
    phase: 'member',
  });
  const tls = join(p.tls, 'etcd');

  assert.deepEqual(snapshotDatastore({}, plain), {
    source: 'sqlite',
    config: { type: 'sqlite', path: join(plain, 'db', 'state.db') },
  });
  assert.deepEqual(snapshotDatastore({}, ha), {
    source: 'managed-etcd',
    config: {
      type: 'etcd',
      endpoints: ['https://10.0.0.1:2379'],
      tls: { ca: join(tls, 'server-ca.crt'), cert: join(tls, 'client.crt'), key: join(tls, 'client.key') },
      retryTimeoutMs: 5_000,
    },
  });
  const external = {
    'datastore-endpoint': 'etcd://e1:2379,e2:2379',
    'datastore-cafile': '/ca.pem',
    'datastore-certfile': '/c.pem',
    'datastore-keyfile': '/k.pem',
  };
  const want = {
    source: 'external',
    config: {
      type: 'etcd',
      endpoints: ['https://e1:2379', 'https://e2:2379'],
      tls: { ca: '/ca.pem', cert: '/c.pem', key: '/k.pem' },
    },
  };
  assert.deepEqual(snapshotDatastore(external, plain), want);
  assert.deepEqual(snapshotDatastore(external, ha), want, 'an explicit endpoint wins over the managed member');
  assert.deepEqual(snapshotDatastore({ 'datastore-endpoint': 'sqlite:///x/y.db' }, ha), {
    source: 'external',
    config: { type: 'sqlite', path: '/x/y.db' },
  });
});

describe('kubets etcd-snapshot on a SQLite data dir', () => {
  const dirA = join(root, 'sqlite-a');
  const dirB = join(root, 'sqlite-b');
  const snaps = join(dirA, 'db', 'snapshots');
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
  const configMaps = (cp: ControlPlane) =>
    new ResourceClient<ConfigMap & KubeObject>(
      inProcessRest(cp.apiserver, { username: 'admin', groups: ['system:masters'] }, 'snapshot-test'),
      { group: '', version: 'v1', resource: 'configmaps' },
      'default',
    );

  test('save -> delete -> restore into a fresh data dir -> the object is back; ls and prune', async () => {
    let cp: ControlPlane | undefined = await start(dirA);
    let saved: string;
    try {
      await configMaps(cp).create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'keep-me' },
        data: { k: 'v' },
      });
      const s = await snapshotCli('save', '--data-dir', dirA, '--name', 'before-delete');
      assert.equal(s.code, 0, s.err);
      const m = /^Snapshot (before-delete-\S+-\d+) saved \(\d+ bytes\) at (\S+)$/m.exec(s.out);
      assert.ok(m, s.out);
      saved = m[2]!;
      assert.equal(saved, join(snaps, m[1]!));
      await configMaps(cp).delete('keep-me');
      await assert.rejects(configMaps(cp).get('keep-me'), /not found/);
    } finally {
      await cp.dispose();
      cp = undefined;
    }

    const ls = await snapshotCli('ls', '--data-dir', dirA);
    assert.equal(ls.code, 0, ls.err);
    assert.match(ls.out, /^Name\s+Size\s+Created\n/);
    assert.match(ls.out, new RegExp(`^before-delete-${hostname()}-\\d+\\s+\\d+\\s+\\d{4}-\\d\\d-\\d\\dT`, 'm'));

    assert.ok(!existsSync(dirB));
    // The bootstrap data beside the snapshot is sealed with dirA's server token: restoring it needs the token.
    const token = readFileSync(join(dirA, 'server', 'token'), 'utf8').trim();
    const r = await snapshotCli('restore', saved, '--data-dir', dirB, '--token', token);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`^Restored ${saved} into ${join(dirB, 'db', 'state.db')}: \\{"mode":"file"`));
    assert.match(r.out, /Restored the cluster's CAs, keys and server token/);
    cp = await start(dirB);
    try {
      const back = await configMaps(cp).get('keep-me');
      assert.deepEqual(back.data, { k: 'v' });
      assert.equal(cp.pki.serverCA.certPEM, readFileSync(join(dirA, 'server', 'tls', 'server-ca.crt'), 'utf8'));
    } finally {
      await cp.dispose();
    }

    // prune keeps the newest N of this name and node; other names are left alone.
    const node = hostname();
    for (const t of [1_700_000_001, 1_700_000_002, 1_700_000_003])
      writeFileSync(join(snaps, `old-${node}-${t}`), 'SQLite format 3\u0000'.padEnd(64, '\u0000'));
    writeFileSync(join(snaps, `old-${node}-1700000001.bootstrap`), '{}');
    const pr = await snapshotCli('prune', '--data-dir', dirA, '--name', 'old', '--snapshot-retention', '1');
    assert.equal(pr.code, 0, pr.err);
    assert.deepEqual(pr.out.trim().split('\n'), [
      `Removed ${join(snaps, `old-${node}-1700000002`)}`,
      `Removed ${join(snaps, `old-${node}-1700000001`)}`,
    ]);
    const names = (await snapshotCli('ls', '--data-dir', dirA)).out
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s+/)[0]);
    assert.deepEqual(names, [saved.slice(snaps.length + 1), `old-${node}-1700000003`], 'newest first');
    assert.ok(existsSync(`${saved}.bootstrap`), 'a kept snapshot keeps its bootstrap data');
    assert.ok(
      !existsSync(join(snaps, `old-${node}-1700000001.bootstrap`)),
      "a pruned snapshot's bootstrap data goes too",
    );
  });

  test('usage errors: unknown subcommand, restore without a file; a corrupt file is refused', async () => {
    const u = await snapshotCli('frobnicate', '--data-dir', dirA);
    assert.equal(u.code, 2);
    assert.match(u.err, /unknown subcommand "frobnicate"/);
    const nf = await snapshotCli('restore', '--data-dir', dirA);
    assert.equal(nf.code, 2);
    assert.match(nf.err, /restore needs the snapshot file/);
    const junk = join(root, 'junk');
    writeFileSync(junk, 'not a snapshot');
    utimesSync(junk, new Date(), new Date());
    const bad = await snapshotCli('restore', junk, '--data-dir', join(root, 'sqlite-c'));
    assert.equal(bad.code, 1);
    assert.match(bad.err, /not a sqlite or etcd snapshot/);
  });
});

describe(
  'kubets etcd-snapshot on a managed-etcd (HA) data dir',
  { skip: existsSync('/usr/bin/etcd') ? false : 'needs /usr/bin/etcd (etcd-server)' },
  () => {
    test('save finds the member and its client TLS from the data dir; a stopped member is explained', async () => {
      const dataDir = join(root, 'ha-live');
      const p = haPaths(dataDir);
      const pki = ensureEtcdPKI({ dir: p.tls, sans: ['127.0.0.1'] });
      mkdirSync(p.db, { recursive: true });
      const etcd = await startManagedEtcd({
        dir: p.db,
        advertiseAddress: '127.0.0.1',
        clientPort: await freePort(),
        peerPort: await freePort(),
        tls: {
          serverCA: pki.serverCA.certPath,
          serverCert: pki.server.certPath,
          serverKey: pki.server.keyPath,
          peerCA: pki.peerCA.certPath,
          peerCert: pki.peer.certPath,
          peerKey: pki.peer.keyPath,
          clientCert: pki.client.certPath,
          clientKey: pki.client.keyPath,
        },
        mode: { type: 'init' },
        startTimeoutMs: 30_000,
      });
      try {
        const ds = snapshotDatastore({}, dataDir);
        assert.equal(ds.source, 'managed-etcd');
        const store = await openStorage({ ...ds.config, compactionIntervalMs: 0 });
        try {
          await store.create('/registry/configmaps/default/x', new TextEncoder().encode('{"kind":"ConfigMap"}'));
        } finally {
          await store.dispose();
        }
        const s = await snapshotCli('save', '--data-dir', dataDir);
        assert.equal(s.code, 0, s.err);
        const ls = await snapshotCli('ls', '--data-dir', dataDir);
        assert.match(ls.out, new RegExp(`^on-demand-${hostname()}-\\d+\\s+\\d+`, 'm'));
      } finally {
        await etcd.dispose();
      }
      const down = await snapshotCli('save', '--data-dir', dataDir, '--name', 'after-stop');
      assert.equal(down.code, 1);
      assert.match(
        down.err,
        /cannot reach this server's etcd member at https:\/\/127\.0\.0\.1:\d+: .*start the server/,
      );
    });
  },
);
