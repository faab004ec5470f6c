import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type {
  Node,
  NodeSelector,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  PodSpec,
  Taint,
  Toleration,
} from 'kubernetes-types/core/v1.js';
import {
  taintNodeDiskPressure,
  taintNodeMemoryPressure,
  taintNodeNetworkUnavailable,
  taintNodeNotReady,
  taintNodePIDPressure,
  taintNodeUnreachable,
  taintNodeUnschedulable,
  tolerates,
} from '../node-lifecycle/taints.js';

/**
 * The scheduling checks the DaemonSet controller makes itself (upstream
 * daemon_controller.go `predicates`, component-helpers nodeaffinity and
 * `FindMatchingUntoleratedTaint`): node name, required node affinity
 * (nodeSelector plus requiredDuringSchedulingIgnoredDuringExecution) and
 * taints. Resources and ports are the scheduler's business.
 */

/** The tolerations every DaemonSet pod gets (upstream AddOrUpdateDaemonPodTolerations). */
export function defaultDaemonTolerations(hostNetwork: boolean): Toleration[] {
  const out: Toleration[] = [
    { key: taintNodeNotReady, operator: 'Exists', effect: 'NoExecute' },
    { key: taintNodeUnreachable, operator: 'Exists', effect: 'NoExecute' },
    { key: taintNodeDiskPressure, operator: 'Exists', effect: 'NoSchedule' },
    { key: taintNodeMemoryPressure, operator: 'Exists', effect: 'NoSchedule' },
    { key: taintNodePIDPressure, operator: 'Exists', effect: 'NoSchedule' },
    { key: taintNodeUnschedulable, operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (hostNetwork) out.push({ key: taintNodeNetworkUnavailable, operator: 'Exists', effect: 'NoSchedule' });
  return out;
}

/** Same key, operator, value and effect (upstream Toleration.MatchToleration). */
const sameToleration = (a: Toleration, b: Toleration) =>
  (a.key ?? '') === (b.key ?? '') &&
  (a.operator ?? '') === (b.operator ?? '') &&
  (a.value ?? '') === (b.value ?? '') &&
  (a.effect ?? '') === (b.effect ?? '');

const identicalToleration = (a: Toleration, b: Toleration) =>
  sameToleration(a, b) && (a.tolerationSeconds ?? null) === (b.tolerationSeconds ?? null);

/**
 * Adds `t`, replacing a toleration that matches it but differs (e.g. one with
 * tolerationSeconds); false when an identical one is already there
 * (upstream AddOrUpdateTolerationInPodSpec). Mutates `spec`.
 */
export function addOrUpdateToleration(spec: PodSpec, t: Toleration): boolean {
  const current = spec.tolerations ?? [];
  const next: Toleration[] = [];
  let updated = false;
  for (const existing of current) {
    if (sameToleration(t, existing)) {
      if (identicalToleration(t, existing)) return false;
      next.push({ ...t });
      updated = true;
      continue;
    }
    next.push(existing);
  }
  if (!updated) next.push({ ...t });
  spec.tolerations = next;
  return true;
}

/** Adds the default DaemonSet tolerations to `spec` (mutates it). */
export function addOrUpdateDaemonPodTolerations(spec: PodSpec): void {
  for (const t of defaultDaemonTolerations(!!spec.hostNetwork)) addOrUpdateToleration(spec, t);
}

/** What the placement checks read from a DaemonSet's template, with the default tolerations applied. */
interface PlacementView {
  nodeName?: string;
  nodeSelector: Record<string, string>;
  required?: NodeSelector;
  tolerations: Toleration[];
}

const views = new WeakMap<object, PlacementView>();

/**
 * The placement view of `ds`, cached per template object: informer objects
 * are immutable, and the checks run for every node on every sync.
 */
function placementView(ds: DaemonSet): PlacementView {
  const template = ds.spec?.template;
  const cached = template && views.get(template);
  if (cached) return cached;
  const spec = template?.spec;
  const tolerationSpec: PodSpec = {
    containers: [],
    hostNetwork: spec?.hostNetwork,
    tolerations: [...(spec?.tolerations ?? [])],
  };
  addOrUpdateDaemonPodTolerations(tolerationSpec);
  const view: PlacementView = {
    nodeName: spec?.nodeName || undefined,
    nodeSelector: spec?.nodeSelector ?? {},
    required: spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
    tolerations: tolerationSpec.tolerations ?? [],
  };
  if (template) views.set(template, view);
  return view;
}

/** Go strconv.ParseInt(s, 10, 64), or undefined. */
function parseInt64(s: string): number | undefined {
  return /^[+-]?[0-9]+$/.test(s) ? Number(s) : undefined;
}

/** One label requirement against node labels; undefined when the requirement is malformed. */
function labelRequirementMatches(r: NodeSelectorRequirement, labels: Record<string, string>): boolean | undefined {
  const values = r.values ?? [];
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = labels[r.key];
  switch (r.operator) {
    case 'In':
      if (values.length === 0) return undefined;
      return has && values.includes(v!);
    case 'NotIn':
      if (values.length === 0) return undefined;
      return !has || !values.includes(v!);
    case 'Exists':
      if (values.length > 0) return undefined;
      return has;
    case 'DoesNotExist':
      if (values.length > 0) return undefined;
      return !has;
    case 'Gt':
    case 'Lt': {
      const bound = values.length === 1 ? parseInt64(values[0]!) : undefined;
      if (bound === undefined) return undefined;
      const n = has ? parseInt64(v!) : undefined;
      if (n === undefined) return false;
      return r.operator === 'Gt' ? n > bound : n < bound;
    }
    default:
      return undefined;
  }
}

/** One field requirement (only `metadata.name`, In/NotIn with one value); undefined when malformed. */
function fieldRequirementMatches(r: NodeSelectorRequirement, node: Node): boolean | undefined {
  const values = r.values ?? [];
  if (values.length !== 1) return undefined;
  const actual = r.key === 'metadata.name' ? (node.metadata?.name ?? '') : '';
  if (r.operator === 'In') return actual === values[0];
  if (r.operator === 'NotIn') return actual !== values[0];
  return undefined;
}

/** A term matches when all its requirements do; an empty or malformed term matches nothing. */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  for (const r of exprs) if (labelRequirementMatches(r, labels) !== true) return false;
  for (const r of fields) if (fieldRequirementMatches(r, node) !== true) return false;
  return true;
}

/** nodeSelector and required node affinity (terms ORed) both hold (upstream GetRequiredNodeAffinity(pod).Match). */
export function requiredNodeAffinityMatches(
  nodeSelector: Record<string, string>,
  required: NodeSelector | undefined,
  node: Node,
): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(nodeSelector)) if (labels[k] !== v) return false;
  if (!required) return true;
  return (required.nodeSelectorTerms ?? []).some((t) => nodeSelectorTermMatches(t, node));
}

/** The first taint passing `filter` that no toleration tolerates (upstream FindMatchingUntoleratedTaint). */
export function findUntoleratedTaint(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
  filter: (t: Taint) => boolean,
): Taint | undefined {
  return taints.find((taint) => filter(taint) && !tolerations.some((t) => tolerates(t, taint)));
}

export interface ShouldRun {
  /** A daemon pod should be started on the node if there is none. */
  shouldRun: boolean;
  /** A daemon pod already on the node may stay (NoSchedule taints do not evict). */
  shouldContinueRunning: boolean;
}

/** Whether `ds` belongs on `node` (upstream NodeShouldRunDaemonPod over the pod NewPod would build). */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): ShouldRun {
  const v = placementView(ds);
  if (v.nodeName && v.nodeName !== node.metadata?.name) return { shouldRun: false, shouldContinueRunning: false };
  if (!requiredNodeAffinityMatches(v.nodeSelector, v.required, node))
    return { shouldRun: false, shouldContinueRunning: false };
  const taints = node.spec?.taints ?? [];
  const blocking = findUntoleratedTaint(
    taints,
    v.tolerations,
    (t) => t.effect === 'NoExecute' || t.effect === 'NoSchedule',
  );
  if (!blocking) return { shouldRun: true, shouldContinueRunning: true };
  const evicting = findUntoleratedTaint(taints, v.tolerations, (t) => t.effect === 'NoExecute');
  return { shouldRun: false, shouldContinueRunning: !evicting };
}
