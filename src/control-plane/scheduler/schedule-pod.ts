import type { Snapshot } from './cache/snapshot.js';
import type { CycleState } from './framework/cycle-state.js';
import {
  FitError,
  NoNodesAvailableMessage,
  addPluginStatus,
  newDiagnosis,
  type Diagnosis,
} from './framework/fit-error.js';
import type { NodeInfo } from './framework/node-info.js';
import { NodeToStatus } from './framework/node-to-status.js';
import type { PodInfo } from './framework/pod-info.js';
import type { Framework } from './framework/runtime.js';
import { Code, Status } from './framework/status.js';

/** Below this many nodes every node is evaluated (upstream minFeasibleNodesToFind). */
export const minFeasibleNodesToFind = 100;
/** The adaptive percentage never drops below this (upstream minFeasibleNodesPercentageToFind). */
export const minFeasibleNodesPercentageToFind = 5;

/**
 * How many feasible nodes to find before scoring (upstream
 * numFeasibleNodesToFind): all nodes below 100; otherwise the profile's (or
 * global) percentageOfNodesToScore, where 0 means adaptive: 50% - nodes/125,
 * at least 5%, and never fewer than 100 nodes.
 */
export function numFeasibleNodesToFind(percentage: number, numAllNodes: number): number {
  if (numAllNodes < minFeasibleNodesToFind) return numAllNodes;
  let p = percentage;
  if (p === 0) {
    p = 50 - Math.trunc(numAllNodes / 125);
    if (p < minFeasibleNodesPercentageToFind) p = minFeasibleNodesPercentageToFind;
  }
  const n = Math.trunc((numAllNodes * p) / 100);
  return n < minFeasibleNodesToFind ? minFeasibleNodesToFind : n;
}

/** The index of a highest total; ties are broken uniformly at random (reservoir sampling, as upstream). */
export function selectHost(totals: ArrayLike<number>, random: () => number): number {
  let best = 0;
  let count = 1;
  for (let i = 1; i < totals.length; i++) {
    const t = totals[i]!;
    if (t > totals[best]!) {
      best = i;
      count = 1;
    } else if (t === totals[best]!) {
      count++;
      if (Math.floor(random() * count) === 0) best = i;
    }
  }
  return best;
}

export interface ScheduleResult {
  suggestedHost: string;
  evaluatedNodes: number;
  feasibleNodes: number;
}

/** A cycle that found no node: the error and the status code to fail with. */
export interface ScheduleFailure {
  code: Code;
  error: Error;
}

/**
 * The node-selection algorithm of a scheduling cycle (upstream
 * schedulePod, findNodesThatFitPod, prioritizeNodes): PreFilter, Filter over
 * a rotating sample of nodes, PreScore/Score, pick the best.
 */
export class PodScheduler {
  /** Where the next cycle starts looking, so every node gets its turn. */
  nextStartNodeIndex = 0;

  constructor(
    private readonly snapshot: Snapshot,
    private readonly globalPercentage: number,
    private readonly random: () => number,
  ) {}

  schedulePod(fw: Framework, state: CycleState, pi: PodInfo): ScheduleResult | ScheduleFailure {
    const numNodes = this.snapshot.numNodes();
    if (numNodes === 0) return { code: Code.UnschedulableAndUnresolvable, error: new Error(NoNodesAvailableMessage) };
    const found = this.findNodesThatFitPod(fw, state, pi);
    if (found instanceof Status) return { code: Code.Error, error: found.asError() };
    const { feasible, diagnosis } = found;
    if (feasible.length === 0) return { code: Code.Unschedulable, error: new FitError(pi.key, numNodes, diagnosis) };
    if (feasible.length === 1) {
      return { suggestedHost: feasible[0]!.name, evaluatedNodes: 1 + diagnosis.nodeToStatus.size, feasibleNodes: 1 };
    }
    const totals = this.prioritizeNodes(fw, state, pi, feasible);
    if (totals instanceof Status) return { code: Code.Error, error: totals.asError() };
    const host = feasible[selectHost(totals, this.random)]!;
    return {
      suggestedHost: host.name,
      evaluatedNodes: feasible.length + diagnosis.nodeToStatus.size,
      feasibleNodes: feasible.length,
    };
  }

  private findNodesThatFitPod(
    fw: Framework,
    state: CycleState,
    pi: PodInfo,
  ): { feasible: NodeInfo[]; diagnosis: Diagnosis } | Status {
    const diagnosis = newDiagnosis(new NodeToStatus());
    const allNodes = this.snapshot.list();
    const pre = fw.runPreFilterPlugins(state, pi, allNodes);
    for (const p of pre.pluginsWithNodes) diagnosis.unschedulablePlugins.add(p);
    if (pre.status !== null && pre.status.code !== Code.Success) {
      if (!pre.status.isRejected()) return pre.status;
      diagnosis.nodeToStatus.setAbsentNodesStatus(pre.status);
      diagnosis.preFilterMsg = pre.status.message();
      addPluginStatus(diagnosis, pre.status);
      return { feasible: [], diagnosis };
    }
    const nominated = pi.pod.status?.nominatedNodeName;
    if (nominated) {
      const ni = this.snapshot.get(nominated);
      if (ni) {
        const f = this.passFilters(fw, state, pi, diagnosis, [ni], false);
        if (!(f instanceof Status) && f.length) return { feasible: f, diagnosis };
      }
    }
    let nodes = allNodes;
    if (pre.result && !pre.result.allNodes()) {
      const subset: NodeInfo[] = [];
      for (const name of pre.result.nodeNames!) {
        const ni = this.snapshot.get(name);
        if (ni) subset.push(ni);
      }
      nodes = subset;
      const plugins = [...pre.pluginsWithNodes].sort();
      diagnosis.nodeToStatus.setAbsentNodesStatus(
        new Status(Code.UnschedulableAndUnresolvable, [`node(s) didn't satisfy plugin(s) [${plugins.join(' ')}]`]),
      );
    }
    const feasible = this.passFilters(fw, state, pi, diagnosis, nodes, true);
    if (feasible instanceof Status) return feasible;
    return { feasible, diagnosis };
  }

  /** Runs Filter over `nodes` from the rotating start until enough feasible nodes are found. */
  private passFilters(
    fw: Framework,
    state: CycleState,
    pi: PodInfo,
    diagnosis: Diagnosis,
    nodes: readonly NodeInfo[],
    rotate: boolean,
  ): NodeInfo[] | Status {
    const n = nodes.length;
    if (n === 0) return [];
    const pct = fw.percentageOfNodesToScore ?? this.globalPercentage;
    const toFind = numFeasibleNodesToFind(pct, n);
    const start = rotate ? this.nextStartNodeIndex % n : 0;
    const feasible: NodeInfo[] = [];
    let processed = 0;
    if (!fw.hasFilterPlugins()) {
      for (let i = 0; i < toFind; i++) feasible.push(nodes[(start + i) % n]!);
      return feasible;
    }
    for (let i = 0; i < n && feasible.length < toFind; i++) {
      const ni = nodes[(start + i) % n]!;
      processed++;
      const s = fw.runFilterPluginsWithNominatedPods(state, pi, ni);
      if (s === null || s.code === Code.Success) {
        feasible.push(ni);
        continue;
      }
      if (s.code === Code.Error) return s;
      diagnosis.nodeToStatus.set(ni.name, s);
      addPluginStatus(diagnosis, s);
    }
    if (rotate) {
      const total = this.snapshot.numNodes();
      if (total > 0) this.nextStartNodeIndex = (this.nextStartNodeIndex + processed) % total;
    }
    return feasible;
  }

  /** PreScore and Score; with no score plugins every node scores 1. */
  private prioritizeNodes(
    fw: Framework,
    state: CycleState,
    pi: PodInfo,
    nodes: readonly NodeInfo[],
  ): Float64Array | Status {
    if (!fw.hasScorePlugins()) return new Float64Array(nodes.length).fill(1);
    const s = fw.runPreScorePlugins(state, pi, nodes);
    if (s !== null && s.code !== Code.Success) return s;
    return fw.runScorePlugins(state, pi, nodes);
  }
}
