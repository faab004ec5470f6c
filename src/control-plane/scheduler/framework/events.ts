import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { podRequests } from './resource.js';

/**
 * Cluster events that may make an unschedulable pod schedulable (upstream
 * framework/events.go). Plugins register the events that can resolve their
 * own rejections, with an optional QueueingHint that looks at the objects.
 */
export type EventResource =
  | 'Pod'
  | 'AssignedPod'
  | 'UnscheduledPod'
  | 'Node'
  | 'PersistentVolume'
  | 'PersistentVolumeClaim'
  | 'StorageClass'
  | 'CSINode'
  | 'CSIDriver'
  | 'CSIStorageCapacity'
  | 'PodDisruptionBudget'
  | 'Namespace'
  | 'PodGroup'
  | '*';

export const ActionType = {
  Add: 1 << 0,
  Delete: 1 << 1,
  UpdateNodeAllocatable: 1 << 2,
  UpdateNodeLabel: 1 << 3,
  UpdateNodeTaint: 1 << 4,
  UpdateNodeCondition: 1 << 5,
  UpdateNodeAnnotation: 1 << 6,
  UpdatePodLabel: 1 << 7,
  UpdatePodScaleDown: 1 << 8,
  UpdatePodToleration: 1 << 9,
  UpdatePodSchedulingGatesEliminated: 1 << 10,
  /** An update none of the specific kinds describes. */
  UpdateOther: 1 << 11,
  Update: (1 << 12) - 1 - 0b11,
  All: (1 << 12) - 1,
} as const;

export interface ClusterEvent {
  resource: EventResource;
  actionType: number;
  /** Human-readable label, e.g. `NodeAdd` (logs, metrics). */
  label: string;
}

export enum QueueingHint {
  QueueSkip = 0,
  Queue = 1,
}

/** Decides whether an event may make `pod` schedulable; throwing counts as Queue. */
export type QueueingHintFn = (pod: Pod, oldObj: unknown, newObj: unknown) => QueueingHint;

export interface ClusterEventWithHint {
  event: { resource: EventResource; actionType: number };
  /** Absent: always Queue. */
  hint?: QueueingHintFn;
}

function ev(resource: EventResource, actionType: number, label: string): ClusterEvent {
  return { resource, actionType, label };
}

/** The events the scheduler's event handlers emit. */
export const Events = {
  NodeAdd: ev('Node', ActionType.Add, 'NodeAdd'),
  NodeDelete: ev('Node', ActionType.Delete, 'NodeDelete'),
  NodeAllocatableChange: ev('Node', ActionType.UpdateNodeAllocatable, 'NodeAllocatableChange'),
  NodeLabelChange: ev('Node', ActionType.UpdateNodeLabel, 'NodeLabelChange'),
  NodeTaintChange: ev('Node', ActionType.UpdateNodeTaint, 'NodeTaintChange'),
  NodeConditionChange: ev('Node', ActionType.UpdateNodeCondition, 'NodeConditionChange'),
  NodeAnnotationChange: ev('Node', ActionType.UpdateNodeAnnotation, 'NodeAnnotationChange'),
  AssignedPodAdd: ev('AssignedPod', ActionType.Add, 'AssignedPodAdd'),
  AssignedPodDelete: ev('AssignedPod', ActionType.Delete, 'AssignedPodDelete'),
  UnscheduledPodAdd: ev('UnscheduledPod', ActionType.Add, 'UnscheduledPodAdd'),
  UnscheduledPodDelete: ev('UnscheduledPod', ActionType.Delete, 'UnscheduledPodDelete'),
  /** Pods staying unschedulable longer than the flush interval (wildcard: moves everything). */
  UnschedulableTimeout: ev('*', ActionType.All, 'UnschedulableTimeout'),
  ForceActivate: ev('*', ActionType.All, 'ForceActivate'),
} as const;

export function isWildCard(e: { resource: EventResource; actionType: number }): boolean {
  return e.resource === '*' && e.actionType === ActionType.All;
}

/** Whether a registered event covers an incoming one (Pod covers AssignedPod and UnscheduledPod). */
export function eventMatches(
  registered: { resource: EventResource; actionType: number },
  incoming: ClusterEvent,
): boolean {
  if (isWildCard(registered)) return true;
  const r = registered.resource;
  const resourceOk =
    r === '*' ||
    r === incoming.resource ||
    (r === 'Pod' && (incoming.resource === 'AssignedPod' || incoming.resource === 'UnscheduledPod'));
  return resourceOk && (registered.actionType & incoming.actionType) !== 0;
}

/** Whether any resource request went down or away (upstream extractPodScaleDown). */
export function requestsScaledDown(oldPod: Pod, newPod: Pod): boolean {
  if (oldPod.spec === newPod.spec) return false;
  const o = podRequests(oldPod);
  const n = podRequests(newPod);
  if (n.milliCPU < o.milliCPU || n.memory < o.memory || n.ephemeralStorage < o.ephemeralStorage) return true;
  if (o.scalar) for (const [k, v] of o.scalar) if (n.getScalar(k) < v) return true;
  return false;
}

function sameStrings(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function sameRecord(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  for (const k of ka) if (a![k] !== b?.[k]) return false;
  return true;
}

/** The specific update events of a pod update (upstream PodSchedulingPropertiesChange). */
export function podUpdateEvents(oldPod: Pod, newPod: Pod): ClusterEvent[] {
  const resource: EventResource = newPod.spec?.nodeName ? 'AssignedPod' : 'UnscheduledPod';
  const prefix = resource === 'AssignedPod' ? 'AssignedPod' : 'UnscheduledPod';
  const out: ClusterEvent[] = [];
  if (!sameRecord(oldPod.metadata?.labels, newPod.metadata?.labels)) {
    out.push(ev(resource, ActionType.UpdatePodLabel, `${prefix}UpdatePodLabel`));
  }
  if (requestsScaledDown(oldPod, newPod))
    out.push(ev(resource, ActionType.UpdatePodScaleDown, `${prefix}UpdatePodScaleDown`));
  if ((newPod.spec?.schedulingGates?.length ?? 0) === 0 && (oldPod.spec?.schedulingGates?.length ?? 0) !== 0) {
    out.push(
      ev(resource, ActionType.UpdatePodSchedulingGatesEliminated, `${prefix}UpdatePodSchedulingGatesEliminated`),
    );
  }
  if ((newPod.spec?.tolerations?.length ?? 0) !== (oldPod.spec?.tolerations?.length ?? 0)) {
    out.push(ev(resource, ActionType.UpdatePodToleration, `${prefix}UpdatePodToleration`));
  }
  if (out.length === 0) out.push(ev(resource, ActionType.UpdateOther, `${prefix}Update`));
  return out;
}

/** The events of a node update (upstream nodeSchedulingPropertiesChange). */
export function nodeUpdateEvents(oldNode: Node, newNode: Node): ClusterEvent[] {
  const out: ClusterEvent[] = [];
  if (!!oldNode.spec?.unschedulable !== !!newNode.spec?.unschedulable) out.push(Events.NodeTaintChange);
  if (!sameRecord(oldNode.status?.allocatable, newNode.status?.allocatable)) out.push(Events.NodeAllocatableChange);
  if (!sameRecord(oldNode.metadata?.labels, newNode.metadata?.labels)) out.push(Events.NodeLabelChange);
  const taintKey = (n: Node) => (n.spec?.taints ?? []).map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`);
  if (!sameStrings(taintKey(oldNode), taintKey(newNode)) && !out.includes(Events.NodeTaintChange))
    out.push(Events.NodeTaintChange);
  const condKey = (n: Node) => (n.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`);
  if (!sameStrings(condKey(oldNode), condKey(newNode))) out.push(Events.NodeConditionChange);
  if (!sameRecord(oldNode.metadata?.annotations, newNode.metadata?.annotations)) out.push(Events.NodeAnnotationChange);
  return out;
}
