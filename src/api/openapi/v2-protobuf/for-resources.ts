/**
 * The `/openapi/v2` protobuf body for a set of served resources, cached by the
 * content hash of the Swagger JSON it encodes: rebuilding the JSON document is
 * cheap next to encoding it, and the hash is also the ETag (the same value as
 * the JSON document's, as kube-openapi serves one ETag for both forms).
 */
import type { ResourceInfo } from '../../scheme/types.js';
import { buildOpenApiV2 } from '../build-v2.js';
import type { DocumentOptions } from '../build-v3.js';
import type { Definitions } from '../schema-types.js';
import { documentHash } from '../v3-root.js';
import { encodeOpenApiV2Protobuf } from './encode.js';

export interface OpenApiV2Protobuf {
  /** The gnostic Document message; serve as `application/octet-stream`. */
  bytes: Uint8Array;
  /** Upper-case hex SHA-512 of the Swagger JSON text (use as the ETag). */
  hash: string;
}

// A few documents at most are live at once (built-ins plus the current CRD set);
// the oldest entry is evicted first.
const maxEntries = 4;
const byHash = new Map<string, OpenApiV2Protobuf>();

/**
 * The encoded v2 document for `resources` over `defs`. Equal content returns the
 * same (shared, never to be mutated) result without re-encoding.
 */
export function openApiV2ProtobufFor(
  resources: readonly ResourceInfo[],
  defs: Definitions,
  opts: DocumentOptions = {},
): OpenApiV2Protobuf {
  const doc = buildOpenApiV2([...resources], defs, opts);
  const hash = documentHash(JSON.stringify(doc));
  const hit = byHash.get(hash);
  if (hit) {
    byHash.delete(hash);
    byHash.set(hash, hit);
    return hit;
  }
  const result = { bytes: encodeOpenApiV2Protobuf(doc), hash };
  byHash.set(hash, result);
  while (byHash.size > maxEntries) byHash.delete(byHash.keys().next().value!);
  return result;
}
