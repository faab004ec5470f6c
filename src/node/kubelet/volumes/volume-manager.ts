/**
 * The kubelet's VolumeManager (types.ts): prepares a pod's volumes on the
 * host before its containers start, keeps API-sourced contents current, and
 * removes them after the pod's containers are gone.
 *
 * Layout (upstream's): `<rootDir>/pods/<uid>/volumes/<plugin>/<name>`, with
 * plugin directories `kubernetes.io~empty-dir`, `~configmap`, `~secret`,
 * `~downward-api`, `~projected`. hostPath and PVC-backed (hostPath/local PV)
 * volumes are used in place. Memory-backed emptyDirs, secrets and projected
 * volumes are tmpfs mounts when `tmpfs` is on (root), so secrets never touch
 * the disk. Calls for one pod are serialized; different pods run in parallel.
 */
import type { ConfigMap, Pod, Secret, Volume } from 'kubernetes-types/core/v1.js';
import { mkdir, readdir, rm, stat, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { isNotFound } from '../../../api/errors/status-error.js';
import { Quantity } from '../../../api/quantity/quantity.js';
import { typed, type RestClient } from '../../../client/index.js';
import { realClock, type Clock } from '../../../lib/clock.js';
import { nullLogger, type Logger } from '../../../lib/log.js';
import { atomicWrite, type Payload } from './atomic-writer.js';
import { ensureTmpfs, mountsBelow, unmountBelow } from './mounts.js';
import { setVolumeOwnership } from './ownership.js';
import { downwardApiPayload } from './sources/downward-api.js';
import { checkHostPathType } from './sources/host-path.js';
import { configMapPayload, secretPayload } from './sources/object-payload.js';
import { claimOf, resolveClaim } from './sources/persistent-volume.js';
import { configMapNotFound, projectedPayload, secretNotFound, type ObjectSource } from './sources/projected.js';
import { ServiceAccountTokenManager } from './token-manager.js';
import type { PreparedVolume, VolumeManager } from './types.js';

export const pluginDirs = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
} as const;

type ProjectionKind = 'configMap' | 'secret' | 'downwardAPI' | 'projected';
const projectionKinds: ProjectionKind[] = ['configMap', 'secret', 'downwardAPI', 'projected'];

export interface VolumeManagerOptions {
  /** The kubelet's root directory (`--root-dir`, /var/lib/kubelet upstream). */
  rootDir: string;
  /** The kubelet's API client (node credentials). */
  rest: RestClient;
  /** Mount tmpfs for memory-backed volumes; default: when running as root. */
  tmpfs?: boolean;
  /** Node allocatable, the default for unset limits in downward API resource fields. */
  nodeAllocatable?: () => Record<string, string> | undefined;
  clock?: Clock;
  log?: Logger;
  /** Token refresh jitter in ms (tests pin it); default random up to 10 s. */
  tokenJitter?: () => number;
}

/** The message of a FailedMount event for one volume, as the kubelet words it. */
export const mountFailure = (volume: string, message: string) =>
  `MountVolume.SetUp failed for volume ${JSON.stringify(volume)} : ${message}`;

/** Thrown by setUpPod: `message` joins every failure; `failures` has them one by one (one event each). */
export class VolumeSetupError extends Error {
  override name = 'VolumeSetupError';
  constructor(readonly failures: { volume: string; message: string }[]) {
    super(failures.map((f) => mountFailure(f.volume, f.message)).join('; '));
  }
}

/** A UID names a directory that is removed recursively: it must not name anything else. */
const isSafeUid = (uid: string) => uid !== '' && !uid.includes('/') && uid !== '.' && uid !== '..';

function projectionKind(v: Volume): ProjectionKind | undefined {
  return projectionKinds.find((k) => v[k] !== undefined);
}

export class KubeletVolumeManager implements VolumeManager {
  readonly tokens: ServiceAccountTokenManager;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly tmpfs: boolean;
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly objects: ObjectSource;

  constructor(private readonly opts: VolumeManagerOptions) {
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? nullLogger;
    this.tmpfs = opts.tmpfs ?? process.getuid?.() === 0;
    this.tokens = new ServiceAccountTokenManager({
      rest: opts.rest,
      clock: this.clock,
      log: this.log,
      jitter: opts.tokenJitter,
    });
    const get = async <T>(resource: string, ns: string, name: string, signal?: AbortSignal) => {
      try {
        return await typed<T & { metadata?: object }>(opts.rest, { group: '', version: 'v1', resource }, ns).get(name, {
          signal,
        });
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    };
    this.objects = {
      configMap: (ns, name, signal) => get<ConfigMap>('configmaps', ns, name, signal),
      secret: (ns, name, signal) => get<Secret>('secrets', ns, name, signal),
    };
  }

  podDir(uid: string): string {
    return join(this.opts.rootDir, 'pods', uid);
  }

  volumeDir(uid: string, plugin: string, name: string): string {
    return join(this.podDir(uid), 'volumes', plugin, name);
  }

  /** Runs `fn` after every earlier call for the same pod has settled. */
  private serialized<T>(uid: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(uid) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.locks.set(uid, tail);
    void tail.then(() => {
      if (this.locks.get(uid) === tail) this.locks.delete(uid);
    });
    return next;
  }

  setUpPod(pod: Pod, signal?: AbortSignal): Promise<Map<string, PreparedVolume>> {
    const uid = pod.metadata?.uid ?? '';
    if (!isSafeUid(uid)) return Promise.reject(new Error(`invalid pod UID ${JSON.stringify(uid)}`));
    return this.serialized(uid, async () => {
      const out = new Map<string, PreparedVolume>();
      const failures: { volume: string; message: string }[] = [];
      for (const v of pod.spec?.volumes ?? []) {
        signal?.throwIfAborted();
        try {
          out.set(v.name, await this.setUpVolume(pod, v, signal));
        } catch (err) {
          if (signal?.aborted) throw err;
          failures.push({ volume: v.name, message: (err as Error).message });
        }
      }
      if (failures.length > 0) throw new VolumeSetupError(failures);
      return out;
    });
  }

  private async setUpVolume(pod: Pod, v: Volume, signal?: AbortSignal): Promise<PreparedVolume> {
    const uid = pod.metadata!.uid!;
    if (v.hostPath) {
      await checkHostPathType(v.hostPath.path, v.hostPath.type);
      return { hostPath: v.hostPath.path, readOnly: false };
    }
    if (v.emptyDir) {
      const dir = this.volumeDir(uid, pluginDirs.emptyDir, v.name);
      const fresh = !(await stat(dir).catch(() => undefined));
      await mkdir(dir, { recursive: true });
      if (v.emptyDir.medium === 'Memory' && this.tmpfs) {
        const size =
          v.emptyDir.sizeLimit === undefined ? undefined : Number(Quantity.parse(String(v.emptyDir.sizeLimit)).value());
        await ensureTmpfs(dir, size);
      } else if (v.emptyDir.medium && v.emptyDir.medium !== 'Memory') {
        throw new Error(`unsupported emptyDir medium ${JSON.stringify(v.emptyDir.medium)}`);
      }
      // Anyone in the pod may write (upstream 0777, whatever the umask).
      await chmod(dir, 0o777);
      if (fresh) await this.applyFsGroup(pod, dir, false);
      return { hostPath: dir, readOnly: false };
    }
    if (claimOf(pod, v)) {
      const r = await resolveClaim(this.opts.rest, pod, v, signal);
      return { hostPath: r.path, readOnly: r.readOnly };
    }
    const kind = projectionKind(v);
    if (kind) {
      const dir = this.volumeDir(uid, pluginDirs[kind], v.name);
      await mkdir(dir, { recursive: true, mode: 0o755 });
      if ((kind === 'secret' || kind === 'projected') && this.tmpfs) await ensureTmpfs(dir);
      await this.project(pod, v, kind, dir, signal);
      // Mounted read-only into containers whatever the volumeMount says (CVE-2017-1002102).
      return { hostPath: dir, readOnly: true };
    }
    const type = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
    throw new Error(`volume type ${JSON.stringify(type)} is not supported by this kubelet`);
  }

  /** Computes the volume's files and writes them if they changed; returns whether it wrote. */
  private async project(
    pod: Pod,
    v: Volume,
    kind: ProjectionKind,
    dir: string,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const payload = await this.payloadOf(pod, v, kind, signal);
    const wrote = await atomicWrite(dir, payload, () => this.clock.now());
    if (wrote) await this.applyFsGroup(pod, dir, true);
    return wrote;
  }

  private async payloadOf(pod: Pod, v: Volume, kind: ProjectionKind, signal?: AbortSignal): Promise<Payload> {
    const ns = pod.metadata?.namespace ?? '';
    const allocatable = this.opts.nodeAllocatable?.();
    switch (kind) {
      case 'configMap': {
        const src = v.configMap!;
        const cm = await this.objects.configMap(ns, src.name ?? '', signal);
        if (!cm && !src.optional) throw new Error(configMapNotFound(src.name ?? ''));
        return configMapPayload(cm, src);
      }
      case 'secret': {
        const src = v.secret!;
        const secret = await this.objects.secret(ns, src.secretName ?? '', signal);
        if (!secret && !src.optional) throw new Error(secretNotFound(src.secretName ?? ''));
        return secretPayload(secret, src);
      }
      case 'downwardAPI':
        return downwardApiPayload(pod, v.downwardAPI!.items ?? [], v.downwardAPI!.defaultMode ?? 0o644, allocatable);
      case 'projected':
        return projectedPayload(
          pod,
          v.projected!,
          { objects: this.objects, tokens: this.tokens, nodeAllocatable: allocatable },
          signal,
        );
    }
  }

  private async applyFsGroup(pod: Pod, dir: string, readOnly: boolean): Promise<void> {
    const sc = pod.spec?.securityContext;
    if (sc?.fsGroup === undefined) return;
    await setVolumeOwnership(
      dir,
      sc.fsGroup,
      readOnly,
      sc.fsGroupChangePolicy === 'OnRootMismatch' ? 'OnRootMismatch' : 'Always',
    );
  }

  resync(pod: Pod): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    if (!uid) return Promise.resolve();
    return this.serialized(uid, async () => {
      const failures: { volume: string; message: string }[] = [];
      for (const v of pod.spec?.volumes ?? []) {
        const kind = projectionKind(v);
        if (!kind) continue;
        const dir = this.volumeDir(uid, pluginDirs[kind], v.name);
        // Only volumes setUpPod prepared; a missing one is set up by the next setUpPod.
        if (!(await stat(join(dir, '..data')).catch(() => undefined))) continue;
        try {
          if (await this.project(pod, v, kind, dir))
            this.log.debug('volume contents updated', { pod: uid, volume: v.name });
        } catch (err) {
          failures.push({ volume: v.name, message: (err as Error).message });
        }
      }
      if (failures.length > 0) throw new VolumeSetupError(failures);
    });
  }

  tearDownPod(podUid: string): Promise<void> {
    if (!isSafeUid(podUid)) return Promise.reject(new Error(`invalid pod UID ${JSON.stringify(podUid)}`));
    return this.serialized(podUid, async () => {
      const dir = this.podDir(podUid);
      const volumes = join(dir, 'volumes');
      await unmountBelow(volumes);
      // Never delete through a mount that is still there (a hostPath bind, a tmpfs that would not go).
      if ((await mountsBelow(dir)).length > 0) throw new Error(`volumes of pod ${podUid} are still mounted`);
      await rm(dir, { recursive: true, force: true });
      this.tokens.deleteForPod(podUid);
    });
  }

  async podsOnDisk(): Promise<string[]> {
    try {
      const entries = await readdir(join(this.opts.rootDir, 'pods'), { withFileTypes: true });
      return entries.filter((e) => e.isDirectory()).map((e) => e.name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }
}

/** The VolumeManager for a kubelet (see KubeletVolumeManager). */
export function createVolumeManager(opts: VolumeManagerOptions): KubeletVolumeManager {
  return new KubeletVolumeManager(opts);
}
