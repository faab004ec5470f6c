import type { Node, Pod, Toleration } from 'kubernetes-types/core/v1.js';
import { StateRef, type CycleState } from '../../framework/cycle-state.js';
import { ActionType, QueueingHint, type ClusterEventWithHint } from '../../framework/events.js';
import { MaxNodeScore, type Plugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { Code, Status } from '../../framework/status.js';
import { findUntoleratedTaint, isDoNotScheduleTaint, tolerationsTolerateTaint } from '../../framework/taints.js';
import { defaultNormalizeScore } from '../helpers/normalize.js';
import { Names } from '../names.js';

const preScoreKey = 'PreScore' + Names.TaintToleration;

/**
 * Filter: NoSchedule/NoExecute taints must be tolerated. Score: fewer
 * untolerated PreferNoSchedule taints is better (normalized in reverse).
 */
export class TaintToleration implements Plugin {
  readonly name = Names.TaintToleration;
  private readonly preScoreState = new StateRef<Toleration[]>(preScoreKey);

  filter(_s: CycleState, pi: PodInfo, nodeInfo: NodeInfo): Status | null {
    if (nodeInfo.taints.length === 0) return null;
    const taint = findUntoleratedTaint(nodeInfo.taints, pi.pod.spec?.tolerations, isDoNotScheduleTaint);
    if (!taint) return null;
    return new Status(Code.UnschedulableAndUnresolvable, [
      `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`,
    ]);
  }

  preScore(state: CycleState, pi: PodInfo): Status | null {
    const tols = (pi.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    this.preScoreState.set(state, tols);
    return null;
  }

  score(state: CycleState, pi: PodInfo, nodeInfo: NodeInfo): number {
    if (nodeInfo.taints.length === 0) return 0;
    const tols = this.preScoreState.get(state) ?? pi.pod.spec?.tolerations ?? [];
    let n = 0;
    for (const t of nodeInfo.taints) {
      if (t.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(tols, t)) n++;
    }
    return n;
  }

  normalizeScore(_s: CycleState, _p: PodInfo, scores: number[]): Status | null {
    defaultNormalizeScore(MaxNodeScore, true, scores);
    return null;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeTaint },
        hint: (pod, oldObj, newObj) => {
          const n = newObj as Node | undefined;
          if (!n) return QueueingHint.QueueSkip;
          const now = !findUntoleratedTaint(n.spec?.taints, pod.spec?.tolerations, isDoNotScheduleTaint);
          const before = oldObj
            ? !findUntoleratedTaint((oldObj as Node).spec?.taints, pod.spec?.tolerations, isDoNotScheduleTaint)
            : false;
          return now && !before ? QueueingHint.Queue : QueueingHint.QueueSkip;
        },
      },
      {
        event: { resource: 'UnscheduledPod', actionType: ActionType.UpdatePodToleration },
        hint: (pod, _o, n) =>
          (n as Pod | undefined)?.metadata?.uid === pod.metadata?.uid ? QueueingHint.Queue : QueueingHint.QueueSkip,
      },
    ];
  }
}

export const newTaintToleration = (): Plugin => new TaintToleration();
