import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { aggregateMessage, FieldPath } from '../../../../api/validation/field-error.js';
import { StateRef, type CycleState } from '../../framework/cycle-state.js';
import { ActionType, QueueingHint, type ClusterEventWithHint } from '../../framework/events.js';
import type { Handle, Plugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { Resource, isExtendedResourceName, podRequests as podRequestsOf } from '../../framework/resource.js';
import { Code, Status } from '../../framework/status.js';
import {
  ResourceAllocationScorer,
  leastAllocatedScorer,
  mostAllocatedScorer,
  requestedToCapacityRatioScorer,
  type Scorer,
} from '../helpers/resource-allocation.js';
import { PluginArgsError } from '../helpers/args.js';
import { Names } from '../names.js';
import { defaultFitArgs, validateFitArgs, type NodeResourcesFitArgs } from './args.js';

export interface InsufficientResource {
  resourceName: string;
  reason: string;
  requested: number;
  used: number;
  capacity: number;
}

/**
 * What does not fit (upstream fitsRequest): the pod slot count, then cpu,
 * memory, ephemeral storage and scalar resources the pod asks for beyond
 * what is left of allocatable. Ignored extended resources and resource
 * groups are skipped.
 */
export function fitsRequest(
  req: Resource,
  nodeInfo: NodeInfo,
  ignored: ReadonlySet<string> = noSet,
  ignoredGroups: ReadonlySet<string> = noSet,
): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const alloc = nodeInfo.allocatable;
  const used = nodeInfo.requested;
  if (nodeInfo.pods.length + 1 > alloc.allowedPodNumber) {
    out.push({
      resourceName: 'pods',
      reason: 'Too many pods',
      requested: 1,
      used: nodeInfo.pods.length,
      capacity: alloc.allowedPodNumber,
    });
  }
  if (req.milliCPU === 0 && req.memory === 0 && req.ephemeralStorage === 0 && (!req.scalar || req.scalar.size === 0))
    return out;
  if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU) {
    out.push({
      resourceName: 'cpu',
      reason: 'Insufficient cpu',
      requested: req.milliCPU,
      used: used.milliCPU,
      capacity: alloc.milliCPU,
    });
  }
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) {
    out.push({
      resourceName: 'memory',
      reason: 'Insufficient memory',
      requested: req.memory,
      used: used.memory,
      capacity: alloc.memory,
    });
  }
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) {
    out.push({
      resourceName: 'ephemeral-storage',
      reason: 'Insufficient ephemeral-storage',
      requested: req.ephemeralStorage,
      used: used.ephemeralStorage,
      capacity: alloc.ephemeralStorage,
    });
  }
  if (req.scalar) {
    for (const [name, q] of req.scalar) {
      if (q === 0) continue;
      if (isExtendedResourceName(name)) {
        if (ignored.has(name)) continue;
        if (ignoredGroups.size && ignoredGroups.has(name.split('/')[0]!)) continue;
      }
      if (q > alloc.getScalar(name) - used.getScalar(name)) {
        out.push({
          resourceName: name,
          reason: `Insufficient ${name}`,
          requested: q,
          used: used.getScalar(name),
          capacity: alloc.getScalar(name),
        });
      }
    }
  }
  return out;
}

const noSet: ReadonlySet<string> = new Set();

/** fitsRequest without building the report: the allocation-free check Filter runs on every node. */
export function fits(
  req: Resource,
  nodeInfo: NodeInfo,
  ignored: ReadonlySet<string>,
  ignoredGroups: ReadonlySet<string>,
): boolean {
  const alloc = nodeInfo.allocatable;
  const used = nodeInfo.requested;
  if (nodeInfo.pods.length + 1 > alloc.allowedPodNumber) return false;
  if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU) return false;
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) return false;
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) return false;
  if (req.scalar) {
    for (const [name, q] of req.scalar) {
      if (q === 0) continue;
      if (
        isExtendedResourceName(name) &&
        (ignored.has(name) || (ignoredGroups.size && ignoredGroups.has(name.split('/')[0]!)))
      )
        continue;
      if (q > alloc.getScalar(name) - used.getScalar(name)) return false;
    }
  }
  return true;
}

const rejections = new Map<string, Status>();

/**
 * The Unschedulable status for these reasons, shared: Statuses are
 * immutable, and a pod that fits nowhere (preemption) is rejected by every
 * node with the same few reasons. Bounded by clearing.
 */
function rejection(reasons: string[]): Status {
  const key = reasons.join('\u0000');
  let s = rejections.get(key);
  if (!s) {
    if (rejections.size >= 256) rejections.clear();
    s = new Status(Code.Unschedulable, reasons, Names.NodeResourcesFit);
    rejections.set(key, s);
  }
  return s;
}

const preFilterKey = 'PreFilter' + Names.NodeResourcesFit;
const preScoreKey = 'PreScore' + Names.NodeResourcesFit;

function scorerFor(args: NodeResourcesFitArgs): Scorer {
  const s = args.scoringStrategy;
  switch (s.type) {
    case 'MostAllocated':
      return mostAllocatedScorer(s.resources);
    case 'RequestedToCapacityRatio':
      return requestedToCapacityRatioScorer(s.resources, s.requestedToCapacityRatio?.shape ?? []);
    default:
      return leastAllocatedScorer(s.resources);
  }
}

/**
 * Filter: the pod's requests (sidecars, init containers and overhead
 * included) must fit the node's remaining allocatable. Score: the configured
 * strategy (LeastAllocated, MostAllocated or RequestedToCapacityRatio).
 */
export class NodeResourcesFit implements Plugin {
  readonly name = Names.NodeResourcesFit;
  private readonly ignored: ReadonlySet<string>;
  private readonly ignoredGroups: ReadonlySet<string>;
  private readonly scorer: ResourceAllocationScorer;
  private readonly preFilterState = new StateRef<Resource>(preFilterKey);
  private readonly preScoreState = new StateRef<number[]>(preScoreKey);

  constructor(readonly args: NodeResourcesFitArgs) {
    this.ignored = new Set(args.ignoredResources);
    this.ignoredGroups = new Set(args.ignoredResourceGroups);
    this.scorer = new ResourceAllocationScorer(args.scoringStrategy.resources, scorerFor(args), false);
  }

  preFilter(state: CycleState, pi: PodInfo): Status | null {
    this.preFilterState.set(state, pi.resource.requests);
    return null;
  }

  filter(state: CycleState, pi: PodInfo, nodeInfo: NodeInfo): Status | null {
    const req = this.preFilterState.get(state) ?? pi.resource.requests;
    if (fits(req, nodeInfo, this.ignored, this.ignoredGroups)) return null;
    const insufficient = fitsRequest(req, nodeInfo, this.ignored, this.ignoredGroups);
    if (insufficient.length === 0) return null;
    return rejection(insufficient.map((r) => r.reason));
  }

  preScore(state: CycleState, pi: PodInfo): Status | null {
    this.preScoreState.set(state, this.scorer.podRequests(pi));
    return null;
  }

  score(state: CycleState, pi: PodInfo, nodeInfo: NodeInfo): number {
    const reqs = this.preScoreState.get(state) ?? this.scorer.podRequests(pi);
    return this.scorer.score(nodeInfo, reqs);
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        event: { resource: 'Pod', actionType: ActionType.Delete | ActionType.UpdatePodScaleDown },
        hint: (pod, oldObj, newObj) => {
          const o = oldObj as Pod | undefined;
          const n = newObj as Pod | undefined;
          // The pod itself scaled down, or an assigned pod went away / shrank: resources were freed.
          if (n && n.metadata?.uid === pod.metadata?.uid) return QueueingHint.Queue;
          // A deleted nominated pod frees the room it held on its nominated node.
          return o?.spec?.nodeName || (!n && o?.status?.nominatedNodeName)
            ? QueueingHint.Queue
            : QueueingHint.QueueSkip;
        },
      },
      {
        event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeAllocatable },
        hint: (pod, _oldObj, newObj) => {
          const n = newObj as Node | undefined;
          if (!n) return QueueingHint.QueueSkip;
          // Worth a retry only if the pod would fit the node when empty.
          const empty = {
            allocatable: Resource.fromList(n.status?.allocatable),
            requested: new Resource(),
            pods: [],
          } as unknown as NodeInfo;
          const insufficient = fitsRequest(podRequestsOf(pod), empty, this.ignored, this.ignoredGroups);
          return insufficient.length === 0 ? QueueingHint.Queue : QueueingHint.QueueSkip;
        },
      },
    ];
  }
}

export function newNodeResourcesFit(raw: unknown, _handle?: Handle): Plugin {
  const args = defaultFitArgs(raw);
  const errs = validateFitArgs(args, FieldPath.root(''));
  if (errs.length) throw new PluginArgsError(Names.NodeResourcesFit, errs, aggregateMessage(errs));
  return new NodeResourcesFit(args);
}
