/**
 * Stopping containers and pods (kuberuntime_container.go killContainer,
 * killContainersWithSyncResult): a `Killing` event, the preStop hook within
 * the grace period (its time is taken from the grace period), then CRI
 * StopContainer — SIGTERM, SIGKILL when the remaining grace (at least 2 s)
 * runs out. A pod's regular containers stop together; sidecars
 * (restartable init containers) stop afterwards, in reverse order. Without a
 * spec (an orphan after a restart) the preStop hook and grace come from the
 * container's annotations.
 */
import type { Container, LifecycleHandler, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerInfo } from '../../runtime/index.js';
import { containerAnnotations, type PodRuntimeState } from '../pleg/runtime-state.js';
import type { KubeletContext } from './context.js';
import { containerFieldPath } from './container-runner.js';
import { runLifecycleHook } from './lifecycle-hooks.js';

/** Always give a container this long after SIGTERM (minimumGracePeriodInSeconds). */
const minimumGraceSeconds = 2;

export function specContainer(
  pod: Pod,
  name: string,
): { container: Container; kind: 'init' | 'sidecar' | 'app' | 'ephemeral' } | undefined {
  const init = pod.spec?.initContainers?.find((c) => c.name === name);
  if (init) return { container: init, kind: init.restartPolicy === 'Always' ? 'sidecar' : 'init' };
  const app = pod.spec?.containers?.find((c) => c.name === name);
  if (app) return { container: app, kind: 'app' };
  const eph = pod.spec?.ephemeralContainers?.find((c) => c.name === name);
  if (eph) return { container: eph as Container, kind: 'ephemeral' };
  return undefined;
}

/** The pod's grace period: the deletion's when it is being deleted, else the spec's (default 30 s). */
export function podGraceSeconds(pod: Pod): number {
  const fromDelete = pod.metadata?.deletionGracePeriodSeconds;
  if (pod.metadata?.deletionTimestamp && fromDelete !== undefined && fromDelete !== null) return fromDelete;
  return pod.spec?.terminationGracePeriodSeconds ?? 30;
}

export interface KillRequest {
  pod: Pod;
  info: ContainerInfo;
  graceSeconds: number;
  /** The Killing event's message; default `Stopping container <name>`. */
  message?: string;
  podIP: string;
}

export async function killContainer(ctx: KubeletContext, r: KillRequest): Promise<void> {
  const found = specContainer(r.pod, r.info.name);
  const kind = found?.kind ?? (r.info.annotations[containerAnnotations.kind] as 'app' | undefined) ?? 'app';
  ctx.events.pod(
    r.pod,
    'Normal',
    'Killing',
    r.message ?? `Stopping container ${r.info.name}`,
    containerFieldPath(kind, r.info.name),
  );
  let grace = r.graceSeconds;
  let preStop: LifecycleHandler | undefined = found?.container.lifecycle?.preStop;
  if (!found) {
    const raw = r.info.annotations[containerAnnotations.preStopHandler];
    try {
      preStop = raw ? (JSON.parse(raw) as LifecycleHandler) : undefined;
    } catch {
      preStop = undefined;
    }
  }
  if (preStop && grace > 0 && r.info.state === 'CONTAINER_RUNNING') {
    const started = ctx.clock.monotonic();
    try {
      await runLifecycleHook(preStop, {
        runtime: ctx.runtime,
        clock: ctx.clock,
        pod: r.pod,
        container: found?.container ?? { name: r.info.name },
        containerId: r.info.id,
        podIP: r.podIP,
        timeoutMs: grace * 1000,
      });
    } catch (err) {
      ctx.log.info('preStop hook failed', { pod: r.pod.metadata?.name, container: r.info.name, err });
      ctx.events.pod(
        r.pod,
        'Warning',
        'FailedPreStopHook',
        'PreStopHook failed',
        containerFieldPath(kind, r.info.name),
      );
    }
    grace -= Math.floor((ctx.clock.monotonic() - started) / 1000);
  }
  await ctx.runtime.stopContainer(r.info.id, Math.max(grace, minimumGraceSeconds));
}

/** Whether a runtime container is a sidecar of the pod (by spec, else by annotation). */
function isSidecarContainer(pod: Pod, c: ContainerInfo): boolean {
  const found = specContainer(pod, c.name);
  return found ? found.kind === 'sidecar' : c.annotations[containerAnnotations.kind] === 'sidecar';
}

/**
 * Stops every running container of the pod within `graceSeconds` (regular
 * ones first, then sidecars in reverse order) and then its sandboxes.
 */
export async function killPod(
  ctx: KubeletContext,
  pod: Pod,
  state: PodRuntimeState,
  graceSeconds: number,
): Promise<void> {
  const started = ctx.clock.monotonic();
  const podIP = state.sandboxes.find((s) => s.ips.length > 0)?.ips[0] ?? '';
  const running = state.containers.filter((c) => c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_CREATED');
  const regular = running.filter((c) => !isSidecarContainer(pod, c));
  const order = (pod.spec?.initContainers ?? []).map((c) => c.name);
  const sidecars = running
    .filter((c) => isSidecarContainer(pod, c))
    .sort((a, b) => order.indexOf(b.name) - order.indexOf(a.name));
  const errors: unknown[] = [];
  const kill = (info: ContainerInfo, grace: number) =>
    killContainer(ctx, { pod, info, graceSeconds: grace, podIP }).catch((err) => errors.push(err));
  await Promise.all(regular.map((c) => kill(c, graceSeconds)));
  for (const c of sidecars) {
    const left = graceSeconds - Math.floor((ctx.clock.monotonic() - started) / 1000);
    await kill(c, Math.max(left, 0));
  }
  for (const s of state.sandboxes) {
    if (s.state === 'SANDBOX_READY') await ctx.runtime.stopSandbox(s.id).catch((err) => errors.push(err));
  }
  if (errors.length > 0) throw errors[0];
}
