import type { KeyValue } from '../../storage/interface.js';

/**
 * Reads whose stored value is not in the current write format (upstream
 * `storage.Transformer` returning `stale`): encrypted with a key other than
 * the first one, or stored by a provider that is no longer first (plaintext
 * while a key is primary, ciphertext while identity is). The registry store
 * writes such a value back even when the update changes nothing, which is how
 * `kubectl get secrets -A -o json | kubectl replace -f -` rotates keys.
 *
 * Kept beside the KeyValue rather than in the storage contract: only the
 * encryption decorator knows, and only the store's update path asks.
 */
const stale = new WeakSet<KeyValue>();

/** Marks a decrypted KeyValue (returned by EncryptedStorage) as stale. */
export function markStale(kv: KeyValue): KeyValue {
  stale.add(kv);
  return kv;
}

/** True when `kv` came from EncryptedStorage and its stored form should be rewritten. */
export function isStaleRead(kv: KeyValue): boolean {
  return stale.has(kv);
}
