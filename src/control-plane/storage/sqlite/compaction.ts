import type Database from 'better-sqlite3';

type Db = Database.Database;

/**
 * Physical compaction of the revision log up to `target`: removes every row
 * superseded by a row with id <= target, and tombstones with id <= target.
 * After it, reads at revisions >= target see exactly what they saw before, and
 * every event above `target` still has its superseded row (prevKv).
 *
 * Only rows written since the previous compaction need visiting (older rows
 * were handled then), so the cost is proportional to the writes in between.
 * Work is split into short transactions, yielding to the event loop between
 * them, because better-sqlite3 blocks the thread while a statement runs.
 * The caller records the new compact revision *before* calling this, so no
 * read below `target` can observe a half-compacted log.
 */
export class SqliteCompaction {
  private readonly scan: Database.Statement;
  private readonly del: Database.Statement;
  private readonly setDone: Database.Statement;

  constructor(
    private readonly db: Db,
    private readonly chunkRows = 5000,
  ) {
    this.scan = db
      .prepare('SELECT id, deleted, prev_revision FROM kv WHERE id > ? AND id <= ? ORDER BY id LIMIT ?')
      .raw();
    this.del = db.prepare('DELETE FROM kv WHERE id = ?');
    this.setDone = db.prepare("INSERT OR REPLACE INTO meta(name, value) VALUES ('compacted_through', ?)");
  }

  /** Rows already processed by earlier compactions (resumes an interrupted one). */
  donePoint(): number {
    const v = this.db.prepare("SELECT value FROM meta WHERE name = 'compacted_through'").pluck().get() as
      number | undefined;
    return v ?? 0;
  }

  /** Runs one chunk; returns the id it got to (== target when finished). */
  step(from: number, target: number): number {
    let reached = target;
    this.db
      .transaction(() => {
        const rows = this.scan.all(from, target, this.chunkRows) as [number, number, number][];
        for (const [id, deleted, prev] of rows) {
          if (prev > 0) this.del.run(prev);
          if (deleted) this.del.run(id);
        }
        if (rows.length === this.chunkRows) reached = rows[rows.length - 1][0];
        this.setDone.run(reached);
      })
      .immediate();
    return reached;
  }

  /** Compacts (from, target] in chunks, yielding between them. `isClosed` aborts between chunks. */
  async run(from: number, target: number, isClosed: () => boolean): Promise<void> {
    let at = from;
    while (at < target) {
      if (isClosed()) return;
      at = this.step(at, target);
      if (at < target) await new Promise<void>((r) => setImmediate(r));
    }
  }
}
