/**
 * The files of configMap and secret volumes (and of those sources in a
 * projected volume), upstream `configmap.MakePayload` / `secret.MakePayload`:
 * every key as a file named after it, or only the listed items at their
 * paths; `mode` per item, else the volume's defaultMode. A listed key that is
 * missing fails the volume unless it is optional.
 */
import type { ConfigMap, KeyToPath, Secret } from 'kubernetes-types/core/v1.js';
import type { Payload } from '../atomic-writer.js';

/** The API default for configMap, secret, downwardAPI and projected volumes (0644). */
export const defaultVolumeMode = 0o644;

function payloadFrom(
  data: Map<string, Buffer>,
  items: KeyToPath[] | undefined,
  defaultMode: number,
  optional: boolean,
  missingKey: (key: string) => string,
): Payload {
  const out: Payload = {};
  if (!items || items.length === 0) {
    for (const [k, v] of data) out[k] = { data: v, mode: defaultMode };
    return out;
  }
  for (const item of items) {
    const v = data.get(item.key);
    if (v === undefined) {
      if (optional) continue;
      throw new Error(missingKey(item.key));
    }
    out[item.path] = { data: v, mode: item.mode ?? defaultMode };
  }
  return out;
}

/** `cm` undefined: the ConfigMap does not exist (only reached for optional sources). */
export function configMapPayload(
  cm: ConfigMap | undefined,
  source: { items?: KeyToPath[]; defaultMode?: number; optional?: boolean },
  defaultMode = source.defaultMode ?? defaultVolumeMode,
): Payload {
  const data = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm?.data ?? {})) data.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries(cm?.binaryData ?? {})) data.set(k, Buffer.from(v, 'base64'));
  return payloadFrom(
    data,
    source.items,
    defaultMode,
    source.optional ?? false,
    (key) => `configmap references non-existent config key: ${key}`,
  );
}

/** Secret values arrive base64-encoded in JSON. */
export function secretPayload(
  secret: Secret | undefined,
  source: { items?: KeyToPath[]; defaultMode?: number; optional?: boolean },
  defaultMode = source.defaultMode ?? defaultVolumeMode,
): Payload {
  const data = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(secret?.data ?? {})) data.set(k, Buffer.from(v, 'base64'));
  return payloadFrom(
    data,
    source.items,
    defaultMode,
    source.optional ?? false,
    (key) => `references non-existent secret key: ${key}`,
  );
}
