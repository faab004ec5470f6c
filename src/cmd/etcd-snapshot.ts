import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { Command } from '../cli/command.js';
import { UsageError } from '../cli/flags.js';
import { listSnapshots, pruneSnapshots, restoreSnapshot, saveSnapshot } from '../control-plane/storage/backup.js';
import { parseDatastoreEndpoint, type StorageConfig } from '../control-plane/storage/factory.js';
import { readMemberState } from '../control-plane/storage/etcd/managed/member-state.js';
import { haPaths, hasManagedEtcd } from './ha/ha-datastore.js';
import {
  applySnapshotBootstrap,
  collectSnapshotBootstrap,
  planBootstrapRestore,
  writeBootstrapSidecar,
} from './ha/sealed-bootstrap.js';
import { ensureServerToken, tokenFromFlags } from './ha/server-token.js';
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

function flagToken(flags: Record<string, unknown>): string | undefined {
  try {
    return tokenFromFlags(flags.token as string | undefined, flags['token-file'] as string | undefined);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * Seals the data dir's bootstrap material beside a saved snapshot, with
 * `--token`/`--token-file`, else the server's `server/token`, else a token
 * created there now (every server has one, as in k3s). Returns the sidecar
 * path, or undefined when the data dir has no cluster CA.
 */
export function saveBootstrap(
  flags: Record<string, unknown>,
  dataDir: string,
  snapshotPath: string,
): string | undefined {
  const ca = join(haPaths(dataDir).tls, 'server-ca.crt');
  if (!existsSync(ca)) return undefined;
  const tokenPath = haPaths(dataDir).token;
  const token =
    flagToken(flags) ??
    (existsSync(tokenPath)
      ? readFileSync(tokenPath, 'utf8').trim()
      : ensureServerToken(tokenPath, readFileSync(ca, 'utf8')));
  const b = collectSnapshotBootstrap({
    dataDir,
    token,
    encryptionConfigPath: flags['encryption-provider-config'] as string | undefined,
  })!;
  return writeBootstrapSidecar(snapshotPath, b, token);
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
 *
 * `save` also seals the cluster's bootstrap material (CAs and keys, the
 * ServiceAccount key, encryption config, server token) with the server token
 * into `<snapshot>.bootstrap`; `restore --token` writes it into the data dir
 * after the keyspace, so a restore onto a new machine is the same cluster.
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
    {
      name: 'token',
      type: 'string',
      description:
        'Server token: save seals the bootstrap data (CAs, keys) with it (default <data-dir>/server/token); restore needs it to unseal them',
      placeholder: 'TOKEN',
    },
    { name: 'token-file', type: 'string', description: 'Read the server token from this file', placeholder: 'FILE' },
    {
      name: 'encryption-provider-config',
      type: 'string',
      description: "save: the server's EncryptionConfiguration, carried in the bootstrap data",
      placeholder: 'FILE',
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
        const sealed = saveBootstrap(flags, dataDir, s.path);
        stdout.write(
          sealed
            ? `Bootstrap data (CAs, keys, server token) sealed with the server token at ${sealed}\n`
            : `No cluster CA under ${dataDir}: bootstrap data not saved\n`,
        );
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
        // Everything that can refuse (wrong token, another cluster's CA) is checked before anything is written.
        const plan = planBootstrapRestore(file, dataDir, flagToken(flags));
        if (plan.warning) stdout.write(`Warning: ${plan.warning}\n`);
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
        if (plan.bootstrap) {
          const applied = applySnapshotBootstrap(plan.bootstrap, dataDir);
          stdout.write(`Restored the cluster's CAs, keys and server token (${applied.tokenPath}) into ${dataDir}\n`);
          if (applied.encryptionConfigPath)
            stdout.write(`The cluster's encryption config is at ${applied.encryptionConfigPath}\n`);
        }
        return 0;
      }
      default:
        throw new UsageError(`unknown subcommand "${sub ?? ''}"; use save, ls, prune or restore`);
    }
  },
};
