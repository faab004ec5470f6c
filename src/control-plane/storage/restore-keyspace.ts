import { isStorageError, type KeyValue, type Storage } from './interface.js';

export interface RestoreEntry {
  value: Uint8Array;
  ttlSeconds?: number;
}

export interface KeyspaceRestoreResult {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
}

export interface RestoreKeyspaceOptions {
  /** Only keys under this prefix are compared and changed (default: all). */
  prefix?: string;
  /** Writes in flight at once (default 32). */
  concurrency?: number;
}

/**
 * Logical restore: makes the keys under `prefix` exactly `entries`, through the
 * ordinary Storage API. Every change is a normal revisioned write with a watch
 * event, so revisions keep increasing and running watchers/informers observe
 * the restore as ordinary updates (no resourceVersion ever goes back). Used to
 * restore etcd snapshots into a running etcd and to move data between backends.
 * Not atomic: run it with the apiserver stopped or quiesced.
 */
export async function restoreKeyspace(
  storage: Storage,
  entries: ReadonlyMap<string, RestoreEntry>,
  opts: RestoreKeyspaceOptions = {},
): Promise<KeyspaceRestoreResult> {
  const prefix = opts.prefix ?? '';
  const result: KeyspaceRestoreResult = { created: 0, updated: 0, deleted: 0, unchanged: 0 };
  const current = new Map<string, KeyValue>();
  let page = await storage.list(prefix, { limit: 500 });
  const rev = page.revision;
  for (;;) {
    for (const kv of page.items) current.set(kv.key, kv);
    if (!page.more) break;
    page = await storage.list(prefix, { limit: 500, revision: rev, startAfter: page.items.at(-1)!.key });
  }
  const tasks: (() => Promise<void>)[] = [];
  for (const [key, kv] of current) {
    if (entries.has(key)) continue;
    tasks.push(async () => {
      await storage.delete(key, kv.modRevision).catch((err) => {
        if (!isStorageError(err, 'KeyNotFound')) throw err;
      });
      result.deleted++;
    });
  }
  for (const [key, entry] of entries) {
    if (!key.startsWith(prefix)) continue;
    const cur = current.get(key);
    if (cur && Buffer.from(cur.value).equals(entry.value) && !entry.ttlSeconds) {
      result.unchanged++;
      continue;
    }
    const ttl = entry.ttlSeconds ? { ttlSeconds: entry.ttlSeconds } : undefined;
    tasks.push(async () => {
      if (cur) {
        await storage.update(key, entry.value, cur.modRevision, ttl);
        result.updated++;
      } else {
        await storage.create(key, entry.value, ttl);
        result.created++;
      }
    });
  }
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(tasks.length, opts.concurrency ?? 32) }, worker));
  return result;
}
