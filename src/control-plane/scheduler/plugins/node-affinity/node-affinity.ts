import type { Node, NodeAffinity as V1NodeAffinity } from 'kubernetes-types/core/v1.js';
import { aggregateMessage, FieldPath, type FieldError } from '../../../../api/validation/field-error.js';
import { StateRef, type CycleState } from '../../framework/cycle-state.js';
import { ActionType, QueueingHint, type ClusterEventWithHint } from '../../framework/events.js';
import { MaxNodeScore, PreFilterResult, type Handle, type Plugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import {
  compileNodeSelector,
  compilePreferredTerms,
  requiredNodeAffinityOf,
  type CompiledNodeSelector,
  type PreferredSchedulingTerms,
  type RequiredNodeAffinity,
} from '../../framework/node-selector.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { Code, Status } from '../../framework/status.js';
import { PluginArgsError, asObject } from '../helpers/args.js';
import { defaultNormalizeScore } from '../helpers/normalize.js';
import { Names } from '../names.js';

export const ErrReasonPod = "node(s) didn't match Pod's node affinity/selector";
export const ErrReasonEnforced = "node(s) didn't match scheduler-enforced node affinity";
export const ErrReasonConflict = 'pod affinity terms conflict';

export interface NodeAffinityArgs {
  /** Affinity every pod of the profile must also satisfy (required) or prefers (preferred). */
  addedAffinity?: V1NodeAffinity;
}

export function validateNodeAffinityArgs(raw: unknown, path: FieldPath): FieldError[] {
  const a = asObject(raw).addedAffinity as V1NodeAffinity | undefined;
  const errs: FieldError[] = [];
  if (!a) return errs;
  const req = a.requiredDuringSchedulingIgnoredDuringExecution;
  if (req) {
    const c = compileNodeSelector(req);
    for (const e of c.errors)
      errs.push(path.child('addedAffinity', 'requiredDuringSchedulingIgnoredDuringExecution').invalid(req, e));
  }
  const pref = a.preferredDuringSchedulingIgnoredDuringExecution;
  if (pref) {
    const c = compilePreferredTerms(pref);
    if (typeof c === 'string')
      errs.push(path.child('addedAffinity', 'preferredDuringSchedulingIgnoredDuringExecution').invalid(pref, c));
  }
  return errs;
}

const preFilterKey = 'PreFilter' + Names.NodeAffinity;
const preScoreKey = 'PreScore' + Names.NodeAffinity;
const rejectedPod = new Status(Code.UnschedulableAndUnresolvable, [ErrReasonPod], Names.NodeAffinity);
const rejectedEnforced = new Status(Code.UnschedulableAndUnresolvable, [ErrReasonEnforced], Names.NodeAffinity);

/**
 * Filter: spec.nodeSelector and required node affinity (and the profile's
 * addedAffinity); PreFilter narrows to named nodes when every term pins
 * metadata.name. Score: the weights of matching preferred terms.
 */
export class NodeAffinity implements Plugin {
  readonly name = Names.NodeAffinity;
  private readonly addedRequired: CompiledNodeSelector | null;
  private readonly addedPreferred: PreferredSchedulingTerms | null;
  private readonly preFilterState = new StateRef<RequiredNodeAffinity>(preFilterKey);
  private readonly preScoreState = new StateRef<PreferredSchedulingTerms | null>(preScoreKey);

  constructor(args: NodeAffinityArgs) {
    const req = args.addedAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    this.addedRequired = req ? compileNodeSelector(req) : null;
    const pref = args.addedAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    const compiled = pref ? compilePreferredTerms(pref) : null;
    this.addedPreferred = typeof compiled === 'string' ? null : compiled;
  }

  preFilter(state: CycleState, pi: PodInfo): PreFilterResult | Status | null {
    const required = pi.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    const affinity = pi.requiredNodeAffinity;
    if (!required && !this.addedRequired && affinity.nodeSelector === null) return new Status(Code.Skip);
    this.preFilterState.set(state, affinity);
    const terms = required?.nodeSelectorTerms ?? [];
    if (terms.length === 0) return null;
    let names: Set<string> | null = null;
    for (const t of terms) {
      let termNames: Set<string> | null = null;
      for (const r of t.matchFields ?? []) {
        if (r.key !== 'metadata.name' || r.operator !== 'In') continue;
        const s = new Set(r.values ?? []);
        termNames = termNames === null ? s : new Set([...termNames].filter((n: string) => s.has(n)));
      }
      // A term without a metadata.name restriction admits every node (terms are ORed).
      if (termNames === null) return null;
      names ??= new Set();
      for (const n of termNames) names.add(n);
    }
    if (names !== null && names.size === 0) return new Status(Code.UnschedulableAndUnresolvable, [ErrReasonConflict]);
    return names ? new PreFilterResult(names) : null;
  }

  filter(state: CycleState, pi: PodInfo, nodeInfo: NodeInfo): Status | null {
    if (this.addedRequired && !this.addedRequired.matchesLabels(nodeInfo.labels, nodeInfo.name))
      return rejectedEnforced;
    const affinity = this.preFilterState.get(state) ?? pi.requiredNodeAffinity;
    return affinity.matchesLabels(nodeInfo.labels, nodeInfo.name) ? null : rejectedPod;
  }

  preScore(state: CycleState, pi: PodInfo, nodes: readonly NodeInfo[]): Status | null {
    if (nodes.length === 0) return null;
    const pref = pi.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    let compiled: PreferredSchedulingTerms | null = null;
    if (pref && pref.length) {
      const c = compilePreferredTerms(pref);
      if (typeof c === 'string') return new Status(Code.Error, [c]);
      compiled = c;
    }
    if (!compiled && !this.addedPreferred) return new Status(Code.Skip);
    this.preScoreState.set(state, compiled);
    return null;
  }

  score(state: CycleState, pi: PodInfo, nodeInfo: NodeInfo): number {
    let s = this.addedPreferred ? this.addedPreferred.score(nodeInfo.labels, nodeInfo.name) : 0;
    let pref = this.preScoreState.get(state);
    if (pref === undefined) {
      const raw = pi.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
      const c = raw ? compilePreferredTerms(raw) : null;
      pref = typeof c === 'string' ? null : c;
    }
    if (pref) s += pref.score(nodeInfo.labels, nodeInfo.name);
    return s;
  }

  normalizeScore(_s: CycleState, _p: PodInfo, scores: number[]): Status | null {
    defaultNormalizeScore(MaxNodeScore, false, scores);
    return null;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel },
        hint: (pod, oldObj, newObj) => {
          const n = newObj as Node | undefined;
          if (!n) return QueueingHint.QueueSkip;
          if (this.addedRequired && !this.addedRequired.matches(n)) return QueueingHint.QueueSkip;
          const req = requiredNodeAffinityOf(pod);
          if (!req.matches(n)) return QueueingHint.QueueSkip;
          const o = oldObj as Node | undefined;
          // A node that already matched before the change was not why the pod failed.
          if (o && req.matches(o) && (!this.addedRequired || this.addedRequired.matches(o)))
            return QueueingHint.QueueSkip;
          return QueueingHint.Queue;
        },
      },
    ];
  }
}

export function newNodeAffinity(raw: unknown, _handle?: Handle): Plugin {
  const errs = validateNodeAffinityArgs(raw, FieldPath.root(''));
  if (errs.length) throw new PluginArgsError(Names.NodeAffinity, errs, aggregateMessage(errs));
  return new NodeAffinity(asObject(raw) as NodeAffinityArgs);
}
