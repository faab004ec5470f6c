import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { StorageError } from '../interface.js';
import type { SqliteStorage } from './backend.js';
import { SqliteCompaction } from './compaction.js';
import { mapSqliteError, openDatabase, readMeta } from './schema.js';

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface SqliteSnapshotInfo {
  size: number;
  /** The revision the snapshot is at. */
  revision: number;
}

/**
 * Online snapshot with SQLite's backup API: copies a consistent image page by
 * page while writes continue (better-sqlite3 runs the steps between event-loop
 * turns; for an open file store, in its writer thread). `source` is an open store (the running server) or a datastore path
 * (opened read-only, e.g. by the CLI while the server runs in another process).
 * Written to `<dest>.part`, fsynced, then renamed into place.
 */
export async function saveSqliteSnapshot(source: SqliteStorage | string, dest: string): Promise<SqliteSnapshotInfo> {
  const part = `${dest}.part`;
  rmSync(part, { force: true });
  const name = typeof source === 'string' ? source : source.path;
  try {
    if (typeof source === 'string') {
      const db = openDatabase(source, { readonly: true });
      try {
        await db.backup(part);
      } finally {
        db.close();
      }
    } else {
      // Through the store's writing connection, whose own commits are copied
      // into the running backup, so it finishes while writes go on.
      await source.backupTo(part);
    }
  } catch (err) {
    rmSync(part, { force: true });
    throw mapSqliteError(name, err);
  }
  const info = inspectSqliteSnapshot(part);
  fsyncPath(part);
  renameSync(part, dest);
  fsyncPath(dirname(dest));
  return info;
}

/** Opens a snapshot read-only, checks its integrity, and reports what it holds. */
export function inspectSqliteSnapshot(file: string): SqliteSnapshotInfo {
  const db = openDatabase(file, { readonly: true, verify: true });
  try {
    const size =
      (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
    return { size, revision: readMeta(db, 'revision') };
  } finally {
    db.close();
  }
}

export interface SqliteRestoreResult {
  /** Revision of the restored data. */
  snapshotRevision: number;
  /** Revision the datastore continues from (>= the replaced datastore's, so revisions never go back). */
  revision: number;
}

/**
 * Offline restore: replaces the datastore at `target` with the snapshot. The
 * server must not be running on `target` (as with `k3s server --cluster-reset`).
 *
 * Clients remember resourceVersions (revisions) from before the restore; if the
 * restored data simply continued at its older revision, new writes would reuse
 * revisions clients have already seen. So when the replaced datastore was
 * further ahead, the restored one continues after its revision and treats
 * everything older as compacted: watches and reads from the old timeline get
 * "too old" (410) and clients re-list, as they must.
 */
export function restoreSqliteSnapshot(snapshot: string, target: string): SqliteRestoreResult {
  const snap = inspectSqliteSnapshot(snapshot);
  let previous = 0;
  if (existsSync(target)) {
    const old = openDatabase(target, { readonly: true });
    try {
      previous = readMeta(old, 'revision');
    } finally {
      old.close();
    }
  }
  const staging = `${target}.restore-${process.pid}`;
  rmSync(staging, { force: true });
  copyFileSync(snapshot, staging);
  const revision = Math.max(previous, snap.revision);
  try {
    const db = openDatabase(staging, { verify: false });
    try {
      if (revision > snap.revision) {
        const compaction = new SqliteCompaction(db);
        let at = compaction.donePoint();
        while (at < snap.revision) at = compaction.step(at, snap.revision);
        db.transaction(() => {
          db.prepare("UPDATE meta SET value = ? WHERE name = 'revision'").run(revision);
          db.prepare("UPDATE meta SET value = ? WHERE name = 'compact_revision'").run(revision);
          db.prepare("INSERT OR REPLACE INTO meta(name, value) VALUES ('compacted_through', ?)").run(revision);
        })();
      }
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
    fsyncPath(staging);
    rmSync(`${target}-wal`, { force: true });
    rmSync(`${target}-shm`, { force: true });
    renameSync(staging, target);
    fsyncPath(dirname(target));
  } catch (err) {
    rmSync(staging, { force: true });
    rmSync(`${staging}-wal`, { force: true });
    rmSync(`${staging}-shm`, { force: true });
    throw err instanceof StorageError ? err : mapSqliteError(target, err);
  }
  return { snapshotRevision: snap.revision, revision };
}

/** The live keys of a SQLite snapshot (for restoring it into another backend). */
export function readSqliteSnapshot(file: string): Map<string, { value: Buffer }> {
  const db = openDatabase(file, { readonly: true, verify: true });
  try {
    const rows = db
      .prepare(
        `SELECT kv.name, kv.value FROM (SELECT MAX(id) AS mid FROM kv GROUP BY name) m
         JOIN kv ON kv.id = m.mid WHERE kv.deleted = 0 ORDER BY kv.name`,
      )
      .raw()
      .all() as [string, Buffer][];
    return new Map(rows.map(([k, v]) => [k, { value: v }]));
  } finally {
    db.close();
  }
}
