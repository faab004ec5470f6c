import type { Pod } from 'kubernetes-types/core/v1.js';
import { ActionType, QueueingHint, type ClusterEventWithHint } from '../../framework/events.js';
import type { Plugin } from '../../framework/interfaces.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { Code, Status } from '../../framework/status.js';
import { Names } from '../names.js';

/** PreEnqueue: a pod with spec.schedulingGates waits, gated, until they are all removed. */
export class SchedulingGates implements Plugin {
  readonly name = Names.SchedulingGates;

  preEnqueue(pi: PodInfo): Status | null {
    const gates = pi.pod.spec?.schedulingGates;
    if (!gates || gates.length === 0) return null;
    return new Status(Code.UnschedulableAndUnresolvable, [
      `waiting for scheduling gates: [${gates.map((g) => g.name).join(' ')}]`,
    ]);
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        event: { resource: 'UnscheduledPod', actionType: ActionType.UpdatePodSchedulingGatesEliminated },
        hint: (pod, _old, modified) =>
          (modified as Pod | undefined)?.metadata?.uid === pod.metadata?.uid
            ? QueueingHint.Queue
            : QueueingHint.QueueSkip,
      },
    ];
  }
}

export const newSchedulingGates = (): Plugin => new SchedulingGates();
