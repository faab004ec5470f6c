import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Clock } from '../../../lib/clock.js';
import type { Logger } from '../../../lib/log.js';
import type { ResolvedProfile } from '../config/types.js';
import { StateRef, type CycleState } from './cycle-state.js';
import type { ClusterEventWithHint } from './events.js';
import { ActionType } from './events.js';
import {
  MaxNodeScore,
  MinNodeScore,
  PreFilterResult,
  type Handle,
  type Listers,
  type MetricsSource,
  type Plugin,
  type Ports,
  type PostFilterOutcome,
  type PostFilterResult,
  type Registry,
  type SharedLister,
  type WaitingPod,
} from './interfaces.js';
import type { NodeInfo } from './node-info.js';
import type { NodeToStatus } from './node-to-status.js';
import { resolvePlugins } from './plugin-set.js';
import type { PodInfo } from './pod-info.js';
import { Code, Status } from './status.js';
import { MaxPermitWaitMs, type WaitingPods } from './waiting-pods.js';

/** What the scheduler provides to every profile's framework. */
export interface FrameworkDeps {
  registry: Registry;
  clock: Clock;
  log: Logger;
  listers: Listers;
  ports: Ports;
  metrics?: MetricsSource;
  random: () => number;
  waitingPods: WaitingPods;
  snapshot: () => SharedLister;
  nominatedPodsForNode: (nodeName: string) => readonly PodInfo[];
  /** Cheap check that lets Filter skip the per-node nominated lookup. */
  hasNominatedPods: () => boolean;
  activate: (pods: readonly Pod[]) => void;
}

export interface PreFilterOutcome {
  result: PreFilterResult | null;
  status: Status | null;
  /** Plugins whose PreFilterResult narrowed the nodes (named in the message for the others). */
  pluginsWithNodes: string[];
}

/** Per-cycle compiled plugin lists (PreFilter/PreScore skips applied). */
interface CycleLists {
  filters: Plugin[];
  scorers: Plugin[];
}
const listsKey = 'framework/lists';

/**
 * One profile's plugins wired to the extension points, and the loops that
 * run them (upstream frameworkImpl). It is also the Handle the plugins get.
 * Filter and Score are the hot path: per-cycle plugin arrays are compiled
 * once in PreFilter/PreScore and the per-node loops allocate nothing on pass.
 */
export class Framework implements Handle {
  readonly profileName: string;
  readonly percentageOfNodesToScore: number | null;
  readonly clock: Clock;
  readonly log: Logger;
  readonly listers: Listers;
  readonly ports: Ports;
  readonly metrics: MetricsSource | undefined;
  readonly eventRecorder: Ports['events'];
  readonly queueSort: Plugin;
  private readonly preEnqueuePlugins: Plugin[];
  private readonly preFilterPlugins: Plugin[];
  private readonly filterPlugins: Plugin[];
  private readonly postFilterPlugins: Plugin[];
  private readonly preScorePlugins: Plugin[];
  private readonly scorePlugins: Plugin[];
  private readonly reservePlugins: Plugin[];
  private readonly permitPlugins: Plugin[];
  private readonly preBindPlugins: Plugin[];
  private readonly bindPlugins: Plugin[];
  private readonly postBindPlugins: Plugin[];
  private readonly weights: Map<string, number>;
  private readonly lists = new StateRef<CycleLists>(listsKey);
  /** Plugins whose rejections events may resolve (PreEnqueue, PreFilter, Filter, Reserve, Permit). */
  readonly enqueueExtensions: Plugin[];
  readonly plugins: ReadonlyMap<string, Plugin>;

  constructor(
    profile: ResolvedProfile,
    private readonly deps: FrameworkDeps,
  ) {
    this.profileName = profile.schedulerName;
    this.percentageOfNodesToScore = profile.percentageOfNodesToScore;
    this.clock = deps.clock;
    this.log = deps.log;
    this.listers = deps.listers;
    this.ports = deps.ports;
    this.metrics = deps.metrics;
    this.eventRecorder = deps.ports.eventsFor?.(profile.schedulerName) ?? deps.ports.events;
    const r = resolvePlugins(profile, deps.registry, this);
    this.plugins = r.instances;
    this.queueSort = r.points.queueSort[0]!;
    this.preEnqueuePlugins = r.points.preEnqueue;
    this.preFilterPlugins = r.points.preFilter;
    this.filterPlugins = r.points.filter;
    this.postFilterPlugins = r.points.postFilter;
    this.preScorePlugins = r.points.preScore;
    this.scorePlugins = r.points.score;
    this.reservePlugins = r.points.reserve;
    this.permitPlugins = r.points.permit;
    this.preBindPlugins = r.points.preBind;
    this.bindPlugins = r.points.bind;
    this.postBindPlugins = r.points.postBind;
    this.weights = r.scoreWeights;
    const ext = new Set<Plugin>([
      ...this.preEnqueuePlugins,
      ...this.preFilterPlugins,
      ...this.filterPlugins,
      ...this.reservePlugins,
      ...this.permitPlugins,
    ]);
    this.enqueueExtensions = [...ext];
  }

  // ---- Handle ----

  random(): number {
    return this.deps.random();
  }
  snapshotSharedLister(): SharedLister {
    return this.deps.snapshot();
  }
  nominatedPodsForNode(nodeName: string): readonly PodInfo[] {
    return this.deps.nominatedPodsForNode(nodeName);
  }
  getWaitingPod(uid: string): WaitingPod | undefined {
    return this.deps.waitingPods.get(uid);
  }
  iterateOverWaitingPods(fn: (wp: WaitingPod) => void): void {
    this.deps.waitingPods.forEach(fn);
  }
  rejectWaitingPod(uid: string, message = 'removed'): boolean {
    const wp = this.deps.waitingPods.get(uid);
    if (!wp) return false;
    wp.reject('', message);
    return true;
  }
  activate(pods: readonly Pod[]): void {
    this.deps.activate(pods);
  }

  hasFilterPlugins(): boolean {
    return this.filterPlugins.length > 0;
  }
  hasPostFilterPlugins(): boolean {
    return this.postFilterPlugins.length > 0;
  }
  hasScorePlugins(): boolean {
    return this.scorePlugins.length > 0;
  }
  scoreWeight(name: string): number {
    return this.weights.get(name) ?? 1;
  }

  /** Events per plugin that can requeue pods it rejected; plugins without a list get the wildcard. */
  queueingHints(): Map<string, ClusterEventWithHint[]> {
    const out = new Map<string, ClusterEventWithHint[]>();
    for (const p of this.enqueueExtensions) {
      out.set(
        p.name,
        p.eventsToRegister ? p.eventsToRegister() : [{ event: { resource: '*', actionType: ActionType.All } }],
      );
    }
    return out;
  }

  // ---- extension points ----

  /** The first PreEnqueue rejection, attributed to its plugin; null when the pod may be queued. */
  runPreEnqueuePlugins(pod: PodInfo): Status | null {
    for (const p of this.preEnqueuePlugins) {
      const s = safe(() => p.preEnqueue!(pod), p.name);
      if (s && s.code !== Code.Success) return s.plugin ? s : s.withPlugin(p.name);
    }
    return null;
  }

  /**
   * Runs PreFilter (upstream RunPreFilterPlugins): Skip marks a plugin's
   * Filter as skipped; UnschedulableAndUnresolvable stops at once;
   * Unschedulable is remembered while the rest still run (preemption needs
   * their state); results are intersected, and an empty intersection rejects.
   */
  runPreFilterPlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): PreFilterOutcome {
    let result: PreFilterResult | null = null;
    let returnStatus: Status | null = null;
    const pluginsWithNodes: string[] = [];
    let skipped: Set<string> | null = null;
    for (const p of this.preFilterPlugins) {
      const out = safe(() => p.preFilter!(state, pod, nodes), p.name);
      if (out instanceof Status) {
        if (out.code === Code.Success) continue;
        if (out.code === Code.Skip) {
          (skipped ??= new Set()).add(p.name);
          continue;
        }
        const s = out.withPlugin(p.name);
        if (s.code === Code.UnschedulableAndUnresolvable) return { result: null, status: s, pluginsWithNodes };
        if (s.code === Code.Unschedulable) {
          returnStatus = s;
          continue;
        }
        const err = new Status(Code.Error, [`running PreFilter plugin "${p.name}": ${s.message()}`], p.name, s.error);
        return { result: null, status: err, pluginsWithNodes };
      }
      if (out instanceof PreFilterResult && !out.allNodes()) {
        pluginsWithNodes.push(p.name);
        result = result ? result.merge(out) : out;
        if (result.nodeNames!.size === 0) {
          const msg =
            pluginsWithNodes.length === 1
              ? `node(s) didn't satisfy plugin ${pluginsWithNodes[0]}`
              : `node(s) didn't satisfy plugin(s) [${pluginsWithNodes.join(' ')}] simultaneously`;
          return { result, status: new Status(Code.UnschedulableAndUnresolvable, [msg]), pluginsWithNodes };
        }
      }
    }
    state.skipFilterPlugins = skipped ?? new Set();
    const filters = skipped ? this.filterPlugins.filter((p) => !skipped!.has(p.name)) : this.filterPlugins;
    this.lists.set(state, { filters, scorers: this.scorePlugins });
    return { result, status: returnStatus, pluginsWithNodes };
  }

  runPreFilterExtensionAddPod(
    state: CycleState,
    podToSchedule: PodInfo,
    podToAdd: PodInfo,
    nodeInfo: NodeInfo,
  ): Status | null {
    for (const p of this.preFilterPlugins) {
      if (!p.addPod || state.skipFilterPlugins.has(p.name)) continue;
      const s = safe(() => p.addPod!(state, podToSchedule, podToAdd, nodeInfo), p.name);
      if (s && s.code !== Code.Success) {
        return new Status(Code.Error, [`running AddPod on PreFilter plugin "${p.name}": ${s.message()}`], p.name);
      }
    }
    return null;
  }

  runPreFilterExtensionRemovePod(
    state: CycleState,
    podToSchedule: PodInfo,
    podToRemove: PodInfo,
    nodeInfo: NodeInfo,
  ): Status | null {
    for (const p of this.preFilterPlugins) {
      if (!p.removePod || state.skipFilterPlugins.has(p.name)) continue;
      const s = safe(() => p.removePod!(state, podToSchedule, podToRemove, nodeInfo), p.name);
      if (s && s.code !== Code.Success) {
        return new Status(Code.Error, [`running RemovePod on PreFilter plugin "${p.name}": ${s.message()}`], p.name);
      }
    }
    return null;
  }

  /** The first failing Filter's status (attributed to it), or null when the node fits. */
  runFilterPlugins(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): Status | null {
    const lists = this.lists.get(state);
    const filters = lists ? lists.filters : this.filterPlugins;
    for (let i = 0; i < filters.length; i++) {
      const p = filters[i]!;
      let s: Status | null;
      try {
        s = p.filter!(state, pod, nodeInfo);
      } catch (e) {
        s = Status.fromError(e);
      }
      if (s !== null && s.code !== Code.Success) {
        if (s.code !== Code.Unschedulable && s.code !== Code.UnschedulableAndUnresolvable && s.code !== Code.Pending) {
          return new Status(Code.Error, [`running "${p.name}" filter plugin: ${s.message()}`], p.name, s.error);
        }
        return s.plugin === p.name ? s : s.withPlugin(p.name);
      }
    }
    return null;
  }

  /**
   * Filters with equal-or-higher-priority pods nominated to the node counted
   * as present, and (if that passes) again without them: a pod must fit
   * either way (upstream RunFilterPluginsWithNominatedPods).
   */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): Status | null {
    if (!this.deps.hasNominatedPods()) return this.runFilterPlugins(state, pod, nodeInfo);
    const nominated = this.deps.nominatedPodsForNode(nodeInfo.name);
    if (nominated.length === 0) return this.runFilterPlugins(state, pod, nodeInfo);
    let stateOut: CycleState | null = null;
    let nodeOut: NodeInfo | null = null;
    for (const np of nominated) {
      if (np.priority < pod.priority || np.uid === pod.uid) continue;
      if (!nodeOut) {
        nodeOut = nodeInfo.snapshot();
        stateOut = state.clone();
      }
      nodeOut.addPodInfo(np);
      const s = this.runPreFilterExtensionAddPod(stateOut!, pod, np, nodeOut);
      if (s) return s;
    }
    if (!nodeOut) return this.runFilterPlugins(state, pod, nodeInfo);
    const first = this.runFilterPlugins(stateOut!, pod, nodeOut);
    if (first !== null) return first;
    return this.runFilterPlugins(state, pod, nodeInfo);
  }

  /**
   * PostFilter (upstream RunPostFilterPlugins): the first success wins; an
   * UnschedulableAndUnresolvable stops; otherwise the reasons of all plugins
   * are combined into one Unschedulable status.
   */
  runPostFilterPlugins(state: CycleState, pod: PodInfo, statuses: NodeToStatus): PostFilterOutcome {
    let result: PostFilterResult | null = null;
    const reasons: string[] = [];
    let rejector = '';
    for (const p of this.postFilterPlugins) {
      let out: PostFilterOutcome;
      try {
        out = p.postFilter!(state, pod, statuses);
      } catch (e) {
        return { result: null, status: Status.fromError(e, p.name) };
      }
      const s = out.status;
      if (s === null || s.code === Code.Success) return { result: out.result ?? null, status: s };
      if (s.code === Code.UnschedulableAndUnresolvable)
        return { result: out.result ?? null, status: s.withPlugin(p.name) };
      if (!s.isRejected()) return { result: null, status: new Status(Code.Error, s.reasons, p.name, s.error) };
      if (out.result?.nominatingInfo && out.result.nominatingInfo.mode !== 'Noop') result = out.result;
      reasons.push(...s.reasons);
      if (!rejector) rejector = p.name;
    }
    return { result, status: new Status(Code.Unschedulable, reasons, rejector) };
  }

  /** PreScore; Skip marks a plugin's Score as skipped for this cycle. */
  runPreScorePlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status | null {
    let skipped: Set<string> | null = null;
    for (const p of this.preScorePlugins) {
      const s = safe(() => p.preScore!(state, pod, nodes), p.name);
      if (s === null || s.code === Code.Success) continue;
      if (s.code === Code.Skip) {
        (skipped ??= new Set()).add(p.name);
        continue;
      }
      return new Status(Code.Error, [`running PreScore plugin "${p.name}": ${s.message()}`], p.name, s.error);
    }
    state.skipScorePlugins = skipped ?? new Set();
    const lists = this.lists.get(state);
    const scorers = skipped ? this.scorePlugins.filter((p) => !skipped!.has(p.name)) : this.scorePlugins;
    this.lists.set(state, { filters: lists?.filters ?? this.filterPlugins, scorers });
    return null;
  }

  /**
   * Score, NormalizeScore and weights (upstream RunScorePlugins): returns
   * the weighted total per node, parallel to `nodes`, or an Error status.
   */
  runScorePlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Float64Array | Status {
    const lists = this.lists.get(state);
    const scorers = lists ? lists.scorers : this.scorePlugins;
    const n = nodes.length;
    const totals = new Float64Array(n);
    const scores: number[] = new Array<number>(n);
    for (const p of scorers) {
      for (let i = 0; i < n; i++) {
        let s: number | Status;
        try {
          s = p.score!(state, pod, nodes[i]!);
        } catch (e) {
          s = Status.fromError(e);
        }
        if (typeof s !== 'number') {
          return new Status(Code.Error, [`running Score plugin "${p.name}": ${s.message()}`], p.name, s.error);
        }
        scores[i] = s;
      }
      if (p.normalizeScore) {
        const s = safe(() => p.normalizeScore!(state, pod, scores, nodes), p.name);
        if (s !== null && s.code !== Code.Success) {
          return new Status(
            Code.Error,
            [`running Normalize on Score plugin "${p.name}": ${s.message()}`],
            p.name,
            s.error,
          );
        }
      }
      const w = this.scoreWeight(p.name);
      for (let i = 0; i < n; i++) {
        const s = scores[i]!;
        if (s > MaxNodeScore || s < MinNodeScore) {
          return new Status(
            Code.Error,
            [
              `plugin "${p.name}" returns an invalid score ${s}, it should in the range of [${MinNodeScore}, ${MaxNodeScore}] after normalizing`,
            ],
            p.name,
          );
        }
        totals[i] += s * w;
      }
    }
    return totals;
  }

  /** Reserve; on failure the caller runs Unreserve for all. */
  runReservePluginsReserve(state: CycleState, pod: PodInfo, nodeName: string): Status | null {
    for (const p of this.reservePlugins) {
      const s = safe(() => p.reserve!(state, pod, nodeName), p.name);
      if (s !== null && s.code !== Code.Success) {
        if (s.isRejected()) return s.withPlugin(p.name);
        return new Status(Code.Error, [`running Reserve plugin "${p.name}": ${s.message()}`], p.name, s.error);
      }
    }
    return null;
  }

  /** Unreserve in reverse order; errors are logged, never raised. */
  runReservePluginsUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (let i = this.reservePlugins.length - 1; i >= 0; i--) {
      const p = this.reservePlugins[i]!;
      try {
        p.unreserve!(state, pod, nodeName);
      } catch (e) {
        this.log.error('unreserve failed', { plugin: p.name, pod: pod.key, err: e });
      }
    }
  }

  /**
   * Permit: a rejection or error ends at once; Waits are collected and the
   * pod registered as waiting (each plugin's timeout capped at 15 minutes).
   */
  runPermitPlugins(state: CycleState, pod: PodInfo, nodeName: string): Status | null {
    let waits: Map<string, number> | null = null;
    for (const p of this.permitPlugins) {
      let s: Status | null;
      let timeout = 0;
      try {
        [s, timeout] = p.permit!(state, pod, nodeName);
      } catch (e) {
        s = Status.fromError(e);
      }
      if (s === null || s.code === Code.Success) continue;
      if (s.isRejected()) return s.withPlugin(p.name);
      if (s.code === Code.Wait) {
        (waits ??= new Map()).set(p.name, Math.min(timeout, MaxPermitWaitMs));
        continue;
      }
      return new Status(Code.Error, [`running Permit plugin "${p.name}": ${s.message()}`], p.name, s.error);
    }
    if (waits) {
      this.deps.waitingPods.add(pod.pod, waits);
      return new Status(Code.Wait, [`one or more plugins asked to wait and no plugin rejected pod "${pod.name}"`]);
    }
    return null;
  }

  /** Resolves when a waiting pod is allowed (null) or rejected (upstream WaitOnPermit). */
  async waitOnPermit(pod: PodInfo): Promise<Status | null> {
    const s = await this.deps.waitingPods.wait(pod.uid);
    if (s === null || s.isRejected()) return s;
    return new Status(Code.Error, [`waiting on permit for pod: ${s.message()}`], s.plugin);
  }

  async runPreBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status | null> {
    for (const p of this.preBindPlugins) {
      let s: Status | null;
      try {
        s = await p.preBind!(state, pod, nodeName);
      } catch (e) {
        s = Status.fromError(e);
      }
      if (s !== null && s.code !== Code.Success) {
        if (s.isRejected()) return s.withPlugin(p.name);
        return new Status(Code.Error, [`running PreBind plugin "${p.name}": ${s.message()}`], p.name, s.error);
      }
    }
    return null;
  }

  /** The first bind plugin that does not Skip binds the pod. */
  async runBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status | null> {
    for (const p of this.bindPlugins) {
      let s: Status | null;
      try {
        s = await p.bind!(state, pod, nodeName);
      } catch (e) {
        s = Status.fromError(e);
      }
      if (s !== null && s.code === Code.Skip) continue;
      if (s !== null && s.code !== Code.Success) {
        if (s.isRejected()) return s.withPlugin(p.name);
        return new Status(Code.Error, [`running Bind plugin "${p.name}": ${s.message()}`], p.name, s.error);
      }
      return null;
    }
    return new Status(Code.Skip, [], '');
  }

  runPostBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (const p of this.postBindPlugins) {
      try {
        p.postBind!(state, pod, nodeName);
      } catch (e) {
        this.log.error('postBind failed', { plugin: p.name, pod: pod.key, err: e });
      }
    }
  }

  /** Whether `a` pops before `b` under this profile's QueueSort. */
  less = (a: Parameters<NonNullable<Plugin['less']>>[0], b: Parameters<NonNullable<Plugin['less']>>[1]): boolean =>
    this.queueSort.less!(a, b);
}

/** Runs a plugin method, turning a throw into an Error status attributed to the plugin. */
function safe<T>(fn: () => T, plugin: string): T | Status {
  try {
    return fn();
  } catch (e) {
    return Status.fromError(e, plugin);
  }
}
