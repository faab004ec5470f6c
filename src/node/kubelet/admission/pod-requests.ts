/**
 * What a pod asks of its node, as the kubelet's admission counts it
 * (component-helpers `PodRequests`, the scheduler's `Resource`): cpu in
 * millicores, memory and ephemeral storage in bytes, every other resource
 * (hugepages, extended resources) as a scalar. The regular and sidecar
 * containers add up; an init container counts while it runs next to the
 * sidecars started before it, so the request is the larger of the two; the
 * pod overhead comes on top. Only requests count (the API server has already
 * copied limits into missing requests).
 */
import type { Container, Node, Pod } from 'kubernetes-types/core/v1.js';
import { Quantity } from '../../../api/quantity/quantity.js';

export interface ResourceAmounts {
  cpuMilli: number;
  memory: number;
  ephemeralStorage: number;
  /** Everything else by resource name (hugepages-2Mi, example.com/gpu). */
  scalar: Map<string, number>;
}

/** Allocatable amounts of a node, plus how many pods it takes. */
export interface NodeAllocatableAmounts extends ResourceAmounts {
  pods: number;
}

export const emptyAmounts = (): ResourceAmounts => ({ cpuMilli: 0, memory: 0, ephemeralStorage: 0, scalar: new Map() });

function quantity(v: string | number | undefined): Quantity | undefined {
  return v === undefined ? undefined : Quantity.tryParse(v);
}

/** Adds a ResourceList into `into` (cpu as millicores, the rest as values). */
export function addResourceList(into: ResourceAmounts, list: Record<string, string | number> | undefined): void {
  for (const [name, raw] of Object.entries(list ?? {})) {
    const q = quantity(raw);
    if (!q) continue;
    if (name === 'cpu') into.cpuMilli += Number(q.milliValue());
    else if (name === 'memory') into.memory += Number(q.value());
    else if (name === 'ephemeral-storage') into.ephemeralStorage += Number(q.value());
    else if (name !== 'pods') into.scalar.set(name, (into.scalar.get(name) ?? 0) + Number(q.value()));
  }
}

function add(into: ResourceAmounts, other: ResourceAmounts): ResourceAmounts {
  into.cpuMilli += other.cpuMilli;
  into.memory += other.memory;
  into.ephemeralStorage += other.ephemeralStorage;
  for (const [k, v] of other.scalar) into.scalar.set(k, (into.scalar.get(k) ?? 0) + v);
  return into;
}

function max(into: ResourceAmounts, other: ResourceAmounts): ResourceAmounts {
  into.cpuMilli = Math.max(into.cpuMilli, other.cpuMilli);
  into.memory = Math.max(into.memory, other.memory);
  into.ephemeralStorage = Math.max(into.ephemeralStorage, other.ephemeralStorage);
  for (const [k, v] of other.scalar) into.scalar.set(k, Math.max(into.scalar.get(k) ?? 0, v));
  return into;
}

function copy(a: ResourceAmounts): ResourceAmounts {
  return { ...a, scalar: new Map(a.scalar) };
}

function containerRequests(c: Container): ResourceAmounts {
  const r = emptyAmounts();
  addResourceList(r, c.resources?.requests as Record<string, string> | undefined);
  return r;
}

export function podRequests(pod: Pod): ResourceAmounts {
  const spec = pod.spec;
  const total = emptyAmounts();
  if (!spec) return total;
  for (const c of spec.containers ?? []) add(total, containerRequests(c));
  const sidecars = emptyAmounts();
  const initPeak = emptyAmounts();
  for (const c of spec.initContainers ?? []) {
    const r = containerRequests(c);
    if (c.restartPolicy === 'Always') {
      add(total, r);
      add(sidecars, r);
      max(initPeak, sidecars);
    } else {
      max(initPeak, add(copy(r), sidecars));
    }
  }
  max(total, initPeak);
  addResourceList(total, spec.overhead as Record<string, string> | undefined);
  return total;
}

/** The node's allocatable resources (status.allocatable). */
export function nodeAllocatable(node: Node): NodeAllocatableAmounts {
  const a = emptyAmounts();
  const list = (node.status?.allocatable ?? {}) as Record<string, string>;
  addResourceList(a, list);
  const pods = quantity(list.pods);
  return { ...a, pods: pods ? Number(pods.value()) : 0 };
}

/** Extended resources carry a domain outside `kubernetes.io/` (`example.com/gpu`). */
export function isExtendedResourceName(name: string): boolean {
  return name.includes('/') && !name.includes('kubernetes.io/') && !name.startsWith('requests.');
}
