import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { Quantity } from '../../../api/quantity/quantity.js';

/** Resource names the scheduler accounts natively. */
export const ResourceCPU = 'cpu';
export const ResourceMemory = 'memory';
export const ResourceEphemeralStorage = 'ephemeral-storage';
export const ResourcePods = 'pods';

/** Requests assumed for a container that states none, for scoring only (upstream schedutil). */
export const DefaultMilliCPURequest = 100;
export const DefaultMemoryRequest = 200 * 1024 * 1024;

type ResourceList = Record<string, string | number | undefined> | undefined;

// Quantities are parsed once at ingestion; pods of one workload repeat the same strings,
// so a bounded memo keeps Quantity (bigint arithmetic) off the per-pod path.
const memoMilli = new Map<string, number>();
const memoValue = new Map<string, number>();
const MEMO_LIMIT = 4096;

function memoized(memo: Map<string, number>, q: string | number, milli: boolean): number {
  const key = typeof q === 'number' ? String(q) : q;
  let v = memo.get(key);
  if (v !== undefined) return v;
  const parsed = Quantity.tryParse(q);
  v = parsed ? Number(milli ? parsed.milliValue() : parsed.value()) : 0;
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, v);
  return v;
}

/** A quantity in thousandths, rounded up (upstream MilliValue); 0 when unparsable. */
export function milliValue(q: string | number | undefined): number {
  return q === undefined ? 0 : memoized(memoMilli, q, true);
}

/** A quantity in whole units, rounded up (upstream Value); 0 when unparsable. */
export function unitValue(q: string | number | undefined): number {
  return q === undefined ? 0 : memoized(memoValue, q, false);
}

const NativePrefix = 'kubernetes.io/';

/** Upstream IsNativeResource: no domain, or the kubernetes.io/ domain. */
export function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes(NativePrefix);
}

const qualifiedNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$/;

/** Upstream IsExtendedResourceName: a domain-prefixed, non-native resource name. */
export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith('requests.')) return false;
  const slash = name.indexOf('/');
  const prefix = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  return prefix.length > 0 && prefix.length <= 253 && rest.length <= 63 && qualifiedNamePart.test(rest);
}

/** Upstream IsScalarResourceName: extended, hugepages-*, prefixed native or attachable-volumes-*. */
export function isScalarResourceName(name: string): boolean {
  return (
    isExtendedResourceName(name) ||
    name.startsWith('hugepages-') ||
    name.includes(NativePrefix) ||
    name.startsWith('attachable-volumes-')
  );
}

/**
 * Integer resource amounts (upstream framework.Resource): milli-CPU, bytes,
 * pod slots, and named scalar resources. Mutable; copy with clone().
 */
export class Resource {
  milliCPU = 0;
  memory = 0;
  ephemeralStorage = 0;
  allowedPodNumber = 0;
  scalar: Map<string, number> | null = null;

  /** Sums a ResourceList (requests, allocatable, overhead) into this. */
  addList(list: ResourceList): this {
    if (!list) return this;
    for (const name in list) {
      const q = list[name];
      if (q === undefined) continue;
      switch (name) {
        case ResourceCPU:
          this.milliCPU += milliValue(q);
          break;
        case ResourceMemory:
          this.memory += unitValue(q);
          break;
        case ResourcePods:
          this.allowedPodNumber += unitValue(q);
          break;
        case ResourceEphemeralStorage:
          this.ephemeralStorage += unitValue(q);
          break;
        default:
          if (isScalarResourceName(name)) this.addScalar(name, unitValue(q));
      }
    }
    return this;
  }

  static fromList(list: ResourceList): Resource {
    return new Resource().addList(list);
  }

  add(o: Resource): this {
    this.milliCPU += o.milliCPU;
    this.memory += o.memory;
    this.ephemeralStorage += o.ephemeralStorage;
    this.allowedPodNumber += o.allowedPodNumber;
    if (o.scalar) for (const [k, v] of o.scalar) this.addScalar(k, v);
    return this;
  }

  sub(o: Resource): this {
    this.milliCPU -= o.milliCPU;
    this.memory -= o.memory;
    this.ephemeralStorage -= o.ephemeralStorage;
    this.allowedPodNumber -= o.allowedPodNumber;
    if (o.scalar) for (const [k, v] of o.scalar) this.addScalar(k, -v);
    return this;
  }

  /** Element-wise maximum (upstream SetMaxResource). */
  max(o: Resource): this {
    this.milliCPU = Math.max(this.milliCPU, o.milliCPU);
    this.memory = Math.max(this.memory, o.memory);
    this.ephemeralStorage = Math.max(this.ephemeralStorage, o.ephemeralStorage);
    if (o.scalar) for (const [k, v] of o.scalar) this.setScalar(k, Math.max(this.getScalar(k), v));
    return this;
  }

  getScalar(name: string): number {
    return this.scalar?.get(name) ?? 0;
  }
  setScalar(name: string, v: number): void {
    (this.scalar ??= new Map()).set(name, v);
  }
  addScalar(name: string, v: number): void {
    this.setScalar(name, this.getScalar(name) + v);
  }

  /** The amount of a named resource in the units the scheduler uses (milli-CPU, bytes, count). */
  get(name: string): number {
    switch (name) {
      case ResourceCPU:
        return this.milliCPU;
      case ResourceMemory:
        return this.memory;
      case ResourceEphemeralStorage:
        return this.ephemeralStorage;
      case ResourcePods:
        return this.allowedPodNumber;
      default:
        return this.getScalar(name);
    }
  }

  isZero(): boolean {
    if (this.milliCPU !== 0 || this.memory !== 0 || this.ephemeralStorage !== 0) return false;
    if (this.scalar) for (const v of this.scalar.values()) if (v !== 0) return false;
    return true;
  }

  clone(): Resource {
    const r = new Resource();
    r.milliCPU = this.milliCPU;
    r.memory = this.memory;
    r.ephemeralStorage = this.ephemeralStorage;
    r.allowedPodNumber = this.allowedPodNumber;
    if (this.scalar) r.scalar = new Map(this.scalar);
    return r;
  }

  copyFrom(o: Resource): void {
    this.milliCPU = o.milliCPU;
    this.memory = o.memory;
    this.ephemeralStorage = o.ephemeralStorage;
    this.allowedPodNumber = o.allowedPodNumber;
    this.scalar = o.scalar ? new Map(o.scalar) : null;
  }
}

function containerRequests(c: Container, nonZero: boolean): Resource {
  const reqs = c.resources?.requests;
  const r = Resource.fromList(reqs as ResourceList);
  if (nonZero) {
    // Upstream NonMissingContainerRequests: only a missing entry gets the default, an explicit 0 stays 0.
    if (reqs?.[ResourceCPU] === undefined) r.milliCPU = DefaultMilliCPURequest;
    if (reqs?.[ResourceMemory] === undefined) r.memory = DefaultMemoryRequest;
  }
  return r;
}

/**
 * The pod's effective request (component-helpers `PodRequests`): the sum of
 * regular and restartable-init (sidecar) containers, at least the peak of any
 * init container running next to the sidecars started before it, plus the
 * pod overhead. With `nonZero`, containers without a cpu/memory request count
 * the scoring defaults (100m, 200Mi).
 */
export function podRequests(pod: Pod, nonZero = false): Resource {
  const spec = pod.spec;
  const reqs = new Resource();
  if (!spec) return reqs;
  for (const c of spec.containers ?? []) reqs.add(containerRequests(c, nonZero));
  const sidecars = new Resource();
  const initPeak = new Resource();
  for (const c of spec.initContainers ?? []) {
    const r = containerRequests(c, nonZero);
    if (c.restartPolicy === 'Always') {
      reqs.add(r);
      sidecars.add(r);
      initPeak.max(sidecars);
    } else {
      initPeak.max(r.add(sidecars));
    }
  }
  reqs.max(initPeak);
  if (spec.overhead) reqs.addList(spec.overhead as ResourceList);
  return reqs;
}

/** What a pod adds to a node: its requests and the non-zero cpu/memory used for scoring. */
export interface PodResource {
  requests: Resource;
  nonZeroMilliCPU: number;
  nonZeroMemory: number;
}

export function computePodResource(pod: Pod): PodResource {
  const requests = podRequests(pod, false);
  const nz = podRequests(pod, true);
  return { requests, nonZeroMilliCPU: nz.milliCPU, nonZeroMemory: nz.memory };
}
