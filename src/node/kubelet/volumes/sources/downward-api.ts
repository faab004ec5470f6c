/**
 * The downward API as volume files (upstream `downwardapi.CollectData`,
 * `fieldpath.ExtractFieldPathAsString`, `resource.ExtractContainerResourceValue`):
 * pod metadata by field path, and container requests/limits scaled by a
 * divisor, with unset limits defaulting to the node's allocatable.
 */
import type { Container, DownwardAPIVolumeFile, Pod, ResourceFieldSelector } from 'kubernetes-types/core/v1.js';
import { Quantity } from '../../../../api/quantity/quantity.js';
import type { Payload } from '../atomic-writer.js';

/** A string quoted as Go's `%q` does (strconv.Quote). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (ch !== ' ' && /\p{C}|\p{Z}/u.test(ch))
      out += cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** `key="value"` lines in key order, without a trailing newline (fieldpath.FormatMap). */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${goQuote(m![k])}`)
    .join('\n');
}

/** `metadata.labels['app']` -> ['metadata.labels', 'app']. */
function splitSubscript(path: string): [string, string] | undefined {
  if (!path.endsWith("']")) return undefined;
  const i = path.indexOf("['");
  if (i <= 0) return undefined;
  return [path.slice(0, i), path.slice(i + 2, -2)];
}

/** The value of a pod field path the downward API volume supports. */
export function extractFieldPath(pod: Pod, fieldPath: string): string {
  const meta = pod.metadata ?? {};
  const sub = splitSubscript(fieldPath);
  if (sub) {
    const [base, key] = sub;
    if (base === 'metadata.annotations') return meta.annotations?.[key] ?? '';
    if (base === 'metadata.labels') return meta.labels?.[key] ?? '';
    throw new Error(`fieldPath ${JSON.stringify(fieldPath)} does not support subscript`);
  }
  switch (fieldPath) {
    case 'metadata.annotations':
      return formatMap(meta.annotations);
    case 'metadata.labels':
      return formatMap(meta.labels);
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
  }
  throw new Error(`unsupported fieldPath: ${fieldPath}`);
}

function allContainers(pod: Pod): Container[] {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
}

const q = (v: string | undefined) => (v === undefined ? undefined : Quantity.parse(v));

/**
 * A container resource as text: CPU in units of the divisor (default 1 core)
 * and memory/ephemeral storage in units of the divisor (default 1 byte),
 * rounded up. Unset limits fall back to `nodeAllocatable`.
 */
export function extractResourceValue(
  ref: ResourceFieldSelector,
  pod: Pod,
  nodeAllocatable: Record<string, string> = {},
): string {
  const name = ref.containerName ?? '';
  const c = allContainers(pod).find((x) => x.name === name);
  if (!c) throw new Error(`container ${name} not found`);
  const divisorQ = ref.divisor === undefined ? undefined : Quantity.parse(String(ref.divisor));
  const divisor = divisorQ && !divisorQ.isZero() ? divisorQ : Quantity.parse('1');
  const [kind, resource] = ref.resource.split('.', 2) as [string, string | undefined];
  if ((kind !== 'limits' && kind !== 'requests') || !resource) {
    throw new Error(`unsupported container resource : ${ref.resource}`);
  }
  const own = kind === 'limits' ? c.resources?.limits : c.resources?.requests;
  let value = q(own?.[resource] as string | undefined);
  if (!value && kind === 'limits') value = q(nodeAllocatable[resource]);
  value ??= Quantity.parse('0');
  if (resource === 'cpu') return String(Math.ceil(Number(value.milliValue()) / Number(divisor.milliValue())));
  if (resource === 'memory' || resource === 'ephemeral-storage' || resource.startsWith('hugepages-')) {
    return String(Math.ceil(Number(value.value()) / Number(divisor.value())));
  }
  throw new Error(`unsupported container resource : ${ref.resource}`);
}

/** Upstream's aggregate error text: one message as is, several as `[a, b]`. */
export function aggregateMessage(messages: string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

/** The files of a downwardAPI volume (or projected source); all failures are reported together. */
export function downwardApiPayload(
  pod: Pod,
  items: DownwardAPIVolumeFile[],
  defaultMode: number,
  nodeAllocatable?: Record<string, string>,
): Payload {
  const out: Payload = {};
  const errors: string[] = [];
  for (const item of items) {
    const mode = item.mode ?? defaultMode;
    let data = '';
    try {
      if (item.fieldRef) data = extractFieldPath(pod, item.fieldRef.fieldPath);
      else if (item.resourceFieldRef) data = extractResourceValue(item.resourceFieldRef, pod, nodeAllocatable);
    } catch (err) {
      errors.push((err as Error).message);
    }
    out[item.path] = { data: Buffer.from(data), mode };
  }
  if (errors.length > 0) throw new Error(aggregateMessage(errors));
  return out;
}
