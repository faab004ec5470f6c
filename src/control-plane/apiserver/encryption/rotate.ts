import { isStorageError, type KeyValue, type Storage } from '../../storage/interface.js';
import type { ValueTransformer } from './value-transformer.js';

/**
 * Key rotation support: after a new key is put first in the configuration,
 * every stored value must be rewritten so the old key can be removed
 * (upstream's advice: `kubectl get secrets -A -o json | kubectl replace -f -`).
 */
export interface StaleValue {
  key: string;
  /** Why it needs a rewrite: stored with an older key/provider, or unreadable with the current configuration. */
  reason: 'stale' | 'unreadable';
  error?: string;
}

/** The keys among `items` that are not stored with the current write key. */
export function keysNeedingRewrite(
  transformer: ValueTransformer,
  items: Iterable<Pick<KeyValue, 'key' | 'value'>>,
): StaleValue[] {
  const out: StaleValue[] = [];
  for (const kv of items) {
    try {
      if (transformer.decrypt(kv.key, kv.value).stale) out.push({ key: kv.key, reason: 'stale' });
    } catch (err) {
      out.push({ key: kv.key, reason: 'unreadable', error: (err as Error).message });
    }
  }
  return out;
}

/**
 * Re-encrypts every stale value under `prefix` with compare-and-swap writes
 * (a value changed concurrently is left alone: it was just written with the
 * current key). Unreadable values are reported, never touched.
 */
export async function rewriteStale(
  storage: Storage,
  prefix: string,
  transformer: ValueTransformer,
  pageSize = 500,
): Promise<{ rewritten: number; unreadable: StaleValue[] }> {
  let rewritten = 0;
  const unreadable: StaleValue[] = [];
  let startAfter: string | undefined;
  for (;;) {
    const page = await storage.list(prefix, { limit: pageSize, startAfter });
    for (const kv of page.items) {
      let plaintext: Uint8Array;
      try {
        const r = transformer.decrypt(kv.key, kv.value);
        if (!r.stale) continue;
        plaintext = r.plaintext;
      } catch (err) {
        unreadable.push({ key: kv.key, reason: 'unreadable', error: (err as Error).message });
        continue;
      }
      try {
        await storage.update(kv.key, transformer.encrypt(kv.key, plaintext), kv.modRevision);
        rewritten++;
      } catch (err) {
        if (!isStorageError(err, 'Conflict') && !isStorageError(err, 'KeyNotFound')) throw err;
      }
    }
    if (!page.more || !page.items.length) break;
    startAfter = page.items[page.items.length - 1]!.key;
  }
  return { rewritten, unreadable };
}
