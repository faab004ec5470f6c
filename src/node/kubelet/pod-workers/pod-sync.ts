/**
 * One sync of a pod that should be running (kuberuntime_manager.go SyncPod,
 * computePodActions): report its status, stop containers that must go (left in
 * an old sandbox, not in the spec, image changed, failed liveness/startup
 * probe), make sure volumes and a ready sandbox exist, then start what is due —
 * init containers one at a time in order (sidecars stay running), app
 * containers once initialized, new ephemeral containers — honouring the restart
 * policy and crash-loop back-off; finally report the status again. Returns
 * whether the pod became terminal and when to sync again.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Container, EphemeralContainer, Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { formatDurationMs } from '../../../api/values/duration.js';
import type { ContainerInfo, SandboxInfo } from '../../runtime/index.js';
import { hostNetworkHostsFile, managedHostsFile, podHostname } from '../container-config/hosts.js';
import { formatPod } from '../container-config/security-context.js';
import {
  containerAnnotations,
  containersNamed,
  readySandbox,
  type ContainerKind,
  type PodRuntimeState,
} from '../pleg/runtime-state.js';
import type { WaitingReason } from '../status/container-status.js';
import { generatePodStatus, isTerminalPhase } from '../status/generate-status.js';
import { kubeletConditionTypes } from '../status/pod-conditions.js';
import { TerminationMessages } from '../status/termination-message.js';
import type { PreparedVolume } from '../volumes/types.js';
import type { KubeletContext } from './context.js';
import { ContainerRunner, StartError } from './container-runner.js';
import { sandboxPlan } from './sandbox-spec.js';
import { killContainer, podGraceSeconds, specContainer, type KillRequest } from './terminate.js';

export interface PodSyncResult {
  /** The pod reached a terminal phase: its worker should terminate it. */
  terminal: boolean;
  /** Sync again within this many ms (0: at once). */
  requeueAfterMs: number;
}

const isLive = (c: ContainerInfo) => c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_CREATED';

/** Retry delay after a failed sandbox or volume setup. */
const setupRetryMs = 2000;

export class PodSyncer {
  private readonly runner: ContainerRunner;
  private readonly reasons = new Map<string, Map<string, WaitingReason>>();
  private readonly volumes = new Map<string, Map<string, PreparedVolume>>();
  private readonly latest = new Map<string, PodRuntimeState>();
  readonly terminationMessages = new TerminationMessages();

  constructor(private readonly ctx: KubeletContext) {
    this.runner = new ContainerRunner(ctx);
  }

  /** The runtime state seen by the last sync of the pod. */
  lastState(uid: string): PodRuntimeState | undefined {
    return this.latest.get(uid);
  }

  forget(uid: string): void {
    this.reasons.delete(uid);
    this.volumes.delete(uid);
    this.latest.delete(uid);
    this.ctx.state.forget(uid);
  }

  private reasonsOf(uid: string): Map<string, WaitingReason> {
    let r = this.reasons.get(uid);
    if (!r) this.reasons.set(uid, (r = new Map()));
    return r;
  }

  /** Fresh runtime state of the pod (remembered for the kubelet server). */
  async inspect(uid: string, signal?: AbortSignal): Promise<PodRuntimeState> {
    const s = await this.ctx.state.inspect(uid, signal);
    this.latest.set(uid, s);
    return s;
  }

  /**
   * Computes the pod's status from `state` and hands it to the status manager;
   * `amend` changes it first (eviction marks it Failed/Evicted).
   */
  publish(pod: Pod, state: PodRuntimeState, podIsTerminal: boolean, amend?: (s: PodStatus) => void): PodStatus {
    const uid = pod.metadata!.uid!;
    const base = this.ctx.status.get(uid);
    // Our own last status is newer than the informer's copy; keep its times and terminal phase.
    const view: Pod = base ? { ...pod, status: mergeKept(pod.status ?? {}, base) } : pod;
    const status = generatePodStatus({
      pod: view,
      state,
      nodeIPs: this.ctx.nodeIPs,
      now: this.ctx.clock.now(),
      podIsTerminal,
      runtimeName: this.ctx.runtimeName(),
      reasons: this.reasonsOf(uid),
      probes: this.ctx.prober.view(pod),
      terminationMessage: (c) => this.terminationMessages.get(c),
    });
    amend?.(status);
    this.ctx.status.set(pod, status);
    return status;
  }

  async sync(pod: Pod, signal?: AbortSignal): Promise<PodSyncResult> {
    const { ctx } = this;
    const uid = pod.metadata!.uid!;
    const spec = pod.spec!;
    const policy = spec.restartPolicy ?? 'Always';
    let state = await this.inspect(uid, signal);
    const first = this.publish(pod, state, false);
    if (isTerminalPhase(first.phase)) return { terminal: true, requeueAfterMs: ctx.syncFrequencyMs };
    let requeue = ctx.syncFrequencyMs;
    const soon = (ms: number) => (requeue = Math.min(requeue, Math.max(0, ms)));

    // Containers that must stop before anything starts.
    let current = readySandbox(state);
    const podIP = current?.ips[0] ?? '';
    const kills: KillRequest[] = [];
    const grace = podGraceSeconds(pod);
    if (!current && state.sandboxes.length > 0 && policy === 'Never' && state.containers.length > 0) {
      // The sandbox died under a pod that never restarts: it is over.
      await Promise.all(
        state.containers.filter(isLive).map((info) => killContainer(ctx, { pod, info, graceSeconds: grace, podIP })),
      );
      return { terminal: true, requeueAfterMs: 0 };
    }
    for (const c of state.containers.filter(isLive)) {
      const found = specContainer(pod, c.name);
      if (!current || c.sandboxId !== current.id || !found) {
        kills.push({ pod, info: c, graceSeconds: grace, podIP });
      } else if (
        found.kind !== 'ephemeral' &&
        c.annotations[containerAnnotations.specImage] !== found.container.image
      ) {
        kills.push({
          pod,
          info: c,
          graceSeconds: grace,
          podIP,
          message: `Container ${c.name} definition changed, will be restarted`,
        });
      } else {
        const failed = ctx.prober.failed(uid, c.name, c.id);
        if (failed) {
          const probe = failed === 'liveness' ? found.container.livenessProbe : found.container.startupProbe;
          kills.push({
            pod,
            info: c,
            graceSeconds: probe?.terminationGracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30,
            podIP,
            message: `Container ${c.name} failed ${failed} probe, will be restarted`,
          });
        }
      }
    }
    if (kills.length > 0) {
      await Promise.all(kills.map((k) => killContainer(ctx, k)));
      state = await this.inspect(uid, signal);
      current = readySandbox(state);
    }

    // Nothing to start in a ready sandbox: done (no runtime calls in the steady state).
    let starts = this.planStarts(pod, state, current?.id);
    if (current && starts.length === 0) {
      await this.pruneDead(state);
      const status = this.publish(pod, state, false);
      return { terminal: isTerminalPhase(status.phase), requeueAfterMs: requeue };
    }

    // Volumes, pod cgroup and sandbox.
    let volumes = this.volumes.get(uid);
    if (!volumes) {
      try {
        volumes = await ctx.volumes.setUpPod(pod, signal);
        this.volumes.set(uid, volumes);
      } catch (err) {
        if (signal?.aborted) throw err;
        ctx.events.pod(pod, 'Warning', 'FailedMount', (err as Error).message);
        this.publish(pod, state, false);
        return { terminal: false, requeueAfterMs: setupRetryMs };
      }
    }
    let sandbox: SandboxInfo;
    try {
      const plan = sandboxPlan(ctx, pod);
      if (!current) {
        for (const w of plan.warnings) ctx.events.pod(pod, 'Warning', w.reason, w.message);
        ctx.cgroups.ensure(pod);
        if (state.sandboxes.length > 0) {
          ctx.events.pod(pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
          for (const s of state.sandboxes) if (s.state === 'SANDBOX_READY') await ctx.runtime.stopSandbox(s.id);
        }
      }
      // Without a current sandbox, every sandbox of the pod is stopped by now (just above): what this
      // sync listed, marked not ready, stands in for ensureSandbox's own list (it only picks the attempt).
      const known = current ? undefined : state.sandboxes.map((s) => ({ ...s, state: 'SANDBOX_NOTREADY' as const }));
      sandbox = await ctx.runtime.ensureSandbox(plan.spec, { signal }, known);
    } catch (err) {
      if (signal?.aborted) throw err;
      ctx.events.pod(
        pod,
        'Warning',
        'FailedCreatePodSandBox',
        `Failed to create pod sandbox: ${(err as Error).message}`,
      );
      this.publish(pod, state, false);
      return { terminal: false, requeueAfterMs: setupRetryMs };
    }
    const podIPs = spec.hostNetwork ? ctx.nodeIPs : [sandbox.ip, ...sandbox.additionalIps].filter(Boolean);
    if (sandbox.id !== current?.id) {
      const ips = spec.hostNetwork ? [] : podIPs;
      ctx.state.rememberSandboxIPs(sandbox.id, ips);
      if (sandbox.created) {
        // Just created, so it holds no containers yet and the older sandboxes are stopped: the state
        // seen before plus this sandbox is exact, and saves listing the runtime again on the startup path.
        const fresh = {
          id: sandbox.id,
          attempt: sandbox.spec.attempt,
          state: sandbox.state,
          createdAt: sandbox.createdAt,
          ips,
        };
        const older = state.sandboxes.map((s) => ({ ...s, state: 'SANDBOX_NOTREADY' as const }));
        state = { ...state, sandboxes: [fresh, ...older] };
        this.latest.set(uid, state);
      } else {
        state = await this.inspect(uid, signal);
      }
      starts = this.planStarts(pod, state, sandbox.id);
    }
    const hostsFile = this.writeHostsFile(pod, podIPs);

    const reasons = this.reasonsOf(uid);
    let startedAny = false;
    for (const { container, kind } of starts) {
      const prev = containersNamed(state, container.name)[0];
      const key = `${uid}/${container.name}`;
      const now = ctx.clock.now();
      if (prev?.state === 'CONTAINER_EXITED' && prev.sandboxId === sandbox.id) {
        const finished = prev.finishedAt || now;
        if (ctx.restartBackoff.inBackoff(key, finished, now)) {
          const delay = ctx.restartBackoff.delay(key);
          reasons.set(container.name, {
            reason: 'CrashLoopBackOff',
            message: `back-off ${formatDurationMs(delay)} restarting failed container=${container.name} pod=${formatPod(pod)}`,
          });
          ctx.events.pod(
            pod,
            'Warning',
            'BackOff',
            `Back-off restarting failed container ${container.name} in pod ${formatPod(pod)}`,
          );
          soon(ctx.restartBackoff.until(key, finished) - now);
          if (kind === 'init' || kind === 'sidecar') break;
          continue;
        }
        ctx.restartBackoff.next(key, finished, now);
      }
      try {
        await this.runner.start({
          pod,
          container,
          kind,
          attempt: prev ? prev.attempt + 1 : 0,
          sandbox,
          podIPs,
          volumes,
          hostsFile,
          targetContainerId: targetIdFor(state, container, kind),
          signal,
        });
        reasons.delete(container.name);
        startedAny = true;
      } catch (err) {
        if (!(err instanceof StartError)) throw err;
        reasons.set(container.name, { reason: err.reason, message: err.message });
        soon(
          err.reason === 'ErrImagePull' || err.reason === 'ImagePullBackOff'
            ? ctx.imageBackoff.delay(`${uid}_${container.image}`) || 10_000
            : setupRetryMs,
        );
        if (kind === 'init' || kind === 'sidecar') break;
        continue;
      }
      // An init container or sidecar gates the next one: look again at once.
      if (kind === 'init' || kind === 'sidecar') {
        soon(0);
        break;
      }
    }
    if (startedAny) ctx.prober.poke(uid);

    await this.pruneDead(state);
    state = await this.inspect(uid, signal);
    const status = this.publish(pod, state, false);
    return { terminal: isTerminalPhase(status.phase), requeueAfterMs: requeue };
  }

  /**
   * What to start, in order: the first unfinished init container (sidecars are
   * kept running and, with a startup probe, must have started before the next
   * one), then — once initialized — app containers that never ran in this
   * sandbox or exited and may restart, then new ephemeral containers.
   */
  private planStarts(
    pod: Pod,
    state: PodRuntimeState,
    sandboxId: string | undefined,
  ): { container: Container; kind: ContainerKind }[] {
    const spec = pod.spec!;
    const policy = spec.restartPolicy ?? 'Always';
    const inSandbox = (name: string) => containersNamed(state, name).filter((c) => c.sandboxId === sandboxId);
    const starts: { container: Container; kind: ContainerKind }[] = [];
    const appStarted = spec.containers.some((c) => inSandbox(c.name).length > 0);
    for (const c of spec.initContainers ?? []) {
      const latest = inSandbox(c.name)[0];
      if (c.restartPolicy === 'Always') {
        if (!latest || latest.state === 'CONTAINER_EXITED') {
          starts.push({ container: c, kind: 'sidecar' });
          if (!appStarted) return starts;
        } else if (!appStarted && c.startupProbe && this.ctx.prober.view(pod).started(c.name, latest.id) !== true) {
          return starts;
        }
        continue;
      }
      if (appStarted) continue;
      if (!latest) return [...starts, { container: c, kind: 'init' }];
      if (isLive(latest)) return starts;
      if (latest.exitCode === 0) continue;
      return policy === 'Never' ? starts : [...starts, { container: c, kind: 'init' }];
    }
    for (const c of spec.containers) {
      const latest = inSandbox(c.name)[0];
      if (!latest) starts.push({ container: c, kind: 'app' });
      else if (latest.state === 'CONTAINER_EXITED') {
        const restart = policy === 'Always' || (policy === 'OnFailure' && latest.exitCode !== 0);
        if (restart) starts.push({ container: c, kind: 'app' });
      }
    }
    for (const c of spec.ephemeralContainers ?? []) {
      if (containersNamed(state, c.name).length === 0) starts.push({ container: c as Container, kind: 'ephemeral' });
    }
    return starts;
  }

  /** Keeps the two newest attempts of each container (the current one and its lastState); removes older exited ones. */
  private async pruneDead(state: PodRuntimeState): Promise<void> {
    const count = new Map<string, number>();
    for (const c of state.containers) {
      const n = (count.get(c.name) ?? 0) + 1;
      count.set(c.name, n);
      if (n <= 2 || c.state !== 'CONTAINER_EXITED') continue;
      await this.ctx.runtime.removeContainer(c.id).catch(() => undefined);
      const termLog = c.annotations[containerAnnotations.terminationLogFile];
      if (termLog) rmSync(termLog, { force: true });
    }
  }

  /** Writes the pod's managed /etc/hosts when its content changes; returns its path. */
  private writeHostsFile(pod: Pod, podIPs: string[]): string | undefined {
    if (podIPs.length === 0) return undefined;
    const dir = join(this.ctx.podsDir, pod.metadata!.uid!);
    const path = join(dir, 'etc-hosts');
    const content = pod.spec?.hostNetwork
      ? hostNetworkHostsFile(this.ctx.nodeHosts(), pod.spec.hostAliases)
      : managedHostsFile(podIPs, podHostname(pod, this.ctx.clusterDomain), pod.spec?.hostAliases);
    try {
      if (existsSync(path) && readFileSync(path, 'utf8') === content) return path;
    } catch {
      // Rewrite it.
    }
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${path}.tmp`, content, { mode: 0o644 });
    renameSync(`${path}.tmp`, path);
    return path;
  }
}

/**
 * The informer's status with what our own last status already says (the
 * informer may lag behind our writes): times, terminal phase with its reason
 * and message, IPs, container statuses, and the conditions we wrote
 * (others' conditions stay).
 */
function mergeKept(api: PodStatus, own: PodStatus): PodStatus {
  const out: PodStatus = { ...api };
  if (own.startTime) out.startTime = own.startTime;
  if (own.phase && isTerminalPhase(own.phase)) {
    out.phase = own.phase;
    if (own.reason) out.reason = own.reason;
    if (own.message) out.message = own.message;
  }
  if (own.podIPs?.length) out.podIPs = own.podIPs;
  if (own.containerStatuses) out.containerStatuses = own.containerStatuses;
  if (own.initContainerStatuses) out.initContainerStatuses = own.initContainerStatuses;
  if (own.ephemeralContainerStatuses) out.ephemeralContainerStatuses = own.ephemeralContainerStatuses;
  const owned = new Set<string>([...kubeletConditionTypes, ...(own.conditions ?? []).map((c) => c.type)]);
  out.conditions = [...(api.conditions ?? []).filter((c) => !owned.has(c.type)), ...(own.conditions ?? [])];
  return out;
}

/**
 * For an ephemeral container with targetContainerName: the newest container of
 * that name (its PID namespace is the one to join), '' when there is none;
 * undefined for every other container.
 */
function targetIdFor(state: PodRuntimeState, container: Container, kind: ContainerKind): string | undefined {
  const target = kind === 'ephemeral' ? (container as EphemeralContainer).targetContainerName : undefined;
  if (!target) return undefined;
  return containersNamed(state, target)[0]?.id ?? '';
}
