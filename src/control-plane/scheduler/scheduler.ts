import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { realClock, type Clock } from '../../lib/clock.js';
import { isAbortError } from '../../lib/abort.js';
import { nullLogger, type Logger } from '../../lib/log.js';
import { SchedulerCache } from './cache/cache.js';
import { Snapshot } from './cache/snapshot.js';
import { defaultConfiguration } from './config/defaults.js';
import type { ResolvedConfiguration } from './config/types.js';
import { CycleState } from './framework/cycle-state.js';
import {
  ActionType,
  Events,
  nodeUpdateEvents,
  podUpdateEvents,
  type ClusterEvent,
  type EventResource,
} from './framework/events.js';
import { FitError, addPluginStatus, newDiagnosis } from './framework/fit-error.js';
import type { Listers, MetricsSource, NominatingInfo, Ports, QueuedPodInfo, Registry } from './framework/interfaces.js';
import { NodeToStatus } from './framework/node-to-status.js';
import { PodInfo } from './framework/pod-info.js';
import { Framework } from './framework/runtime.js';
import { Code, type Status } from './framework/status.js';
import { WaitingPods } from './framework/waiting-pods.js';
import { mergeRegistries, inTreeRegistry } from './plugins/registry.js';
import { PriorityQueue } from './queue/priority-queue.js';
import { PodScheduler } from './schedule-pod.js';

export interface SchedulerOptions {
  /** Defaulted and validated configuration (config/load.ts); the upstream defaults when absent. */
  config?: ResolvedConfiguration;
  ports: Ports;
  listers?: Listers;
  metrics?: MetricsSource;
  /** Out-of-tree plugins, added to the in-tree registry. */
  registry?: Registry;
  clock?: Clock;
  log?: Logger;
  /** Uniform [0, 1); inject for deterministic tie-breaking in tests. */
  random?: () => number;
  /** Expiry of assumed pods after their binding finished (0 = never, upstream's default). */
  assumedPodTTLMs?: number;
}

const MaxMessageLength = 1024;

/** Upstream truncateMessage: events carry at most 1024 characters. */
export function truncateMessage(m: string): string {
  if (m.length <= MaxMessageLength) return m;
  const suffix = ' ...';
  return m.slice(0, MaxMessageLength - suffix.length) + suffix;
}

const uidOf = (pod: Pod) => pod.metadata?.uid ?? `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
const schedulerNameOf = (pod: Pod) => pod.spec?.schedulerName || 'default-scheduler';

/**
 * kube-scheduler's core (upstream pkg/scheduler): profiles of plugins, the
 * scheduling queue, the cache and its snapshot, and the cycle
 * (scheduleOne): pop, filter and score nodes, assume, Reserve, Permit, then
 * bind asynchronously (PreBind, Bind, PostBind). Failures requeue the pod,
 * record a FailedScheduling event and set PodScheduled=False. Informer
 * events come in through addPod/updatePod/deletePod, addNode/... and
 * onClusterEvent; API writes go out through the injected ports.
 */
export class Scheduler {
  readonly queue: PriorityQueue;
  readonly cache: SchedulerCache;
  readonly snapshot = new Snapshot();
  readonly profiles = new Map<string, Framework>();
  private readonly algorithm: PodScheduler;
  private readonly waitingPods: WaitingPods;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly ports: Ports;
  /** Unassigned pods this scheduler is responsible for, as last seen (the informer's view). */
  private readonly pendingPods = new Map<string, Pod>();
  private readonly bindings = new Set<Promise<void>>();
  private stopped = false;

  constructor(opts: SchedulerOptions) {
    const config = opts.config ?? defaultConfiguration();
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? nullLogger;
    this.ports = opts.ports;
    const random = opts.random ?? Math.random;
    const registry = opts.registry ? mergeRegistries(inTreeRegistry, opts.registry) : inTreeRegistry;
    this.cache = new SchedulerCache({ clock: this.clock, assumedPodTTLMs: opts.assumedPodTTLMs });
    this.waitingPods = new WaitingPods(this.clock);
    this.algorithm = new PodScheduler(this.snapshot, config.percentageOfNodesToScore, random);
    for (const profile of config.profiles) {
      const fw = this.newFramework(
        profile.schedulerName,
        () =>
          new Framework(profile, {
            registry,
            clock: this.clock,
            log: this.log.child('scheduler', { profile: profile.schedulerName }),
            listers: opts.listers ?? {},
            ports: opts.ports,
            metrics: opts.metrics,
            random,
            waitingPods: this.waitingPods,
            snapshot: () => this.snapshot,
            nominatedPodsForNode: (n) => this.queue.nominatedPodsForNode(n),
            hasNominatedPods: () => this.queue.nominator.size > 0,
            activate: (pods) => this.queue.activate(pods),
          }),
      );
      this.profiles.set(profile.schedulerName, fw);
    }
    const first = this.profiles.values().next().value as Framework;
    for (const fw of this.profiles.values()) {
      if (fw.queueSort.name !== first.queueSort.name) {
        throw new Error(
          `profiles must use the same queue sort plugin: ${first.queueSort.name} and ${fw.queueSort.name}`,
        );
      }
    }
    const hints = new Map([...this.profiles].map(([name, fw]) => [name, fw.queueingHints()]));
    this.queue = new PriorityQueue({
      clock: this.clock,
      less: first.less,
      profileFor: (name) => {
        const fw = this.profiles.get(name);
        return fw
          ? { runPreEnqueuePlugins: (pi) => fw.runPreEnqueuePlugins(pi), queueingHints: hints.get(name)! }
          : undefined;
      },
      podInitialBackoffMs: config.podInitialBackoffSeconds * 1000,
      podMaxBackoffMs: config.podMaxBackoffSeconds * 1000,
      isLive: (pod) => this.pendingPods.has(uidOf(pod)),
      log: this.log,
    });
    const interest: { resource: EventResource; actionType: number }[] = [];
    for (const h of hints.values()) for (const list of h.values()) for (const e of list) interest.push(e.event);
    this.queue.setEventsOfInterest(interest);
  }

  /** Upstream's wording for a profile that cannot be built (an unknown plugin, a missing bind plugin, ...). */
  private newFramework(schedulerName: string, build: () => Framework): Framework {
    try {
      return build();
    } catch (e) {
      throw new Error(`creating profile for scheduler name ${schedulerName}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Whether a profile serves this pod's schedulerName. */
  responsibleFor(pod: Pod): boolean {
    return this.profiles.has(schedulerNameOf(pod));
  }

  // ---- informer events ----

  addPod(pod: Pod): void {
    if (pod.spec?.nodeName) {
      this.tryCache(() => this.cache.addPod(pod));
      this.queue.moveAllToActiveOrBackoffQueue(Events.AssignedPodAdd, undefined, pod);
      return;
    }
    if (!this.responsibleFor(pod)) return;
    this.pendingPods.set(uidOf(pod), pod);
    this.queue.add(pod);
  }

  updatePod(oldPod: Pod, newPod: Pod): void {
    const uid = uidOf(newPod);
    if (newPod.spec?.nodeName) {
      if (!oldPod.spec?.nodeName) {
        // Bound: it leaves the queue (as an unassigned-pod delete) and enters the cache.
        this.pendingPods.delete(uid);
        this.queue.delete(oldPod);
        this.addPod(newPod);
        return;
      }
      this.tryCache(() => this.cache.updatePod(oldPod, newPod));
      for (const e of podUpdateEvents(oldPod, newPod)) {
        this.queue.moveAllToActiveOrBackoffQueue(e, oldPod, newPod);
      }
      return;
    }
    if (!this.responsibleFor(newPod)) return;
    this.pendingPods.set(uid, newPod);
    if (oldPod.metadata?.resourceVersion && oldPod.metadata.resourceVersion === newPod.metadata?.resourceVersion)
      return;
    if (this.cache.isAssumedPod(newPod)) return;
    this.queue.update(oldPod, newPod);
  }

  deletePod(pod: Pod): void {
    const uid = uidOf(pod);
    if (pod.spec?.nodeName) {
      this.tryCache(() => this.cache.removePod(pod));
      this.queue.moveAllToActiveOrBackoffQueue(Events.AssignedPodDelete, pod, undefined);
      return;
    }
    this.pendingPods.delete(uid);
    const nominated = this.queue.nominator.nominatedNode(uid) ?? pod.status?.nominatedNodeName;
    this.queue.delete(pod);
    const fw = this.profiles.get(schedulerNameOf(pod));
    if (fw?.rejectWaitingPod(uid, 'pod deleted')) {
      this.queue.moveAllToActiveOrBackoffQueue(Events.AssignedPodDelete, pod, undefined);
    } else if (nominated) {
      // A nominated pod held room on its node for Filters (lower-or-equal priority pods were kept
      // off): its deletion frees that room, so pods it blocked get their hints consulted.
      const gone: Pod = pod.status?.nominatedNodeName
        ? pod
        : { ...pod, status: { ...pod.status, nominatedNodeName: nominated } };
      this.queue.moveAllToActiveOrBackoffQueue(Events.UnscheduledPodDelete, gone, undefined);
    }
  }

  addNode(node: Node): void {
    this.cache.addNode(node);
    this.queue.moveAllToActiveOrBackoffQueue(Events.NodeAdd, undefined, node);
  }

  updateNode(oldNode: Node, newNode: Node): void {
    this.cache.updateNode(oldNode, newNode);
    for (const e of nodeUpdateEvents(oldNode, newNode)) this.queue.moveAllToActiveOrBackoffQueue(e, oldNode, newNode);
  }

  deleteNode(node: Node): void {
    this.tryCache(() => this.cache.removeNode(node));
    this.queue.moveAllToActiveOrBackoffQueue(Events.NodeDelete, node, undefined);
  }

  /** Any other watched object changed (PersistentVolume, PVC, StorageClass, CSINode, ...). */
  onClusterEvent(resource: EventResource, action: 'Add' | 'Update' | 'Delete', oldObj: unknown, newObj: unknown): void {
    const actionType = action === 'Add' ? ActionType.Add : action === 'Delete' ? ActionType.Delete : ActionType.Update;
    const event: ClusterEvent = { resource, actionType, label: `${resource}${action}` };
    this.queue.moveAllToActiveOrBackoffQueue(event, oldObj, newObj);
  }

  private tryCache(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.log.error('scheduler cache update failed', { err: e });
    }
  }

  // ---- the loop ----

  /** Schedules pods until `signal` aborts (or stop()); yields to I/O every few milliseconds. */
  async run(signal?: AbortSignal): Promise<void> {
    this.queue.run();
    this.cache.start();
    let lastYield = this.clock.monotonic();
    try {
      while (!this.stopped && !signal?.aborted) {
        let qpi = this.queue.tryPop();
        if (!qpi) {
          try {
            qpi = await this.queue.pop(signal);
          } catch (e) {
            if (isAbortError(e) || signal?.aborted || this.stopped) break;
            throw e;
          }
        }
        this.scheduleOne(qpi);
        if (this.clock.monotonic() - lastYield > 5) {
          await new Promise<void>((r) => setImmediate(r));
          lastYield = this.clock.monotonic();
        }
      }
    } finally {
      this.queue.close();
      this.cache.stop();
    }
  }

  /** Stops the loop, the queue's and cache's timers, and rejects pods waiting at Permit. */
  stop(): void {
    this.stopped = true;
    this.queue.close();
    this.cache.stop();
    this.waitingPods.forEach((wp) => wp.reject('', 'scheduler stopped'));
  }

  /** Resolves when every binding cycle started so far has finished. */
  async waitForBindings(): Promise<void> {
    while (this.bindings.size) await Promise.allSettled([...this.bindings]);
  }

  get bindingsInFlight(): number {
    return this.bindings.size;
  }

  /**
   * One scheduling cycle for a popped pod (upstream ScheduleOne). Synchronous
   * up to Permit; the binding cycle continues asynchronously.
   */
  scheduleOne(qpi: QueuedPodInfo): void {
    const pi = qpi.podInfo;
    const pod = pi.pod;
    const fw = this.profiles.get(schedulerNameOf(pod));
    if (!fw) {
      this.log.error('no profile for pod', { pod: pi.key, schedulerName: schedulerNameOf(pod) });
      this.queue.done(pi.uid);
      return;
    }
    if (pod.metadata?.deletionTimestamp) {
      fw.eventRecorder.event(pod, 'Warning', 'FailedScheduling', `skip schedule deleting pod: ${pi.key}`);
      this.queue.done(pi.uid);
      return;
    }
    if (this.cache.isAssumedPod(pod)) {
      this.queue.done(pi.uid);
      return;
    }
    try {
      this.schedulingCycle(fw, qpi);
    } catch (e) {
      // A bug, not an outcome: requeue the pod with backoff rather than losing it.
      this.log.error('scheduling cycle failed', { pod: pi.key, err: e });
      this.handleFailure(fw, qpi, Code.Error, e instanceof Error ? e : new Error(String(e)), undefined);
    }
  }

  private schedulingCycle(fw: Framework, qpi: QueuedPodInfo): void {
    const pi = qpi.podInfo;
    const pod = pi.pod;
    this.cache.updateSnapshot(this.snapshot);
    const state = new CycleState();
    const r = this.algorithm.schedulePod(fw, state, pi);
    if ('error' in r) {
      let nominating: NominatingInfo | undefined;
      if (r.error instanceof FitError && fw.hasPostFilterPlugins()) {
        const out = fw.runPostFilterPlugins(state, pi, r.error.diagnosis.nodeToStatus);
        r.error.diagnosis.postFilterMsg = out.status?.message() ?? '';
        if (out.status?.code === Code.Error)
          this.log.error('PostFilter failed', { pod: pi.key, err: out.status.message() });
        nominating = out.result?.nominatingInfo;
      } else if (!(r.error instanceof FitError)) {
        nominating = { mode: 'Override', nominatedNodeName: '' };
      }
      this.handleFailure(fw, qpi, r.code, r.error, nominating);
      return;
    }
    const host = r.suggestedHost;
    const assumedPod: Pod = { ...pod, spec: { ...pod.spec!, nodeName: host } };
    const assumed = pi.withPod(assumedPod);
    try {
      this.cache.assumePod(assumed);
    } catch (e) {
      this.handleFailure(fw, qpi, Code.Error, e as Error, { mode: 'Override', nominatedNodeName: '' });
      return;
    }
    const reserve = fw.runReservePluginsReserve(state, assumed, host);
    if (reserve !== null) {
      fw.runReservePluginsUnreserve(state, assumed, host);
      this.tryCache(() => this.cache.forgetPod(assumedPod));
      this.failOnNode(fw, qpi, reserve, host);
      return;
    }
    const permit = fw.runPermitPlugins(state, assumed, host);
    if (permit !== null && permit.code !== Code.Wait) {
      fw.runReservePluginsUnreserve(state, assumed, host);
      this.tryCache(() => this.cache.forgetPod(assumedPod));
      this.failOnNode(fw, qpi, permit, host);
      return;
    }
    const p = this.bindingCycle(fw, state, qpi, assumed, host).finally(() => this.bindings.delete(p));
    this.bindings.add(p);
  }

  /** Fails the cycle with a status about one node (Reserve/Permit/binding), as a 0/1 FitError when rejected. */
  private failOnNode(fw: Framework, qpi: QueuedPodInfo, s: Status, host: string): void {
    const clear: NominatingInfo = { mode: 'Override', nominatedNodeName: '' };
    if (s.isRejected()) {
      const d = newDiagnosis(new NodeToStatus());
      d.nodeToStatus.set(host, s);
      addPluginStatus(d, s);
      this.handleFailure(fw, qpi, s.code, new FitError(qpi.podInfo.key, 1, d), clear);
      return;
    }
    this.handleFailure(fw, qpi, s.code, s.asError(), clear);
  }

  private async bindingCycle(
    fw: Framework,
    state: CycleState,
    qpi: QueuedPodInfo,
    assumed: PodInfo,
    host: string,
  ): Promise<void> {
    const uid = assumed.uid;
    let s = await fw.waitOnPermit(assumed);
    if (s === null) {
      // Past Permit a pod can no longer be "unschedulable"; events seen while it waited are not needed.
      this.queue.done(uid);
      s = await fw.runPreBindPlugins(state, assumed, host);
      if (s === null) s = await fw.runBindPlugins(state, assumed, host);
      this.tryCache(() => this.cache.finishBinding(assumed.pod));
      if (s === null) {
        fw.eventRecorder.event(assumed.pod, 'Normal', 'Scheduled', `Successfully assigned ${assumed.key} to ${host}`);
        fw.runPostBindPlugins(state, assumed, host);
        return;
      }
    }
    // Binding failed: undo the reservation; freeing the assumed pod's resources is like a pod delete.
    fw.runReservePluginsUnreserve(state, assumed, host);
    this.tryCache(() => this.cache.forgetPod(assumed.pod));
    const status = s;
    if (status.isRejected()) {
      this.failOnNode(fw, qpi, status, host);
      this.queue.moveAllToActiveOrBackoffQueue(
        Events.AssignedPodDelete,
        assumed.pod,
        undefined,
        (p) => uidOf(p) !== uid,
      );
    } else {
      this.queue.moveAllToActiveOrBackoffQueue(Events.AssignedPodDelete, assumed.pod, undefined);
      this.failOnNode(fw, qpi, status, host);
    }
  }

  /**
   * Upstream handleSchedulingFailure: requeue the pod (if it still exists
   * unassigned), record its nomination, emit FailedScheduling and set
   * PodScheduled=False (reason Unschedulable, or SchedulerError for errors).
   */
  private handleFailure(
    fw: Framework,
    qpi: QueuedPodInfo,
    code: Code,
    err: Error,
    nominating: NominatingInfo | undefined,
  ): void {
    const pi = qpi.podInfo;
    const reason =
      code === Code.Unschedulable || code === Code.UnschedulableAndUnresolvable || code === Code.Pending
        ? 'Unschedulable'
        : 'SchedulerError';
    if (err instanceof FitError) {
      qpi.unschedulablePlugins = err.diagnosis.unschedulablePlugins;
      qpi.pendingPlugins = err.diagnosis.pendingPlugins;
    } else if (reason === 'Unschedulable') {
      qpi.unschedulablePlugins = new Set();
    }
    const latest = this.pendingPods.get(pi.uid);
    if (!latest || latest.spec?.nodeName) {
      this.queue.done(pi.uid);
    } else {
      qpi.podInfo = PodInfo.update(pi, latest);
      this.queue.addUnschedulableIfNotPresent(qpi);
    }
    this.queue.addNominatedPod(qpi.podInfo, nominating);
    const msg = err.message;
    const pod = qpi.podInfo.pod;
    fw.eventRecorder.event(pod, 'Warning', 'FailedScheduling', truncateMessage(msg));
    const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    const nnnUpdate =
      nominating?.mode === 'Override' && (pod.status?.nominatedNodeName ?? '') !== nominating.nominatedNodeName;
    const condChanged = !cond || cond.status !== 'False' || cond.reason !== reason || cond.message !== msg;
    if (!condChanged && !nnnUpdate) return;
    this.ports.statusUpdater
      .podScheduledFalse(pod, reason, msg, nnnUpdate ? nominating!.nominatedNodeName : undefined)
      .catch((e: unknown) => this.log.error('updating pod status failed', { pod: pi.key, err: e }));
  }
}
