import { internalError, type StatusError } from '../errors/status-error.js';
import { goFormat, goTypeName, type JsonObject, type JsonValue } from './json-value.js';
import { mergePatchMessages, patchBadRequest } from './patch-errors.js';

/**
 * The strategic-merge-patch vocabulary (upstream `strategicpatch/patch.go`)
 * and the errors it produces, worded like upstream `mergepatch/errors.go`.
 */
export const directiveMarker = '$patch';
export const deleteDirective = 'delete';
export const replaceDirective = 'replace';
export const mergeDirective = 'merge';
export const retainKeysStrategy = 'retainKeys';
export const retainKeysDirective = '$retainKeys';
export const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList';
export const setElementOrderPrefix = '$setElementOrder';

/** `$setElementOrder/containers` -> `containers`; anything else malformed is a 400. */
export function extractDirectiveKey(key: string, prefix: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw patchBadRequest(
      prefix === deleteFromPrimitiveListPrefix
        ? mergePatchMessages.badPrimitiveList
        : mergePatchMessages.badSetElementOrder,
    );
  }
  return key.slice(slash + 1);
}

/**
 * Splits a field's strategies into "has retainKeys" and the remaining strategy
 * (`merge`, `replace` or `''`). More than one other strategy is a schema bug.
 */
export function splitRetainKeys(strategies: readonly string[]): { retainKeys: boolean; strategy: string } {
  switch (strategies.length) {
    case 0:
      return { retainKeys: false, strategy: '' };
    case 1:
      return strategies[0] === retainKeysStrategy
        ? { retainKeys: true, strategy: '' }
        : { retainKeys: false, strategy: strategies[0]! };
    case 2:
      if (strategies[0] === retainKeysStrategy) return { retainKeys: true, strategy: strategies[1]! };
      if (strategies[1] === retainKeysStrategy) return { retainKeys: true, strategy: strategies[0]! };
      break;
  }
  throw internalError(new Error(`unexpected patch strategy: ${goFormat([...strategies])}`));
}

export function noMergeKeyError(m: JsonObject, mergeKey: string): StatusError {
  return patchBadRequest(`map: ${goFormat(m)} does not contain declared merge key: ${mergeKey}`);
}

export function badArgTypeError(expected: 'map' | 'slice', actual: JsonValue | undefined): StatusError {
  const want = expected === 'map' ? 'map[string]interface {}' : '[]interface {}';
  return patchBadRequest(`expected a ${want}, but received a ${goTypeName(actual)}`);
}

export function badPatchTypeError(directive: JsonValue, m: JsonObject): StatusError {
  return patchBadRequest(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(m)}`);
}
