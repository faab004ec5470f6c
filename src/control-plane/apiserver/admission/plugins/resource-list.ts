import type { Container, PodSpec } from 'kubernetes-types/core/v1.js';
import { Quantity } from '../../../../api/quantity/quantity.js';

/**
 * Resource lists (`v1.ResourceList`) as exact quantities, with the arithmetic
 * quota and limit checks need (upstream `pkg/quota/v1/resources.go` and
 * `component-helpers/resource`). Lists are plain records; operations return
 * new lists and never mutate their inputs.
 */
export type ResourceList = Record<string, Quantity>;

/** Parses a wire ResourceList (`{"cpu": "100m"}`); unparsable values are skipped. */
export function parseResourceList(wire: Record<string, unknown> | undefined | null): ResourceList {
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(wire ?? {})) {
    const q = typeof v === 'string' || typeof v === 'number' ? Quantity.tryParse(v) : undefined;
    if (q) out[k] = q;
  }
  return out;
}

/** The wire form: canonical quantity strings. */
export function formatResourceList(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(list).sort()) out[k] = list[k]!.toString();
  return out;
}

export function resourceNames(list: ResourceList): string[] {
  return Object.keys(list);
}

export function addLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = out[k] ? out[k]!.add(v) : v;
  return out;
}

/** a - b for every key of a or b (missing values count as zero). */
export function subtractLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = out[k] ? out[k]!.sub(v) : v.neg();
  return out;
}

/** a - b, where negative results become zero (quota.SubtractWithNonNegativeResult). */
export function subtractNonNegative(a: ResourceList, b: ResourceList): ResourceList {
  const zero = Quantity.fromValue(0);
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(a)) {
    const other = b[k];
    const d = other ? v.sub(other) : v;
    out[k] = d.sign() < 0 ? zero.withFormat(v.format) : d;
  }
  for (const k of Object.keys(b)) if (!(k in out)) out[k] = zero;
  return out;
}

/** Element-wise maximum into a new list. */
export function maxLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [k, v] of Object.entries(b)) if (!out[k] || v.cmp(out[k]!) > 0) out[k] = v;
  return out;
}

/** Only the given keys. */
export function maskList(list: ResourceList, names: Iterable<string>): ResourceList {
  const out: ResourceList = {};
  for (const n of names) if (list[n]) out[n] = list[n]!;
  return out;
}

/** Whether every value of a is <= the same key of b; returns the keys that exceed (quota.LessThanOrEqual). */
export function lessThanOrEqual(a: ResourceList, b: ResourceList): { allowed: boolean; exceeded: string[] } {
  const exceeded: string[] = [];
  for (const [k, v] of Object.entries(a)) {
    const limit = b[k];
    if (limit && v.cmp(limit) > 0) exceeded.push(k);
  }
  return { allowed: exceeded.length === 0, exceeded };
}

export function isZeroList(list: ResourceList): boolean {
  return Object.values(list).every((q) => q.isZero());
}

export function negativeNames(list: ResourceList): string[] {
  return Object.entries(list)
    .filter(([, q]) => q.sign() < 0)
    .map(([k]) => k);
}

/** Same keys and equal amounts (quota.Equals). */
export function equalLists(a: ResourceList, b: ResourceList): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => b[k] !== undefined && a[k]!.equals(b[k]!));
}

/** `k=v` pairs sorted by key, comma-joined (resourcequota prettyPrint). */
export function prettyPrint(list: ResourceList): string {
  return Object.keys(list)
    .sort()
    .map((k) => `${k}=${list[k]!.toString()}`)
    .join(',');
}

function containerList(c: Container, which: 'requests' | 'limits'): ResourceList {
  return parseResourceList(c.resources?.[which] as Record<string, unknown> | undefined);
}

const isSidecar = (c: Container) => c.restartPolicy === 'Always';

/**
 * The effective pod-level requests or limits (component-helpers
 * `PodRequests`/`PodLimits`): the sum over regular containers and restartable
 * (sidecar) init containers, raised to what any classic init container needs
 * while the sidecars started before it run, plus the pod overhead when asked
 * (for limits: only on resources that have one).
 */
export function podResources(
  spec: PodSpec | undefined,
  which: 'requests' | 'limits',
  opts: { includeOverhead?: boolean } = {},
): ResourceList {
  let total: ResourceList = {};
  for (const c of spec?.containers ?? []) total = addLists(total, containerList(c, which));
  let sidecars: ResourceList = {};
  let initMax: ResourceList = {};
  for (const c of spec?.initContainers ?? []) {
    const own = containerList(c, which);
    if (isSidecar(c)) {
      total = addLists(total, own);
      sidecars = addLists(sidecars, own);
      initMax = maxLists(initMax, sidecars);
    } else {
      initMax = maxLists(initMax, addLists(own, sidecars));
    }
  }
  total = maxLists(total, initMax);
  if (opts.includeOverhead && spec?.overhead) {
    let overhead = parseResourceList(spec.overhead as Record<string, unknown>);
    // Overhead raises limits only where a limit exists (an absent limit means unbounded).
    if (which === 'limits') overhead = maskList(overhead, Object.keys(total));
    total = addLists(total, overhead);
  }
  return total;
}
