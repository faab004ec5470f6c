import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { dumpForHash, UnmodeledTypeError } from './go-dump.js';
import { podTemplateSpecType } from './pod-template-go-types.js';

/** The label that ties a ReplicaSet and its pods to one template of a Deployment. */
export const podTemplateHashLabel = 'pod-template-hash';

/** `rand.SafeEncodeString`'s alphabet: no vowels, no confusable digits. */
const alphanums = 'bcdfghjklmnpqrstvwxz2456789';

/** Maps each character to the safe alphabet (upstream `rand.SafeEncodeString`). */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const ch of s) out += alphanums[ch.codePointAt(0)! % alphanums.length];
  return out;
}

/** 32-bit FNV-1a over `bytes`, continuing from `h` (Go `hash/fnv.New32a`). */
export function fnv32a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Key-sorted JSON, the stand-in dump for templates using volume kinds we do not lay out. */
function canonicalJSON(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJSON).join(',')}]`;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJSON((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * The text the hash is computed over: go-spew's dump of the Go value
 * (`dump.ForHash`), so names match a real cluster's for the same template.
 * Templates using an in-tree volume plugin we do not lay out get a stable
 * JSON rendering instead (still deterministic across restarts).
 */
export function templateDump(template: PodTemplateSpec): string {
  try {
    return dumpForHash(podTemplateSpecType, template);
  } catch (err) {
    if (err instanceof UnmodeledTypeError) return `kubets-json:${canonicalJSON(template)}`;
    throw err;
  }
}

/**
 * Upstream `controller.ComputeHash`: FNV-32a of the template dump, then the
 * collision count as 8 little-endian bytes (uint32 + 4 zero bytes), printed in
 * decimal and safe-encoded. Deployments name their ReplicaSets
 * `<name>-<hash>` and label them `pod-template-hash=<hash>`.
 */
export function computeHash(template: PodTemplateSpec, collisionCount?: number | null): string {
  let h = fnv32a(Buffer.from(templateDump(template), 'utf8'));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = Buffer.alloc(8);
    b.writeUInt32LE(collisionCount >>> 0, 0);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}

const ignoringHash = new WeakMap<object, string>();

/**
 * The template's dump without the pod-template-hash label: two templates are
 * the same rollout target when these are equal (upstream EqualIgnoreHash,
 * which compares with apimachinery's semantic equality — nil and empty
 * collections alike, quantities by value — exactly what the dump normalizes).
 * Cached per object: informer objects are immutable.
 */
export function templateKeyIgnoringHash(template: PodTemplateSpec | undefined): string {
  if (!template) return '';
  const cached = ignoringHash.get(template);
  if (cached !== undefined) return cached;
  const labels = template.metadata?.labels;
  let t = template;
  if (labels && podTemplateHashLabel in labels) {
    const { [podTemplateHashLabel]: _drop, ...rest } = labels;
    t = { ...template, metadata: { ...template.metadata, labels: rest } };
  }
  const key = templateDump(t);
  ignoringHash.set(template, key);
  return key;
}

/** Upstream EqualIgnoreHash. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return templateKeyIgnoringHash(a) === templateKeyIgnoringHash(b);
}
