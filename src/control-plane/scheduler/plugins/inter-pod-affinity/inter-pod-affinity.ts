import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { aggregateMessage, FieldPath, type FieldError } from '../../../../api/validation/field-error.js';
import { StateRef, type CycleState } from '../../framework/cycle-state.js';
import { ActionType, QueueingHint, type ClusterEventWithHint } from '../../framework/events.js';
import { MaxNodeScore, type Handle, type Plugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { PodInfo, termMatches } from '../../framework/pod-info.js';
import { Code, Status } from '../../framework/status.js';
import { PluginArgsError, asObject } from '../helpers/args.js';
import { Names } from '../names.js';
import {
  mergeTermNamespaces,
  namespaceLabels,
  podMatchesAllAffinityTerms,
  podMatchesAnyAffinityTerm,
} from './common.js';
import {
  type PreFilterState,
  calPreFilterState,
  satisfyExistingPodsAntiAffinity,
  satisfyPodAffinity,
  satisfyPodAntiAffinity,
} from './filtering.js';
import { NodeMatchMemo } from './match-memo.js';
import { PreScoreState, normalize, processExistingPod, scoreNode, type ScoreMap } from './scoring.js';

export const ErrReasonExistingAntiAffinityRulesNotMatch = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ErrReasonAffinityRulesNotMatch = "node(s) didn't match pod affinity rules";
export const ErrReasonAntiAffinityRulesNotMatch = "node(s) didn't match pod anti-affinity rules";

export interface InterPodAffinityArgs {
  /** Score credit for existing pods' required affinity terms the incoming pod matches (0-100, default 1). */
  hardPodAffinityWeight: number;
  ignorePreferredTermsOfExistingPods: boolean;
}

export function defaultInterPodAffinityArgs(raw: unknown): InterPodAffinityArgs {
  const o = asObject(raw);
  return {
    hardPodAffinityWeight: (o.hardPodAffinityWeight as number | undefined) ?? 1,
    ignorePreferredTermsOfExistingPods: (o.ignorePreferredTermsOfExistingPods as boolean | undefined) ?? false,
  };
}

export function validateInterPodAffinityArgs(args: InterPodAffinityArgs, path: FieldPath): FieldError[] {
  const w = args.hardPodAffinityWeight;
  return w >= 0 && w <= 100 ? [] : [path.child('hardPodAffinityWeight').invalid(w, 'not in valid range [0, 100]')];
}

const preFilterKey = 'PreFilter' + Names.InterPodAffinity;
const preScoreKey = 'PreScore' + Names.InterPodAffinity;
const rejectedAffinity = new Status(
  Code.UnschedulableAndUnresolvable,
  [ErrReasonAffinityRulesNotMatch],
  Names.InterPodAffinity,
);
const rejectedAnti = new Status(Code.Unschedulable, [ErrReasonAntiAffinityRulesNotMatch], Names.InterPodAffinity);
const rejectedExisting = new Status(
  Code.Unschedulable,
  [ErrReasonExistingAntiAffinityRulesNotMatch],
  Names.InterPodAffinity,
);

/**
 * Filter: required pod affinity and anti-affinity of the incoming pod, and
 * existing pods' required anti-affinity against it, by topology domain.
 * Score: preferred terms both ways (and existing pods' required affinity at
 * hardPodAffinityWeight), min-max normalized.
 */
export class InterPodAffinity implements Plugin {
  readonly name = Names.InterPodAffinity;
  private readonly preFilterState = new StateRef<PreFilterState>(preFilterKey);
  private readonly preScoreState = new StateRef<PreScoreState>(preScoreKey);
  private readonly memo = new NodeMatchMemo();

  constructor(
    private readonly args: InterPodAffinityArgs,
    private readonly handle: Handle,
  ) {}

  preFilter(state: CycleState, pi: PodInfo): Status | null {
    if (pi.parseErrors.length)
      return new Status(Code.UnschedulableAndUnresolvable, [`parsing pod: ${pi.parseErrors.join('; ')}`]);
    const lister = this.handle.snapshotSharedLister();
    const withAnti = lister.havePodsWithRequiredAntiAffinityList();
    if (withAnti.length === 0 && pi.requiredAffinityTerms.length === 0 && pi.requiredAntiAffinityTerms.length === 0) {
      return new Status(Code.Skip);
    }
    const s = calPreFilterState(pi, this.handle.listers, lister.list(), withAnti, this.memo);
    if (s.existingAntiAffinityCounts.size === 0 && s.affinityTerms.length === 0 && s.antiAffinityTerms.length === 0) {
      return new Status(Code.Skip);
    }
    this.preFilterState.set(state, s);
    return null;
  }

  addPod(state: CycleState, _p: PodInfo, podToAdd: PodInfo, nodeInfo: NodeInfo): Status | null {
    state.read<PreFilterState>(preFilterKey)?.updateWithPod(podToAdd, nodeInfo, 1);
    return null;
  }

  removePod(state: CycleState, _p: PodInfo, podToRemove: PodInfo, nodeInfo: NodeInfo): Status | null {
    state.read<PreFilterState>(preFilterKey)?.updateWithPod(podToRemove, nodeInfo, -1);
    return null;
  }

  filter(state: CycleState, _pi: PodInfo, nodeInfo: NodeInfo): Status | null {
    const s = this.preFilterState.get(state);
    if (!s) return new Status(Code.Error, [`reading "${preFilterKey}" from cycleState: not found`]);
    if (!satisfyPodAffinity(s, nodeInfo)) return rejectedAffinity;
    if (!satisfyPodAntiAffinity(s, nodeInfo)) return rejectedAnti;
    if (!satisfyExistingPodsAntiAffinity(s, nodeInfo)) return rejectedExisting;
    return null;
  }

  preScore(state: CycleState, pi: PodInfo, nodes: readonly NodeInfo[]): Status | null {
    if (nodes.length === 0) return new Status(Code.Skip);
    const hasConstraints = pi.preferredAffinityTerms.length > 0 || pi.preferredAntiAffinityTerms.length > 0;
    if (this.args.ignorePreferredTermsOfExistingPods && !hasConstraints) return new Status(Code.Skip);
    const lister = this.handle.snapshotSharedLister();
    const all = hasConstraints ? lister.list() : lister.havePodsWithAffinityList();
    if (all.length === 0) return new Status(Code.Skip);
    const listers = this.handle.listers;
    const incoming = {
      pod: pi.pod,
      preferredAffinity: pi.preferredAffinityTerms.map((t) => mergeTermNamespaces(t, listers)),
      preferredAnti: pi.preferredAntiAffinityTerms.map((t) => mergeTermNamespaces(t, listers)),
    };
    const nsLabels = namespaceLabels(listers, pi.namespace);
    const m: ScoreMap = new Map();
    for (const ni of all) {
      if (!ni.node) continue;
      const pods = hasConstraints ? ni.pods : ni.podsWithAffinity;
      for (const ep of pods) {
        // Without preferred terms of its own, the incoming pod is scored only by existing pods' terms.
        if (!hasConstraints && !scoresOthers(ep, this.args.hardPodAffinityWeight)) continue;
        processExistingPod(m, incoming, nsLabels, ep, ni, this.args.hardPodAffinityWeight);
      }
    }
    if (m.size === 0) return new Status(Code.Skip);
    this.preScoreState.set(state, new PreScoreState(m));
    return null;
  }

  score(state: CycleState, _pi: PodInfo, nodeInfo: NodeInfo): number | Status {
    const s = this.preScoreState.get(state);
    if (!s) return new Status(Code.Error, [`reading "${preScoreKey}" from cycleState: not found`]);
    return scoreNode(s, nodeInfo);
  }

  normalizeScore(state: CycleState, _p: PodInfo, scores: number[]): Status | null {
    const s = state.read<PreScoreState>(preScoreKey);
    if (s) normalize(s, scores, MaxNodeScore);
    return null;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        event: { resource: 'Pod', actionType: ActionType.Add | ActionType.UpdatePodLabel | ActionType.Delete },
        hint: (pod, oldObj, newObj) => this.afterPodChange(pod, oldObj as Pod | undefined, newObj as Pod | undefined),
      },
      {
        event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel },
        hint: (pod, oldObj, newObj) => {
          const n = newObj as Node | undefined;
          const o = oldObj as Node | undefined;
          if (!n) return QueueingHint.QueueSkip;
          const pi = new PodInfo(pod);
          const keys = [...pi.requiredAffinityTerms, ...pi.requiredAntiAffinityTerms].map((t) => t.topologyKey);
          // A topology label appearing or changing may create or split a domain.
          for (const k of keys) if (n.metadata?.labels?.[k] !== o?.metadata?.labels?.[k]) return QueueingHint.Queue;
          return keys.length === 0 && !o ? QueueingHint.Queue : QueueingHint.QueueSkip;
        },
      },
    ];
  }

  private afterPodChange(pod: Pod, o: Pod | undefined, n: Pod | undefined): QueueingHint {
    if ((n && !n.spec?.nodeName) || (o && !o.spec?.nodeName)) return QueueingHint.QueueSkip;
    const pi = new PodInfo(pod);
    const terms = pi.requiredAffinityTerms.map((t) => mergeTermNamespaces(t, this.handle.listers));
    const anti = pi.requiredAntiAffinityTerms.map((t) => mergeTermNamespaces(t, this.handle.listers));
    if (o && n) {
      if (!podMatchesAllAffinityTerms(terms, o) && podMatchesAllAffinityTerms(terms, n)) return QueueingHint.Queue;
      if (podMatchesAnyAffinityTerm(anti, o) && !podMatchesAnyAffinityTerm(anti, n)) return QueueingHint.Queue;
      return QueueingHint.QueueSkip;
    }
    if (n) return podMatchesAllAffinityTerms(terms, n) ? QueueingHint.Queue : QueueingHint.QueueSkip;
    if (!o) return QueueingHint.QueueSkip;
    if (podMatchesAnyAffinityTerm(anti, o)) return QueueingHint.Queue;
    // A deleted pod whose own anti-affinity kept this pod away.
    const nsLabels = namespaceLabels(this.handle.listers, pi.namespace);
    const existing = new PodInfo(o);
    return existing.requiredAntiAffinityTerms.some((t) => termMatches(t, pod, nsLabels))
      ? QueueingHint.Queue
      : QueueingHint.QueueSkip;
  }
}

/** Whether an existing pod has terms that score other pods (preferred ones, or required affinity when weighted). */
function scoresOthers(ep: PodInfo, hardPodAffinityWeight: number): boolean {
  return (
    ep.preferredAffinityTerms.length > 0 ||
    ep.preferredAntiAffinityTerms.length > 0 ||
    (hardPodAffinityWeight > 0 && ep.requiredAffinityTerms.length > 0)
  );
}

export function newInterPodAffinity(raw: unknown, handle: Handle): Plugin {
  const args = defaultInterPodAffinityArgs(raw);
  const errs = validateInterPodAffinityArgs(args, FieldPath.root(''));
  if (errs.length) throw new PluginArgsError(Names.InterPodAffinity, errs, aggregateMessage(errs));
  return new InterPodAffinity(args, handle);
}
