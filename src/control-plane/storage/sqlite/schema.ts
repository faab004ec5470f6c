import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { StorageError } from '../interface.js';

type Db = Database.Database;

/**
 * The on-disk format of the SQLite datastore: one revision-log table in the
 * spirit of kine. Every write appends a row whose `id` is the write's revision;
 * a key's current value is its newest row; a delete appends a tombstone row.
 * Rows superseded at or below the compact revision are removed by compaction.
 *
 * The file is marked with `application_id` so a foreign SQLite database (another
 * program's file, given by mistake) is refused instead of being written to.
 */
export const APPLICATION_ID = 0x6b627473; // "kbts"
export const FORMAT_VERSION = 1;

const SQLITE_MAGIC = Buffer.from('SQLite format 3\u0000', 'latin1');

const DDL = `
CREATE TABLE kv (
  id INTEGER PRIMARY KEY,             -- the revision of this write
  name TEXT NOT NULL,                 -- the key
  deleted INTEGER NOT NULL DEFAULT 0, -- 1: tombstone (value is empty)
  create_revision INTEGER NOT NULL,   -- revision that created this incarnation of the key
  prev_revision INTEGER NOT NULL DEFAULT 0, -- row this one supersedes (0 for a create)
  expires_at INTEGER,                 -- TTL deadline, ms since the epoch (NULL: none)
  value BLOB NOT NULL
);
CREATE INDEX kv_name_id ON kv(name, id);
CREATE INDEX kv_expires ON kv(expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta(name, value) VALUES ('revision', 1), ('compact_revision', 0);
`;

export type Durability = 'full' | 'normal';

export interface OpenOptions {
  /** `full` (default): each committed batch is fsynced, so it survives power loss. `normal`: survives process crashes only. */
  durability?: Durability;
  /** Open read-only (snapshots of a live file, inspection). */
  readonly?: boolean;
  /** Run `PRAGMA quick_check` before use (reads the whole file). */
  verify?: boolean;
}

function corrupt(path: string, detail: string): StorageError {
  return new StorageError('Corrupt', `sqlite datastore ${path}: ${detail}; refusing to use or overwrite it`);
}

/** Checks the file header before SQLite touches the file, so a foreign file is never modified. */
function checkHeader(path: string): void {
  if (path === ':memory:' || !existsSync(path)) return;
  const size = statSync(path).size;
  if (size === 0) return;
  const head = Buffer.alloc(16);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (size < 100 || !head.equals(SQLITE_MAGIC)) throw corrupt(path, 'not an SQLite database (bad header)');
}

function sqliteCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** Maps SQLite errors to StorageErrors naming the file. */
export function mapSqliteError(path: string, err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const code = sqliteCode(err) ?? '';
  const msg = err instanceof Error ? err.message : String(err);
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return corrupt(path, `${msg} (${code})`);
  return new StorageError('Unavailable', `sqlite datastore ${path}: ${msg}${code ? ` (${code})` : ''}`);
}

/**
 * Opens (creating when new) a datastore file and checks it is ours and intact.
 * Throws StorageError('Corrupt') naming the file for garbage, a foreign SQLite
 * database or a newer format; the file is left untouched in those cases.
 */
export function openDatabase(path: string, opts: OpenOptions = {}): Db {
  checkHeader(path);
  let db: Db;
  try {
    db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  } catch (err) {
    throw mapSqliteError(path, err);
  }
  try {
    // Read the schema before any pragma that writes (journal_mode=WAL rewrites the header).
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .pluck()
      .all() as string[];
    const appId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    if (tables.length === 0 && appId === 0) {
      if (opts.readonly) throw corrupt(path, 'empty database, not a kubets datastore');
      initialize(db);
    } else if (appId !== APPLICATION_ID) {
      throw corrupt(path, `a foreign SQLite database (application_id ${appId}, tables: ${tables.join(', ')})`);
    } else if (version > FORMAT_VERSION) {
      throw corrupt(path, `format version ${version} is newer than this kubets supports (${FORMAT_VERSION})`);
    } else if (!tables.includes('kv') || !tables.includes('meta')) {
      throw corrupt(path, `missing tables (found: ${tables.join(', ') || 'none'})`);
    } else if (opts.verify) {
      const res = db.pragma('quick_check', { simple: true });
      if (res !== 'ok') throw corrupt(path, `integrity check failed: ${String(res)}`);
    }
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${opts.durability === 'normal' ? 'NORMAL' : 'FULL'}`);
    }
    db.pragma('cache_size = -16000'); // 16 MiB page cache
    return db;
  } catch (err) {
    db.close();
    throw mapSqliteError(path, err);
  }
}

function initialize(db: Db): void {
  db.transaction(() => {
    db.exec(DDL);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${FORMAT_VERSION}`);
  }).immediate();
}

export function readMeta(db: Db, name: 'revision' | 'compact_revision'): number {
  const v = db.prepare('SELECT value FROM meta WHERE name = ?').pluck().get(name) as number | undefined;
  return v ?? 0;
}
