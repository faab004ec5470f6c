/**
 * Container resources as the kubelet turns them into cgroup settings
 * (pkg/kubelet/kuberuntime/kuberuntime_container_linux.go, cm/helpers_linux.go,
 * qos/policy.go): CPU request -> shares, CPU limit -> CFS quota, memory limit ->
 * memory limit, and the OOM score adjustment from the pod's QoS class.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { Quantity } from '../../../api/quantity/quantity.js';
import { cpuQuotaFromMilli, cpuSharesFromMilli, defaultCpuPeriod, type ResourcesSpec } from '../../runtime/index.js';

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** Millicores of a quantity (0 when absent or unparsable). */
export function milliOf(q: string | number | undefined): number {
  if (q === undefined) return 0;
  const parsed = Quantity.tryParse(q);
  return parsed ? Number(parsed.milliValue()) : 0;
}

/** Whole units of a quantity, rounded up (0 when absent or unparsable). */
export function valueOf(q: string | number | undefined): number {
  if (q === undefined) return 0;
  const parsed = Quantity.tryParse(q);
  return parsed ? Number(parsed.value()) : 0;
}

const computeResources = ['cpu', 'memory'];

/**
 * The pod's QoS class (v1qos.GetPodQOS): BestEffort without any cpu/memory
 * request or limit; Guaranteed when every container limits cpu and memory and
 * requests equal limits; Burstable otherwise. The API server stores it in
 * status.qosClass at creation; this is the fallback.
 */
export function podQOSClass(pod: Pod): QOSClass {
  if (pod.status?.qosClass) return pod.status.qosClass as QOSClass;
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let limitsComplete = true;
  for (const c of all) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of computeResources) {
      const rq = req[r];
      if (rq !== undefined && milliOf(rq) > 0) requests.set(r, (requests.get(r) ?? 0) + milliOf(rq));
      const l = lim[r];
      if (l !== undefined && milliOf(l) > 0) limits.set(r, (limits.get(r) ?? 0) + milliOf(l));
    }
    if (!computeResources.every((r) => lim[r] !== undefined && milliOf(lim[r]) > 0)) limitsComplete = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (limitsComplete && computeResources.every((r) => requests.get(r) === limits.get(r))) return 'Guaranteed';
  return 'Burstable';
}

const guaranteedOOMScoreAdj = -997;
const besteffortOOMScoreAdj = 1000;

/** qos/policy.go GetContainerOOMScoreAdjust. */
export function oomScoreAdj(pod: Pod, container: Container, memoryCapacityBytes: number): number {
  const qos = podQOSClass(pod);
  if (pod.spec?.priorityClassName === 'system-node-critical') return guaranteedOOMScoreAdj;
  if (qos === 'Guaranteed') return guaranteedOOMScoreAdj;
  if (qos === 'BestEffort') return besteffortOOMScoreAdj;
  const request = valueOf(container.resources?.requests?.memory);
  let adj = memoryCapacityBytes > 0 ? 1000 - Math.floor((1000 * request) / memoryCapacityBytes) : 1000;
  // A burstable container must stay above guaranteed ones and below best-effort ones.
  if (adj < 1000 + guaranteedOOMScoreAdj) adj = 1000 + guaranteedOOMScoreAdj;
  if (adj === besteffortOOMScoreAdj) adj = besteffortOOMScoreAdj - 1;
  return adj;
}

/** The CRI resources of one container. */
export function containerResources(pod: Pod, container: Container, memoryCapacityBytes: number): ResourcesSpec {
  const req = container.resources?.requests ?? {};
  const lim = container.resources?.limits ?? {};
  const cpuRequest = milliOf(req.cpu ?? lim.cpu);
  const out: ResourcesSpec = {
    cpuShares: cpuSharesFromMilli(cpuRequest),
    oomScoreAdj: oomScoreAdj(pod, container, memoryCapacityBytes),
  };
  const cpuLimit = milliOf(lim.cpu);
  if (cpuLimit > 0) {
    out.cpuQuota = cpuQuotaFromMilli(cpuLimit);
    out.cpuPeriod = defaultCpuPeriod;
  }
  const memLimit = valueOf(lim.memory);
  if (memLimit > 0) out.memoryLimitBytes = memLimit;
  return out;
}

export interface PodResourceConfig {
  cpuShares: number;
  /** 0: no CPU limit on the pod cgroup. */
  cpuQuota: number;
  /** 0: no memory limit on the pod cgroup. */
  memoryLimitBytes: number;
}

/**
 * The pod cgroup's limits (cm.ResourceConfigForPod): shares from the summed
 * requests; quota and memory limit only when every container has that limit,
 * taking the larger of the app containers' sum and any one init container.
 */
export function podResourceConfig(pod: Pod): PodResourceConfig {
  const apps = pod.spec?.containers ?? [];
  const inits = pod.spec?.initContainers ?? [];
  const sidecars = inits.filter((c) => c.restartPolicy === 'Always');
  const sum = (cs: Container[], f: (c: Container) => number) => cs.reduce((a, c) => a + f(c), 0);
  const reqCpu = (c: Container) => milliOf(c.resources?.requests?.cpu ?? c.resources?.limits?.cpu);
  const limCpu = (c: Container) => milliOf(c.resources?.limits?.cpu);
  const limMem = (c: Container) => valueOf(c.resources?.limits?.memory);
  const effective = (f: (c: Container) => number) =>
    Math.max(sum([...apps, ...sidecars], f), ...inits.filter((c) => c.restartPolicy !== 'Always').map(f), 0);
  const all = [...apps, ...inits];
  const qos = podQOSClass(pod);
  const cpuShares = qos === 'BestEffort' ? 2 : cpuSharesFromMilli(effective(reqCpu));
  const cpuLimited = all.length > 0 && all.every((c) => limCpu(c) > 0);
  const memLimited = all.length > 0 && all.every((c) => limMem(c) > 0);
  return {
    cpuShares,
    cpuQuota: cpuLimited ? cpuQuotaFromMilli(effective(limCpu)) : 0,
    memoryLimitBytes: memLimited ? effective(limMem) : 0,
  };
}
