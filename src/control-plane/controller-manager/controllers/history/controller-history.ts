import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { safeEncodeString } from '../deployment/pod-template-hash.js';
import { newControllerRef } from '../replicaset/controller-ref.js';
import { goJSONMarshal } from './go-json.js';

/** Label on a ControllerRevision holding the hash of its data (upstream history.ControllerRevisionHashLabel). */
export const ControllerRevisionHashLabel = 'controller.kubernetes.io/hash';

/** `<prefix>-<hash>`, the prefix cut to 223 bytes so the name stays within 253 (upstream ControllerRevisionName). */
export function controllerRevisionName(prefix: string, hash: string): string {
  const bytes = Buffer.from(prefix, 'utf8');
  const p = bytes.length > 223 ? bytes.subarray(0, 223).toString('utf8') : prefix;
  return `${p}-${hash}`;
}

/** 32-bit FNV-1 (multiply, then xor) over `bytes`, continuing from `h` (Go `hash/fnv.New32`). */
export function fnv32(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (const b of bytes) {
    h = Math.imul(h, 0x01000193) >>> 0;
    h = (h ^ b) >>> 0;
  }
  return h >>> 0;
}

const rawCache = new WeakMap<object, string>();

/**
 * The revision's data as Go would hold it in `Data.Raw`: the decoded object
 * re-encoded with sorted keys. Upstream compares and hashes these bytes;
 * cached per (immutable, informer-owned) object.
 */
export function revisionRaw(rev: Pick<ControllerRevision, 'data'>): string {
  const data = rev.data as unknown;
  if (data === undefined || data === null) return '';
  if (typeof data !== 'object') return goJSONMarshal(data);
  const hit = rawCache.get(data);
  if (hit !== undefined) return hit;
  const raw = goJSONMarshal(data);
  rawCache.set(data, raw);
  return raw;
}

/**
 * Upstream HashControllerRevision: FNV-1 32 over the raw data, then the
 * decimal text of `probe` (the collision count) when given; printed in
 * decimal and safe-encoded.
 */
export function hashControllerRevision(raw: string, probe?: number): string {
  let h = fnv32(Buffer.from(raw, 'utf8'));
  if (probe !== undefined) h = fnv32(Buffer.from(String(Math.trunc(probe)), 'utf8'), h);
  return safeEncodeString(String(h));
}

/**
 * A ControllerRevision owned (as controller) by `parent`, labeled with the
 * template labels plus the hash label and named `<parent>-<hash>` (upstream
 * NewControllerRevision). The namespace is the parent's.
 */
export function newControllerRevision(
  parent: { metadata?: ObjectMeta },
  apiVersion: string,
  kind: string,
  templateLabels: Record<string, string> | undefined,
  data: object,
  revision: number,
  collisionCount: number | undefined,
): ControllerRevision {
  const hash = hashControllerRevision(goJSONMarshal(data), collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: controllerRevisionName(parent.metadata!.name!, hash),
      namespace: parent.metadata!.namespace,
      labels: { ...templateLabels, [ControllerRevisionHashLabel]: hash },
      ownerReferences: [newControllerRef(parent, apiVersion, kind)],
    },
    data: data as ControllerRevision['data'],
    revision,
  };
}

const createdMs = (r: ControllerRevision) => Date.parse(r.metadata?.creationTimestamp ?? '') || 0;

/** Upstream byRevision: by revision, then creation time, then name. */
export function compareRevisions(a: ControllerRevision, b: ControllerRevision): number {
  if (a.revision !== b.revision) return a.revision - b.revision;
  const ta = createdMs(a);
  const tb = createdMs(b);
  if (ta !== tb) return ta - tb;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** A sorted copy (stable, upstream SortControllerRevisions). */
export function sortControllerRevisions(revisions: readonly ControllerRevision[]): ControllerRevision[] {
  return [...revisions].sort(compareRevisions);
}

/** The hash label read as Go's ParseInt(s, 10, 32) would, or undefined when it does not parse. */
function labelHash(r: ControllerRevision): number | undefined {
  const s = r.metadata?.labels?.[ControllerRevisionHashLabel];
  if (s === undefined || !/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  return n >= -(2 ** 31) && n < 2 ** 31 ? n >>> 0 : undefined;
}

/**
 * Same data (upstream EqualRevision): both absent, or hash labels that do not
 * disagree and identical raw data.
 */
export function equalRevision(a: ControllerRevision | undefined, b: ControllerRevision | undefined): boolean {
  if (!a || !b) return a === b;
  const ha = labelHash(a);
  const hb = labelHash(b);
  if (ha !== undefined && hb !== undefined && ha !== hb) return false;
  return revisionRaw(a) === revisionRaw(b);
}

/** The revisions equal to `needle`, in their original order (upstream FindEqualRevisions). */
export function findEqualRevisions(
  revisions: readonly ControllerRevision[],
  needle: ControllerRevision,
): ControllerRevision[] {
  return revisions.filter((r) => equalRevision(r, needle));
}

/** One more than the last revision of a sorted list, 1 for none (upstream nextRevision). */
export function nextRevision(sorted: readonly ControllerRevision[]): number {
  return sorted.length === 0 ? 1 : sorted[sorted.length - 1]!.revision + 1;
}

/** The largest revision number, 0 for none. */
export function maxRevision(revisions: readonly ControllerRevision[]): number {
  let max = 0;
  for (const r of revisions) if (r.revision > max) max = r.revision;
  return max;
}
