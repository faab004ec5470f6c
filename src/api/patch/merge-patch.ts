import { deepCopy, deepEqual, hasKey, isJsonObject, setKey, type JsonObject, type JsonValue } from './json-value.js';

/**
 * JSON Merge Patch (RFC 7386), `application/merge-patch+json`: objects merge
 * recursively, `null` deletes a key, every other value (arrays included)
 * replaces what was there. Inputs are never modified; the result shares no
 * structure with them.
 */
export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return deepCopy(patch);
  const result: JsonObject = isJsonObject(target) ? deepCopy(target) : {};
  mergeInto(result, patch);
  return result;
}

function mergeInto(target: JsonObject, patch: JsonObject): void {
  for (const key of Object.keys(patch)) {
    const value = patch[key]!;
    if (value === null) {
      delete target[key];
    } else if (isJsonObject(value)) {
      const existing = hasKey(target, key) ? target[key] : undefined;
      const child: JsonObject = isJsonObject(existing) ? existing : {};
      mergeInto(child, value);
      setKey(target, key, child);
    } else {
      setKey(target, key, deepCopy(value));
    }
  }
}

/**
 * The merge patch that turns `original` into `modified`: removed keys become
 * `null`, changed objects recurse, any other change carries the new value.
 * Returns `{}` when the documents are equal. A `null` inside `modified` cannot
 * be expressed by a merge patch (it means "delete"); like upstream's
 * `jsonmergepatch`, such keys are emitted as `null`, i.e. deleted.
 */
export function createMergePatch(original: JsonValue, modified: JsonValue): JsonValue {
  if (!isJsonObject(original) || !isJsonObject(modified)) {
    return deepEqual(original, modified) ? {} : deepCopy(modified);
  }
  return diffObjects(original, modified);
}

function diffObjects(original: JsonObject, modified: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const key of Object.keys(original)) {
    if (!hasKey(modified, key)) setKey(patch, key, null);
  }
  for (const key of Object.keys(modified)) {
    const m = modified[key]!;
    if (!hasKey(original, key)) {
      setKey(patch, key, deepCopy(m));
      continue;
    }
    const o = original[key]!;
    if (isJsonObject(o) && isJsonObject(m)) {
      const sub = diffObjects(o, m);
      if (Object.keys(sub).length > 0) setKey(patch, key, sub);
    } else if (!deepEqual(o, m)) {
      setKey(patch, key, deepCopy(m));
    }
  }
  return patch;
}
