/**
 * The pod status the kubelet reports (kubelet_pods.go generateAPIPodStatus):
 * container statuses for init, app and ephemeral containers, the phase, the
 * kubelet-owned conditions, host and pod IPs and the start time. Conditions
 * owned by others (readiness gates, a controller's DisruptionTarget) are left
 * out: the status manager patches only what it has. As upstream, a reason and
 * message stay while the phase they were set with holds, and a
 * DisruptionTarget condition already on the pod is carried over.
 */
import type { ContainerStatus, Pod, PodCondition, PodIP, PodStatus } from 'kubernetes-types/core/v1.js';
import { formatTime } from '../../../api/values/time.js';
import type { PodRuntimeState } from '../pleg/runtime-state.js';
import { containerStatus, type ContainerStatusInputs } from './container-status.js';
import {
  containersReadyCondition,
  initializedCondition,
  readyCondition,
  withTransitionTime,
} from './pod-conditions.js';
import { isSidecar, podPhase, type PodPhase } from './pod-phase.js';

export interface StatusGenerationInputs extends ContainerStatusInputs {
  pod: Pod;
  state: PodRuntimeState;
  nodeIPs: string[];
  /** Wall-clock now (ms since the epoch). */
  now: number;
  /** The pod worker finished terminating it: containers will not run again. */
  podIsTerminal: boolean;
}

/** The phase decided once terminal stays terminal, as the status manager enforces upstream. */
export function isTerminalPhase(phase: string | undefined): phase is 'Succeeded' | 'Failed' {
  return phase === 'Succeeded' || phase === 'Failed';
}

export function generatePodStatus(i: StatusGenerationInputs): PodStatus {
  const { pod, state } = i;
  const spec = pod.spec!;
  const old = pod.status ?? {};
  const now = formatTime(i.now);
  const hasInit = (spec.initContainers ?? []).length > 0;
  const byName = (name: string) => state.containers.filter((c) => c.name === name);
  const oldOf = (list: ContainerStatus[] | undefined, name: string) => list?.find((s) => s.name === name);

  const initStatuses = (spec.initContainers ?? []).map((c) => {
    const s = containerStatus(c, byName(c.name), oldOf(old.initContainerStatuses, c.name), 'PodInitializing', i, true);
    if (!isSidecar(c)) {
      s.ready = !!s.state?.terminated && s.state.terminated.exitCode === 0;
      s.started = !!s.state?.running;
    }
    return s;
  });
  const appWaiting = hasInit ? 'PodInitializing' : 'ContainerCreating';
  const statuses = spec.containers.map((c) =>
    containerStatus(c, byName(c.name), oldOf(old.containerStatuses, c.name), appWaiting, i, true),
  );
  const ephemeral = (spec.ephemeralContainers ?? []).map((c) =>
    containerStatus(
      { ...c, name: c.name },
      byName(c.name),
      oldOf(old.ephemeralContainerStatuses, c.name),
      'ContainerCreating',
      i,
      true,
    ),
  );

  let phase: PodPhase = podPhase(spec, initStatuses, statuses, i.podIsTerminal);
  if (isTerminalPhase(old.phase)) phase = old.phase;

  const sandbox = state.sandboxes[0];
  const hostNetwork = spec.hostNetwork ?? false;
  const sandboxReady = sandbox?.state === 'SANDBOX_READY' && (hostNetwork || sandbox.ips.length > 0);
  const conditions: PodCondition[] = [
    { type: 'PodReadyToStartContainers', status: sandboxReady ? 'True' : 'False' },
    initializedCondition(spec, initStatuses, phase, statuses),
    readyCondition(spec, initStatuses, statuses, phase, old.conditions ?? []),
    containersReadyCondition(spec, initStatuses, statuses, phase),
    // The pod is on this node, so it was scheduled (the kubelet says so for pods bound directly).
    { type: 'PodScheduled', status: 'True' },
  ].map((c) => withTransitionTime(c, old.conditions, now));
  // Set once by the kubelet when it evicts the pod, and carried over, not recomputed.
  const disruption = old.conditions?.find((c) => c.type === 'DisruptionTarget');
  if (disruption) conditions.push(disruption);

  const status: PodStatus = {
    phase,
    conditions,
    hostIP: i.nodeIPs[0],
    hostIPs: i.nodeIPs.map((ip) => ({ ip })),
    startTime: old.startTime ?? now,
    containerStatuses: statuses,
  };
  // A reason and message (eviction, admission) belong to the phase they came with.
  if (phase === old.phase) {
    if (old.reason) status.reason = old.reason;
    if (old.message) status.message = old.message;
  }
  let ips: string[] = hostNetwork ? i.nodeIPs : (state.sandboxes.find((s) => s.ips.length > 0)?.ips ?? []);
  // A pod keeps the IPs it had once its sandbox is gone (completed pods still show them).
  if (ips.length === 0 && old.podIPs?.length) ips = old.podIPs.map((p: PodIP) => p.ip ?? '').filter(Boolean);
  if (ips.length > 0) {
    status.podIP = ips[0];
    status.podIPs = ips.map((ip) => ({ ip }));
  }
  if (initStatuses.length > 0) status.initContainerStatuses = initStatuses;
  if (ephemeral.length > 0) status.ephemeralContainerStatuses = ephemeral;
  if (old.qosClass) status.qosClass = old.qosClass;
  return status;
}
