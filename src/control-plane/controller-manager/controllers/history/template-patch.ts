import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { applyStrategicMergePatch, type JsonObject, noPatchSchema } from '../../../../api/patch/index.js';
import { goJSONMarshal, sortedCopy } from './go-json.js';

/** What a StatefulSet or DaemonSet revision restores: `spec.template`. */
export interface TemplateOwner {
  spec?: { template?: PodTemplateSpec };
}

/**
 * The data a StatefulSet or DaemonSet ControllerRevision stores (upstream
 * getPatch in both controllers): a strategic merge patch that replaces
 * `spec.template` wholesale, `{"spec":{"template":{"$patch":"replace",...}}}`.
 * Keys are inserted in Go's order so the object serializes as upstream's bytes.
 */
export function templatePatch(owner: TemplateOwner): JsonObject {
  const template = sortedCopy((owner.spec?.template ?? {}) as JsonObject);
  return { spec: { template: { $patch: 'replace', ...template } } };
}

/** The patch's bytes as upstream stores them in `Data.Raw`. */
export function templatePatchRaw(owner: TemplateOwner): string {
  return goJSONMarshal(templatePatch(owner));
}

/**
 * Applies a revision's data to a copy of `owner` (upstream ApplyRevision and
 * kubectl's applyHistory): a strategic merge patch; the `$patch: replace`
 * directive makes the template exactly the revision's. `owner` is not changed.
 */
export function applyTemplatePatch<T extends TemplateOwner>(owner: T, data: unknown): T {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return structuredClone(owner);
  return applyStrategicMergePatch(owner as unknown as JsonObject, data as JsonObject, noPatchSchema) as unknown as T;
}
