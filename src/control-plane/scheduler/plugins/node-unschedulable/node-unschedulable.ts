import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { ActionType, QueueingHint, type ClusterEventWithHint } from '../../framework/events.js';
import type { Plugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { Code, Status } from '../../framework/status.js';
import { tolerationsTolerateTaint } from '../../framework/taints.js';
import { Names } from '../names.js';

export const ErrReasonUnschedulable = 'node(s) were unschedulable';
const unschedulableTaint: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
const rejected = new Status(Code.UnschedulableAndUnresolvable, [ErrReasonUnschedulable], Names.NodeUnschedulable);

/** Filter: nodes with spec.unschedulable are off limits unless the pod tolerates the unschedulable taint. */
export class NodeUnschedulable implements Plugin {
  readonly name = Names.NodeUnschedulable;

  filter(_s: unknown, pi: PodInfo, nodeInfo: NodeInfo): Status | null {
    if (!nodeInfo.node?.spec?.unschedulable) return null;
    return tolerationsTolerateTaint(pi.pod.spec?.tolerations, unschedulableTaint) ? null : rejected;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeTaint },
        hint: (_pod, oldObj, newObj) => {
          const o = oldObj as Node | undefined;
          const n = newObj as Node | undefined;
          if (!n) return QueueingHint.QueueSkip;
          // Only a node that is (now) schedulable can help.
          if (n.spec?.unschedulable) return QueueingHint.QueueSkip;
          return !o || o.spec?.unschedulable ? QueueingHint.Queue : QueueingHint.QueueSkip;
        },
      },
      {
        event: { resource: 'UnscheduledPod', actionType: ActionType.UpdatePodToleration },
        hint: (pod, _o, n) => {
          const p = n as Pod | undefined;
          if (!p || p.metadata?.uid !== pod.metadata?.uid) return QueueingHint.QueueSkip;
          return tolerationsTolerateTaint(p.spec?.tolerations, unschedulableTaint)
            ? QueueingHint.Queue
            : QueueingHint.QueueSkip;
        },
      },
    ];
  }
}

export const newNodeUnschedulable = (): Plugin => new NodeUnschedulable();
