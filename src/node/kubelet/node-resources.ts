/**
 * The kubelet's node-level resource management, assembled from its config:
 * the eviction manager (signals, hard thresholds, pressure conditions, pod
 * admission under pressure), its control loop acting through the pod
 * workers, and container/image garbage collection — periodic, and as the
 * node-level reclaim the eviction loop tries before evicting under disk
 * pressure. `start()` once the kubelet has admitted the pods it found (so a
 * restart re-admits running pods before any pressure is known, as upstream
 * where the manager has no conditions before its first cycle).
 */
import { statSync } from 'node:fs';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeletConfig } from './config.js';
import { EvictionLoop } from './eviction/eviction-loop.js';
import { EvictionManager } from './eviction/eviction-manager.js';
import { NodeSignalSource } from './eviction/signals.js';
import { thresholdsFromMap } from './eviction/thresholds.js';
import { GarbageCollector } from './gc/gc-loops.js';
import type { PodWorkers } from './pod-workers/pod-workers.js';
import { SummaryProvider } from './server/stats/summary-provider.js';

export interface NodeResourcesHooks {
  workers: PodWorkers;
  /** Pods bound to the node as the informer has them. */
  pods(): Pod[];
  nodeEvent(type: 'Warning', reason: string, message: string): void;
  podEvent(pod: Pod, type: 'Warning', reason: string, message: string): void;
}

function sameFilesystem(a: string, b: string): boolean {
  try {
    return statSync(a).dev === statSync(b).dev;
  } catch {
    return true;
  }
}

export class NodeResources {
  readonly eviction: EvictionManager;
  readonly evictionLoop: EvictionLoop;
  readonly gc: GarbageCollector;
  private started = false;

  constructor(cfg: KubeletConfig, hooks: NodeResourcesHooks) {
    const log = cfg.log;
    const { workers } = hooks;
    this.eviction = new EvictionManager({
      source:
        cfg.evictionSignals ??
        new NodeSignalSource({ rootDir: cfg.dataDir, imageFsDir: cfg.imageFsDir, clock: cfg.clock }),
      thresholds: thresholdsFromMap(cfg.evictionHard),
      pressureTransitionPeriodMs: cfg.evictionPressureTransitionPeriodMs,
      dedicatedImageFs: cfg.imageFsDir !== undefined && !sameFilesystem(cfg.imageFsDir, cfg.dataDir),
      clock: cfg.clock,
      log: log.child('eviction'),
    });
    const byUid = () => new Map(hooks.pods().map((p) => [p.metadata?.uid ?? '', p]));
    this.gc = new GarbageCollector({
      runtime: cfg.runtime,
      pods: {
        shouldPodContentBeRemoved: (uid) => !byUid().has(uid) && !workers.has(uid),
        shouldPodRuntimeBeRemoved: (uid) => {
          const pod = byUid().get(uid);
          const phase = pod?.status?.phase;
          return !pod || phase === 'Succeeded' || phase === 'Failed';
        },
      },
      sandboxImage: cfg.podInfraImage,
      podLogsRoot: cfg.podLogsRoot,
      containerGC: cfg.containerGC,
      imageGC: cfg.imageGC,
      clock: cfg.clock,
      log: log.child('gc'),
    });
    let summary: SummaryProvider | undefined;
    const podStats =
      cfg.podStats ??
      (() => {
        summary ??= new SummaryProvider({
          nodeName: cfg.nodeName,
          runtime: cfg.runtime,
          pods: hooks.pods,
          rootDir: cfg.dataDir,
          podLogsRoot: cfg.podLogsRoot,
          clock: cfg.clock,
        });
        return summary.summary();
      });
    this.evictionLoop = new EvictionLoop({
      manager: this.eviction,
      activePods: () => workers.activePods(false),
      podStats,
      killPod: (pod, graceSeconds, status) => workers.kill(pod.metadata!.uid!, { graceSeconds, status }),
      podCleanedUp: (pod) => workers.isCleanedUp(pod.metadata!.uid!),
      reclaimNodeLevel: () => this.gc.reclaimDisk(),
      nodeEvent: hooks.nodeEvent,
      podEvent: hooks.podEvent,
      periodMs: cfg.evictionMonitoringPeriodMs,
      clock: cfg.clock,
      log: log.child('eviction'),
    });
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.evictionLoop.start();
    this.gc.start();
  }

  async dispose(): Promise<void> {
    await this.evictionLoop.dispose();
    await this.gc.dispose();
  }
}
