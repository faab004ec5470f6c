import { forbidden, type StatusError } from '../../../../api/errors/status-error.js';
import type { AdmissionAttributes } from '../types.js';
import type { KubeObject } from '../../watch-cache/types.js';

/**
 * Helpers shared by the built-in admission plugins (upstream
 * `apiserver/pkg/admission` errors.go and the attribute accessors).
 */

/** True when the request is about `group/plural` (any version). */
export function isResource(a: AdmissionAttributes, group: string, plural: string): boolean {
  return a.resource.group === group && a.resource.plural === plural;
}

/**
 * The name upstream's `admission.NewForbidden` reports: the request name, else
 * the object's name, else its generateName (names are not generated yet at
 * admission time), else `Unknown`.
 */
export function admissionObjectName(a: AdmissionAttributes): string {
  if (a.name) return a.name;
  const meta = a.object?.metadata;
  if (meta) {
    if (meta.name) return meta.name;
    const generateName = meta.generateName;
    if (typeof generateName === 'string' && generateName) return generateName;
  }
  return 'Unknown';
}

/** `pods "web" is forbidden: <reason>` for the request's resource, as `admission.NewForbidden`. */
export function admissionForbidden(a: AdmissionAttributes, reason: string): StatusError {
  return forbidden({ group: a.resource.group, resource: a.resource.plural }, admissionObjectName(a), reason);
}

/** The object's annotations, or an empty record. */
export function annotationsOf(obj: KubeObject | undefined): Record<string, string> {
  return (obj?.metadata?.annotations as Record<string, string> | undefined) ?? {};
}

/** Upstream's mirror-pod marker (`kubernetes.io/config.mirror`). */
export const mirrorPodAnnotation = 'kubernetes.io/config.mirror';

/** Replaces every own property of `target` with those of `source` (keeps the reference the caller holds). */
export function replaceContents(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const k of Object.keys(target)) if (!(k in source)) delete target[k];
  for (const [k, v] of Object.entries(source)) target[k] = v;
}
