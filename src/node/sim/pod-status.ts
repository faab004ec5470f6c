import { createHash } from 'node:crypto';
import type { Container, ContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';

/** Fully qualified image reference as the runtime reports it (`nginx` -> `docker.io/library/nginx:latest`). */
export function normalizeImage(image: string | undefined): string {
  let ref = image ?? '';
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  if (slash < 0) ref = `docker.io/library/${ref}`;
  else if (!first.includes('.') && !first.includes(':') && first !== 'localhost') ref = `docker.io/${ref}`;
  const lastPart = ref.slice(ref.lastIndexOf('/') + 1);
  if (!lastPart.includes(':') && !lastPart.includes('@')) ref += ':latest';
  return ref;
}

const hex = (s: string, len = 64) => createHash('sha256').update(s).digest('hex').slice(0, len);

export interface SimPodFacts {
  hostIP: string;
  podIP: string;
  /** When the sandbox "started" (status.startTime, container startedAt). */
  startedAt: string;
  now: string;
  /** Exit code the containers terminated with; undefined = they run. */
  exitCode?: number;
}

function condition(
  type: string,
  status: string,
  now: string,
  prev: PodCondition[] | undefined,
  reason?: string,
  message?: string,
): PodCondition {
  const p = prev?.find((c) => c.type === type);
  const c: PodCondition = { type, status, lastTransitionTime: p && p.status === status ? p.lastTransitionTime : now };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

function baseStatus(c: Container, pod: Pod): ContainerStatus {
  const image = normalizeImage(c.image);
  return {
    name: c.name,
    image,
    imageID: `${image.replace(/:[^:/]*$/, '')}@sha256:${hex(image)}`,
    containerID: `containerd://${hex(`${pod.metadata?.uid}/${c.name}`)}`,
    ready: false,
    restartCount: 0,
  };
}

/**
 * The status a kubelet reports once the pod's containers started (or
 * exited): phase, the five pod conditions in kubelet order, IPs, start time,
 * and per-container state. Exit codes follow the restart policy as the
 * kubelet does: Never -> Succeeded/Failed; OnFailure -> Succeeded on 0, else
 * restarting (CrashLoopBackOff); Always -> restarting whatever the code.
 */
export function simPodStatus(pod: Pod, f: SimPodFacts): PodStatus {
  const prev = pod.status?.conditions;
  const policy = pod.spec?.restartPolicy ?? 'Always';
  const code = f.exitCode;
  const terminal = code !== undefined && (policy === 'Never' || (policy === 'OnFailure' && code === 0));
  const crashLooping = code !== undefined && !terminal;
  const phase: PodStatus['phase'] = terminal ? (code === 0 ? 'Succeeded' : 'Failed') : 'Running';
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  const terminated = {
    exitCode: code ?? 0,
    reason: code === 0 ? 'Completed' : 'Error',
    startedAt: f.startedAt,
    finishedAt: f.now,
  };
  const containerStatuses = (pod.spec?.containers ?? []).map((c): ContainerStatus => {
    const s = baseStatus(c, pod);
    if (terminal)
      return {
        ...s,
        state: { terminated: { ...terminated, containerID: s.containerID } },
        lastState: {},
        started: false,
      };
    if (crashLooping) {
      return {
        ...s,
        restartCount: 1,
        started: false,
        state: {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: `back-off 10s restarting failed container=${c.name} pod=${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`,
          },
        },
        lastState: { terminated: { ...terminated, containerID: s.containerID } },
      };
    }
    return { ...s, ready: true, started: true, state: { running: { startedAt: f.startedAt } }, lastState: {} };
  });
  const initContainerStatuses = (pod.spec?.initContainers ?? []).map((c): ContainerStatus => {
    const s = baseStatus(c, pod);
    if (c.restartPolicy === 'Always' && !terminal) {
      return { ...s, ready: true, started: true, state: { running: { startedAt: f.startedAt } }, lastState: {} };
    }
    return {
      ...s,
      ready: true,
      started: false,
      state: {
        terminated: {
          exitCode: 0,
          reason: 'Completed',
          startedAt: f.startedAt,
          finishedAt: f.startedAt,
          containerID: s.containerID,
        },
      },
      lastState: {},
    };
  });
  const notReady = `containers with unready status: [${names.join(' ')}]`;
  const conditions = [
    condition('PodReadyToStartContainers', terminal ? 'False' : 'True', f.now, prev),
    condition('Initialized', 'True', f.now, prev),
    terminal
      ? condition('Ready', 'False', f.now, prev, 'PodCompleted')
      : crashLooping
        ? condition('Ready', 'False', f.now, prev, 'ContainersNotReady', notReady)
        : condition('Ready', 'True', f.now, prev),
    terminal
      ? condition('ContainersReady', 'False', f.now, prev, 'PodCompleted')
      : crashLooping
        ? condition('ContainersReady', 'False', f.now, prev, 'ContainersNotReady', notReady)
        : condition('ContainersReady', 'True', f.now, prev),
    prev?.find((c) => c.type === 'PodScheduled') ?? condition('PodScheduled', 'True', f.now, prev),
  ];
  const status: PodStatus = {
    phase,
    conditions,
    hostIP: f.hostIP,
    hostIPs: [{ ip: f.hostIP }],
    podIP: f.podIP,
    podIPs: [{ ip: f.podIP }],
    startTime: f.startedAt,
    containerStatuses,
  };
  if (initContainerStatuses.length > 0) status.initContainerStatuses = initContainerStatuses;
  if (pod.status?.qosClass) status.qosClass = pod.status.qosClass;
  return status;
}
