import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Affinity, NodeSelector, Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { scaledValueFromIntOrPercent } from '../../../../api/values/int-or-string.js';
import { addOrUpdateDaemonPodTolerations } from './node-predicates.js';

/** Pod and revision label with the template hash (apps.DefaultDaemonSetUniqueLabelKey). */
export const DaemonSetUniqueLabelKey = 'controller-revision-hash';
/** Pod label with the template generation, kept for compatibility (extensions.DaemonSetTemplateGenerationKey). */
export const DaemonSetTemplateGenerationKey = 'pod-template-generation';
/** Annotation through which apps/v1 carries the internal templateGeneration (apps.DeprecatedTemplateGeneration). */
export const DeprecatedTemplateGeneration = 'deprecated.daemonset.template.generation';

export const daemonSetApiVersion = 'apps/v1';
export const daemonSetKind = 'DaemonSet';

/** The template generation from the deprecated annotation; undefined when absent or unparsable. */
export function templateGeneration(ds: DaemonSet): number | undefined {
  const a = ds.metadata?.annotations?.[DeprecatedTemplateGeneration];
  return a !== undefined && /^[+-]?[0-9]+$/.test(a) ? Number(a) : undefined;
}

/**
 * The template daemon pods are created from (upstream CreatePodTemplate):
 * default tolerations added, labeled with the generation (when known) and
 * the revision hash.
 */
export function createPodTemplate(
  template: PodTemplateSpec | undefined,
  generation: number | undefined,
  hash: string,
): PodTemplateSpec {
  const t = structuredClone(template ?? {});
  t.spec ??= { containers: [] };
  addOrUpdateDaemonPodTolerations(t.spec);
  const labels = { ...t.metadata?.labels };
  if (generation !== undefined) labels[DaemonSetTemplateGenerationKey] = String(generation);
  if (hash) labels[DaemonSetUniqueLabelKey] = hash;
  t.metadata = { ...t.metadata, labels };
  return t;
}

/**
 * Pins a pod to `nodeName` for the scheduler: the required node affinity
 * becomes one term `matchFields metadata.name In [nodeName]`; preferred
 * affinity is kept (upstream ReplaceDaemonSetPodNodeNameNodeAffinity).
 * Returns a new object.
 */
export function replaceDaemonSetPodNodeNameNodeAffinity(affinity: Affinity | undefined, nodeName: string): Affinity {
  const selector: NodeSelector = {
    nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
  };
  const out = structuredClone(affinity ?? {});
  out.nodeAffinity = { ...out.nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: selector };
  return out;
}

/**
 * The node a daemon pod is for: spec.nodeName once bound, else the node its
 * `matchFields metadata.name In [x]` affinity names (upstream GetTargetNodeName).
 */
export function getTargetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  for (const term of terms ?? []) {
    for (const r of term.matchFields ?? []) {
      if (r.key === 'metadata.name' && r.operator === 'In') return r.values?.length === 1 ? r.values[0] : undefined;
    }
  }
  return undefined;
}

/** Extra pods allowed per rollout step, 0 unless RollingUpdate with maxSurge (upstream SurgeCount; DaemonSetUpdateSurge is GA). */
export function surgeCount(ds: DaemonSet, numberToSchedule: number): number {
  const s = ds.spec?.updateStrategy;
  if (s?.type !== 'RollingUpdate' || s.rollingUpdate?.maxSurge === undefined || s.rollingUpdate.maxSurge === null)
    return 0;
  return scaledValueFromIntOrPercent(s.rollingUpdate.maxSurge, numberToSchedule, true);
}

/** Pods that may be unavailable during a rollout (upstream UnavailableCount, percentages rounded up). */
export function unavailableCount(ds: DaemonSet, numberToSchedule: number): number {
  const s = ds.spec?.updateStrategy;
  if (s?.type !== 'RollingUpdate' || !s.rollingUpdate) return 0;
  return scaledValueFromIntOrPercent(s.rollingUpdate.maxUnavailable, numberToSchedule, true);
}

/** More than one pod per node is allowed during a rollout. */
export function allowsSurge(ds: DaemonSet): boolean {
  try {
    return surgeCount(ds, 1) > 0;
  } catch {
    return false;
  }
}

/**
 * The pod runs the current template: its hash label matches. (Upstream also
 * compares pod-template-generation, but prints the generation pointer rather
 * than its value, so that comparison never holds; we match that.)
 */
export const isPodUpdated = (pod: Pod, hash: string): boolean =>
  hash.length > 0 && pod.metadata?.labels?.[DaemonSetUniqueLabelKey] === hash;

const created = (p: Pod) => Date.parse(p.metadata?.creationTimestamp ?? '') || 0;

/** Bound pods first, then oldest, then by name (upstream podByCreationTimestampAndPhase). */
export function compareByCreationTimestampAndPhase(a: Pod, b: Pod): number {
  const ba = !!a.spec?.nodeName;
  const bb = !!b.spec?.nodeName;
  if (ba !== bb) return ba ? -1 : 1;
  const ta = created(a);
  const tb = created(b);
  if (ta !== tb) return ta - tb;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}
