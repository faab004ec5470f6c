import type { ResourceInfo } from '../../../../api/scheme/types.js';
import { defaultStrategy } from '../default-strategy.js';
import type { ResourceStrategy } from '../strategy.js';

/** Events expire an hour after their last write (kube-apiserver's default `--event-ttl`). */
export const eventTTLSeconds = 3600;

export function eventStrategy(info: ResourceInfo): ResourceStrategy {
  return defaultStrategy(info, { ttlSeconds: eventTTLSeconds, allowCreateOnUpdate: false });
}
