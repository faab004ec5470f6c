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
  // Serialized without the resourceVersion through shallow copies (JSON omits an
  // undefined member, key order is kept). Deleting and re-adding the property on
  // the object itself would turn its metadata into a slow dictionary-mode object,
  // and that object is what the watch cache keeps (decodeWritten).
  const text =
    obj.metadata.resourceVersion === undefined
      ? JSON.stringify(obj)
      : JSON.stringify({ ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } });
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
 * written object instead of a second parse of its bytes: the writer is done
 * changing it by then, and from here on it is shared read-only, like every
 * cache object. Other values (etcd, other servers' writes) are decoded.
 *
 * The top level and metadata are fresh shallow copies (everything below is
 * shared with the writer's object): write paths add and delete properties on
 * those two objects, which leaves them in V8's dictionary mode, several times
 * the size of an object built at once, and the cache keeps them for the
 * object's lifetime.
 */
export function decodeWritten(kv: KeyValue): KubeObject {
  const obj = written.get(kv.value);
  if (obj === undefined) return decodeStored(kv);
  written.delete(kv.value);
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(kv.modRevision) } };
}
