import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { Command } from '../cli/command.js';
import { UsageError } from '../cli/flags.js';
import { listSnapshots, pruneSnapshots, restoreSnapshot, saveSnapshot } from '../control-plane/storage/backup.js';
import { parseDatastoreEndpoint, type StorageConfig } from '../control-plane/storage/factory.js';
import { readMemberState } from '../control-plane/storage/etcd/managed/member-state.js';
import { haPaths, hasManagedEtcd } from './ha/ha-datastore.js';
import { dataDirFlag, dataDirOf } from './local-paths.js';
import { pidFileOf } from './agent-paths.js';
import { livePidFromFile } from './pid-file.js';

/** The datastore a snapshot command works on, and how it was found. */
export interface SnapshotDatastore {
  config: StorageConfig;
  /** `external`: `--datastore-endpoint`; `managed-etcd`: the data dir's own etcd member (`--cluster-init` servers). */
  source: 'external' | 'managed-etcd' | 'sqlite';
}

/**
 * Which datastore `kubets etcd-snapshot` uses for a data dir: an explicit
 * `--datastore-endpoint` (with its TLS files), else the managed etcd member
 * the data dir holds (an HA server's: its client URL from
 * `server/db/etcd-member.json`, the `client` certificate and the etcd server
 * CA under `server/tls/etcd`, as the server's own API server uses them), else
 * the embedded SQLite file.
 */
export function snapshotDatastore(flags: Record<string, unknown>, dataDir: string): SnapshotDatastore {
  const endpoint = (flags['datastore-endpoint'] as string | undefined)?.trim();
  if (endpoint) {
    return {
      source: 'external',
      config: parseDatastoreEndpoint(endpoint, {
        dataDir,
        caFile: flags['datastore-cafile'] as string | undefined,
        certFile: flags['datastore-certfile'] as string | undefined,
        keyFile: flags['datastore-keyfile'] as string | undefined,
      }),
    };
  }
  if (hasManagedEtcd(dataDir)) {
    const p = haPaths(dataDir);
    const member = readMemberState(p.memberState)!;
    const tls = join(p.tls, 'etcd');
    return {
      source: 'managed-etcd',
      config: {
        type: 'etcd',
        endpoints: [member.clientURL],
        tls: { ca: join(tls, 'server-ca.crt'), cert: join(tls, 'client.crt'), key: join(tls, 'client.key') },
        // A stopped member fails fast instead of after the default 15 s of retries.
        retryTimeoutMs: 5_000,
      },
    };
  }
  return { source: 'sqlite', config: parseDatastoreEndpoint(undefined, { dataDir }) };
}

/** Makes "cannot reach etcd" say that a managed member only runs inside its server. */
async function explained<T>(ds: SnapshotDatastore, dataDir: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (ds.source !== 'managed-etcd' || !/cannot reach etcd|Unavailable|ECONNREFUSED/i.test(String(err))) throw err;
    const url = ds.config.type === 'etcd' ? ds.config.endpoints[0] : '';
    throw new Error(
      `cannot reach this server's etcd member at ${url}: it runs inside kubets server, so start the server on ${dataDir} first (${(err as Error).message})`,
    );
  }
}

/**
 * `kubets etcd-snapshot save|restore|ls|prune` (k3s names it so even for
 * SQLite): online snapshots of the server's datastore (see snapshotDatastore)
 * into `<data-dir>/db/snapshots` with retention, and restores. A SQLite
 * snapshot replaces the file of a stopped server (into an empty data dir
 * too); anything else is a logical restore into the running etcd, so a
 * managed member's server must be running.
 */
export const etcdSnapshotCommand: Command = {
  name: 'etcd-snapshot',
  summary: 'Save, list, prune or restore datastore snapshots (SQLite or etcd)',
  usage: 'etcd-snapshot save|ls|prune|restore [FILE] [flags]',
  flags: [
    dataDirFlag,
    {
      name: 'datastore-endpoint',
      type: 'string',
      description: 'Datastore of the server (default: its managed etcd member, or its embedded SQLite)',
      placeholder: 'URL',
    },
    { name: 'datastore-cafile', type: 'string', description: 'CA of an external etcd', placeholder: 'FILE' },
    {
      name: 'datastore-certfile',
      type: 'string',
      description: 'Client certificate for an external etcd',
      placeholder: 'FILE',
    },
    { name: 'datastore-keyfile', type: 'string', description: 'Client key for an external etcd', placeholder: 'FILE' },
    { name: 'name', type: 'string', description: 'Snapshot name prefix', default: 'on-demand', placeholder: 'NAME' },
    {
      name: 'snapshot-retention',
      type: 'number',
      description: 'Snapshots of this name to keep',
      default: 5,
      placeholder: 'N',
    },
    {
      name: 'dir',
      type: 'string',
      description: 'Snapshot folder (default <data-dir>/db/snapshots)',
      placeholder: 'DIR',
    },
  ],
  async run({ flags, args, stdout }) {
    const [sub, file] = args;
    const dataDir = dataDirOf(flags);
    const loc = { dataDir, dir: flags.dir as string | undefined };
    const retention = Number(flags['snapshot-retention'] ?? 5);
    const name = String(flags.name ?? 'on-demand');
    switch (sub) {
      case 'save': {
        const ds = snapshotDatastore(flags, dataDir);
        const s = await explained(ds, dataDir, () =>
          saveSnapshot(ds.config, { ...loc, name, nodeName: hostname(), retention }),
        );
        stdout.write(`Snapshot ${s.name} saved (${s.size} bytes) at ${s.path}\n`);
        for (const p of s.pruned) stdout.write(`Removed old snapshot ${p}\n`);
        return 0;
      }
      case 'ls':
      case 'list': {
        const all = listSnapshots(loc);
        stdout.write(`${'Name'.padEnd(40)} ${'Size'.padStart(12)}  Created\n`);
        for (const s of all)
          stdout.write(
            `${s.name.padEnd(40)} ${String(s.size).padStart(12)}  ${new Date(s.createdAt * 1000).toISOString()}\n`,
          );
        return 0;
      }
      case 'prune': {
        const removed = pruneSnapshots({ ...loc, name, nodeName: hostname(), retention });
        for (const p of removed) stdout.write(`Removed ${p}\n`);
        return 0;
      }
      case 'restore': {
        if (!file)
          throw new UsageError(
            'restore needs the snapshot file: kubets etcd-snapshot restore FILE (stop the server first)',
          );
        const ds = snapshotDatastore(flags, dataDir);
        const { config } = ds;
        if (config.type === 'sqlite') {
          const pid = livePidFromFile(pidFileOf(dataDir));
          if (pid !== undefined)
            throw new Error(`kubets server (pid ${pid}) is running on ${dataDir}: stop it before restoring`);
          if (config.path !== ':memory:') mkdirSync(dirname(config.path), { recursive: true, mode: 0o700 });
        }
        const r = await explained(ds, dataDir, () => restoreSnapshot(file, config));
        stdout.write(
          `Restored ${file} into ${config.type === 'sqlite' ? config.path : config.endpoints.join(',')}: ${JSON.stringify(r)}\n`,
        );
        return 0;
      }
      default:
        throw new UsageError(`unknown subcommand "${sub ?? ''}"; use save, ls, prune or restore`);
    }
  },
};
