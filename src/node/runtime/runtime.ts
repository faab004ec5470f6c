/**
 * The container runtime facade the kubelet uses: pod sandboxes and containers
 * from simple specs (runtime-types.ts), their status, exec, logs and stats, and
 * images with pull policies — all over CRI (cri/cri-client.ts), so it works with
 * the managed containerd or any external CRI endpoint.
 *
 * Contracts: stop/remove of sandboxes and containers are idempotent (a vanished
 * object is success, as CRI requires of runtimes); ensureSandbox reuses a ready
 * sandbox of the pod and otherwise creates one with the next attempt number;
 * times in results are milliseconds since the epoch (CRI carries nanoseconds).
 */
import { mkdirSync } from 'node:fs';
import { realClock, type Clock } from '../../lib/clock.js';
import type { CriClient, CallOptions } from './cri/cri-client.js';
import { isCriNotFound } from './cri/errors.js';
import type { AuthConfig, ContainerStats, Image, PodSandboxStats } from './cri/image-stats-types.js';
import type { Container, ContainerState, CriInput, Labels, PodSandbox, PodSandboxState } from './cri/types.js';
import { readCriLogFile, type LogLine } from './logs/cri-log.js';
import type {
  ContainerInfo,
  ContainerSpec,
  ExecResult,
  RuntimeReadiness,
  SandboxInfo,
  SandboxSpec,
} from './runtime-types.js';
import { containerConfig, labels, sandboxConfig, withSandboxDefaults } from './spec-convert.js';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** An image could not be made present under its pull policy; `reason` is the kubelet's waiting reason. */
export class ImagePolicyError extends Error {
  override name = 'ImagePolicyError';
  constructor(
    readonly reason: 'ErrImageNeverPull' | 'ErrImagePull',
    message: string,
  ) {
    super(message);
  }
}

export interface ContainerSummary {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  state: ContainerState;
  image: string;
  imageRef: string;
  createdAt: number;
  labels: Labels;
  annotations: Labels;
}

export interface SandboxSummary {
  id: string;
  name: string;
  namespace: string;
  uid: string;
  attempt: number;
  state: PodSandboxState;
  createdAt: number;
  labels: Labels;
  annotations: Labels;
}

export interface RuntimeOptions {
  clock?: Clock;
  /** Root of pod log directories; default /var/log/pods. */
  podLogsRoot?: string;
}

const nsToMs = (ns: number): number => Math.floor(ns / 1e6);

async function ignoreNotFound(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!isCriNotFound(err)) throw err;
  }
}

function sandboxSummary(s: PodSandbox): SandboxSummary {
  return {
    id: s.id,
    name: s.metadata?.name ?? '',
    namespace: s.metadata?.namespace ?? '',
    uid: s.metadata?.uid ?? '',
    attempt: s.metadata?.attempt ?? 0,
    state: s.state,
    createdAt: nsToMs(s.createdAt),
    labels: s.labels,
    annotations: s.annotations,
  };
}

function containerSummary(c: Container): ContainerSummary {
  return {
    id: c.id,
    sandboxId: c.podSandboxId,
    name: c.metadata?.name ?? '',
    attempt: c.metadata?.attempt ?? 0,
    state: c.state,
    image: c.image?.image ?? '',
    imageRef: c.imageRef,
    createdAt: nsToMs(c.createdAt),
    labels: c.labels,
    annotations: c.annotations,
  };
}

export class ContainerRuntime {
  private readonly clock: Clock;

  constructor(
    readonly cri: CriClient,
    private readonly opts: RuntimeOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
  }

  version(opts?: CallOptions) {
    return this.cri.version(opts);
  }

  /** RuntimeReady / NetworkReady from CRI Status (a node is Ready only with both). */
  async readiness(opts?: CallOptions): Promise<RuntimeReadiness> {
    const res = await this.cri.status(false, opts);
    const conditions = res.status?.conditions ?? [];
    const ok = (type: string) => conditions.some((c) => c.type === type && c.status);
    return {
      runtimeReady: ok('RuntimeReady'),
      networkReady: ok('NetworkReady'),
      problems: conditions.filter((c) => !c.status).map((c) => `${c.type}: ${c.reason}: ${c.message}`),
    };
  }

  // Sandboxes

  /**
   * A ready sandbox for the pod: the existing one, or a new one with the next
   * attempt number. `known` is the pod's sandboxes as the caller has just listed
   * them (saves listing again); without it the runtime is asked.
   */
  async ensureSandbox(
    spec: SandboxSpec,
    opts?: CallOptions,
    known?: readonly Pick<SandboxSummary, 'id' | 'state' | 'attempt' | 'createdAt'>[],
  ): Promise<SandboxInfo> {
    const existing = known ?? (await this.listSandboxes({ uid: spec.uid }, opts));
    const ready = existing.filter((s) => s.state === 'SANDBOX_READY').sort((a, b) => b.createdAt - a.createdAt)[0];
    if (ready) {
      const full = withSandboxDefaults({ ...spec, attempt: ready.attempt }, this.opts.podLogsRoot);
      return { ...(await this.sandboxInfo(ready.id, full, opts)), created: false };
    }
    const nextAttempt = existing.length === 0 ? 0 : Math.max(...existing.map((s) => s.attempt)) + 1;
    const full = withSandboxDefaults({ ...spec, attempt: spec.attempt ?? nextAttempt }, this.opts.podLogsRoot);
    mkdirSync(full.logDirectory, { recursive: true });
    const id = await this.cri.runPodSandbox(sandboxConfig(full), spec.runtimeHandler ?? '', opts);
    return { ...(await this.sandboxInfo(id, full, opts)), created: true };
  }

  private async sandboxInfo(
    id: string,
    spec: SandboxInfo['spec'],
    opts?: CallOptions,
  ): Promise<Omit<SandboxInfo, 'created'>> {
    const res = await this.cri.podSandboxStatus(id, false, opts);
    const st = res.status;
    return {
      id,
      spec,
      state: st?.state ?? 'SANDBOX_NOTREADY',
      ip: st?.network?.ip ?? '',
      additionalIps: (st?.network?.additionalIps ?? []).map((a) => a.ip),
      createdAt: nsToMs(st?.createdAt ?? 0),
    };
  }

  async listSandboxes(
    filter: { uid?: string; id?: string; state?: PodSandboxState; labels?: Labels } = {},
    opts?: CallOptions,
  ): Promise<SandboxSummary[]> {
    const labelSelector = { ...filter.labels, ...(filter.uid ? { [labels.podUid]: filter.uid } : {}) };
    const items = await this.cri.listPodSandbox(
      { id: filter.id ?? '', labelSelector, state: filter.state ? { state: filter.state } : null },
      opts,
    );
    return items.map(sandboxSummary);
  }

  /** Status with the pod IP and, from verbose info, the network namespace path. */
  async sandboxStatus(id: string, opts?: CallOptions) {
    const res = await this.cri.podSandboxStatus(id, true, opts);
    const info = parseInfo(res.info);
    const namespaces = (info?.runtimeSpec as { linux?: { namespaces?: { type: string; path?: string }[] } })?.linux
      ?.namespaces;
    return {
      status: res.status,
      ip: res.status?.network?.ip ?? '',
      netnsPath: namespaces?.find((n) => n.type === 'network')?.path ?? '',
      pid: typeof info?.pid === 'number' ? info.pid : undefined,
    };
  }

  /** Stops every container of the sandbox and tears down its network (idempotent). */
  stopSandbox(id: string, opts?: CallOptions): Promise<void> {
    return ignoreNotFound(this.cri.stopPodSandbox(id, opts));
  }

  removeSandbox(id: string, opts?: CallOptions): Promise<void> {
    return ignoreNotFound(this.cri.removePodSandbox(id, opts));
  }

  // Containers

  async createContainer(sandbox: Pick<SandboxInfo, 'id' | 'spec'>, spec: ContainerSpec, opts?: CallOptions) {
    return this.cri.createContainer(sandbox.id, containerConfig(spec, sandbox.spec), sandboxConfig(sandbox.spec), opts);
  }

  startContainer(id: string, opts?: CallOptions): Promise<void> {
    return this.cri.startContainer(id, opts);
  }

  /** Create and start; returns the container ID. */
  async runContainer(sandbox: Pick<SandboxInfo, 'id' | 'spec'>, spec: ContainerSpec, opts?: CallOptions) {
    const id = await this.createContainer(sandbox, spec, opts);
    await this.startContainer(id, opts);
    return id;
  }

  /** SIGTERM (or the image's stop signal), then SIGKILL after `graceSeconds` (idempotent). */
  stopContainer(id: string, graceSeconds = 30, opts?: CallOptions): Promise<void> {
    return ignoreNotFound(this.cri.stopContainer(id, graceSeconds, opts));
  }

  removeContainer(id: string, opts?: CallOptions): Promise<void> {
    return ignoreNotFound(this.cri.removeContainer(id, opts));
  }

  async listContainers(
    filter: { sandboxId?: string; id?: string; state?: ContainerState; labels?: Labels } = {},
    opts?: CallOptions,
  ): Promise<ContainerSummary[]> {
    const items = await this.cri.listContainers(
      {
        id: filter.id ?? '',
        podSandboxId: filter.sandboxId ?? '',
        labelSelector: filter.labels ?? {},
        state: filter.state ? { state: filter.state } : null,
      },
      opts,
    );
    return items.map(containerSummary);
  }

  /** The container's status; `verbose` adds the host PID and cgroups path. */
  async containerStatus(id: string, verbose = false, opts?: CallOptions): Promise<ContainerInfo> {
    const res = await this.cri.containerStatus(id, verbose, opts);
    const s = res.status;
    if (!s) throw new Error(`runtime returned no status for container ${id}`);
    const info = verbose ? parseInfo(res.info) : undefined;
    const spec = info?.runtimeSpec as { linux?: { cgroupsPath?: string } } | undefined;
    return {
      id: s.id,
      sandboxId: typeof info?.sandboxID === 'string' ? info.sandboxID : '',
      name: s.metadata?.name ?? '',
      attempt: s.metadata?.attempt ?? 0,
      state: s.state,
      image: s.image?.image ?? '',
      imageRef: s.imageRef,
      createdAt: nsToMs(s.createdAt),
      startedAt: nsToMs(s.startedAt),
      finishedAt: nsToMs(s.finishedAt),
      exitCode: s.exitCode,
      reason: s.reason,
      message: s.message,
      logPath: s.logPath,
      labels: s.labels,
      annotations: s.annotations,
      ...(typeof info?.pid === 'number' && info.pid > 0 ? { pid: info.pid } : {}),
      ...(spec?.linux?.cgroupsPath ? { cgroupsPath: spec.linux.cgroupsPath } : {}),
    };
  }

  /** Polls until `done(status)` holds; rejects after `timeoutMs`. */
  async waitForContainer(
    id: string,
    done: (s: ContainerInfo) => boolean,
    {
      timeoutMs = 30_000,
      intervalMs = 50,
      signal,
    }: { timeoutMs?: number; intervalMs?: number; signal?: AbortSignal } = {},
  ): Promise<ContainerInfo> {
    const deadline = this.clock.monotonic() + timeoutMs;
    for (;;) {
      const s = await this.containerStatus(id, false, { signal });
      if (done(s)) return s;
      if (this.clock.monotonic() >= deadline) {
        throw new Error(`container ${id} did not reach the awaited state within ${timeoutMs}ms (state ${s.state})`);
      }
      await this.clock.sleep(intervalMs, signal);
    }
  }

  /** Runs `cmd` in the container and collects its output (UTF-8). */
  async execSync(id: string, cmd: string[], timeoutSeconds = 0, opts?: CallOptions): Promise<ExecResult> {
    const res = await this.cri.execSync(id, cmd, timeoutSeconds, opts);
    return { stdout: res.stdout.toString('utf8'), stderr: res.stderr.toString('utf8'), exitCode: res.exitCode };
  }

  /** The absolute path of the container's CRI-format log file. */
  async containerLogPath(id: string, opts?: CallOptions): Promise<string> {
    return (await this.containerStatus(id, false, opts)).logPath;
  }

  /** The container's log lines so far (partial records joined). */
  async readContainerLog(id: string, opts?: CallOptions): Promise<LogLine[]> {
    return readCriLogFile(await this.containerLogPath(id, opts));
  }

  // Stats

  containerStats(id: string, opts?: CallOptions): Promise<ContainerStats | null> {
    return this.cri.containerStats(id, opts);
  }

  listContainerStats(filter: { sandboxId?: string; labels?: Labels } = {}, opts?: CallOptions) {
    return this.cri.listContainerStats(
      { podSandboxId: filter.sandboxId ?? '', labelSelector: filter.labels ?? {} },
      opts,
    );
  }

  podSandboxStats(id: string, opts?: CallOptions): Promise<PodSandboxStats | null> {
    return this.cri.podSandboxStats(id, opts);
  }

  // Images

  listImages(opts?: CallOptions): Promise<Image[]> {
    return this.cri.listImages(undefined, opts);
  }

  /** The image, or null when the runtime does not have it. */
  async imageStatus(ref: string, opts?: CallOptions): Promise<Image | null> {
    return (await this.cri.imageStatus(ref, false, opts)).image;
  }

  pullImage(ref: string, auth?: CriInput<AuthConfig>, opts?: CallOptions): Promise<string> {
    return this.cri.pullImage(ref, auth, undefined, opts);
  }

  removeImage(ref: string, opts?: CallOptions): Promise<void> {
    return ignoreNotFound(this.cri.removeImage(ref, opts));
  }

  /**
   * Makes `ref` present as the pull policy says (Always: pull; IfNotPresent: pull
   * when missing; Never: must already be present) and returns its image ID.
   */
  async ensureImage(
    ref: string,
    policy: PullPolicy,
    auth?: CriInput<AuthConfig>,
    opts?: CallOptions,
  ): Promise<{ imageRef: string; pulled: boolean }> {
    if (policy !== 'Always') {
      const present = await this.imageStatus(ref, opts);
      if (present) return { imageRef: present.id, pulled: false };
      if (policy === 'Never') {
        throw new ImagePolicyError(
          'ErrImageNeverPull',
          `Container image "${ref}" is not present with pull policy of Never`,
        );
      }
    }
    try {
      return { imageRef: await this.pullImage(ref, auth, opts), pulled: true };
    } catch (err) {
      throw new ImagePolicyError('ErrImagePull', `Failed to pull image "${ref}": ${(err as Error).message}`);
    }
  }
}

/** containerd puts one JSON document under `info` in verbose status responses. */
function parseInfo(info: Labels): Record<string, unknown> | undefined {
  const raw = info.info;
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
