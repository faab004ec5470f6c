/**
 * API ContainerStatus values from runtime containers (kubelet_pods.go
 * convertToAPIContainerStatuses): the newest attempt gives state, restart count,
 * image and ID; the one before it gives lastState. A container held back by
 * the last sync (crash-loop back-off, image pull failure, bad config) shows
 * that reason as waiting, with the attempt that ended as lastState. A
 * container never created waits as ContainerCreating (PodInitializing for app
 * containers of a pod with init containers).
 */
import type { Container, ContainerState, ContainerStatus } from 'kubernetes-types/core/v1.js';
import { formatTime } from '../../../api/values/time.js';
import type { ContainerInfo } from '../../runtime/index.js';

/** Why the last sync did not (re)start a container: waiting reason and message. */
export interface WaitingReason {
  reason: string;
  message: string;
}

export interface ProbeView {
  /** Readiness of a running container; undefined when it has no readiness probe. */
  ready(container: string, containerId: string): boolean | undefined;
  /** Startup probe passed; undefined when it has no startup probe. */
  started(container: string, containerId: string): boolean | undefined;
}

export interface ContainerStatusInputs {
  /** `containerd`: containerIDs read `containerd://<id>`. */
  runtimeName: string;
  reasons: ReadonlyMap<string, WaitingReason>;
  probes: ProbeView;
  /** The termination message of an exited container ('' when none). */
  terminationMessage(c: ContainerInfo): string;
}

const time = (ms: number) => formatTime(ms > 0 ? ms : 0);

function terminatedState(c: ContainerInfo, runtimeName: string, message: string): ContainerState {
  const reason = c.reason || (c.exitCode === 0 ? 'Completed' : 'Error');
  const t: NonNullable<ContainerState['terminated']> = {
    exitCode: c.exitCode,
    reason,
    startedAt: c.startedAt > 0 ? time(c.startedAt) : undefined,
    finishedAt: c.finishedAt > 0 ? time(c.finishedAt) : undefined,
    containerID: `${runtimeName}://${c.id}`,
  };
  const msg = [c.message, message].filter(Boolean).join(': ');
  if (msg) t.message = msg;
  if (!t.startedAt) delete t.startedAt;
  if (!t.finishedAt) delete t.finishedAt;
  return { terminated: t };
}

function currentState(c: ContainerInfo, inputs: ContainerStatusInputs): ContainerState {
  switch (c.state) {
    case 'CONTAINER_RUNNING':
      return { running: { startedAt: time(c.startedAt) } };
    case 'CONTAINER_EXITED':
      return terminatedState(c, inputs.runtimeName, inputs.terminationMessage(c));
    case 'CONTAINER_CREATED':
      return { waiting: { reason: 'ContainerCreating' } };
    default:
      return {
        terminated: {
          exitCode: 137,
          reason: 'ContainerStatusUnknown',
          message: 'The container could not be located when the pod was terminated',
          containerID: `${inputs.runtimeName}://${c.id}`,
        },
      };
  }
}

/**
 * The status of one spec container. `attempts` are its runtime containers,
 * newest first; `old` is what the API last showed (kept when the runtime has
 * nothing, e.g. after garbage collection).
 */
export function containerStatus(
  spec: Container,
  attempts: ContainerInfo[],
  old: ContainerStatus | undefined,
  defaultWaiting: string,
  inputs: ContainerStatusInputs,
  volumeMountStatus: boolean,
): ContainerStatus {
  const reason = inputs.reasons.get(spec.name);
  const latest = attempts[0];
  const out: ContainerStatus = {
    name: spec.name,
    state: {},
    lastState: {},
    ready: false,
    restartCount: 0,
    image: spec.image ?? '',
    imageID: '',
    started: false,
  };
  if (!latest) {
    out.state = { waiting: reason ? { ...reason } : { reason: defaultWaiting } };
    if (old) {
      out.restartCount = old.restartCount;
      if (old.state?.running) {
        // It ran and vanished from the runtime.
        out.lastState = {
          terminated: {
            exitCode: 137,
            reason: 'ContainerStatusUnknown',
            message: 'The container could not be located when the pod was deleted.  The container used to be Running',
          },
        };
      } else if (old.lastState?.terminated) out.lastState = old.lastState;
      else if (old.state?.terminated) out.lastState = { terminated: old.state.terminated };
    }
  } else {
    out.containerID = `${inputs.runtimeName}://${latest.id}`;
    out.image = latest.image || spec.image || '';
    out.imageID = latest.imageRef;
    out.restartCount = latest.attempt;
    const running = latest.state === 'CONTAINER_RUNNING';
    const previous = attempts[1];
    if (reason && !running) {
      out.state = { waiting: { ...reason } };
      if (latest.state === 'CONTAINER_EXITED')
        out.lastState = terminatedState(latest, inputs.runtimeName, inputs.terminationMessage(latest));
    } else {
      out.state = currentState(latest, inputs);
      if (previous?.state === 'CONTAINER_EXITED') {
        out.lastState = terminatedState(previous, inputs.runtimeName, inputs.terminationMessage(previous));
      } else if (old?.lastState?.terminated && old.restartCount === latest.attempt) {
        out.lastState = old.lastState;
      }
    }
    if (running) {
      out.started = inputs.probes.started(spec.name, latest.id) ?? true;
      out.ready = out.started ? (inputs.probes.ready(spec.name, latest.id) ?? true) : false;
    }
  }
  if (!out.containerID) delete out.containerID;
  if (volumeMountStatus && spec.volumeMounts?.length) {
    out.volumeMounts = spec.volumeMounts.map((m) => ({
      name: m.name,
      mountPath: m.mountPath,
      ...(m.readOnly ? { readOnly: true, recursiveReadOnly: m.recursiveReadOnly ?? 'Disabled' } : {}),
    }));
  }
  return out;
}
