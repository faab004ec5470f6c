import type { Node, Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { aggregateMessage, FieldPath } from '../../../../api/validation/field-error.js';
import { StateRef, type CycleState } from '../../framework/cycle-state.js';
import { ActionType, QueueingHint, type ClusterEventWithHint } from '../../framework/events.js';
import { MaxNodeScore, type Handle, type Plugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { Code, Status } from '../../framework/status.js';
import { PluginArgsError } from '../helpers/args.js';
import { Names } from '../names.js';
import { defaultPodTopologySpreadArgs, validatePodTopologySpreadArgs, type PodTopologySpreadArgs } from './args.js';
import {
  compileConstraints,
  defaultSelector,
  nodeLabelsMatchSpreadConstraints,
  systemDefaultConstraints,
  type Constraint,
} from './common.js';
import { DomainLayoutCache } from './domains.js';
import { calPreFilterState, type PreFilterState } from './filtering.js';
import { calPreScoreState, normalize, scoreNode, type PreScoreState } from './scoring.js';

export const ErrReasonConstraintsNotMatch = "node(s) didn't match pod topology spread constraints";
export const ErrReasonNodeLabelNotMatch = ErrReasonConstraintsNotMatch + ' (missing required label)';

const preFilterKey = 'PreFilter' + Names.PodTopologySpread;
const preScoreKey = 'PreScore' + Names.PodTopologySpread;
const rejectedLabel = new Status(
  Code.UnschedulableAndUnresolvable,
  [ErrReasonNodeLabelNotMatch],
  Names.PodTopologySpread,
);
const rejectedSkew = new Status(Code.Unschedulable, [ErrReasonConstraintsNotMatch], Names.PodTopologySpread);

/**
 * Filter: DoNotSchedule constraints (matching pods in the node's domain + 1
 * - global minimum <= maxSkew, with minDomains and node inclusion
 * policies). Score: ScheduleAnyway constraints prefer domains with fewer
 * matching pods. Pods without constraints get the cluster default
 * constraints when a Service/RC/RS/StatefulSet selects them.
 */
export class PodTopologySpread implements Plugin {
  readonly name = Names.PodTopologySpread;
  private readonly defaults: readonly TopologySpreadConstraint[];
  private readonly systemDefaulted: boolean;
  private readonly preFilterState = new StateRef<PreFilterState>(preFilterKey);
  private readonly preScoreState = new StateRef<PreScoreState>(preScoreKey);
  private readonly layouts = new DomainLayoutCache();

  constructor(
    args: PodTopologySpreadArgs,
    private readonly handle: Handle,
  ) {
    this.systemDefaulted = args.defaultingType === 'System';
    this.defaults = this.systemDefaulted ? systemDefaultConstraints : args.defaultConstraints;
  }

  /** The pod's constraints with `action`, or the default constraints with its default selector. */
  constraintsFor(pod: Pod, action: 'DoNotSchedule' | 'ScheduleAnyway'): Constraint[] {
    const own = pod.spec?.topologySpreadConstraints;
    if (own && own.length) return compileConstraints(own, pod.metadata?.labels, action);
    if (this.defaults.length === 0 || !this.defaults.some((c) => c.whenUnsatisfiable === action)) return [];
    const selector = defaultSelector(pod, this.handle.listers);
    if (selector.isEmpty()) return [];
    return compileConstraints(this.defaults, pod.metadata?.labels, action).map((c) => ({ ...c, selector }));
  }

  preFilter(state: CycleState, pi: PodInfo): Status | null {
    let constraints: Constraint[];
    try {
      constraints = this.constraintsFor(pi.pod, 'DoNotSchedule');
    } catch (e) {
      return new Status(Code.Error, [`obtaining pod's hard topology spread constraints: ${(e as Error).message}`]);
    }
    if (constraints.length === 0) return new Status(Code.Skip);
    const layout = this.layouts.get(constraints, pi, this.handle.snapshotSharedLister().list());
    this.preFilterState.set(state, calPreFilterState(pi, constraints, layout));
    return null;
  }

  addPod(state: CycleState, podToSchedule: PodInfo, podToAdd: PodInfo, nodeInfo: NodeInfo): Status | null {
    state.read<PreFilterState>(preFilterKey)?.updateWithPod(podToAdd, podToSchedule, nodeInfo, 1);
    return null;
  }

  removePod(state: CycleState, podToSchedule: PodInfo, podToRemove: PodInfo, nodeInfo: NodeInfo): Status | null {
    state.read<PreFilterState>(preFilterKey)?.updateWithPod(podToRemove, podToSchedule, nodeInfo, -1);
    return null;
  }

  filter(state: CycleState, pi: PodInfo, nodeInfo: NodeInfo): Status | null {
    const s = this.preFilterState.get(state);
    if (!s) return new Status(Code.Error, [`reading "${preFilterKey}" from cycleState: not found`]);
    const labels = pi.pod.metadata?.labels;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i]!;
      const v = nodeInfo.labels[c.topologyKey];
      if (v === undefined) return rejectedLabel;
      const min = s.minMatchNum(i, c.minDomains);
      const self = c.selector.matches(labels) ? 1 : 0;
      const matchNum = s.matchNum(i, v);
      if (matchNum + self - min > c.maxSkew) return rejectedSkew;
    }
    return null;
  }

  preScore(state: CycleState, pi: PodInfo, filteredNodes: readonly NodeInfo[]): Status | null {
    const all = this.handle.snapshotSharedLister().list();
    if (filteredNodes.length === 0 || all.length === 0) return new Status(Code.Skip);
    let constraints: Constraint[];
    try {
      constraints = this.constraintsFor(pi.pod, 'ScheduleAnyway');
    } catch (e) {
      return new Status(Code.Error, [`obtaining pod's soft topology spread constraints: ${(e as Error).message}`]);
    }
    if (constraints.length === 0) return new Status(Code.Skip);
    const requireAll = (pi.pod.spec?.topologySpreadConstraints?.length ?? 0) > 0 || !this.systemDefaulted;
    this.preScoreState.set(state, calPreScoreState(pi, constraints, filteredNodes, all, requireAll));
    return null;
  }

  score(state: CycleState, pi: PodInfo, nodeInfo: NodeInfo): number | Status {
    const s = this.preScoreState.get(state);
    if (!s) return new Status(Code.Error, [`reading "${preScoreKey}" from cycleState: not found`]);
    return scoreNode(s, pi, nodeInfo);
  }

  normalizeScore(state: CycleState, _p: PodInfo, scores: number[], nodes: readonly NodeInfo[]): Status | null {
    const s = state.read<PreScoreState>(preScoreKey);
    if (s) normalize(s, scores, nodes, MaxNodeScore);
    return null;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        event: { resource: 'Pod', actionType: ActionType.Add | ActionType.UpdatePodLabel | ActionType.Delete },
        hint: (pod, oldObj, newObj) => this.afterPodChange(pod, oldObj as Pod | undefined, newObj as Pod | undefined),
      },
      {
        event: {
          resource: 'Node',
          actionType: ActionType.Add | ActionType.Delete | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint,
        },
        hint: (pod, oldObj, newObj) =>
          this.afterNodeChange(pod, oldObj as Node | undefined, newObj as Node | undefined),
      },
    ];
  }

  private afterPodChange(pod: Pod, o: Pod | undefined, n: Pod | undefined): QueueingHint {
    const involved = (p: Pod) =>
      p.metadata?.uid === pod.metadata?.uid ||
      (!!p.spec?.nodeName && p.metadata?.namespace === pod.metadata?.namespace);
    if ((n && !involved(n)) || (o && !involved(o))) return QueueingHint.QueueSkip;
    const constraints = this.constraintsFor(pod, 'DoNotSchedule');
    if (o && n) {
      if (o.metadata?.uid === pod.metadata?.uid) return QueueingHint.QueueSkip;
      for (const c of constraints) {
        if (c.selector.matches(o.metadata?.labels) !== c.selector.matches(n.metadata?.labels))
          return QueueingHint.Queue;
      }
      return QueueingHint.QueueSkip;
    }
    const changed = (n ?? o)!;
    for (const c of constraints) if (c.selector.matches(changed.metadata?.labels)) return QueueingHint.Queue;
    return QueueingHint.QueueSkip;
  }

  private afterNodeChange(pod: Pod, o: Node | undefined, n: Node | undefined): QueueingHint {
    const constraints = this.constraintsFor(pod, 'DoNotSchedule');
    const has = (node: Node | undefined) =>
      !!node && nodeLabelsMatchSpreadConstraints(node.metadata?.labels ?? {}, constraints);
    if (n && !o) return has(n) ? QueueingHint.Queue : QueueingHint.QueueSkip;
    if (o && !n) return has(o) ? QueueingHint.Queue : QueueingHint.QueueSkip;
    if (!has(o) && !has(n)) return QueueingHint.QueueSkip;
    const keyChanged = constraints.some(
      (c) => o!.metadata?.labels?.[c.topologyKey] !== n!.metadata?.labels?.[c.topologyKey],
    );
    const taintsMatter = constraints.some((c) => c.nodeTaintsPolicy === 'Honor');
    const taintsChanged = JSON.stringify(o!.spec?.taints ?? []) !== JSON.stringify(n!.spec?.taints ?? []);
    return keyChanged || (taintsMatter && taintsChanged) ? QueueingHint.Queue : QueueingHint.QueueSkip;
  }
}

export function newPodTopologySpread(raw: unknown, handle: Handle): Plugin {
  const args = defaultPodTopologySpreadArgs(raw);
  const errs = validatePodTopologySpreadArgs(args, FieldPath.root(''));
  if (errs.length) throw new PluginArgsError(Names.PodTopologySpread, errs, aggregateMessage(errs));
  return new PodTopologySpread(args, handle);
}
