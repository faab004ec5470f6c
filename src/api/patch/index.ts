import { unsupportedMediaType } from '../errors/status-error.js';
import { applyJsonPatch } from './json-patch.js';
import { isJsonObject, parseJson, type JsonObject, type JsonValue } from './json-value.js';
import { applyMergePatch } from './merge-patch.js';
import { patchBadRequest } from './patch-errors.js';
import type { PatchSchema } from './patch-schema.js';
import { applyStrategicMergePatch } from './strategic-merge.js';

export { applyJsonPatch, decodeJsonPatch, maxJsonPatchOperations, type JsonPatchOperation } from './json-patch.js';
export { applyMergePatch, createMergePatch } from './merge-patch.js';
export { applyStrategicMergePatch } from './strategic-merge.js';
export { createThreeWayMergePatch, createTwoWayMergePatch, type ThreeWayOptions } from './three-way.js';
export { noPatchSchema, type PatchLookup, type PatchMeta, type PatchSchema } from './patch-schema.js';
export { openApiPatchSchema } from './openapi-patch-schema.js';
export { withPatchMetadata } from './with-patch-metadata.js';
export { patchTable, type FieldPatchMeta, type PatchTable } from './patch-table.js';
export { type JsonObject, type JsonValue } from './json-value.js';

export const jsonPatchType = 'application/json-patch+json';
export const mergePatchType = 'application/merge-patch+json';
export const strategicMergePatchType = 'application/strategic-merge-patch+json';
export const applyPatchType = 'application/apply-patch+yaml';

/**
 * The PATCH entry point for the non-apply patch types: parses `patchBody`
 * (raw bytes/text, or an already-decoded value) and applies it to a copy of
 * `obj`, dispatching on the media type of `contentType` (parameters such as
 * `charset` are ignored). `obj` is never modified.
 *
 * - `application/json-patch+json`: RFC 6902 (json-patch.ts for error codes);
 * - `application/merge-patch+json`: RFC 7386; a body that is not an object is a 400;
 * - `application/strategic-merge-patch+json`: needs `schema`; without one (custom
 *   resources) it is a 415, as upstream;
 * - anything else, `application/apply-patch+yaml` included (server-side apply is
 *   handled by the apiserver, not here): 415 UnsupportedMediaType.
 *
 * A body that is not valid JSON is a 400; so is a result that is not an object.
 */
export function applyPatch(
  obj: JsonObject,
  patchBody: string | Uint8Array | JsonValue,
  contentType: string,
  schema?: PatchSchema,
): JsonObject {
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  switch (mediaType) {
    case jsonPatchType:
      return resultObject(applyJsonPatch(obj, decodeBody(patchBody)));
    case mergePatchType: {
      const patch = decodeBody(patchBody);
      if (!isJsonObject(patch)) throw patchBadRequest('Invalid JSON Patch');
      return resultObject(applyMergePatch(obj, patch));
    }
    case strategicMergePatchType: {
      if (!schema) throw unsupportedMediaType(contentType, [jsonPatchType, mergePatchType, applyPatchType]);
      const patch = decodeBody(patchBody);
      if (!isJsonObject(patch)) {
        throw patchBadRequest(
          `json: cannot unmarshal ${Array.isArray(patch) ? 'array' : patch === null ? 'null' : typeof patch} into Go value of type map[string]interface {}`,
        );
      }
      return applyStrategicMergePatch(obj, patch, schema);
    }
    default:
      throw unsupportedMediaType(contentType, [jsonPatchType, mergePatchType, strategicMergePatchType, applyPatchType]);
  }
}

function decodeBody(body: string | Uint8Array | JsonValue): JsonValue {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return body;
  try {
    return parseJson(body);
  } catch (err) {
    throw patchBadRequest(err instanceof Error ? err.message : String(err));
  }
}

function resultObject(v: JsonValue): JsonObject {
  if (!isJsonObject(v)) throw patchBadRequest('the patched document is not a JSON object');
  return v;
}
