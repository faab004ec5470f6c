import type { KeyValue } from '../../storage/interface.js';
import type { KubeObject } from '../watch-cache/types.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * How objects are kept in storage: JSON without `metadata.resourceVersion`
 * (the storage revision is the resourceVersion, set on the way out, as
 * kube-apiserver does with etcd).
 */
export function decodeStored(kv: KeyValue): KubeObject {
  const obj = JSON.parse(decoder.decode(kv.value)) as KubeObject;
  obj.metadata ??= {};
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
}

/** Objects this server wrote, by the exact bytes it handed to storage (see decodeWritten). */
const written = new WeakMap<Uint8Array, KubeObject>();

export function encodeForStorage(obj: KubeObject): Uint8Array {
  const rv = obj.metadata.resourceVersion;
  let text: string;
  if (rv === undefined) text = JSON.stringify(obj);
  else {
    // Serialize without the resourceVersion, without copying the object.
    delete obj.metadata.resourceVersion;
    try {
      text = JSON.stringify(obj);
    } finally {
      obj.metadata.resourceVersion = rv;
    }
  }
  // A Buffer view of the encoded bytes: backends that want a Buffer take it as is, so it stays this object.
  const u8 = encoder.encode(text);
  const bytes = Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
  written.set(bytes, obj);
  return bytes;
}

/**
 * decodeStored for the watch cache. A backend that hands this server's own
 * write back in its watch event (the value is the very Uint8Array
 * encodeForStorage returned, as the sqlite and memory backends do) yields the
 * written object itself instead of a second parse of its bytes: the writer
 * is done changing it by then (only its resourceVersion is still set, to the
 * same revision), and from here on it is shared read-only, like every cache
 * object. Other values (etcd, other servers' writes) are decoded.
 */
export function decodeWritten(kv: KeyValue): KubeObject {
  const obj = written.get(kv.value);
  if (obj === undefined) return decodeStored(kv);
  written.delete(kv.value);
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
}
