import { requestEntityTooLarge } from '../errors/status-error.js';
import { JsonPointerError, parseArrayIndex, parseJsonPointer } from './json-pointer.js';
import { deepCopy, deepEqual, hasKey, isJsonObject, setKey, type JsonObject, type JsonValue } from './json-value.js';
import { patchBadRequest, patchUnprocessable } from './patch-errors.js';

/**
 * JSON Patch (RFC 6902), as `application/json-patch+json` PATCH requests
 * carry it (`kubectl patch --type=json`, `kubectl rollout undo`).
 *
 * Errors: a body that is not an array of objects is a 400 (upstream fails to
 * decode it); an operation that cannot be applied makes the whole patch fail
 * with upstream's 422 (see patch-errors.ts), its detail worded like the
 * evanphx/json-patch library kube-apiserver uses. More than 10,000 operations
 * is a 413, as upstream. The input document is never modified.
 */
export interface JsonPatchOperation {
  op: string;
  path?: string;
  from?: string;
  value?: JsonValue;
}

/** kube-apiserver's `maxJSONPatchOperations`. */
export const maxJsonPatchOperations = 10000;

/** Checks the shape of a decoded body (an array of operation objects). */
export function decodeJsonPatch(body: JsonValue): JsonPatchOperation[] {
  if (!Array.isArray(body)) {
    throw patchBadRequest(`json: cannot unmarshal ${jsonTypeWord(body)} into Go value of type jsonpatch.Patch`);
  }
  for (const op of body) {
    if (!isJsonObject(op)) {
      throw patchBadRequest(
        `json: cannot unmarshal ${jsonTypeWord(op)} into Go value of type map[string]*json.RawMessage`,
      );
    }
  }
  if (body.length > maxJsonPatchOperations) {
    throw requestEntityTooLarge(
      `The allowed maximum operations in a JSON patch is ${maxJsonPatchOperations}, got ${body.length}`,
    );
  }
  return body as unknown as JsonPatchOperation[];
}

function jsonTypeWord(v: JsonValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** Applies `patch` (a decoded body or operations) to a copy of `doc` and returns the copy. */
export function applyJsonPatch(doc: JsonValue, patch: JsonValue | JsonPatchOperation[]): JsonValue {
  const ops = decodeJsonPatch(patch as JsonValue);
  const state = { doc: deepCopy(doc) };
  for (const op of ops) {
    try {
      applyOperation(state, op);
    } catch (err) {
      if (err instanceof OperationError || err instanceof JsonPointerError) throw patchUnprocessable(err.message);
      throw err;
    }
  }
  return state.doc;
}

class OperationError extends Error {}

const missing = (what: string) => new OperationError(`${what}: missing value`);

function requiredPointer(op: JsonPatchOperation, field: 'path' | 'from'): string[] {
  const v = (op as unknown as JsonObject)[field];
  if (typeof v !== 'string') {
    throw field === 'path' ? missing('operation missing path field') : missing('operation, missing from field');
  }
  return parseJsonPointer(v);
}

function requiredValue(op: JsonPatchOperation): JsonValue {
  if (!hasKey(op as unknown as JsonObject, 'value')) throw missing(`${op.op} operation, missing value field`);
  return deepCopy(op.value!);
}

function applyOperation(state: { doc: JsonValue }, op: JsonPatchOperation): void {
  switch (op.op) {
    case 'add':
      add(state, requiredPointer(op, 'path'), requiredValue(op), op.path!);
      return;
    case 'remove':
      remove(state, requiredPointer(op, 'path'), op.path!);
      return;
    case 'replace':
      replace(state, requiredPointer(op, 'path'), requiredValue(op), op.path!);
      return;
    case 'move': {
      const from = requiredPointer(op, 'from');
      const path = requiredPointer(op, 'path');
      if (path.length > from.length && from.every((t, i) => t === path[i])) {
        throw new OperationError(`move operation does not apply: "from" ${op.from} is a prefix of "path" ${op.path}`);
      }
      const value = get(state.doc, from);
      if (value === undefined) throw missing(`move operation does not apply: doc is missing from path: ${op.from}`);
      remove(state, from, op.from!);
      add(state, path, value, op.path!);
      return;
    }
    case 'copy': {
      const from = requiredPointer(op, 'from');
      const path = requiredPointer(op, 'path');
      const value = get(state.doc, from);
      if (value === undefined) throw missing(`copy operation does not apply: doc is missing from path: ${op.from}`);
      add(state, path, deepCopy(value), op.path!);
      return;
    }
    case 'test': {
      const path = requiredPointer(op, 'path');
      const expected = requiredValue(op);
      const actual = get(state.doc, path);
      if (actual === undefined) throw missing(`test operation does not apply: is missing path: ${op.path}`);
      if (!deepEqual(actual, expected)) throw new OperationError(`testing value ${op.path} failed: test failed`);
      return;
    }
    default:
      throw new OperationError(`Unexpected kind: ${String(op.op)}`);
  }
}

/** The value at `tokens`, or undefined when any step is missing. */
function get(doc: JsonValue, tokens: readonly string[]): JsonValue | undefined {
  let cur: JsonValue | undefined = doc;
  for (const t of tokens) {
    if (Array.isArray(cur)) {
      const i = parseArrayIndex(t);
      cur = i === undefined || i >= cur.length ? undefined : cur[i];
    } else if (isJsonObject(cur)) {
      cur = hasKey(cur, t) ? cur[t] : undefined;
    } else {
      return undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

function parentOf(doc: JsonValue, tokens: readonly string[]): JsonValue | undefined {
  return get(doc, tokens.slice(0, -1));
}

function invalidIndex(token: string): OperationError {
  return new OperationError(`Unable to access invalid index: ${token}: invalid index referenced`);
}

function add(state: { doc: JsonValue }, tokens: string[], value: JsonValue, path: string): void {
  if (tokens.length === 0) {
    state.doc = value;
    return;
  }
  const parent = parentOf(state.doc, tokens);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    if (last === '-') {
      parent.push(value);
      return;
    }
    const i = parseArrayIndex(last);
    if (i === undefined || i > parent.length) throw invalidIndex(last);
    parent.splice(i, 0, value);
  } else if (isJsonObject(parent)) {
    setKey(parent, last, value);
  } else {
    throw missing(`add operation does not apply: doc is missing path: ${JSON.stringify(path)}`);
  }
}

function remove(state: { doc: JsonValue }, tokens: string[], path: string): void {
  const parent = tokens.length ? parentOf(state.doc, tokens) : undefined;
  const last = tokens[tokens.length - 1] ?? '';
  if (Array.isArray(parent)) {
    const i = parseArrayIndex(last);
    if (i === undefined || i >= parent.length) throw invalidIndex(last);
    parent.splice(i, 1);
  } else if (isJsonObject(parent) && hasKey(parent, last)) {
    delete parent[last];
  } else if (isJsonObject(parent)) {
    throw missing(`Unable to remove nonexistent key: ${last}`);
  } else {
    throw missing(`remove operation does not apply: doc is missing path: ${JSON.stringify(path)}`);
  }
}

function replace(state: { doc: JsonValue }, tokens: string[], value: JsonValue, path: string): void {
  if (tokens.length === 0) {
    state.doc = value;
    return;
  }
  const parent = parentOf(state.doc, tokens);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const i = parseArrayIndex(last);
    if (i === undefined || i >= parent.length) throw invalidIndex(last);
    parent[i] = value;
  } else if (isJsonObject(parent) && hasKey(parent, last)) {
    setKey(parent, last, value);
  } else {
    throw missing(`replace operation does not apply: doc is missing key: ${path}`);
  }
}
