/**
 * Container garbage collection (upstream `kuberuntime_gc.go`), run by the
 * kubelet every minute:
 *
 *   - dead containers are grouped per (pod UID, container name); a deleted
 *     pod loses all of them, a live pod keeps the newest `maxPerPodContainer`
 *     (default 1: what `kubectl logs --previous` and restart counts read);
 *   - with `maxContainers` set, units are trimmed evenly, then the oldest
 *     containers node-wide go — but never the newest dead container of a pod
 *     that still exists;
 *   - sandboxes of deleted pods are stopped and removed, and a live pod keeps
 *     its newest sandbox plus any that is ready or still has containers;
 *   - log directories of deleted pods are removed.
 *
 * Containers younger than `minAgeMs` and running containers are never
 * touched. Removing a container also removes its log file (and rotated
 * copies), as the kubelet does; containerd leaves them behind.
 */
import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { realClock, type Clock } from '../../../lib/clock.js';
import { nullLogger, type Logger } from '../../../lib/log.js';
import { runtimeLabels, type ContainerRuntime, type ContainerSummary } from '../../runtime/index.js';

export interface ContainerGCPolicy {
  /** `--minimum-container-ttl-duration`; default 0. */
  minAgeMs: number;
  /** `--maximum-dead-containers-per-container`; default 1; negative: no limit. */
  maxPerPodContainer: number;
  /** `--maximum-dead-containers`; default -1 (no limit). */
  maxContainers: number;
}

export const defaultContainerGCPolicy: ContainerGCPolicy = { minAgeMs: 0, maxPerPodContainer: 1, maxContainers: -1 };

/** What the kubelet knows about pods, for deciding what may go. */
export interface PodStateProvider {
  /** The pod is gone from the API (or was never known): everything of it may be removed. */
  shouldPodContentBeRemoved(uid: string): boolean;
  /** The pod is terminated and will not run again: its runtime objects may go when asked to (eviction). */
  shouldPodRuntimeBeRemoved?(uid: string): boolean;
}

export interface ContainerGCOptions {
  runtime: ContainerRuntime;
  pods: PodStateProvider;
  policy?: Partial<ContainerGCPolicy>;
  /** Default /var/log/pods. */
  podLogsRoot?: string;
  clock?: Clock;
  log?: Logger;
}

export interface ContainerGCResult {
  removedContainers: string[];
  removedSandboxes: string[];
  removedLogDirs: string[];
}

type Unit = ContainerSummary[];

export class ContainerGC {
  readonly policy: ContainerGCPolicy;
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(private readonly opts: ContainerGCOptions) {
    this.policy = { ...defaultContainerGCPolicy, ...opts.policy };
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? nullLogger;
  }

  /**
   * One collection. `allSourcesReady`: the kubelet has seen every pod source
   * (else nothing is treated as deleted); `evictNonDeletedPods`: terminated
   * pods count as removable (used when reclaiming disk under pressure).
   */
  async garbageCollect(allSourcesReady = true, evictNonDeletedPods = false): Promise<ContainerGCResult> {
    const result: ContainerGCResult = { removedContainers: [], removedSandboxes: [], removedLogDirs: [] };
    const removable = (uid: string) =>
      this.opts.pods.shouldPodContentBeRemoved(uid) ||
      (evictNonDeletedPods && (this.opts.pods.shouldPodRuntimeBeRemoved?.(uid) ?? false));
    await this.evictContainers(allSourcesReady, removable, result);
    await this.evictSandboxes(removable, result);
    if (allSourcesReady) await this.evictLogDirs(result);
    return result;
  }

  private async removeContainer(c: ContainerSummary, result: ContainerGCResult): Promise<void> {
    try {
      const logPath = await this.opts.runtime.containerStatus(c.id).then(
        (s) => s.logPath,
        () => '',
      );
      if (c.state === 'CONTAINER_UNKNOWN') await this.opts.runtime.stopContainer(c.id, 0);
      await this.opts.runtime.removeContainer(c.id);
      if (logPath) await removeLogFiles(logPath);
      result.removedContainers.push(c.id);
    } catch (err) {
      this.log.warn('container GC: failed to remove a container', { id: c.id, err: String(err) });
    }
  }

  /** Removes the oldest `n` of a unit (sorted newest first); returns what is left. */
  private async removeOldest(unit: Unit, n: number, result: ContainerGCResult): Promise<Unit> {
    if (n <= 0) return unit;
    const keep = unit.slice(0, unit.length - n);
    for (const c of unit.slice(unit.length - n)) await this.removeContainer(c, result);
    return keep;
  }

  private async evictContainers(
    allSourcesReady: boolean,
    removable: (uid: string) => boolean,
    result: ContainerGCResult,
  ): Promise<void> {
    const [containers, sandboxes] = await Promise.all([
      this.opts.runtime.listContainers(),
      this.opts.runtime.listSandboxes(),
    ]);
    const uidOfSandbox = new Map(sandboxes.map((s) => [s.id, s.uid]));
    const newest = this.clock.now() - this.policy.minAgeMs;
    const units = new Map<string, { uid: string; containers: Unit }>();
    for (const c of containers) {
      if (c.state === 'CONTAINER_RUNNING' || c.createdAt > newest) continue;
      const uid = c.labels[runtimeLabels.podUid] ?? uidOfSandbox.get(c.sandboxId) ?? '';
      const key = JSON.stringify([uid, c.name]);
      const u = units.get(key) ?? { uid, containers: [] };
      u.containers.push(c);
      units.set(key, u);
    }
    for (const u of units.values()) u.containers.sort((a, b) => b.createdAt - a.createdAt);

    if (allSourcesReady) {
      for (const [key, u] of units) {
        if (!removable(u.uid)) continue;
        await this.removeOldest(u.containers, u.containers.length, result);
        units.delete(key);
      }
    }
    const enforcePerUnit = async (max: number) => {
      for (const u of units.values())
        u.containers = await this.removeOldest(u.containers, u.containers.length - max, result);
    };
    if (this.policy.maxPerPodContainer >= 0) await enforcePerUnit(this.policy.maxPerPodContainer);
    const count = () => [...units.values()].reduce((a, u) => a + u.containers.length, 0);
    const max = this.policy.maxContainers;
    if (max >= 0 && count() > max) {
      await enforcePerUnit(Math.max(1, Math.floor(max / units.size)));
      if (count() > max) {
        // Oldest first node-wide, sparing the newest dead container of every unit (its pod still exists).
        const spare = [...units.values()].flatMap((u) => u.containers.slice(1));
        spare.sort((a, b) => a.createdAt - b.createdAt);
        for (const c of spare.slice(0, count() - max)) await this.removeContainer(c, result);
      }
    }
  }

  private async evictSandboxes(removable: (uid: string) => boolean, result: ContainerGCResult): Promise<void> {
    const [containers, sandboxes] = await Promise.all([
      this.opts.runtime.listContainers(),
      this.opts.runtime.listSandboxes(),
    ]);
    const withContainers = new Set(containers.map((c) => c.sandboxId));
    const byPod = new Map<string, typeof sandboxes>();
    for (const s of sandboxes) byPod.set(s.uid, [...(byPod.get(s.uid) ?? []), s]);
    for (const [uid, list] of byPod) {
      list.sort((a, b) => b.createdAt - a.createdAt);
      // A live pod keeps its newest sandbox even when it is not ready.
      const candidates = removable(uid) ? list : list.slice(1);
      for (const s of candidates) {
        if (s.state === 'SANDBOX_READY' || withContainers.has(s.id)) continue;
        try {
          await this.opts.runtime.stopSandbox(s.id);
          await this.opts.runtime.removeSandbox(s.id);
          result.removedSandboxes.push(s.id);
        } catch (err) {
          this.log.warn('container GC: failed to remove a sandbox', { id: s.id, err: String(err) });
        }
      }
    }
  }

  /** `<root>/<namespace>_<name>_<uid>` of deleted pods. */
  private async evictLogDirs(result: ContainerGCResult): Promise<void> {
    const root = this.opts.podLogsRoot ?? '/var/log/pods';
    let entries: string[];
    try {
      entries = await readdir(root);
    } catch {
      return;
    }
    for (const e of entries) {
      const parts = e.split('_');
      const uid = parts.at(-1);
      if (parts.length < 3 || !uid || !this.opts.pods.shouldPodContentBeRemoved(uid)) continue;
      await rm(join(root, e), { recursive: true, force: true });
      result.removedLogDirs.push(join(root, e));
    }
  }
}

/** The log file and its rotated copies (`<file>.<timestamp>`, possibly compressed). */
async function removeLogFiles(logPath: string): Promise<void> {
  const dir = dirname(logPath);
  const base = basename(logPath);
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const n of names) if (n === base || n.startsWith(`${base}.`)) await rm(join(dir, n), { force: true });
}
