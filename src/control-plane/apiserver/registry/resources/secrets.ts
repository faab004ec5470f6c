import type { ResourceInfo } from '../../../../api/scheme/types.js';
import type { KubeObject } from '../../watch-cache/types.js';
import { defaultStrategy } from '../default-strategy.js';
import type { ResourceStrategy } from '../strategy.js';

/**
 * `stringData` is write-only convenience: its entries are base64-encoded into
 * `data` (overriding keys present in both) and the field itself is never
 * stored, as upstream's v1 conversion does.
 */
export function mergeStringData(obj: KubeObject): void {
  const sd = obj.stringData as Record<string, unknown> | undefined;
  if (sd === undefined) return;
  if (sd !== null && typeof sd === 'object') {
    const data = { ...((obj.data as Record<string, string> | undefined) ?? {}) };
    for (const [k, v] of Object.entries(sd)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    obj.data = data;
  }
  delete obj.stringData;
}

export function secretStrategy(info: ResourceInfo): ResourceStrategy {
  return defaultStrategy(info, {
    afterPrepareCreate: (_ctx, obj) => mergeStringData(obj),
    afterPrepareUpdate: (_ctx, obj) => mergeStringData(obj),
  });
}
