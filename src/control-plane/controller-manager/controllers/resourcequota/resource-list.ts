import { Quantity } from '../../../../api/quantity/quantity.js';

/**
 * The ResourceList arithmetic quota recalculation needs (upstream
 * `pkg/quota/v1/resources.go`). The ResourceQuota admission plugin has its
 * own copy in the apiserver; controllers may not import apiserver code, so
 * the few operations used here are kept separately, with the same semantics.
 * Lists are plain records; operations return new lists.
 */
export type ResourceList = Record<string, Quantity>;

/** A wire ResourceList (`{"cpu": "100m"}`); unparsable values are skipped. */
export function parseResourceList(wire: Record<string, unknown> | undefined | null): ResourceList {
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(wire ?? {})) {
    const q = typeof v === 'string' || typeof v === 'number' ? Quantity.tryParse(v) : undefined;
    if (q) out[k] = q;
  }
  return out;
}

/** Canonical wire form, keys sorted. */
export function formatResourceList(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(list).sort()) out[k] = list[k]!.toString();
  return out;
}

/** quota.Add: a + b for every key of either; a zero left operand takes the right one's format. */
export function addLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = out[k] ? out[k]!.add(v) : v;
  return out;
}

/** Element-wise maximum. */
export function maxLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [k, v] of Object.entries(b)) if (!out[k] || v.cmp(out[k]!) > 0) out[k] = v;
  return out;
}

/** quota.Mask: only the given names. */
export function maskList(list: ResourceList, names: Iterable<string>): ResourceList {
  const out: ResourceList = {};
  for (const n of names) if (list[n]) out[n] = list[n]!;
  return out;
}

/** quota.Equals: same names, equal amounts (formats may differ). */
export function equalLists(a: ResourceList, b: ResourceList): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => b[k] !== undefined && a[k]!.equals(b[k]!));
}
