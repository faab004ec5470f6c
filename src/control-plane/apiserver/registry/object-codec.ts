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

export function encodeForStorage(obj: KubeObject): Uint8Array {
  const rv = obj.metadata.resourceVersion;
  if (rv === undefined) return encoder.encode(JSON.stringify(obj));
  // Serialize without the resourceVersion, without copying the object.
  delete obj.metadata.resourceVersion;
  try {
    return encoder.encode(JSON.stringify(obj));
  } finally {
    obj.metadata.resourceVersion = rv;
  }
}
