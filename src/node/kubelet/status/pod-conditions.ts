/**
 * The pod conditions the kubelet writes (pkg/kubelet/status/generate.go):
 * PodReadyToStartContainers, Initialized, ContainersReady and Ready (which
 * also needs every readiness gate's condition True), plus PodScheduled True.
 * Any other condition belongs to others and is left alone.
 */
import type { ContainerStatus, PodCondition, PodSpec } from 'kubernetes-types/core/v1.js';
import { anyRegularContainerStarted, isSidecar, type PodPhase } from './pod-phase.js';

export const kubeletConditionTypes = [
  'PodReadyToStartContainers',
  'Initialized',
  'Ready',
  'ContainersReady',
  'PodScheduled',
] as const;

type Cond = Omit<PodCondition, 'lastTransitionTime' | 'lastProbeTime'>;

const list = (names: string[]) => `[${names.join(' ')}]`;

function terminalCondition(type: string, phase: PodPhase): Cond {
  return { type, status: 'False', reason: phase === 'Failed' ? 'PodFailed' : 'PodCompleted' };
}

export function initializedCondition(
  spec: PodSpec,
  initStatuses: ContainerStatus[],
  phase: PodPhase,
  statuses: ContainerStatus[],
): Cond {
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of spec.initContainers ?? []) {
    const s = initStatuses.find((x) => x.name === c.name);
    if (!s) {
      unknown.push(c.name);
      continue;
    }
    if (isSidecar(c)) {
      if (!s.started) incomplete.push(c.name);
    } else if (!s.state?.terminated || s.state.terminated.exitCode !== 0) {
      incomplete.push(c.name);
    }
  }
  if (phase === 'Succeeded' && unknown.length === 0)
    return { type: 'Initialized', status: 'True', reason: 'PodCompleted' };
  if (anyRegularContainerStarted(spec, statuses)) return { type: 'Initialized', status: 'True' };
  const msgs: string[] = [];
  if (unknown.length > 0) msgs.push(`containers with unknown status: ${list(unknown)}`);
  if (incomplete.length > 0) msgs.push(`containers with incomplete status: ${list(incomplete)}`);
  if (msgs.length > 0) {
    return { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: msgs.join(', ') };
  }
  return { type: 'Initialized', status: 'True' };
}

export function containersReadyCondition(
  spec: PodSpec,
  initStatuses: ContainerStatus[],
  statuses: ContainerStatus[],
  phase: PodPhase,
  type = 'ContainersReady',
): Cond {
  const unknown: string[] = [];
  const unready: string[] = [];
  const check = (name: string, from: ContainerStatus[]) => {
    const s = from.find((x) => x.name === name);
    if (!s) unknown.push(name);
    else if (!s.ready) unready.push(name);
  };
  for (const c of spec.initContainers ?? []) if (isSidecar(c)) check(c.name, initStatuses);
  for (const c of spec.containers) check(c.name, statuses);
  if ((phase === 'Succeeded' && unknown.length === 0) || phase === 'Failed') return terminalCondition(type, phase);
  const msgs: string[] = [];
  if (unknown.length > 0) msgs.push(`containers with unknown status: ${list(unknown)}`);
  if (unready.length > 0) msgs.push(`containers with unready status: ${list(unready)}`);
  if (msgs.length > 0) return { type, status: 'False', reason: 'ContainersNotReady', message: msgs.join(', ') };
  return { type, status: 'True' };
}

/** Ready: ContainersReady and every readiness gate's condition True. */
export function readyCondition(
  spec: PodSpec,
  initStatuses: ContainerStatus[],
  statuses: ContainerStatus[],
  phase: PodPhase,
  conditions: PodCondition[],
): Cond {
  const containers = containersReadyCondition(spec, initStatuses, statuses, phase, 'Ready');
  if (containers.status !== 'True') return containers;
  const msgs: string[] = [];
  for (const gate of spec.readinessGates ?? []) {
    const c = conditions.find((x) => x.type === gate.conditionType);
    if (!c) msgs.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
    else if (c.status !== 'True') {
      msgs.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`);
    }
  }
  if (msgs.length > 0)
    return { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: msgs.join(', ') };
  return containers;
}

/** Stamps lastTransitionTime: kept from `previous` while the status is unchanged. */
export function withTransitionTime(c: Cond, previous: PodCondition[] | undefined, now: string): PodCondition {
  const prev = previous?.find((p) => p.type === c.type);
  const out: PodCondition = { type: c.type, status: c.status };
  out.lastTransitionTime = prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
  if (c.reason) out.reason = c.reason;
  if (c.message) out.message = c.message;
  return out;
}
