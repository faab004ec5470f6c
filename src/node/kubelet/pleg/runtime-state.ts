/**
 * The kubelet's view of one pod in the runtime: its sandboxes and containers,
 * newest first, with each container's full status. `RuntimeStateCache.inspect`
 * asks CRI for the lists every time (they are the truth), but reuses what does
 * not change: a sandbox's IPs, and a container's status while its state in the
 * list is unchanged (a running container's status only changes when it exits;
 * an exited one never does). So a steady pod costs two list calls per sync.
 */
import type { ContainerInfo, ContainerRuntime, PodSandboxState } from '../../runtime/index.js';
import { isCriNotFound, runtimeLabels } from '../../runtime/index.js';

/** The subset of the runtime facade the kubelet core drives (a fake implements it in tests). */
export type KubeletRuntime = Pick<
  ContainerRuntime,
  | 'version'
  | 'readiness'
  | 'ensureSandbox'
  | 'listSandboxes'
  | 'sandboxStatus'
  | 'stopSandbox'
  | 'removeSandbox'
  | 'createContainer'
  | 'startContainer'
  | 'stopContainer'
  | 'removeContainer'
  | 'listContainers'
  | 'containerStatus'
  | 'execSync'
  | 'listImages'
  | 'imageStatus'
  | 'ensureImage'
>;

export interface SandboxState {
  id: string;
  attempt: number;
  state: PodSandboxState;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** Pod IPs, primary first; empty with host networking or once torn down. */
  ips: string[];
}

export interface PodRuntimeState {
  uid: string;
  /** Newest first. */
  sandboxes: SandboxState[];
  /** Newest first. */
  containers: ContainerInfo[];
}

/** Container annotations the kubelet writes, read back when it has no spec (restarts, orphans). */
export const containerAnnotations = {
  terminationMessagePath: 'io.kubernetes.container.terminationMessagePath',
  terminationMessagePolicy: 'io.kubernetes.container.terminationMessagePolicy',
  podTerminationGracePeriod: 'io.kubernetes.pod.terminationGracePeriod',
  preStopHandler: 'io.kubernetes.container.preStopHandler',
  restartCount: 'io.kubernetes.container.restartCount',
  /** The image exactly as the spec names it (a changed image restarts the container). */
  specImage: 'kubets.io/spec-image',
  /** Host file mounted at the termination message path. */
  terminationLogFile: 'kubets.io/termination-log',
  /** 'init' | 'sidecar' | 'app' | 'ephemeral'. */
  kind: 'kubets.io/container-kind',
} as const;

export type ContainerKind = 'init' | 'sidecar' | 'app' | 'ephemeral';

export class RuntimeStateCache {
  private readonly sandboxIPs = new Map<string, string[]>();
  private readonly containers = new Map<string, ContainerInfo>();
  private readonly byPod = new Map<string, Set<string>>();

  constructor(private readonly runtime: KubeletRuntime) {}

  /** The pod's sandboxes and containers as the runtime has them now. */
  async inspect(uid: string, signal?: AbortSignal): Promise<PodRuntimeState> {
    const opts = { signal };
    const [sandboxes, summaries] = await Promise.all([
      this.runtime.listSandboxes({ uid }, opts),
      this.runtime.listContainers({ labels: { [runtimeLabels.podUid]: uid } }, opts),
    ]);
    const seen = new Set<string>();
    const sbs: SandboxState[] = [];
    for (const s of sandboxes) {
      seen.add(s.id);
      let ips = this.sandboxIPs.get(s.id);
      if (ips === undefined && s.state === 'SANDBOX_READY') {
        try {
          const st = await this.runtime.sandboxStatus(s.id, opts);
          const extra = (st.status?.network?.additionalIps ?? []).map((a) => a.ip);
          ips = st.ip ? [st.ip, ...extra] : [];
          this.sandboxIPs.set(s.id, ips);
        } catch (err) {
          if (!isCriNotFound(err)) throw err;
          continue;
        }
      }
      sbs.push({ id: s.id, attempt: s.attempt, state: s.state, createdAt: s.createdAt, ips: ips ?? [] });
    }
    const infos: ContainerInfo[] = [];
    for (const c of summaries) {
      seen.add(c.id);
      const cached = this.containers.get(c.id);
      if (cached && cached.state === c.state) {
        infos.push(cached);
        continue;
      }
      try {
        // Non-verbose status has no sandbox ID; the list has it.
        const info = { ...(await this.runtime.containerStatus(c.id, false, opts)), sandboxId: c.sandboxId };
        this.containers.set(c.id, info);
        infos.push(info);
      } catch (err) {
        if (!isCriNotFound(err)) throw err;
      }
    }
    // Forget what the runtime no longer has for this pod.
    for (const id of this.byPod.get(uid) ?? []) {
      if (seen.has(id)) continue;
      this.sandboxIPs.delete(id);
      this.containers.delete(id);
    }
    this.byPod.set(uid, seen);
    sbs.sort((a, b) => b.createdAt - a.createdAt || b.attempt - a.attempt);
    infos.sort((a, b) => b.createdAt - a.createdAt || b.attempt - a.attempt);
    return { uid, sandboxes: sbs, containers: infos };
  }

  /** Records a sandbox's IPs known from creating it (saves a status call). */
  rememberSandboxIPs(sandboxId: string, ips: string[]): void {
    this.sandboxIPs.set(sandboxId, ips);
  }

  /** Drops everything cached for the pod. */
  forget(uid: string): void {
    for (const id of this.byPod.get(uid) ?? []) {
      this.sandboxIPs.delete(id);
      this.containers.delete(id);
    }
    this.byPod.delete(uid);
  }
}

/** Containers of `name`, newest first. */
export function containersNamed(state: PodRuntimeState, name: string): ContainerInfo[] {
  return state.containers.filter((c) => c.name === name);
}

/** The newest sandbox, when it is ready. */
export function readySandbox(state: PodRuntimeState): SandboxState | undefined {
  const s = state.sandboxes[0];
  return s?.state === 'SANDBOX_READY' ? s : undefined;
}
