import type Database from 'better-sqlite3';
import type { KeyValue, WatchEvent } from '../interface.js';

type Db = Database.Database;
type Stmt = Database.Statement;

/** The newest row of a key (what CAS compares against). */
export interface LatestRow {
  id: number;
  deleted: number;
  create_revision: number;
  value: Buffer;
}

export interface ExpiredRow {
  name: string;
  id: number;
}

const EMPTY = Buffer.alloc(0);

/** Column list for history rows: the row plus the row it superseded (for prevKv). */
const HISTORY_COLS = `c.id, c.name, c.deleted, c.create_revision, c.value, p.id, p.create_revision, p.value`;
type HistoryRaw = [number, string, number, number, Buffer, number | null, number | null, Buffer | null];
type ListRaw = [number, string, number, Buffer];

/**
 * Prepared statements over the `kv` table. Range variants exist with and without
 * an upper bound, because an empty prefix (or one of only U+10FFFF) has none.
 * Every method is synchronous and short; callers own transactions.
 */
export class KvStatements {
  private readonly latestStmt: Stmt;
  private readonly atStmt: Stmt;
  private readonly insertStmt: Stmt;
  private readonly setMetaStmt: Stmt;
  private readonly getMetaStmt: Stmt;
  private readonly expiredStmt: Stmt;
  private readonly lists = new Map<string, Stmt>();

  constructor(private readonly db: Db) {
    this.latestStmt = db.prepare(
      'SELECT id, deleted, create_revision, value FROM kv WHERE name = ? ORDER BY id DESC LIMIT 1',
    );
    this.atStmt = db.prepare(
      'SELECT id, deleted, create_revision, value FROM kv WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1',
    );
    this.insertStmt = db.prepare(
      'INSERT INTO kv(id, name, deleted, create_revision, prev_revision, expires_at, value) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.setMetaStmt = db.prepare('UPDATE meta SET value = ? WHERE name = ?');
    this.getMetaStmt = db.prepare('SELECT value FROM meta WHERE name = ?').pluck();
    // Only rows that are still their key's newest row count as expired.
    this.expiredStmt = db.prepare(
      `SELECT name, id FROM kv k WHERE expires_at IS NOT NULL AND expires_at <= ? AND deleted = 0
         AND id = (SELECT MAX(id) FROM kv WHERE name = k.name) ORDER BY expires_at LIMIT ?`,
    );
  }

  latest(name: string): LatestRow | undefined {
    return this.latestStmt.get(name) as LatestRow | undefined;
  }

  at(name: string, rev: number): LatestRow | undefined {
    return this.atStmt.get(name, rev) as LatestRow | undefined;
  }

  insert(
    id: number,
    name: string,
    deleted: boolean,
    createRevision: number,
    prevRevision: number,
    expiresAt: number | null,
    value: Buffer,
  ): void {
    this.insertStmt.run(id, name, deleted ? 1 : 0, createRevision, prevRevision, expiresAt, value);
  }

  getMeta(name: string): number {
    return (this.getMetaStmt.get(name) as number | undefined) ?? 0;
  }

  setMeta(name: string, value: number): void {
    this.setMetaStmt.run(value, name);
  }

  expired(now: number, limit: number): ExpiredRow[] {
    return this.expiredStmt.all(now, limit) as ExpiredRow[];
  }

  /**
   * The live keys in [from, to) (or (from, to) when `exclusive`) as of `rev`, in
   * key order, at most `limit`. The inner query walks the (name, id) index in
   * name order as a co-routine, so a page costs O(limit), not O(keys).
   */
  list(from: string, exclusive: boolean, to: string | undefined, rev: number, limit: number): KeyValue[] {
    const sig = `list:${exclusive ? '>' : '>='}:${to === undefined ? '' : '<'}`;
    let stmt = this.lists.get(sig);
    if (!stmt) {
      const upper = to === undefined ? '' : ' AND name < @to';
      stmt = this.db
        .prepare(
          `SELECT kv.id, kv.name, kv.create_revision, kv.value FROM
             (SELECT name, MAX(id) AS mid FROM kv WHERE name ${exclusive ? '>' : '>='} @from${upper} AND id <= @rev
              GROUP BY name ORDER BY name) m
           JOIN kv ON kv.id = m.mid WHERE kv.deleted = 0 ORDER BY m.name LIMIT @limit`,
        )
        .raw();
      this.lists.set(sig, stmt);
    }
    const params: Record<string, unknown> = { from, rev, limit };
    if (to !== undefined) params.to = to;
    const rows = stmt.all(params) as ListRaw[];
    return rows.map(([id, name, cr, value]) => ({ key: name, value, createRevision: cr, modRevision: id }));
  }

  /** Number of live keys in [from, to) as of `rev`. */
  count(from: string, to: string | undefined, rev: number): number {
    const sig = `count:${to === undefined ? '' : '<'}`;
    let stmt = this.lists.get(sig);
    if (!stmt) {
      const upper = to === undefined ? '' : ' AND name < @to';
      stmt = this.db
        .prepare(
          `SELECT COUNT(*) FROM (SELECT MAX(id) AS mid FROM kv WHERE name >= @from${upper} AND id <= @rev GROUP BY name) m
           JOIN kv ON kv.id = m.mid WHERE kv.deleted = 0`,
        )
        .pluck();
      this.lists.set(sig, stmt);
    }
    const params: Record<string, unknown> = { from, rev };
    if (to !== undefined) params.to = to;
    return stmt.get(params) as number;
  }

  /**
   * Watch history: events with revision in [fromRev, toRev] for keys in [from, to),
   * in revision order, at most `limit`. prevKv comes from the superseded row,
   * which compaction keeps for every event above the compact revision.
   */
  history(fromRev: number, toRev: number, from: string, to: string | undefined, limit: number): WatchEvent[] {
    const sig = `history:${to === undefined ? '' : '<'}`;
    let stmt = this.lists.get(sig);
    if (!stmt) {
      const upper = to === undefined ? '' : ' AND c.name < @to';
      stmt = this.db
        .prepare(
          `SELECT ${HISTORY_COLS} FROM kv c LEFT JOIN kv p ON p.id = c.prev_revision
           WHERE c.id >= @fromRev AND c.id <= @toRev AND c.name >= @from${upper} ORDER BY c.id LIMIT @limit`,
        )
        .raw();
      this.lists.set(sig, stmt);
    }
    const params: Record<string, unknown> = { fromRev, toRev, from, limit };
    if (to !== undefined) params.to = to;
    const rows = stmt.all(params) as HistoryRaw[];
    return rows.map(toEvent);
  }
}

function toEvent([id, name, deleted, cr, value, pid, pcr, pvalue]: HistoryRaw): WatchEvent {
  const prevKv: KeyValue | undefined =
    pid === null ? undefined : { key: name, value: pvalue ?? EMPTY, createRevision: pcr ?? 0, modRevision: pid };
  const kv: KeyValue = deleted
    ? { key: name, value: EMPTY, createRevision: 0, modRevision: id }
    : { key: name, value, createRevision: cr, modRevision: id };
  return prevKv
    ? { type: deleted ? 'DELETE' : 'PUT', kv, prevKv, revision: id }
    : { type: deleted ? 'DELETE' : 'PUT', kv, revision: id };
}
