import { existsSync, renameSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../cli/flags.js';
import { restoreSnapshot } from '../control-plane/storage/backup.js';
import { ensureEtcdPKI } from '../control-plane/storage/etcd/managed/etcd-pki.js';
import { startManagedEtcd } from '../control-plane/storage/etcd/managed/managed-etcd.js';
import { type Clock, realClock } from '../lib/clock.js';
import { type Logger, nullLogger } from '../lib/log.js';
import { checkCriticalConfig } from './ha/bootstrap-data.js';
import { haPaths } from './ha/ha-datastore.js';
import { compileHAConfig } from './ha/ha-flags.js';
import { applySnapshotBootstrap, planBootstrapRestore } from './ha/sealed-bootstrap.js';
import type { ControlPlaneConfig } from './control-plane.js';

/** `kubets server --cluster-reset [--cluster-reset-restore-path FILE]` (k3s' flags and semantics). */
export interface ClusterResetOptions {
  /** `--cluster-reset-restore-path`: restore this snapshot first (etcd or SQLite; its `.bootstrap` sidecar too). */
  restorePath?: string;
  /** `--token`/`--token-file`: unseals the snapshot's bootstrap data on a new data dir. */
  token?: string;
  etcdClientPort: number;
  etcdPeerPort: number;
  etcdArgs: string[];
  etcdBinary?: string;
  progress?: (step: string) => void;
  clock?: Clock;
  log?: Logger;
}

/** What k3s prints once the reset is done (the server then exits). */
export const resetDoneMessage = (dataDir: string) =>
  'Managed etcd cluster membership has been reset, restart without --cluster-reset flag now. ' +
  `Backup and delete ${join(dataDir, 'server', 'db')} on each peer etcd server and rejoin the nodes`;

/** Flags -> options; `--cluster-reset-restore-path` alone, `--server` or an external datastore are usage errors. */
export function compileClusterReset(flags: Record<string, unknown>, dataDir: string): ClusterResetOptions | undefined {
  const restorePath = (flags['cluster-reset-restore-path'] as string | undefined)?.trim() || undefined;
  if (!flags['cluster-reset']) {
    if (restorePath) throw new UsageError('--cluster-reset-restore-path needs --cluster-reset');
    return undefined;
  }
  if (flags.server) {
    throw new UsageError('--cluster-reset makes this server the only member of its cluster: drop --server');
  }
  if (flags['datastore-endpoint']) {
    throw new UsageError('--cluster-reset works on the managed etcd; it cannot be combined with --datastore-endpoint');
  }
  // The same etcd settings a `--cluster-init` server compiles (ports, --etcd-arg, token).
  const ha = compileHAConfig({ ...flags, 'cluster-init': true }, dataDir)!;
  return {
    restorePath,
    token: ha.token,
    etcdClientPort: ha.etcdClientPort,
    etcdPeerPort: ha.etcdPeerPort,
    etcdArgs: ha.etcdArgs,
    etcdBinary: ha.etcdBinary,
  };
}

/**
 * Resets this server's managed etcd to a one-member cluster that keeps its
 * data (etcd `--force-new-cluster`), or, with a restore path, replaces the
 * data dir's etcd with a new one-member cluster holding the snapshot's
 * keyspace and writes the snapshot's bootstrap data (CAs, keys, token), so a
 * new machine becomes the same cluster. The member is stopped afterwards: the
 * operator restarts `kubets server` without `--cluster-reset`.
 */
export async function runClusterReset(config: ControlPlaneConfig, o: ClusterResetOptions): Promise<void> {
  const progress = o.progress ?? (() => {});
  const log = o.log ?? nullLogger;
  const clock = o.clock ?? realClock;
  const p = haPaths(config.dataDir);
  const sqlite = join(config.dataDir, 'db', 'state.db');
  if (existsSync(sqlite) && !existsSync(p.memberState)) {
    throw new Error(
      `${config.dataDir} holds a single-server SQLite cluster (${sqlite}); --cluster-reset is for managed etcd: use kubets etcd-snapshot restore`,
    );
  }
  const etcdData = join(p.db, 'etcd');
  const hasMember = existsSync(join(etcdData, 'member'));
  if (!o.restorePath && !hasMember) {
    throw new Error(
      `${config.dataDir} has no etcd member to reset (${etcdData}); give --cluster-reset-restore-path to restore a snapshot`,
    );
  }

  // Everything that can refuse is checked before anything is written.
  if (o.restorePath && !existsSync(o.restorePath)) throw new Error(`${o.restorePath}: no such snapshot file`);
  const plan = o.restorePath ? planBootstrapRestore(o.restorePath, config.dataDir, o.token) : {};
  if (plan.warning) progress(`warning: ${plan.warning}`);
  if (plan.bootstrap?.critical) {
    checkCriticalConfig(plan.bootstrap.critical, {
      serviceCIDR: config.serviceCIDR,
      clusterCIDR: config.clusterCIDR,
      clusterDomain: config.clusterDomain,
    });
  }

  if (o.restorePath && existsSync(etcdData)) {
    // As k3s: the old data is kept aside, not deleted; the member record goes, so a new member is created.
    const aside = join(p.db, `etcd-old-${Math.floor(clock.now() / 1000)}`);
    progress(`moving the old etcd data to ${aside}`);
    renameSync(etcdData, aside);
  }
  if (o.restorePath) rmSync(p.memberState, { force: true });
  if (plan.bootstrap) {
    const applied = applySnapshotBootstrap(plan.bootstrap, config.dataDir);
    progress(`restored the cluster's CAs, keys and server token (${applied.tokenPath})`);
  }

  const etcdPki = ensureEtcdPKI({ dir: p.tls, sans: [config.advertiseAddress, hostname()], clock });
  const etcd = await startManagedEtcd({
    dir: p.db,
    advertiseAddress: config.advertiseAddress,
    clientPort: o.etcdClientPort,
    peerPort: o.etcdPeerPort,
    tls: {
      serverCA: etcdPki.serverCA.certPath,
      serverCert: etcdPki.server.certPath,
      serverKey: etcdPki.server.keyPath,
      peerCA: etcdPki.peerCA.certPath,
      peerCert: etcdPki.peer.certPath,
      peerKey: etcdPki.peer.keyPath,
      clientCert: etcdPki.client.certPath,
      clientKey: etcdPki.client.keyPath,
    },
    mode: { type: 'init' },
    // A restarted member forgets its peers with --force-new-cluster; a new one (restore) has none.
    extraArgs: o.restorePath ? o.etcdArgs : [...o.etcdArgs, '--force-new-cluster'],
    binary: o.etcdBinary,
    progress,
    clock,
    log: log.child('managed-etcd'),
  });
  try {
    if (o.restorePath) {
      progress(`restoring ${o.restorePath}`);
      const r = await restoreSnapshot(o.restorePath, {
        type: 'etcd',
        endpoints: [etcd.clientURL],
        tls: { ca: etcdPki.serverCA.certPath, cert: etcdPki.client.certPath, key: etcdPki.client.keyPath },
      });
      progress(`restored ${o.restorePath}: ${JSON.stringify(r)}`);
    }
    const members = await etcd.members();
    if (members.length !== 1) {
      throw new Error(
        `etcd still lists ${members.length} members after the reset: ${members.map((m) => m.name).join(', ')}`,
      );
    }
  } finally {
    await etcd.dispose();
  }
}
