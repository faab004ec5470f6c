import type { Node } from 'kubernetes-types/core/v1.js';
import { ActionType, QueueingHint, type ClusterEventWithHint } from '../../framework/events.js';
import type { Plugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { Code, Status } from '../../framework/status.js';
import { Names } from '../names.js';

export const ErrReason = "node(s) didn't match the requested node name";
const rejected = new Status(Code.UnschedulableAndUnresolvable, [ErrReason], Names.NodeName);

/** Filter: a pod with spec.nodeName fits only that node. */
export class NodeName implements Plugin {
  readonly name = Names.NodeName;

  filter(_s: unknown, pi: PodInfo, nodeInfo: NodeInfo): Status | null {
    const want = pi.pod.spec?.nodeName;
    return !want || want === nodeInfo.name ? null : rejected;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateOther },
        hint: (pod, _old, n) =>
          (n as Node | undefined)?.metadata?.name === pod.spec?.nodeName ? QueueingHint.Queue : QueueingHint.QueueSkip,
      },
    ];
  }
}

export const newNodeName = (): Plugin => new NodeName();
