import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { aggregateMessage, FieldPath } from '../../../../api/validation/field-error.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { ClusterEventWithHint } from '../../framework/events.js';
import { fitErrorMessage, newDiagnosis } from '../../framework/fit-error.js';
import type { Handle, Plugin, PostFilterOutcome } from '../../framework/interfaces.js';
import { NodeInfo } from '../../framework/node-info.js';
import { NodeToStatus } from '../../framework/node-to-status.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { Code, Status } from '../../framework/status.js';
import { PluginArgsError } from '../helpers/args.js';
import { Names } from '../names.js';
import { defaultPreemptionArgs, validatePreemptionArgs, type DefaultPreemptionArgs } from './args.js';
import {
  compilePDBs,
  pickOneNodeForPreemption,
  selectVictimsOnNode,
  type Candidate,
  type CompiledPDB,
} from './victims.js';

export const NotHelpfulMessage = 'Preemption is not helpful for scheduling';

/** A pod deleted by the scheduler for preemption (upstream podTerminatingByPreemption). */
function terminatingByPreemption(p: Pod): boolean {
  if (!p.metadata?.deletionTimestamp) return false;
  const c = p.status?.conditions?.find((x) => x.type === 'DisruptionTarget');
  return !!c && c.status === 'True' && c.reason === 'PreemptionByScheduler';
}

/**
 * PostFilter: when no node fits, find nodes where evicting lower-priority
 * pods (the fewest, PDB-aware) would make room, pick the best one, delete
 * its victims and nominate the node for the pod (upstream DefaultPreemption).
 * Victim deletions run in the background; meanwhile PreEnqueue holds the
 * preemptor back, and activates it when they are done.
 */
export class DefaultPreemption implements Plugin {
  readonly name = Names.DefaultPreemption;
  private readonly preempting = new Set<string>();

  constructor(
    private readonly args: DefaultPreemptionArgs,
    private readonly handle: Handle,
  ) {}

  preEnqueue(pi: PodInfo): Status | null {
    return this.preempting.has(pi.uid)
      ? new Status(Code.UnschedulableAndUnresolvable, ['waiting for the preemption for this pod to be finished'])
      : null;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [];
  }

  /** Whether victim deletions for this pod are still in flight. */
  isPreempting(uid: string): boolean {
    return this.preempting.has(uid);
  }

  postFilter(state: CycleState, pi: PodInfo, statuses: NodeToStatus): PostFilterOutcome {
    const out = this.preempt(state, pi, statuses);
    const msg = out.status?.message() ?? '';
    if (msg) return { result: out.result, status: new Status(out.status!.code, [`preemption: ${msg}`]) };
    return out;
  }

  /** Upstream PodEligibleToPreemptOthers. */
  eligible(pi: PodInfo, nominatedStatus: Status): [boolean, string] {
    const pod = pi.pod;
    if (pod.spec?.preemptionPolicy === 'Never') return [false, 'not eligible due to preemptionPolicy=Never.'];
    const nom = pod.status?.nominatedNodeName;
    if (nom) {
      if (nominatedStatus.code === Code.UnschedulableAndUnresolvable) return [true, ''];
      const ni = this.handle.snapshotSharedLister().get(nom);
      if (ni) {
        for (const p of ni.pods) {
          if (p.priority < pi.priority && terminatingByPreemption(p.pod)) {
            return [false, 'not eligible due to a terminating pod on the nominated node.'];
          }
        }
      }
    }
    return [true, ''];
  }

  private preempt(state: CycleState, pi: PodInfo, statuses: NodeToStatus): PostFilterOutcome {
    const [ok, why] = this.eligible(pi, statuses.get(pi.pod.status?.nominatedNodeName ?? ''));
    if (!ok) return { status: new Status(Code.Unschedulable, [why]) };
    const lister = this.handle.snapshotSharedLister();
    const allNodes = lister.list();
    if (allNodes.length === 0) return { status: Status.fromError(new Error('no nodes available')) };
    const { candidates, nodeStatuses } = this.findCandidates(state, pi, allNodes, statuses);
    if (candidates.length === 0) {
      const d = newDiagnosis(nodeStatuses);
      nodeStatuses.setAbsentNodesStatus(new Status(Code.UnschedulableAndUnresolvable, [NotHelpfulMessage]));
      return {
        result: { nominatingInfo: { mode: 'Override', nominatedNodeName: '' } },
        status: new Status(Code.Unschedulable, [fitErrorMessage(allNodes.length, d)]),
      };
    }
    const best = pickOneNodeForPreemption(candidates);
    if (!best) return { status: new Status(Code.Unschedulable, ['no candidate node for preemption']) };
    this.prepareCandidate(best, pi);
    return { result: { nominatingInfo: { mode: 'Override', nominatedNodeName: best.name } }, status: null };
  }

  /** Upstream calculateNumCandidates. */
  numCandidates(numNodes: number): number {
    let n = Math.trunc((numNodes * this.args.minCandidateNodesPercentage) / 100);
    if (n < this.args.minCandidateNodesAbsolute) n = this.args.minCandidateNodesAbsolute;
    return Math.min(n, numNodes);
  }

  private findCandidates(
    state: CycleState,
    pi: PodInfo,
    allNodes: readonly NodeInfo[],
    statuses: NodeToStatus,
  ): { candidates: Candidate[]; nodeStatuses: NodeToStatus } {
    // Only nodes that rejected the pod as Unschedulable (not ...AndUnresolvable) may be helped.
    const potential = allNodes.filter((n) => statuses.get(n.name).code === Code.Unschedulable);
    if (potential.length === 0) {
      if (pi.pod.status?.nominatedNodeName) void this.clearNomination(pi.pod);
      return { candidates: [], nodeStatuses: new NodeToStatus() };
    }
    const pdbs = compilePDBs(this.handle.listers.pdbs?.list() ?? []);
    const offset = Math.floor(this.handle.random() * potential.length);
    return this.dryRun(state, pi, potential, pdbs, offset, this.numCandidates(potential.length));
  }

  /** Evaluates nodes from `offset` until enough candidates are found (upstream DryRunPreemption). */
  private dryRun(
    state: CycleState,
    pi: PodInfo,
    potential: readonly NodeInfo[],
    pdbs: readonly CompiledPDB[],
    offset: number,
    want: number,
  ): { candidates: Candidate[]; nodeStatuses: NodeToStatus } {
    const nonViolating: Candidate[] = [];
    const violating: Candidate[] = [];
    const nodeStatuses = new NodeToStatus();
    // One scratch copy serves every what-if: candidates keep only the node name and victim pods.
    const ni = new NodeInfo();
    for (let i = 0; i < potential.length; i++) {
      ni.copyFrom(potential[(offset + i) % potential.length]!);
      const r = selectVictimsOnNode(this.handle, state.clone(), pi, ni, pdbs);
      if (r.status === null && r.victims.length > 0) {
        const c = { name: ni.name, victims: { pods: r.victims, numPDBViolations: r.numViolating } };
        if (r.numViolating === 0) {
          if (nonViolating.length < want) nonViolating.push(c);
        } else if (violating.length < want) {
          violating.push(c);
        }
        if (nonViolating.length > 0 && nonViolating.length + violating.length >= want) break;
        continue;
      }
      const s = r.status ?? Status.fromError(new Error(`expected at least one victim pod on node "${ni.name}"`));
      nodeStatuses.set(ni.name, s);
    }
    return { candidates: [...nonViolating, ...violating], nodeStatuses };
  }

  /** Deletes the victims (rejecting waiting ones) and clears lower-priority nominations on the node. */
  private prepareCandidate(c: Candidate, pi: PodInfo): void {
    const preemptor = pi.pod;
    const condition: PodCondition = {
      type: 'DisruptionTarget',
      status: 'True',
      reason: 'PreemptionByScheduler',
      message: `${preemptor.spec?.schedulerName ?? 'default-scheduler'}: preempting to accommodate a higher priority pod`,
    };
    const work: Promise<unknown>[] = [];
    for (const victim of c.victims.pods) {
      const uid = victim.metadata?.uid ?? '';
      const wp = this.handle.getWaitingPod(uid);
      const event = () =>
        this.handle.eventRecorder.event(
          victim,
          'Normal',
          'Preempted',
          `Preempted by pod ${preemptor.metadata?.uid ?? ''} on node ${c.name}`,
        );
      if (wp) {
        wp.reject(this.name, 'preempted');
        event();
        continue;
      }
      work.push(
        this.handle.ports.deleter.deletePod(victim, condition).then(event, (e: unknown) => {
          if ((e as { reason?: string })?.reason === 'NotFound') return;
          this.handle.log.error('preempting victim failed', {
            victim: `${victim.metadata?.namespace}/${victim.metadata?.name}`,
            err: e,
          });
        }),
      );
    }
    for (const np of this.handle.nominatedPodsForNode(c.name)) {
      if (np.priority < pi.priority && np.uid !== pi.uid) work.push(this.clearNomination(np.pod));
    }
    if (work.length === 0) return;
    this.preempting.add(pi.uid);
    void Promise.allSettled(work).then(() => {
      this.preempting.delete(pi.uid);
      this.handle.activate([preemptor]);
    });
  }

  private clearNomination(pod: Pod): Promise<void> {
    return this.handle.ports.statusUpdater.setNominatedNode(pod, '').catch((e: unknown) => {
      this.handle.log.warn('cannot clear nominatedNodeName', {
        pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`,
        err: e,
      });
    });
  }
}

export function newDefaultPreemption(raw: unknown, handle: Handle): Plugin {
  const args = defaultPreemptionArgs(raw);
  const errs = validatePreemptionArgs(args, FieldPath.root(''));
  if (errs.length) throw new PluginArgsError(Names.DefaultPreemption, errs, aggregateMessage(errs));
  return new DefaultPreemption(args, handle);
}
