/** What the memo needs of a cache entry (types.ts's CacheEntry; declared here to keep the import one-way). */
export interface MemoEntry {
  object: unknown;
  json?: string;
}

/**
 * Default budget of remembered JSON text, in UTF-16 code units (~bytes for the
 * usual Latin-1 JSON): the ~27 MiB of a 10,000-pod list fit, so repeated full
 * LISTs of that size stay a concatenation (re-serializing doubled their latency
 * and their garbage); a 150,000-pod cluster no longer keeps ~350 MiB of text.
 */
export const defaultJsonMemoBudget = 64 * 1024 * 1024;

/**
 * Remembers the JSON text of cache entries, within a budget.
 *
 * Why: serializing once matters while an event fans out to many watchers and
 * when lists are re-read, but a cached string kept for every entry without a
 * bound grows with the cluster (a 10,000-pod LIST leaves ~27 MiB of JSON
 * behind, held for as long as each pod stays unchanged). The oldest remembered texts
 * are dropped first once the budget is exceeded; a dropped entry is simply
 * serialized again on its next use, so callers always get correct text.
 *
 * Contract: `CacheEntry.json` is only written here. Entries are held weakly:
 * an entry the cache has let go of (replaced, deleted, out of the event
 * window) is collected with its text as before; its length still counts
 * against the budget until it reaches the front of the queue, so under churn
 * the budget errs on the side of less memory.
 */
export class JsonMemo {
  /** Entries whose `json` this memo set, oldest first, from `head` on. */
  private queue: WeakRef<MemoEntry>[] = [];
  private sizes: number[] = [];
  private head = 0;
  private total = 0;

  constructor(readonly budget = defaultJsonMemoBudget) {
    if (!(budget >= 0)) throw new RangeError(`JSON memo budget must be >= 0, got ${budget}`);
  }

  /** Code units of JSON currently remembered. */
  get size(): number {
    return this.total;
  }

  /** The JSON of `e.object`, computed at most once while it stays remembered. */
  get(e: MemoEntry): string {
    if (e.json !== undefined) return e.json;
    const json = JSON.stringify(e.object);
    // A text larger than the whole budget is returned without being kept.
    if (json.length > this.budget) return json;
    e.json = json;
    this.queue.push(new WeakRef(e));
    this.sizes.push(json.length);
    this.total += json.length;
    while (this.total > this.budget) this.dropOldest();
    return json;
  }

  private dropOldest(): void {
    const e = this.queue[this.head]!.deref();
    this.total -= this.sizes[this.head]!;
    if (e) e.json = undefined;
    this.head++;
    // Reclaim the consumed prefix once it is at least half the arrays.
    if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }
}
