import type { Pod } from 'kubernetes-types/core/v1.js';
import { aggregateMessage, FieldPath, type FieldError } from '../../../../api/validation/field-error.js';
import type { CycleState } from '../../framework/cycle-state.js';
import { ActionType, type ClusterEventWithHint } from '../../framework/events.js';
import type { Handle, PermitOutcome, Plugin, PostFilterOutcome } from '../../framework/interfaces.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { Code, Status } from '../../framework/status.js';
import { PluginArgsError, asObject } from '../helpers/args.js';
import { Names } from '../names.js';

/** The pod group a pod belongs to (label, or annotation), as in scheduler-plugins coscheduling. */
export const PodGroupLabel = 'scheduling.x-k8s.io/pod-group';
/** How many members must be placeable together (annotation or label on the members). */
export const MinMemberAnnotation = 'scheduling.x-k8s.io/min-member';
/** Per-pod override of the Permit wait, in seconds. */
export const TimeoutAnnotation = 'scheduling.x-k8s.io/schedule-timeout-seconds';

export interface PodSetArgs {
  /** How long assumed members wait at Permit for the rest of the group (default 60). */
  permitWaitingTimeSeconds: number;
}

export function defaultPodSetArgs(raw: unknown): PodSetArgs {
  return { permitWaitingTimeSeconds: (asObject(raw).permitWaitingTimeSeconds as number | undefined) ?? 60 };
}

export function validatePodSetArgs(a: PodSetArgs, path: FieldPath): FieldError[] {
  return a.permitWaitingTimeSeconds > 0
    ? []
    : [path.child('permitWaitingTimeSeconds').invalid(a.permitWaitingTimeSeconds, 'must be greater than 0')];
}

function meta(pod: Pod, key: string): string | undefined {
  return pod.metadata?.labels?.[key] ?? pod.metadata?.annotations?.[key];
}

/** `namespace/group` of a gang member, or undefined. */
export function groupOf(pod: Pod): string | undefined {
  const g = meta(pod, PodGroupLabel);
  return g ? `${pod.metadata?.namespace ?? ''}/${g}` : undefined;
}

export function minMemberOf(pod: Pod): number {
  const n = Number(meta(pod, MinMemberAnnotation) ?? '1');
  return Number.isInteger(n) && n > 0 ? n : 1;
}

/**
 * Gang scheduling (beyond upstream): the members of a pod group are bound
 * all-or-nothing. Each member that finds a node is assumed and waits at
 * Permit until minMember members are placed (assumed or bound); then all are
 * allowed together. If the wait times out, or a member is rejected or cannot
 * be placed, every waiting member is rejected, which releases their
 * reservations, and they return to the queue.
 */
export class PodSet implements Plugin {
  readonly name = Names.PodSet;

  constructor(
    private readonly args: PodSetArgs,
    private readonly handle: Handle,
  ) {}

  preFilter(_s: CycleState, pi: PodInfo): Status | null {
    const group = groupOf(pi.pod);
    if (!group) return new Status(Code.Skip);
    const pods = this.handle.listers.pods;
    if (!pods) return null;
    const min = minMemberOf(pi.pod);
    const total = pods.list(pi.namespace).filter((p) => groupOf(p) === group && !p.metadata?.deletionTimestamp).length;
    if (total < min) {
      return new Status(Code.UnschedulableAndUnresolvable, [
        `pre-filter pod ${pi.name} cannot find enough sibling pods, current pods number: ${total}, minMember: ${min}`,
      ]);
    }
    return null;
  }

  /** Members already placed: assumed (including those waiting here) or bound pods of the group. */
  private placedMembers(group: string, namespace: string, uid: string): number {
    let n = 0;
    for (const ni of this.handle.snapshotSharedLister().list()) {
      for (const p of ni.pods) if (p.namespace === namespace && p.uid !== uid && groupOf(p.pod) === group) n++;
    }
    return n;
  }

  permit(_s: CycleState, pi: PodInfo): PermitOutcome {
    const group = groupOf(pi.pod);
    if (!group) return [null, 0];
    const min = minMemberOf(pi.pod);
    const placed = this.placedMembers(group, pi.namespace, pi.uid) + 1;
    if (placed >= min) {
      this.handle.iterateOverWaitingPods((wp) => {
        if (groupOf(wp.pod) === group) wp.allow(this.name);
      });
      return [null, 0];
    }
    // Siblings parked in the queue (e.g. rejected by an earlier timeout) should try now, not after backoff.
    const siblings = this.handle.listers.pods
      ?.list(pi.namespace)
      .filter((p) => !p.spec?.nodeName && p.metadata?.uid !== pi.uid && groupOf(p) === group);
    if (siblings?.length) this.handle.activate(siblings);
    const override = Number(meta(pi.pod, TimeoutAnnotation));
    const seconds = Number.isFinite(override) && override > 0 ? override : this.args.permitWaitingTimeSeconds;
    return [new Status(Code.Wait), seconds * 1000];
  }

  reserve(): Status | null {
    return null;
  }

  /** A member's reservation was undone: the group cannot complete now, so release the others. */
  unreserve(_s: CycleState, pi: PodInfo): void {
    this.rejectWaiting(pi, 'rejection in Unreserve');
  }

  postFilter(_s: CycleState, pi: PodInfo): PostFilterOutcome {
    this.rejectWaiting(pi, `optimistic rejection in PostFilter: pod ${pi.name} is unschedulable`);
    return { status: new Status(Code.Unschedulable) };
  }

  private rejectWaiting(pi: PodInfo, message: string): void {
    const group = groupOf(pi.pod);
    if (!group) return;
    this.handle.iterateOverWaitingPods((wp) => {
      if (wp.uid !== pi.uid && groupOf(wp.pod) === group) wp.reject(this.name, message);
    });
  }

  /**
   * New siblings need no event: a member that starts waiting at Permit
   * activates its parked siblings. Freed or added capacity may let the whole
   * group fit.
   */
  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: 'AssignedPod', actionType: ActionType.Delete } },
      {
        event: {
          resource: 'Node',
          actionType:
            ActionType.Add | ActionType.UpdateNodeAllocatable | ActionType.UpdateNodeTaint | ActionType.UpdateNodeLabel,
        },
      },
    ];
  }
}

export function newPodSet(raw: unknown, handle: Handle): Plugin {
  const args = defaultPodSetArgs(raw);
  const errs = validatePodSetArgs(args, FieldPath.root(''));
  if (errs.length) throw new PluginArgsError(Names.PodSet, errs, aggregateMessage(errs));
  return new PodSet(args, handle);
}
