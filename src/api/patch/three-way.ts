import { stringify } from 'yaml';
import { conflictMessage } from '../errors/status-error.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json-value.js';
import type { PatchSchema } from './patch-schema.js';
import { diffStrategic } from './strategic-diff.js';
import { combineStrategicPatches } from './strategic-merge.js';
import { strategicPatchesConflict } from './three-way-conflicts.js';

/**
 * Client-side apply's patch (upstream `CreateThreeWayMergePatch`, what
 * `kubectl apply` sends): `original` is the last-applied configuration,
 * `modified` the new manifest, `current` the live object. The patch is
 *
 *   deletions: fields/elements in `original` that `modified` dropped
 *              (`null`, `$patch: delete`, `$deleteFromPrimitiveList`), plus
 *   delta:     everything in `modified` that differs from `current`
 *              (never deleting what only the server set),
 *
 * with `$setElementOrder` for merged lists. Fields the server added (present
 * in `current` but never in `original`) survive the patch.
 *
 * With `overwrite: false` (kubectl's `--overwrite=false`) a patch that changes
 * a field differently from how `current` already diverged from `original`
 * fails with 409 Conflict.
 */
export interface ThreeWayOptions {
  /** Default true, as kubectl. */
  overwrite?: boolean;
}

export function createThreeWayMergePatch(
  original: JsonObject | null | undefined,
  modified: JsonObject,
  current: JsonObject,
  schema: PatchSchema,
  options: ThreeWayOptions = {},
): JsonObject {
  const last = original ?? {};
  const delta = diffStrategic(current, modified, schema, { ignoreDeletions: true, setElementOrder: true });
  const deletions = diffStrategic(last, modified, schema, { ignoreChangesAndAdditions: true, setElementOrder: true });
  const patch = combineStrategicPatches(deletions, delta, schema);
  if (options.overwrite === false) {
    const changed = diffStrategic(last, current, schema, {});
    if (strategicPatchesConflict(patch, changed, schema)) {
      throw conflictMessage(
        `patch:\n${toYaml(patch)}\nconflicts with changes made from original to current:\n${toYaml(changed)}\n`,
      );
    }
  }
  return patch;
}

/** The strategic merge patch from `original` to `modified` (upstream `CreateTwoWayMergePatch`). */
export function createTwoWayMergePatch(original: JsonObject, modified: JsonObject, schema: PatchSchema): JsonObject {
  return diffStrategic(original, modified, schema, { setElementOrder: true });
}

function toYaml(v: JsonValue): string {
  return isJsonObject(v) && Object.keys(v).length === 0 ? '{}\n' : stringify(v);
}
