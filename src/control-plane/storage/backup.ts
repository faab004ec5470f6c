import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { EtcdStorage } from './etcd/backend.js';
import { isEtcdSnapshot, readEtcdSnapshot, saveEtcdSnapshot } from './etcd/snapshot.js';
import { openStorage, type StorageConfig } from './factory.js';
import { type Storage, StorageError } from './interface.js';
import { type KeyspaceRestoreResult, restoreKeyspace, type RestoreEntry } from './restore-keyspace.js';
import { SqliteStorage } from './sqlite/backend.js';
import { readSqliteSnapshot, restoreSqliteSnapshot, saveSqliteSnapshot } from './sqlite/backup.js';

/**
 * Datastore snapshots for `kubets etcd-snapshot save|restore|ls|prune` (k3s'
 * names). Files are `<name>-<node>-<unix seconds>` under
 * `<data-dir>/db/snapshots`; their format is the backend's own (a SQLite
 * database, or etcd's bbolt database plus SHA-256), recognised by header.
 */

export type SnapshotBackend = 'sqlite' | 'etcd';

export interface SnapshotLocation {
  /** The server data dir; snapshots live in `<dataDir>/db/snapshots` unless `dir` is given. */
  dataDir: string;
  dir?: string;
}

export interface SaveSnapshotOptions extends SnapshotLocation {
  /** Snapshot name (k3s: `etcd-snapshot` for scheduled, `on-demand` for CLI); default `on-demand`. */
  name?: string;
  /** Node name in the file name; default the host name. */
  nodeName?: string;
  /** Keep this many snapshots of the same name and node after saving (default 5, as k3s; 0 = keep all). */
  retention?: number;
  /** Clock for the timestamp (ms since epoch). */
  now?: () => number;
}

export interface SnapshotInfo {
  /** File name, e.g. `on-demand-node1-1718000000`. */
  name: string;
  path: string;
  size: number;
  /** Creation time from the file name (unix seconds). */
  createdAt: number;
  backend: SnapshotBackend;
}

export interface SavedSnapshot extends SnapshotInfo {
  /** Files removed by retention. */
  pruned: string[];
}

const SUFFIX = /^(.+)-(\d{9,12})$/;

export function snapshotDir(loc: SnapshotLocation): string {
  return loc.dir ?? join(loc.dataDir, 'db', 'snapshots');
}

/** Recognises a snapshot file's backend from its first bytes. */
export function snapshotBackend(path: string): SnapshotBackend | undefined {
  const head = Buffer.alloc(32);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 32, 0);
  } finally {
    closeSync(fd);
  }
  if (head.subarray(0, 16).toString('latin1') === 'SQLite format 3\u0000') return 'sqlite';
  if (isEtcdSnapshot(head)) return 'etcd';
  return undefined;
}

function checkNamePart(what: string, v: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v)) {
    throw new StorageError('InvalidArgument', `invalid snapshot ${what} ${JSON.stringify(v)}`);
  }
}

/** Takes an online snapshot of a running store (or of the datastore a config points at). */
export async function saveSnapshot(source: Storage | StorageConfig, opts: SaveSnapshotOptions): Promise<SavedSnapshot> {
  const name = opts.name ?? 'on-demand';
  const node = opts.nodeName ?? hostname();
  checkNamePart('name', name);
  checkNamePart('node name', node);
  const dir = snapshotDir(opts);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = `${name}-${node}-${Math.floor((opts.now ?? Date.now)() / 1000)}`;
  const path = join(dir, file);
  if (existsSync(path)) throw new StorageError('KeyExists', `snapshot ${path} already exists`);
  let backend: SnapshotBackend;
  if (source instanceof SqliteStorage) {
    await saveSqliteSnapshot(source, path);
    backend = 'sqlite';
  } else if (source instanceof EtcdStorage) {
    await saveEtcdSnapshot(source.etcd, path);
    backend = 'etcd';
  } else if ('type' in source && source.type === 'sqlite') {
    await saveSqliteSnapshot(source.path, path);
    backend = 'sqlite';
  } else if ('type' in source && source.type === 'etcd') {
    const storage = (await openStorage({ ...source, compactionIntervalMs: 0 })) as EtcdStorage;
    try {
      await saveEtcdSnapshot(storage.etcd, path);
    } finally {
      await storage.dispose();
    }
    backend = 'etcd';
  } else {
    throw new StorageError(
      'InvalidArgument',
      `snapshots are not supported for the ${(source as Storage).backend} backend`,
    );
  }
  const pruned =
    opts.retention === 0 ? [] : pruneSnapshots({ ...opts, name, nodeName: node, retention: opts.retention ?? 5 });
  return {
    name: file,
    path,
    size: statSync(path).size,
    createdAt: Math.floor((opts.now ?? Date.now)() / 1000),
    backend,
    pruned,
  };
}

/** Snapshots in the directory, newest first. Files that are not snapshots are ignored. */
export function listSnapshots(loc: SnapshotLocation): SnapshotInfo[] {
  const dir = snapshotDir(loc);
  if (!existsSync(dir)) return [];
  const out: SnapshotInfo[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const m = SUFFIX.exec(entry.name);
    if (!entry.isFile() || !m) continue;
    const path = join(dir, entry.name);
    const backend = snapshotBackend(path);
    if (!backend) continue;
    out.push({ name: entry.name, path, size: statSync(path).size, createdAt: Number(m[2]), backend });
  }
  return out.sort((a, b) => b.createdAt - a.createdAt || (a.name < b.name ? 1 : -1));
}

/** Deletes all but the newest `retention` snapshots named `<name>-<nodeName>-*`; returns the removed paths. */
export function pruneSnapshots(
  opts: SnapshotLocation & { name: string; nodeName: string; retention: number },
): string[] {
  const prefix = `${opts.name}-${opts.nodeName}-`;
  const mine = listSnapshots(opts).filter(
    (s) => s.name.startsWith(prefix) && /^\d+$/.test(s.name.slice(prefix.length)),
  );
  const doomed = mine.slice(Math.max(0, opts.retention));
  for (const s of doomed) {
    rmSync(s.path, { force: true });
    // The sealed bootstrap data saved beside a snapshot (`kubets etcd-snapshot save`) goes with it.
    rmSync(`${s.path}.bootstrap`, { force: true });
  }
  return doomed.map((s) => s.path);
}

export type RestoreResult =
  { mode: 'file'; snapshotRevision: number; revision: number } | ({ mode: 'keyspace' } & KeyspaceRestoreResult);

/**
 * Restores a snapshot.
 * - SQLite snapshot into a SQLite config: replaces the file (offline: the
 *   server must be stopped), keeping revisions monotonic (see restoreSqliteSnapshot).
 * - Anything else (etcd snapshot into etcd, or across backends): a logical
 *   restore through the Storage API (restore-keyspace.ts) into the running
 *   target; for etcd only keys under the target's prefix are replaced.
 */
export async function restoreSnapshot(file: string, target: Storage | StorageConfig): Promise<RestoreResult> {
  const kind = existsSync(file) ? snapshotBackend(file) : undefined;
  if (!kind) throw new StorageError('Corrupt', `${file}: not a sqlite or etcd snapshot`);
  const isConfig = !(target instanceof SqliteStorage) && !(target instanceof EtcdStorage) && 'type' in target;
  if (kind === 'sqlite' && isConfig && (target as StorageConfig).type === 'sqlite') {
    const path = (target as StorageConfig & { type: 'sqlite' }).path;
    if (path === ':memory:') throw new StorageError('InvalidArgument', 'cannot restore into :memory:');
    return { mode: 'file', ...restoreSqliteSnapshot(file, path) };
  }
  const storage = isConfig
    ? await openStorage({ ...(target as StorageConfig), compactionIntervalMs: 0 })
    : (target as Storage);
  try {
    let entries: Map<string, RestoreEntry>;
    if (kind === 'sqlite') {
      entries = readSqliteSnapshot(file);
    } else {
      // etcd snapshots hold raw keys: keep the target namespace's keys, without the namespace.
      // A namespaced store's keys all start with '/', which keeps `<ns>-other` out.
      const ns = storage instanceof EtcdStorage ? storage.namespace : '';
      const lead = ns ? `${ns}/` : '';
      entries = new Map();
      for (const [k, e] of readEtcdSnapshot(file).entries) {
        if (k.startsWith(lead)) entries.set(k.slice(ns.length), e);
      }
    }
    // kubets keys all start with '/': restoring under '/' also keeps etcd from an empty range key
    // (a store without a namespace cannot list the prefix '').
    for (const k of entries.keys()) if (!k.startsWith('/')) entries.delete(k);
    return { mode: 'keyspace', ...(await restoreKeyspace(storage, entries, { prefix: '/' })) };
  } finally {
    if (isConfig) await storage.dispose();
  }
}
