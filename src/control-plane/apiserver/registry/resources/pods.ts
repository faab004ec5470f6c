import { Quantity } from '../../../../api/quantity/quantity.js';
import type { ResourceInfo } from '../../../../api/scheme/types.js';
import type { KubeObject } from '../../watch-cache/types.js';
import { defaultStrategy } from '../default-strategy.js';
import type { DeleteOptions, ResourceStrategy } from '../strategy.js';

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };
type Container = { resources?: Resources };

/** QoS class as upstream computes it (`pkg/apis/core/helper/qos`): cpu and memory only. */
export function qosClass(spec: { containers?: Container[]; initContainers?: Container[] } | undefined): string {
  const all = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  let anySet = false;
  let guaranteed = true;
  for (const c of all) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      const rq = req[r] !== undefined ? Quantity.tryParse(req[r]) : undefined;
      const lm = lim[r] !== undefined ? Quantity.tryParse(lim[r]) : undefined;
      if ((rq && !rq.isZero()) || (lm && !lm.isZero())) anySet = true;
      if (!lm || lm.isZero()) guaranteed = false;
      else if (rq && rq.cmp(lm) !== 0) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/**
 * Pods: status starts Pending with the QoS class; deletion is graceful once the
 * pod is bound to a node (the kubelet finishes it), immediate otherwise or when
 * the pod already finished; DELETE answers with the pod.
 */
export function podStrategy(info: ResourceInfo): ResourceStrategy {
  return defaultStrategy(info, {
    returnDeletedObject: true,
    afterPrepareCreate(_ctx, obj) {
      obj.status = { phase: 'Pending', qosClass: qosClass(obj.spec as never) };
    },
    gracePeriod(obj: KubeObject, opts: DeleteOptions) {
      const spec = obj.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
      const phase = (obj.status as { phase?: string } | undefined)?.phase;
      if (!spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return undefined;
      const grace = opts.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
      return grace === 0 ? undefined : grace;
    },
  });
}
