import type { CSIDriver, CSINode, StorageClass } from 'kubernetes-types/storage/v1.js';
import type {
  Namespace,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  PodCondition,
  ReplicationController,
  Service,
} from 'kubernetes-types/core/v1.js';
import type { ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { Clock } from '../../../lib/clock.js';
import type { Logger } from '../../../lib/log.js';
import type { CycleState } from './cycle-state.js';
import type { ClusterEventWithHint } from './events.js';
import type { NodeInfo } from './node-info.js';
import type { NodeToStatus } from './node-to-status.js';
import type { PodInfo } from './pod-info.js';
import type { Status } from './status.js';

export const MaxNodeScore = 100;
export const MinNodeScore = 0;

/** A pod in the scheduling queue with its queueing history (upstream QueuedPodInfo). */
export interface QueuedPodInfo {
  podInfo: PodInfo;
  /** Wall time (ms) the pod was last added to the queue; backoff counts from it. */
  timestamp: number;
  /**
   * Order of (re-)queueing: breaks timestamp ties, since milliseconds are
   * coarser than upstream's nanosecond timestamps and FIFO order must hold.
   */
  seq: number;
  /** Scheduling attempts so far (incremented when popped). */
  attempts: number;
  initialAttemptTimestamp: number | undefined;
  /** Plugins that rejected the pod in its last attempt. */
  unschedulablePlugins: Set<string>;
  /** Plugins that returned Pending in its last attempt. */
  pendingPlugins: Set<string>;
  /** Held back by a PreEnqueue plugin (e.g. scheduling gates). */
  gated: boolean;
  gatingPlugin: string;
}

/** Restricts the nodes Filter runs on; `null` node names means all nodes. */
export class PreFilterResult {
  constructor(readonly nodeNames: Set<string> | null) {}

  allNodes(): boolean {
    return this.nodeNames === null;
  }

  /** The intersection with another result (upstream PreFilterResult.Merge). */
  merge(other: PreFilterResult | null): PreFilterResult {
    if (!other || other.allNodes()) return this;
    if (this.allNodes()) return other;
    const out = new Set<string>();
    for (const n of this.nodeNames!) if (other.nodeNames!.has(n)) out.add(n);
    return new PreFilterResult(out);
  }
}

/** Whether a failed pod's nominatedNodeName should be changed (upstream NominatingInfo). */
export interface NominatingInfo {
  mode: 'Noop' | 'Override';
  nominatedNodeName: string;
}

export const clearNominatedNode: NominatingInfo = { mode: 'Override', nominatedNodeName: '' };

export interface PostFilterResult {
  nominatingInfo?: NominatingInfo;
}

export interface PostFilterOutcome {
  result?: PostFilterResult | null;
  status: Status | null;
}

/** Permit: a status (null = allow) and, for Wait, how long to wait before rejecting. */
export type PermitOutcome = [Status | null, number];

/**
 * A scheduler plugin (upstream framework/interface.go): an object that
 * implements any subset of the extension-point methods. The runtime places
 * it at every point whose method it has (multiPoint expansion checks the
 * same). Hot-path methods return `null` for Success; a score is a number.
 */
export interface Plugin {
  readonly name: string;
  /** QueueSort: whether `a` should be popped before `b`. */
  less?(a: QueuedPodInfo, b: QueuedPodInfo): boolean;
  /** PreEnqueue: a non-success status keeps the pod out of the active queue (gated). */
  preEnqueue?(pod: PodInfo): Status | null;
  preFilter?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): PreFilterResult | Status | null;
  /** PreFilterExtensions: keep PreFilter state right when a pod is added to a node in a what-if. */
  addPod?(state: CycleState, podToSchedule: PodInfo, podToAdd: PodInfo, nodeInfo: NodeInfo): Status | null;
  removePod?(state: CycleState, podToSchedule: PodInfo, podToRemove: PodInfo, nodeInfo: NodeInfo): Status | null;
  filter?(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): Status | null;
  postFilter?(state: CycleState, pod: PodInfo, statuses: NodeToStatus): PostFilterOutcome;
  preScore?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status | null;
  score?(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number | Status;
  /** Rewrites `scores` (parallel to `nodes`) into [0, MaxNodeScore]. */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: number[], nodes: readonly NodeInfo[]): Status | null;
  reserve?(state: CycleState, pod: PodInfo, nodeName: string): Status | null;
  /** Must be idempotent: it also runs for plugins whose reserve never ran. */
  unreserve?(state: CycleState, pod: PodInfo, nodeName: string): void;
  permit?(state: CycleState, pod: PodInfo, nodeName: string): PermitOutcome;
  preBind?(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status | null> | Status | null;
  /** Skip passes the pod to the next bind plugin. */
  bind?(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status | null>;
  postBind?(state: CycleState, pod: PodInfo, nodeName: string): void;
  /** Events that may resolve this plugin's rejections; absent = any event. */
  eventsToRegister?(): ClusterEventWithHint[];
}

/** The node view of the current cycle (upstream SharedLister over the snapshot). */
export interface SharedLister {
  /** All nodes, in the zone-interleaved order of the node tree. */
  list(): readonly NodeInfo[];
  havePodsWithAffinityList(): readonly NodeInfo[];
  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[];
  get(nodeName: string): NodeInfo | undefined;
  numNodes(): number;
  /** Whether some pod in the cluster uses the claim `namespace/name`. */
  isPVCUsedByPods(key: string): boolean;
}

/** Read access to cluster objects, as an informer cache offers it. */
export interface ObjectLister<T> {
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): readonly T[];
}

/** Listers the plugins may use; any may be absent (treated as empty). */
export interface Listers {
  pdbs?: ObjectLister<PodDisruptionBudget>;
  namespaces?: ObjectLister<Namespace>;
  pvcs?: ObjectLister<PersistentVolumeClaim>;
  pvs?: ObjectLister<PersistentVolume>;
  storageClasses?: ObjectLister<StorageClass>;
  csiNodes?: ObjectLister<CSINode>;
  csiDrivers?: ObjectLister<CSIDriver>;
  services?: ObjectLister<Service>;
  replicationControllers?: ObjectLister<ReplicationController>;
  replicaSets?: ObjectLister<ReplicaSet>;
  statefulSets?: ObjectLister<StatefulSet>;
  /** All pods (assigned or not), e.g. for gang sibling counts. */
  pods?: ObjectLister<Pod>;
}

/** Writes a binding (`pods/binding`). */
export interface Binder {
  bind(pod: Pod, nodeName: string): Promise<void>;
}

/** Pod status writes the scheduler makes. */
export interface StatusUpdater {
  /**
   * Sets PodScheduled=False with reason Unschedulable or SchedulerError;
   * when `nominatedNodeName` is given, status.nominatedNodeName is set in the
   * same write ('' clears it).
   */
  podScheduledFalse(pod: Pod, reason: string, message: string, nominatedNodeName?: string): Promise<void>;
  /** Sets (or with '' clears) status.nominatedNodeName. */
  setNominatedNode(pod: Pod, nodeName: string): Promise<void>;
}

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  event(obj: Pod | Node, type: EventType, reason: string, message: string): void;
}

/**
 * Deletes a preemption victim. Upstream first adds `condition` (type
 * DisruptionTarget) to the victim's status, then deletes it without the
 * eviction API.
 */
export interface PodDeleter {
  deletePod(pod: Pod, condition: PodCondition): Promise<void>;
}

/** API writes of volume binding (PreBind). */
export interface VolumeBinderPort {
  /** Binds an unbound claim to a volume (sets pv.spec.claimRef and pvc.spec.volumeName). */
  bindClaim(pvc: PersistentVolumeClaim, pvName: string): Promise<void>;
  /** Asks for dynamic provisioning on a node (annotation volume.kubernetes.io/selected-node). */
  setSelectedNode(pvc: PersistentVolumeClaim, nodeName: string): Promise<void>;
}

/** Measured node utilization for the load-aware score: fractions in [0, 1]. */
export interface MetricsSource {
  nodeUtilization(nodeName: string): { cpu?: number; memory?: number } | undefined;
}

export interface Ports {
  binder: Binder;
  statusUpdater: StatusUpdater;
  events: EventRecorder;
  /**
   * The recorder of one profile: upstream reports a profile's events as
   * coming from its schedulerName. Absent: every profile uses `events`.
   */
  eventsFor?(schedulerName: string): EventRecorder;
  deleter: PodDeleter;
  volumeBinder?: VolumeBinderPort;
}

/** A pod held at Permit (upstream WaitingPod). */
export interface WaitingPod {
  readonly pod: Pod;
  readonly uid: string;
  /** Plugins that returned Wait and have not allowed the pod yet. */
  pendingPlugins(): string[];
  allow(plugin: string): void;
  reject(plugin: string, message: string): void;
}

/** What plugins get from the framework (upstream framework.Handle). */
export interface Handle {
  readonly profileName: string;
  readonly clock: Clock;
  readonly eventRecorder: EventRecorder;
  readonly listers: Listers;
  readonly ports: Ports;
  readonly metrics: MetricsSource | undefined;
  readonly log: Logger;
  /** Uniform [0, 1) randomness (injectable for deterministic tests). */
  random(): number;
  /** The snapshot of the current cycle. */
  snapshotSharedLister(): SharedLister;
  /** Pods nominated to `nodeName` by preemption (not yet bound). */
  nominatedPodsForNode(nodeName: string): readonly PodInfo[];
  runFilterPluginsWithNominatedPods(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): Status | null;
  runPreFilterExtensionAddPod(
    state: CycleState,
    podToSchedule: PodInfo,
    podToAdd: PodInfo,
    nodeInfo: NodeInfo,
  ): Status | null;
  runPreFilterExtensionRemovePod(
    state: CycleState,
    podToSchedule: PodInfo,
    podToRemove: PodInfo,
    nodeInfo: NodeInfo,
  ): Status | null;
  getWaitingPod(uid: string): WaitingPod | undefined;
  iterateOverWaitingPods(fn: (wp: WaitingPod) => void): void;
  /** Rejects a waiting pod; true when it was waiting. */
  rejectWaitingPod(uid: string, message?: string): boolean;
  /** Moves the pods (if queued) to the active queue (upstream Activate). */
  activate(pods: readonly Pod[]): void;
}

export type PluginFactory = (args: unknown, handle: Handle) => Plugin;
export type Registry = ReadonlyMap<string, PluginFactory>;
