import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound } from '../../../../api/errors/status-error.js';
import { formatTime } from '../../../../api/values/time.js';
import type { ResourceClient } from '../../../../client/index.js';
import type { Clock } from '../../../../lib/clock.js';
import { swapTaints } from './taints.js';

/** Upstream `UpdateTaintBackoff` steps. */
const attempts = 5;

/**
 * Adds and removes taints on a node (upstream `SwapNodeControllerTaint` /
 * `PatchNodeTaints`): a merge patch of `spec.taints` guarded by the
 * resourceVersion it was computed from; on conflict the node is read again
 * and the change recomputed. Starts from `cached` when given (no read when
 * nothing changes). Returns false when the node is gone or conflicts persist.
 */
export async function swapNodeTaints(
  client: ResourceClient<Node>,
  name: string,
  add: Taint[],
  remove: Taint[],
  clock: Clock,
  cached?: Node,
): Promise<boolean> {
  let node = cached;
  for (let i = 0; i < attempts; i++) {
    try {
      node ??= await client.get(name);
      const next = swapTaints(node.spec?.taints, add, remove, formatTime(clock.now()));
      if (!next) return true;
      await client.patch(name, 'merge', {
        metadata: { resourceVersion: node.metadata?.resourceVersion },
        spec: { taints: next.length ? next : null },
      });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      if (!isConflict(err)) throw err;
      node = undefined;
    }
  }
  return false;
}
