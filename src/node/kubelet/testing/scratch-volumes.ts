/**
 * A stand-in VolumeManager for kubelet tests and benchmarks until the real
 * one is wired in: every volume of a pod is a plain directory under
 * `<podsDir>/<uid>/volumes/<plugin>/<name>` (emptyDir semantics; other
 * sources get an empty directory too), optionally filled by `contents`.
 * It records calls so tests can assert teardown.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod, Volume } from 'kubernetes-types/core/v1.js';
import type { PreparedVolume, VolumeManager } from '../volumes/types.js';

function plugin(v: Volume): string {
  if (v.emptyDir) return 'kubernetes.io~empty-dir';
  if (v.configMap) return 'kubernetes.io~configmap';
  if (v.secret) return 'kubernetes.io~secret';
  if (v.projected) return 'kubernetes.io~projected';
  if (v.downwardAPI) return 'kubernetes.io~downward-api';
  return 'kubernetes.io~other';
}

export class ScratchVolumeManager implements VolumeManager {
  readonly setUps: string[] = [];
  readonly tearDowns: string[] = [];

  constructor(
    readonly podsDir: string,
    /** Files to put into a volume: (pod, volume) -> relative path -> content. */
    private readonly contents?: (pod: Pod, v: Volume) => Record<string, string> | undefined,
    /** Make setUpPod fail with this message for matching pods. */
    private readonly fail?: (pod: Pod) => string | undefined,
    /** Sees a pod's volume directory right before teardown removes it. */
    private readonly beforeTearDown?: (podUid: string, volumesDir: string) => void,
  ) {}

  async setUpPod(pod: Pod): Promise<Map<string, PreparedVolume>> {
    const uid = pod.metadata!.uid!;
    const failure = this.fail?.(pod);
    if (failure) throw new Error(failure);
    this.setUps.push(uid);
    const out = new Map<string, PreparedVolume>();
    for (const v of pod.spec?.volumes ?? []) {
      const dir = join(this.podsDir, uid, 'volumes', plugin(v), v.name);
      mkdirSync(dir, { recursive: true, mode: 0o777 });
      for (const [rel, text] of Object.entries(this.contents?.(pod, v) ?? {})) writeFileSync(join(dir, rel), text);
      out.set(v.name, { hostPath: dir, readOnly: !!(v.configMap || v.secret || v.projected || v.downwardAPI) });
    }
    return out;
  }

  async tearDownPod(podUid: string): Promise<void> {
    this.tearDowns.push(podUid);
    const dir = join(this.podsDir, podUid, 'volumes');
    if (existsSync(dir)) this.beforeTearDown?.(podUid, dir);
    rmSync(join(this.podsDir, podUid, 'volumes'), { recursive: true, force: true });
  }

  async resync(): Promise<void> {}

  async podsOnDisk(): Promise<string[]> {
    if (!existsSync(this.podsDir)) return [];
    return readdirSync(this.podsDir).filter((uid) => existsSync(join(this.podsDir, uid, 'volumes')));
  }
}
