/**
 * Client-side apply's `kubectl.kubernetes.io/last-applied-configuration`
 * annotation in server-side apply (apimachinery `lastappliedmanager.go`,
 * `lastappliedupdater.go`). Both rules apply only to the manager `kubectl`
 * (`kubectl apply --server-side`), so other appliers opt out:
 *
 * - upgrade: conflicts on fields whose live value still equals the annotation
 *   (fields that client-side apply set) are not conflicts, the apply is forced;
 * - sync: when the object carries the annotation, it is rewritten to the newly
 *   applied configuration, so a later client-side apply computes the right patch.
 */
import { compareObjects } from './compare.js';
import type { FieldSet } from './field-set.js';
import { goJSON, isJsonObject, jsonClone, type JsonObject } from './go-json.js';
import { fieldSetOf } from './to-field-set.js';
import type { TypeNode } from './type-schema.js';
import { validateTyped } from './typed-value.js';

export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';

/** The manager whose applies take part in the client-side apply upgrade. */
export const kubectlApplyManager = 'kubectl';

function annotationOf(obj: JsonObject | undefined): string | undefined {
  const meta = obj?.metadata;
  if (!isJsonObject(meta) || !isJsonObject(meta.annotations)) return undefined;
  const v = meta.annotations[lastAppliedAnnotation];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Fields the last client-side apply set and whose live value is unchanged, or
 * undefined when there is no usable annotation (then conflicts stand).
 */
export function allowedConflictsFromLastApplied(
  live: JsonObject | undefined,
  apiVersion: string,
  schema: TypeNode,
): FieldSet | undefined {
  const text = annotationOf(live);
  if (text === undefined || !live) return undefined;
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isJsonObject(lastApplied) || lastApplied.apiVersion !== apiVersion) return undefined;
  if (validateTyped(lastApplied, schema, false).length) return undefined;
  const cmp = compareObjects(lastApplied, live, schema);
  return fieldSetOf(lastApplied, schema).difference(cmp.modified).difference(cmp.added).difference(cmp.removed);
}

/** The annotation value for an applied config: compact JSON, sorted keys, trailing newline. */
export function buildLastApplied(config: JsonObject): string {
  const copy = jsonClone(config);
  const meta = copy.metadata;
  if (isJsonObject(meta) && isJsonObject(meta.annotations)) delete meta.annotations[lastAppliedAnnotation];
  return goJSON(copy) + '\n';
}

/** Rewrites the annotation of `obj` (in place) when it has one; true when that changed it. */
export function syncLastApplied(obj: JsonObject, config: JsonObject): boolean {
  const current = annotationOf(obj);
  if (current === undefined) return false;
  const next = buildLastApplied(config);
  const meta = obj.metadata as JsonObject;
  (meta.annotations as JsonObject)[lastAppliedAnnotation] = next;
  return next !== current;
}
