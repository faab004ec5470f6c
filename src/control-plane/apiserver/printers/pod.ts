import type { Container, ContainerStatus, Pod, PodTemplate } from 'kubernetes-types/core/v1.js';
import { humanDuration, parseRFC3339, ZERO_TIME_MS } from '../../../api/values/human-duration.js';
import { ageColumn, column, docColumn, nameColumn, printer } from './columns.js';
import { age, formatLabels, layoutContainerCells, nameOf } from './format.js';
import type { PrintedRow, TableRowCondition } from './types.js';

/**
 * Pods and PodTemplates (upstream `printPod`, `printPodTemplate`). The STATUS
 * cell condenses phase, init progress and container states exactly as kubectl
 * users know it; every branch below mirrors one in upstream, in the same order.
 */

const podColumns = [
  nameColumn,
  column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
  column('Status', 'string', 'The aggregate status of the containers in this pod.'),
  column(
    'Restarts',
    'string',
    'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
  ),
  ageColumn,
  docColumn('IP', 'string', 'PodStatus.podIP', { priority: 1 }),
  docColumn('Node', 'string', 'PodSpec.nodeName', { priority: 1 }),
  docColumn('Nominated Node', 'string', 'PodStatus.nominatedNodeName', { priority: 1 }),
  docColumn('Readiness Gates', 'string', 'PodSpec.readinessGates', { priority: 1 }),
];

const succeededConditions: TableRowCondition[] = [
  { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
];
const failedConditions: TableRowCondition[] = [
  { type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' },
];

/** A sidecar: an init container with `restartPolicy: Always`. */
function isRestartable(c: Container | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

/** FinishedAt of the last termination, or Go's zero time. */
function lastTerminated(status: ContainerStatus): number | undefined {
  const t = status.lastState?.terminated;
  if (!t) return undefined;
  return (t.finishedAt ? parseRFC3339(t.finishedAt) : undefined) ?? ZERO_TIME_MS;
}

function hasCondition(pod: Pod, type: string, status = 'True'): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === type && c.status === status);
}

/** The first condition of a type decides (upstream `isPodInitializedConditionTrue`). */
function firstConditionTrue(pod: Pod, type: string): boolean {
  const c = (pod.status?.conditions ?? []).find((c) => c.type === type);
  return c?.status === 'True';
}

/** Row of a Pod: Name, Ready, Status, Restarts, Age | IP, Node, Nominated Node, Readiness Gates. */
export function printPod(pod: Pod, now: number): PrintedRow {
  const spec = pod.spec;
  const status = pod.status ?? {};
  let restarts = 0;
  let restartableInitContainerRestarts = 0;
  let totalContainers = spec?.containers?.length ?? 0;
  let readyContainers = 0;
  let lastRestartDate = ZERO_TIME_MS;
  let lastRestartableInitContainerRestartDate = ZERO_TIME_MS;

  const phase = status.phase ?? '';
  let reason: string = status.reason || phase;
  // A pod held by scheduling gates says so instead of Pending.
  for (const c of status.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  let conditions: TableRowCondition[] | undefined;
  if (phase === 'Succeeded') conditions = succeededConditions;
  else if (phase === 'Failed') conditions = failedConditions;

  const initSpecs = new Map<string, Container>();
  for (const c of spec?.initContainers ?? []) {
    initSpecs.set(c.name, c);
    if (isRestartable(c)) totalContainers++;
  }
  const initCount = spec?.initContainers?.length ?? 0;

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i]!;
    restarts += c.restartCount ?? 0;
    const finished = lastTerminated(c);
    if (finished !== undefined && lastRestartDate < finished) lastRestartDate = finished;
    const restartable = isRestartable(initSpecs.get(c.name));
    if (restartable) {
      restartableInitContainerRestarts += c.restartCount ?? 0;
      if (finished !== undefined && lastRestartableInitContainerRestartDate < finished) {
        lastRestartableInitContainerRestartDate = finished;
      }
    }
    const terminated = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (restartable && c.started === true) {
      if (c.ready) readyContainers++;
      continue;
    }
    if (terminated) {
      // Initialization failed.
      if (!terminated.reason) {
        reason = terminated.signal ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${terminated.exitCode ?? 0}`;
      } else {
        reason = `Init:${terminated.reason}`;
      }
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${initCount}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || firstConditionTrue(pod, 'Initialized')) {
    // Once initialized, only sidecar restarts still count among the init containers'.
    restarts = restartableInitContainerRestarts;
    lastRestartDate = lastRestartableInitContainerRestartDate;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      restarts += c.restartCount ?? 0;
      const finished = lastTerminated(c);
      if (finished !== undefined && lastRestartDate < finished) lastRestartDate = finished;
      const terminated = c.state?.terminated;
      if (c.state?.waiting?.reason) {
        reason = c.state.waiting.reason;
      } else if (terminated?.reason) {
        reason = terminated.reason;
      } else if (terminated) {
        reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode ?? 0}`;
      } else if (c.ready && c.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A pod with a completed container but others still running is not Completed.
    if (reason === 'Completed' && hasRunning) {
      reason = hasCondition(pod, 'Ready') ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata?.deletionTimestamp != null && status.reason === 'NodeLost') {
    reason = 'Unknown';
  } else if (pod.metadata?.deletionTimestamp != null && phase !== 'Failed' && phase !== 'Succeeded') {
    reason = 'Terminating';
  }

  let restartsCell = String(restarts);
  if (restarts !== 0 && lastRestartDate !== ZERO_TIME_MS) {
    restartsCell = `${restarts} (${humanDuration(now - lastRestartDate)} ago)`;
  }

  // PodIP is authoritative over PodIPs, as in the v1 -> internal conversion upstream prints from.
  const podIP = status.podIP || status.podIPs?.[0]?.ip || '<none>';
  const gates = spec?.readinessGates ?? [];
  let readinessGates = '<none>';
  if (gates.length > 0) {
    let trueConditions = 0;
    for (const gate of gates) {
      const c = (status.conditions ?? []).find((c) => c.type === gate.conditionType);
      if (c?.status === 'True') trueConditions++;
    }
    readinessGates = `${trueConditions}/${gates.length}`;
  }

  const cells = [
    nameOf(pod),
    `${readyContainers}/${totalContainers}`,
    reason,
    restartsCell,
    age(pod, now),
    podIP,
    spec?.nodeName || '<none>',
    status.nominatedNodeName || '<none>',
    readinessGates,
  ];
  return conditions ? { cells, conditions } : { cells };
}

export const podPrinter = printer(podColumns, (pod: Pod, now) => printPod(pod, now));

const podTemplateColumns = [
  nameColumn,
  column('Containers', 'string', 'Names of each container in the template.'),
  column('Images', 'string', 'Images referenced by each container in the template.'),
  column('Pod Labels', 'string', 'The labels for the pod template.'),
];

export const podTemplatePrinter = printer(podTemplateColumns, (obj: PodTemplate) => {
  const [names, images] = layoutContainerCells(obj.template?.spec?.containers);
  return [nameOf(obj), names, images, formatLabels(obj.template?.metadata?.labels)];
});
