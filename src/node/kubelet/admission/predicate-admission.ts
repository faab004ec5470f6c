/**
 * The kubelet's own admission of a pod bound to its node (upstream
 * `lifecycle/predicate.go`, v1.32), which matters for pods that bypass the
 * scheduler (`spec.nodeName` set at create) and for races with it:
 *
 *   1. a `kubernetes.io/os` pod label other than linux
 *      (PodOSSelectorNodeLabelDoesNotMatch), `spec.os.name` other than linux
 *      (PodOSNotSupported);
 *   2. GeneralPredicates against the pods already admitted: resources (pod
 *      count, cpu, memory, ephemeral storage, scalar resources the node
 *      advertises), required node affinity / nodeSelector, node name, host
 *      ports, and — except for static pods — untolerated NoExecute taints.
 *
 * Only the first failure is reported: `OutOf<resource>` with
 * `Node didn't have enough resource: cpu, requested: 2000, used: 0,
 * capacity: 1000` (cpu in millicores, the rest in units), or the predicate
 * name with `Predicate NodePorts failed: <reason>`. The caller prefixes
 * `Pod was rejected: ` when it writes the status, as `rejectPod` does.
 */
import type { ContainerPort, Node, Pod } from 'kubernetes-types/core/v1.js';
import { matchesRequiredNodeAffinity, untoleratedTaint } from './node-match.js';
import { emptyAmounts, isExtendedResourceName, nodeAllocatable, podRequests } from './pod-requests.js';

export type AdmitResult = { admit: true } | { admit: false; reason: string; message: string };

interface InsufficientResource {
  kind: 'resource';
  resourceName: string;
  requested: number;
  used: number;
  capacity: number;
}

interface PredicateFailure {
  kind: 'predicate';
  name: string;
  reason: string;
}

type Failure = InsufficientResource | PredicateFailure;

const outOfReason: Record<string, string> = {
  cpu: 'OutOfcpu',
  memory: 'OutOfmemory',
  'ephemeral-storage': 'OutOfephemeral-storage',
  pods: 'OutOfpods',
};

const isStaticPod = (pod: Pod) => {
  const source = pod.metadata?.annotations?.['kubernetes.io/config.source'];
  return source !== undefined && source !== 'api';
};

/** What does not fit (upstream `noderesources.Fits`, in its order). */
function resourceFailures(pod: Pod, node: Node, others: Pod[]): InsufficientResource[] {
  const alloc = nodeAllocatable(node);
  const used = emptyAmounts();
  for (const p of others) {
    const r = podRequests(p);
    used.cpuMilli += r.cpuMilli;
    used.memory += r.memory;
    used.ephemeralStorage += r.ephemeralStorage;
    for (const [k, v] of r.scalar) used.scalar.set(k, (used.scalar.get(k) ?? 0) + v);
  }
  const req = podRequests(pod);
  // Extended resources the node does not know are cluster-level ones: not the kubelet's to check.
  for (const name of [...req.scalar.keys()]) {
    if (isExtendedResourceName(name) && !alloc.scalar.has(name)) req.scalar.delete(name);
  }
  const out: InsufficientResource[] = [];
  const short = (resourceName: string, requested: number, usedAmount: number, capacity: number) =>
    out.push({ kind: 'resource', resourceName, requested, used: usedAmount, capacity });
  if (others.length + 1 > alloc.pods) short('pods', 1, others.length, alloc.pods);
  if (req.cpuMilli === 0 && req.memory === 0 && req.ephemeralStorage === 0 && req.scalar.size === 0) return out;
  if (req.cpuMilli > 0 && req.cpuMilli > alloc.cpuMilli - used.cpuMilli)
    short('cpu', req.cpuMilli, used.cpuMilli, alloc.cpuMilli);
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) short('memory', req.memory, used.memory, alloc.memory);
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage)
    short('ephemeral-storage', req.ephemeralStorage, used.ephemeralStorage, alloc.ephemeralStorage);
  for (const [name, q] of req.scalar) {
    if (q === 0) continue;
    const capacity = alloc.scalar.get(name) ?? 0;
    const u = used.scalar.get(name) ?? 0;
    if (q > capacity - u) short(name, q, u, capacity);
  }
  return out;
}

interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

function hostPorts(pod: Pod): HostPort[] {
  const spec = pod.spec;
  const ports: ContainerPort[] = [];
  for (const c of spec?.initContainers ?? []) if (c.restartPolicy === 'Always') ports.push(...(c.ports ?? []));
  for (const c of spec?.containers ?? []) ports.push(...(c.ports ?? []));
  return ports
    .filter((p) => (p.hostPort ?? 0) > 0)
    .map((p) => ({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol ?? 'TCP', port: p.hostPort! }));
}

/** Host ports conflict on the same protocol and port when either side binds 0.0.0.0 or both the same IP. */
function portsFit(pod: Pod, others: Pod[]): boolean {
  const want = hostPorts(pod);
  if (want.length === 0) return true;
  const used = others.flatMap(hostPorts);
  return !want.some((w) =>
    used.some(
      (u) =>
        u.port === w.port && u.protocol === w.protocol && (w.ip === '0.0.0.0' || u.ip === '0.0.0.0' || u.ip === w.ip),
    ),
  );
}

function generalFilter(pod: Pod, node: Node, others: Pod[]): Failure[] {
  const failures: Failure[] = resourceFailures(pod, node, others);
  if (!matchesRequiredNodeAffinity(pod, node)) {
    failures.push({
      kind: 'predicate',
      name: 'NodeAffinity',
      reason: "node(s) didn't match Pod's node affinity/selector",
    });
  }
  const nodeName = pod.spec?.nodeName;
  if (nodeName && nodeName !== node.metadata?.name) {
    failures.push({ kind: 'predicate', name: 'NodeName', reason: "node(s) didn't match the requested node name" });
  }
  if (!portsFit(pod, others)) {
    failures.push({
      kind: 'predicate',
      name: 'NodePorts',
      reason: "node(s) didn't have free ports for the requested pod ports",
    });
  }
  if (!isStaticPod(pod)) {
    // The kubelet only cares about NoExecute taints; NoSchedule is the scheduler's business.
    const taint = untoleratedTaint(node.spec?.taints, pod.spec?.tolerations, (t) => t.effect === 'NoExecute');
    if (taint) {
      failures.push({
        kind: 'predicate',
        name: 'TaintToleration',
        reason: "node(s) had taints that the pod didn't tolerate",
      });
    }
  }
  return failures;
}

/**
 * Admits `pod` onto `node` next to `others` (the pods already admitted and
 * still active). `refreshNode` is asked for the latest Node when node
 * affinity is the only failure (its labels may have just changed).
 */
export async function admitByPredicates(
  pod: Pod,
  node: Node,
  others: Pod[],
  refreshNode?: () => Promise<Node | undefined>,
): Promise<AdmitResult> {
  const osLabel = pod.metadata?.labels?.['kubernetes.io/os'];
  if (osLabel !== undefined && osLabel !== 'linux') {
    return {
      admit: false,
      reason: 'PodOSSelectorNodeLabelDoesNotMatch',
      message: "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label",
    };
  }
  if (pod.spec?.os?.name !== undefined && pod.spec.os.name !== 'linux') {
    return {
      admit: false,
      reason: 'PodOSNotSupported',
      message: "Failed to admit pod as the OS field doesn't match node OS",
    };
  }
  let failures = generalFilter(pod, node, others);
  if (
    failures.length > 0 &&
    failures.every((f) => f.kind === 'predicate' && f.name === 'NodeAffinity') &&
    refreshNode
  ) {
    const fresh = await refreshNode().catch(() => undefined);
    if (fresh) failures = generalFilter(pod, fresh, others);
  }
  const first = failures[0];
  if (!first) return { admit: true };
  if (first.kind === 'resource') {
    return {
      admit: false,
      reason: outOfReason[first.resourceName] ?? `OutOf${first.resourceName}`,
      message: `Node didn't have enough resource: ${first.resourceName}, requested: ${first.requested}, used: ${first.used}, capacity: ${first.capacity}`,
    };
  }
  return { admit: false, reason: first.name, message: `Predicate ${first.name} failed: ${first.reason}` };
}
