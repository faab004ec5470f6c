import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock, type Clock } from '../../../lib/clock.js';
import { nullLogger } from '../../../lib/log.js';
import { SchedulerCache } from '../cache/cache.js';
import { Snapshot } from '../cache/snapshot.js';
import { defaultConfiguration } from '../config/defaults.js';
import type { PluginRef, Plugins, ResolvedProfile } from '../config/types.js';
import { CycleState } from '../framework/cycle-state.js';
import type {
  Handle,
  Listers,
  MetricsSource,
  Plugin,
  PluginFactory,
  Ports,
  WaitingPod,
} from '../framework/interfaces.js';
import { MaxNodeScore } from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import { PodInfo } from '../framework/pod-info.js';
import { Framework } from '../framework/runtime.js';
import { Code, type Status } from '../framework/status.js';
import { WaitingPods } from '../framework/waiting-pods.js';
import { inTreeRegistry } from '../plugins/registry.js';

/** Ports that record nothing and succeed. */
export const noopPorts: Ports = {
  binder: { bind: async () => {} },
  statusUpdater: { podScheduledFalse: async () => {}, setNominatedNode: async () => {} },
  events: { event: () => {} },
  deleter: { deletePod: async () => {} },
};

export interface TestClusterOptions {
  nodes?: Node[];
  /** Assigned pods (spec.nodeName set). */
  pods?: Pod[];
  listers?: Listers;
  clock?: Clock;
  ports?: Ports;
  metrics?: MetricsSource;
  nominated?: PodInfo[];
}

/** A snapshot of nodes and pods, and a Handle over it, for calling plugins directly. */
export function testHandle(o: TestClusterOptions = {}): {
  handle: Handle;
  snapshot: Snapshot;
  cache: SchedulerCache;
  waiting: WaitingPods;
} {
  const clock = o.clock ?? new FakeClock();
  const cache = new SchedulerCache({ clock });
  for (const n of o.nodes ?? []) cache.addNode(n);
  for (const p of o.pods ?? []) cache.addPod(p);
  const snapshot = new Snapshot();
  cache.updateSnapshot(snapshot);
  const waiting = new WaitingPods(clock);
  const ports = o.ports ?? noopPorts;
  const handle: Handle = {
    profileName: 'default-scheduler',
    clock,
    eventRecorder: ports.events,
    listers: o.listers ?? {},
    ports,
    metrics: o.metrics,
    log: nullLogger,
    random: () => 0,
    snapshotSharedLister: () => snapshot,
    nominatedPodsForNode: (n) => (o.nominated ?? []).filter((p) => p.pod.status?.nominatedNodeName === n),
    runFilterPluginsWithNominatedPods: () => null,
    runPreFilterExtensionAddPod: () => null,
    runPreFilterExtensionRemovePod: () => null,
    getWaitingPod: (uid) => waiting.get(uid),
    iterateOverWaitingPods: (fn: (wp: WaitingPod) => void) => waiting.forEach(fn),
    rejectWaitingPod: (uid) => {
      const wp = waiting.get(uid);
      wp?.reject('', 'rejected');
      return !!wp;
    },
    activate: () => {},
  };
  return { handle, snapshot, cache, waiting };
}

/**
 * Runs a plugin's PreFilter then Filter on one node, as the framework would:
 * a PreFilter Skip means the node passes; a PreFilter rejection is returned.
 */
export function runFilter(
  plugin: Plugin,
  pod: Pod,
  nodeInfo: NodeInfo,
  nodes: readonly NodeInfo[] = [nodeInfo],
): Status | null {
  const state = new CycleState();
  const pi = new PodInfo(pod);
  if (plugin.preFilter) {
    const r = plugin.preFilter(state, pi, nodes);
    if (r !== null && 'code' in r) {
      if (r.code === Code.Skip) return null;
      if (r.code !== Code.Success) return r;
    }
  }
  return plugin.filter ? plugin.filter(state, pi, nodeInfo) : null;
}

/** Runs PreScore, Score and NormalizeScore over the nodes; a PreScore Skip gives all zeros. */
export function runScore(plugin: Plugin, pod: Pod, nodes: readonly NodeInfo[]): number[] | Status {
  const state = new CycleState();
  const pi = new PodInfo(pod);
  if (plugin.preScore) {
    const s = plugin.preScore(state, pi, nodes);
    if (s !== null && s.code === Code.Skip) return nodes.map(() => 0);
    if (s !== null && s.code !== Code.Success) return s;
  }
  const scores: number[] = [];
  for (const n of nodes) {
    const s = plugin.score!(state, pi, n);
    if (typeof s !== 'number') return s;
    scores.push(s);
  }
  if (plugin.normalizeScore) {
    const s = plugin.normalizeScore(state, pi, scores, nodes);
    if (s !== null) return s;
  }
  for (const s of scores) if (s < 0 || s > MaxNodeScore) throw new Error(`score ${s} out of range`);
  return scores;
}

/** A profile with only the given plugins (plus PrioritySort and DefaultBinder unless given). */
export function testProfile(
  multiPoint: PluginRef[],
  points: Plugins = {},
  args: Record<string, Record<string, unknown>> = {},
): ResolvedProfile {
  const base = defaultConfiguration({
    profiles: [
      {
        schedulerName: 'default-scheduler',
        plugins: { ...points, multiPoint: { enabled: multiPoint, disabled: [{ name: '*' }] } },
      },
    ],
  }).profiles[0]!;
  for (const [k, v] of Object.entries(args)) base.pluginConfig.set(k, v);
  return base;
}

/** A Framework over a snapshot, with extra (test) plugins registered by name. */
export function testFramework(
  profile: ResolvedProfile,
  extra: Plugin[] = [],
  o: TestClusterOptions & { random?: () => number } = {},
): { fw: Framework; snapshot: Snapshot; waiting: WaitingPods; cache: SchedulerCache } {
  const { snapshot, cache, waiting } = testHandle(o);
  const registry = new Map<string, PluginFactory>(inTreeRegistry);
  for (const p of extra) registry.set(p.name, () => p);
  const fw = new Framework(profile, {
    registry,
    clock: o.clock ?? new FakeClock(),
    log: nullLogger,
    listers: o.listers ?? {},
    ports: o.ports ?? noopPorts,
    metrics: o.metrics,
    random: o.random ?? (() => 0),
    waitingPods: waiting,
    snapshot: () => snapshot,
    nominatedPodsForNode: (n) => (o.nominated ?? []).filter((p) => p.pod.status?.nominatedNodeName === n),
    hasNominatedPods: () => (o.nominated?.length ?? 0) > 0,
    activate: () => {},
  });
  return { fw, snapshot, waiting, cache };
}
