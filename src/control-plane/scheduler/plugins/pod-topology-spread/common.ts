import type { Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import {
  selectorFromLabelSelector,
  selectorFromRequirements,
  type LabelMatcher,
  type Requirement,
} from '../../../../api/selectors/label-selector.js';
import type { Listers } from '../../framework/interfaces.js';
import type { RequiredNodeAffinity } from '../../framework/node-selector.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { findUntoleratedTaint, isDoNotScheduleTaint } from '../../framework/taints.js';

/** A spread constraint with its selector compiled and policies defaulted. */
export interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: LabelMatcher;
  /** Defaults to 1. */
  minDomains: number;
  /** Honor (default): only nodes matching the pod's node affinity count. */
  nodeAffinityPolicy: string;
  /** Ignore (default): tainted nodes count too. */
  nodeTaintsPolicy: string;
}

export const LabelHostname = 'kubernetes.io/hostname';

/** Upstream systemDefaultConstraints (used with defaultingType System). */
export const systemDefaultConstraints: readonly TopologySpreadConstraint[] = [
  { topologyKey: LabelHostname, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 3 },
  { topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 5 },
];

/**
 * The constraints with the given whenUnsatisfiable, compiled (upstream
 * filterTopologySpreadConstraints); matchLabelKeys add `key=<pod's value>`
 * requirements to the selector. Throws on an invalid selector.
 */
export function compileConstraints(
  constraints: readonly TopologySpreadConstraint[],
  podLabels: Record<string, string> | undefined,
  action: 'DoNotSchedule' | 'ScheduleAnyway',
): Constraint[] {
  const out: Constraint[] = [];
  for (const c of constraints) {
    if (c.whenUnsatisfiable !== action) continue;
    let selector = selectorFromLabelSelector(c.labelSelector);
    if (c.matchLabelKeys?.length && podLabels) {
      const extra: Requirement[] = [];
      for (const k of c.matchLabelKeys) {
        const v = podLabels[k];
        if (v !== undefined) extra.push({ key: k, operator: '=', values: [v] });
      }
      if (extra.length) selector = selectorFromRequirements([...selector.requirements(), ...extra]);
    }
    out.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector,
      minDomains: c.minDomains ?? 1,
      nodeAffinityPolicy: c.nodeAffinityPolicy ?? 'Honor',
      nodeTaintsPolicy: c.nodeTaintsPolicy ?? 'Ignore',
    });
  }
  return out;
}

/** Whether the node counts for the constraint (upstream matchNodeInclusionPolicies). */
export function matchNodeInclusionPolicies(
  c: Constraint,
  pod: Pod,
  ni: NodeInfo,
  required: RequiredNodeAffinity,
): boolean {
  if (c.nodeAffinityPolicy === 'Honor' && !required.isEmpty() && !required.matchesLabels(ni.labels, ni.name))
    return false;
  if (c.nodeTaintsPolicy === 'Honor' && findUntoleratedTaint(ni.taints, pod.spec?.tolerations, isDoNotScheduleTaint))
    return false;
  return true;
}

/** Whether the labels carry every constraint's topology key. */
export function nodeLabelsMatchSpreadConstraints(
  labels: Readonly<Record<string, string>>,
  constraints: readonly Constraint[],
): boolean {
  for (const c of constraints) if (!(c.topologyKey in labels)) return false;
  return true;
}

/** Pods in `namespace`, not terminating, that the selector matches. */
export function countPodsMatchSelector(pods: readonly PodInfo[], selector: LabelMatcher, namespace: string): number {
  if (pods.length === 0) return 0;
  let n = 0;
  for (const p of pods) {
    if (p.namespace !== namespace || p.pod.metadata?.deletionTimestamp) continue;
    if (selector.matches(p.pod.metadata?.labels)) n++;
  }
  return n;
}

function selectorMatchesPod(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  const keys = Object.keys(selector ?? {});
  if (keys.length === 0) return false;
  for (const k of keys) if (labels?.[k] !== selector![k]) return false;
  return true;
}

/**
 * The selector default constraints use for a pod (upstream
 * helper.DefaultSelector): the union of the selectors of Services selecting
 * the pod and of its controlling RC, ReplicaSet or StatefulSet. Empty when
 * nothing selects the pod.
 */
export function defaultSelector(pod: Pod, listers: Listers): LabelMatcher {
  const ns = pod.metadata?.namespace ?? '';
  const labels = pod.metadata?.labels;
  const set: Record<string, string> = {};
  for (const svc of listers.services?.list(ns) ?? []) {
    if (selectorMatchesPod(svc.spec?.selector, labels)) Object.assign(set, svc.spec!.selector);
  }
  const reqs: Requirement[] = Object.keys(set).map((k) => ({ key: k, operator: '=' as const, values: [set[k]!] }));
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller);
  if (owner) {
    const group = owner.apiVersion.includes('/') ? owner.apiVersion.split('/')[0] : '';
    if (group === '' && owner.kind === 'ReplicationController') {
      const rc = listers.replicationControllers?.get(owner.name, ns);
      const sel = rc?.spec?.selector ?? {};
      for (const k of Object.keys(sel)) {
        if (!(k in set)) reqs.push({ key: k, operator: '=', values: [sel[k]!] });
      }
    } else if (group === 'apps' && (owner.kind === 'ReplicaSet' || owner.kind === 'StatefulSet')) {
      const obj =
        owner.kind === 'ReplicaSet'
          ? listers.replicaSets?.get(owner.name, ns)
          : listers.statefulSets?.get(owner.name, ns);
      if (obj?.spec?.selector) {
        try {
          reqs.push(...selectorFromLabelSelector(obj.spec.selector).requirements());
        } catch {
          // An invalid selector contributes nothing (upstream ignores the error).
        }
      }
    }
  }
  return selectorFromRequirements(reqs);
}
