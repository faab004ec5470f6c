import { MaxNodeScore } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import {
  ResourceCPU,
  ResourceEphemeralStorage,
  ResourceMemory,
  isScalarResourceName,
} from '../../framework/resource.js';

export interface ResourceSpec {
  name: string;
  weight: number;
}

/** Scores requested vs allocatable per resource (parallel arrays, zeros = skip) into one node score. */
export type Scorer = (requested: number[], allocatable: number[]) => number;

/**
 * Upstream resourceAllocationScorer: the pod's request per resource plus
 * what the node already has requested (non-zero defaults for cpu/memory
 * unless `useRequested`), against allocatable. Extended resources the pod
 * does not ask for are left out.
 */
export class ResourceAllocationScorer {
  // Scratch arrays reused across calls: scoring is single-threaded and the scorer never keeps them.
  private readonly requested: number[];
  private readonly allocatable: number[];
  /** Per resource: 0 cpu, 1 memory, 2 ephemeral-storage, 3 scalar (no string compares per node). */
  private readonly kinds: Uint8Array;
  private readonly scalarFlags: boolean[];

  constructor(
    readonly resources: readonly ResourceSpec[],
    private readonly scorer: Scorer,
    private readonly useRequested: boolean,
  ) {
    this.requested = new Array<number>(resources.length).fill(0);
    this.allocatable = new Array<number>(resources.length).fill(0);
    this.kinds = Uint8Array.from(resources, (r) =>
      r.name === ResourceCPU ? 0 : r.name === ResourceMemory ? 1 : r.name === ResourceEphemeralStorage ? 2 : 3,
    );
    this.scalarFlags = resources.map((r) => isScalarResourceName(r.name));
  }

  /** The pod's request per configured resource (upstream calculatePodResourceRequestList). */
  podRequests(pi: PodInfo): number[] {
    const r = pi.resource;
    return this.resources.map((res) => {
      if (!this.useRequested) {
        if (res.name === ResourceCPU) return r.nonZeroMilliCPU;
        if (res.name === ResourceMemory) return r.nonZeroMemory;
      }
      return r.requests.get(res.name);
    });
  }

  score(nodeInfo: NodeInfo, podRequests: readonly number[]): number {
    const n = this.resources.length;
    const requested = this.requested;
    const allocatable = this.allocatable;
    const nodeRequested = this.useRequested ? nodeInfo.requested : nodeInfo.nonZeroRequested;
    const kinds = this.kinds;
    for (let i = 0; i < n; i++) {
      const podReq = podRequests[i]!;
      let alloc = 0;
      let req = 0;
      switch (kinds[i]) {
        case 0:
          alloc = nodeInfo.allocatable.milliCPU;
          req = nodeRequested.milliCPU + podReq;
          break;
        case 1:
          alloc = nodeInfo.allocatable.memory;
          req = nodeRequested.memory + podReq;
          break;
        case 2:
          alloc = nodeInfo.allocatable.ephemeralStorage;
          req = nodeInfo.requested.ephemeralStorage + podReq;
          break;
        default: {
          if (podReq === 0 && this.scalarFlags[i]) {
            allocatable[i] = 0;
            requested[i] = 0;
            continue;
          }
          const name = this.resources[i]!.name;
          alloc = nodeInfo.allocatable.getScalar(name);
          req = nodeInfo.requested.getScalar(name) + podReq;
        }
      }
      allocatable[i] = alloc;
      requested[i] = alloc === 0 ? 0 : req;
    }
    return this.scorer(requested, allocatable);
  }
}

const trunc = Math.trunc;

/** (capacity - requested) / capacity per resource, weighted average (upstream leastResourceScorer). */
export function leastAllocatedScorer(resources: readonly ResourceSpec[]): Scorer {
  const weights = resources.map((r) => r.weight);
  return (requested, allocatable) => {
    let nodeScore = 0;
    let weightSum = 0;
    for (let i = 0; i < requested.length; i++) {
      const cap = allocatable[i]!;
      if (cap === 0) continue;
      const w = weights[i]!;
      const req = requested[i]!;
      const s = req > cap ? 0 : trunc(((cap - req) * MaxNodeScore) / cap);
      nodeScore += s * w;
      weightSum += w;
    }
    return weightSum === 0 ? 0 : trunc(nodeScore / weightSum);
  };
}

/** requested / capacity per resource, weighted average (upstream mostResourceScorer). */
export function mostAllocatedScorer(resources: readonly ResourceSpec[]): Scorer {
  const weights = resources.map((r) => r.weight);
  return (requested, allocatable) => {
    let nodeScore = 0;
    let weightSum = 0;
    for (let i = 0; i < requested.length; i++) {
      const cap = allocatable[i]!;
      if (cap === 0) continue;
      const w = weights[i]!;
      const req = Math.min(requested[i]!, cap);
      nodeScore += trunc((req * MaxNodeScore) / cap) * w;
      weightSum += w;
    }
    return weightSum === 0 ? 0 : trunc(nodeScore / weightSum);
  };
}

export interface UtilizationShapePoint {
  utilization: number;
  score: number;
}

/** Upstream MaxCustomPriorityScore: shape scores are 0..10, scaled to 0..MaxNodeScore. */
export const MaxCustomPriorityScore = 10;
const MaxUtilization = 100;

/** A piecewise-linear function through the shape points (upstream BuildBrokenLinearFunction). */
export function brokenLinear(shape: readonly UtilizationShapePoint[]): (p: number) => number {
  return (p) => {
    for (let i = 0; i < shape.length; i++) {
      if (p <= shape[i]!.utilization) {
        if (i === 0) return shape[0]!.score;
        const a = shape[i - 1]!;
        const b = shape[i]!;
        return a.score + trunc(((b.score - a.score) * (p - a.utilization)) / (b.utilization - a.utilization));
      }
    }
    return shape[shape.length - 1]!.score;
  };
}

/** Utilization mapped through the shape, weighted average of non-zero resource scores, rounded. */
export function requestedToCapacityRatioScorer(
  resources: readonly ResourceSpec[],
  shape: readonly UtilizationShapePoint[],
): Scorer {
  const scaled = shape.map((p) => ({
    utilization: p.utilization,
    score: p.score * (MaxNodeScore / MaxCustomPriorityScore),
  }));
  const f = brokenLinear(scaled);
  const resourceScore = (req: number, cap: number) =>
    cap === 0 || req > cap ? f(MaxUtilization) : f(trunc((req * MaxUtilization) / cap));
  return (requested, allocatable) => {
    let nodeScore = 0;
    let weightSum = 0;
    for (let i = 0; i < requested.length; i++) {
      if (allocatable[i] === 0) continue;
      const w = resources[i]!.weight;
      const s = resourceScore(requested[i]!, allocatable[i]!);
      if (s > 0) {
        nodeScore += s * w;
        weightSum += w;
      }
    }
    return weightSum === 0 ? 0 : Math.round(nodeScore / weightSum);
  };
}

/** 1 - stddev of the requested fractions, scaled (upstream balancedResourceScorer). */
export const balancedResourceScorer: Scorer = (requested, allocatable) => {
  // Two resources (the default) need no scratch list: std = |f0 - f1| / 2.
  let n = 0;
  let f0 = 0;
  let f1 = 0;
  let total = 0;
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    const f = Math.min(1, requested[i]! / allocatable[i]!);
    if (n === 0) f0 = f;
    else if (n === 1) f1 = f;
    total += f;
    n++;
  }
  let std = 0;
  if (n === 2) {
    std = Math.abs((f0 - f1) / 2);
  } else if (n > 2) {
    const mean = total / n;
    let sum = 0;
    for (let i = 0; i < requested.length; i++) {
      if (allocatable[i] === 0) continue;
      const f = Math.min(1, requested[i]! / allocatable[i]!);
      sum += (f - mean) * (f - mean);
    }
    std = Math.sqrt(sum / n);
  }
  return trunc((1 - std) * MaxNodeScore);
};
