import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { runCli } from '../cli/command.js';
import { UsageError } from '../cli/flags.js';
import { ResourceClient, type KubeObject } from '../client/index.js';
import { freePort } from '../control-plane/storage/etcd/launcher.js';
import { readMemberState } from '../control-plane/storage/etcd/managed/member-state.js';
import { compileClusterReset, runClusterReset } from './cluster-reset.js';
import { startControlPlane, type ControlPlane, type ControlPlaneConfig } from './control-plane.js';
import { etcdSnapshotCommand } from './etcd-snapshot.js';
import { haPaths } from './ha/ha-datastore.js';
import { inProcessRest } from './in-process.js';

const root = mkdtempSync(join(tmpdir(), 'kbt-reset-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('compileClusterReset: flag combinations', () => {
  const dir = join(root, 'flags');
  assert.equal(compileClusterReset({}, dir), undefined);
  assert.throws(
    () => compileClusterReset({ 'cluster-reset-restore-path': '/s' }, dir),
    (e: unknown) => e instanceof UsageError && /needs --cluster-reset/.test(e.message),
  );
  assert.throws(() => compileClusterReset({ 'cluster-reset': true, server: 'https://x:6443' }, dir), /drop --server/);
  assert.throws(
    () => compileClusterReset({ 'cluster-reset': true, 'datastore-endpoint': 'etcd://e:2379' }, dir),
    /--datastore-endpoint/,
  );
  assert.deepEqual(
    compileClusterReset(
      { 'cluster-reset': true, 'cluster-reset-restore-path': '/s', token: 't', 'etcd-client-port': 3379 },
      dir,
    ),
    { restorePath: '/s', token: 't', etcdClientPort: 3379, etcdPeerPort: 2380, etcdArgs: [], etcdBinary: undefined },
  );
});

async function snapshotCli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream;
  const stderr = { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream;
  const code = await runCli('kubets', 'test', [etcdSnapshotCommand], ['etcd-snapshot', ...argv], { stdout, stderr });
  return { code, out, err };
}

describe(
  'kubets server --cluster-reset on managed etcd',
  { skip: existsSync('/usr/bin/etcd') ? false : 'needs /usr/bin/etcd (etcd-server)', timeout: 180_000 },
  () => {
    const config = async (name: string): Promise<ControlPlaneConfig> => {
      const dataDir = join(root, name);
      return {
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
        ha: {
          clusterInit: true,
          etcdClientPort: await freePort(),
          etcdPeerPort: await freePort(),
          etcdArgs: [],
        },
      };
    };
    const configMaps = (cp: ControlPlane) =>
      new ResourceClient<ConfigMap & KubeObject>(
        inProcessRest(cp.apiserver, { username: 'admin', groups: ['system:masters'] }, 'reset-test'),
        { group: '', version: 'v1', resource: 'configmaps' },
        'default',
      );
    const resetOpts = (c: ControlPlaneConfig) => ({
      etcdClientPort: c.ha!.etcdClientPort,
      etcdPeerPort: c.ha!.etcdPeerPort,
      etcdArgs: [],
    });

    test('reset in place keeps the data; restore-path onto a new data dir is the same cluster with its objects', async () => {
      const a = await config('a');
      let cp = await startControlPlane(a);
      let snapshot: string;
      try {
        await configMaps(cp).create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { k: 'v' } });
        const s = await snapshotCli('save', '--data-dir', a.dataDir);
        assert.equal(s.code, 0, s.err);
        snapshot = /^Snapshot \S+ saved \(\d+ bytes\) at (\S+)$/m.exec(s.out)![1]!;
        assert.ok(existsSync(`${snapshot}.bootstrap`), s.out);
      } finally {
        await cp.dispose();
      }
      const token = readFileSync(haPaths(a.dataDir).token, 'utf8').trim();

      // In place: the member restarts as a one-member cluster, data kept.
      const steps: string[] = [];
      await runClusterReset(a, { ...resetOpts(a), progress: (s) => steps.push(s) });
      assert.ok(
        steps.some((s) => /restarting etcd member/.test(s)),
        steps.join('\n'),
      );
      cp = await startControlPlane(a);
      try {
        assert.deepEqual((await configMaps(cp).get('x')).data, { k: 'v' });
      } finally {
        await cp.dispose();
      }

      // A wrong token: refused before anything is written.
      const c = await config('c');
      await assert.rejects(
        runClusterReset(c, { ...resetOpts(c), restorePath: snapshot, token: 'wrong' }),
        /cannot decrypt .*: the token is not the server token/,
      );
      assert.ok(!existsSync(c.dataDir));

      // Onto a new data dir (other etcd ports): keyspace and PKI come back.
      const b = await config('b');
      await runClusterReset(b, { ...resetOpts(b), restorePath: snapshot, token });
      assert.equal(readMemberState(haPaths(b.dataDir).memberState)?.phase, 'member');
      assert.equal(
        readFileSync(join(b.dataDir, 'server', 'tls', 'server-ca.crt'), 'utf8'),
        readFileSync(join(a.dataDir, 'server', 'tls', 'server-ca.crt'), 'utf8'),
      );
      cp = await startControlPlane({ ...b, ha: { ...b.ha!, clusterInit: false } });
      try {
        assert.deepEqual((await configMaps(cp).get('x')).data, { k: 'v' });
        assert.equal(cp.ha?.token, token, 'the server token is the old cluster one');
        assert.equal((await cp.ha!.etcd.members()).length, 1);
      } finally {
        await cp.dispose();
      }

      // Restoring again over a data dir that has a member keeps the old etcd data aside.
      await runClusterReset(b, { ...resetOpts(b), restorePath: snapshot });
      assert.ok(
        readdirSync(join(b.dataDir, 'server', 'db')).some((f) => /^etcd-old-\d+$/.test(f)),
        'old etcd data kept aside',
      );
    });

    test('nothing to reset: a fresh data dir without a restore path, or a SQLite one', async () => {
      const e = await config('empty');
      await assert.rejects(runClusterReset(e, resetOpts(e)), /has no etcd member to reset/);
    });
  },
);
