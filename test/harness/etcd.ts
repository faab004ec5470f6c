import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Disposable } from '../../src/lib/disposable.js';
import { makeDevCertificates } from '../../src/control-plane/storage/etcd/dev-certs.js';
import { type EtcdMember, LocalEtcdCluster } from '../../src/control-plane/storage/etcd/launcher.js';
import type { EtcdConfig } from '../../src/control-plane/storage/factory.js';

/**
 * Real etcd for integration tests: members on free loopback ports in a temp
 * dir (removed on dispose), optionally with TLS (a throwaway CA and client
 * certificate). Members are stopped by PID; a member that is still running
 * when the test process exits is killed by the launcher's exit hook.
 *
 *   const etcd = await startEtcd({ members: 3 });
 *   try { ... openStorage(etcd.config('/registry-test')) ... await etcd.stop(0) ... }
 *   finally { await etcd.dispose(); }
 */
export interface EtcdHarnessOptions {
  /** Number of members (default 1). */
  members?: number;
  /** Serve clients over TLS with client-certificate auth. */
  tls?: boolean;
  /** etcd's progress-notification period (default '1s'; etcd's own default is 10 minutes). */
  progressNotifyInterval?: string;
}

export interface EtcdHarness extends Disposable {
  readonly endpoints: string[];
  readonly members: readonly EtcdMember[];
  /** Client TLS material (PEM paths) when started with `tls`. */
  readonly tls?: { ca: string; cert: string; key: string };
  /** A storage config for this cluster (auto-compaction off, optional key namespace). */
  config(prefix?: string): EtcdConfig;
  /** Stops a member (SIGTERM, or the given signal) and waits for it to exit. */
  stop(member: number, opts?: { signal?: NodeJS.Signals }): Promise<void>;
  /** Restarts a stopped member and waits until it is healthy. */
  start(member: number): Promise<void>;
  pid(member: number): number | undefined;
  dispose(): Promise<void>;
}

export async function startEtcd(opts: EtcdHarnessOptions = {}): Promise<EtcdHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-etcd-harness-'));
  let cluster: LocalEtcdCluster;
  let certs: ReturnType<typeof makeDevCertificates> | undefined;
  try {
    certs = opts.tls ? makeDevCertificates(dir) : undefined;
    cluster = await LocalEtcdCluster.start({
      dir: join(dir, 'etcd'),
      members: opts.members ?? 1,
      tls: certs,
      progressNotifyInterval: opts.progressNotifyInterval,
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let disposed = false;
  return {
    endpoints: cluster.endpoints,
    members: cluster.members,
    ...(certs ? { tls: certs.client } : {}),
    config: (prefix) => ({
      type: 'etcd',
      endpoints: cluster.endpoints,
      compactionIntervalMs: 0,
      ...(certs ? { tls: certs.client } : {}),
      ...(prefix ? { prefix } : {}),
    }),
    stop: (member, o) => cluster.stop(member, o),
    start: (member) => cluster.start(member),
    pid: (member) => cluster.pid(member),
    async dispose() {
      if (disposed) return;
      disposed = true;
      try {
        await cluster.dispose();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
