import type { ContainerPort, Pod } from 'kubernetes-types/core/v1.js';
import type { CycleState } from '../../framework/cycle-state.js';
import { ActionType, QueueingHint, type ClusterEventWithHint } from '../../framework/events.js';
import type { Plugin } from '../../framework/interfaces.js';
import { hostPortsOf, type NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { Code, Status } from '../../framework/status.js';
import { Names } from '../names.js';

export const ErrReason = "node(s) didn't have free ports for the requested pod ports";
const stateKey = 'PreFilter' + Names.NodePorts;
const rejected = new Status(Code.Unschedulable, [ErrReason], Names.NodePorts);

/** Whether any wanted host port is taken on the node (upstream fitsPorts). */
export function fitsPorts(wanted: readonly ContainerPort[], nodeInfo: NodeInfo): boolean {
  for (const p of wanted) if (nodeInfo.usedPorts.checkConflict(p.hostIP, p.protocol, p.hostPort!)) return false;
  return true;
}

/** Filter: the pod's host ports must be free on the node. */
export class NodePorts implements Plugin {
  readonly name = Names.NodePorts;

  preFilter(state: CycleState, pi: PodInfo): Status | null {
    const ports = hostPortsOf(pi.pod);
    if (ports.length === 0) return new Status(Code.Skip);
    state.write(stateKey, ports);
    return null;
  }

  filter(state: CycleState, pi: PodInfo, nodeInfo: NodeInfo): Status | null {
    const ports = state.read<ContainerPort[]>(stateKey) ?? hostPortsOf(pi.pod);
    return fitsPorts(ports, nodeInfo) ? null : rejected;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        // A deleted pod frees its ports; only one that used a wanted port matters.
        event: { resource: 'Pod', actionType: ActionType.Delete },
        hint: (pod, oldObj) => {
          const deleted = oldObj as Pod | undefined;
          if (!deleted?.spec?.nodeName) return QueueingHint.QueueSkip;
          const freed = hostPortsOf(deleted);
          for (const want of hostPortsOf(pod)) {
            for (const f of freed) {
              if (f.hostPort === want.hostPort && (f.protocol || 'TCP') === (want.protocol || 'TCP'))
                return QueueingHint.Queue;
            }
          }
          return QueueingHint.QueueSkip;
        },
      },
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.Update } },
    ];
  }
}

export const newNodePorts = (): Plugin => new NodePorts();
