import type { Clock } from '../../../lib/clock.js';
import type { RequestContext } from '../types.js';
import { PriorityLevel, type PriorityLevelConfig } from './fair-queue.js';

/**
 * Request classification in the spirit of API Priority and Fairness
 * (upstream's default FlowSchemas, condensed): `system:masters` is exempt;
 * node agents, control-plane components and kube-system ServiceAccounts share
 * a generous `system` level; every other caller is in `workload`, with one
 * flow per user. Long-running requests (watches, log follows, exec) are not
 * held against the limits once started, as upstream.
 */
export class FlowControl {
  readonly levels: Record<'system' | 'workload', PriorityLevel>;

  constructor(clock: Clock, cfg: Partial<Record<'system' | 'workload', Partial<PriorityLevelConfig>>> = {}) {
    const mk = (name: 'system' | 'workload', d: PriorityLevelConfig) =>
      new PriorityLevel({ ...d, ...cfg[name], name }, clock);
    this.levels = {
      system: mk('system', {
        name: 'system',
        concurrency: 50,
        queueLengthPerFlow: 200,
        queueLengthTotal: 5000,
        queueTimeoutMs: 60_000,
      }),
      workload: mk('workload', {
        name: 'workload',
        concurrency: 8,
        queueLengthPerFlow: 50,
        queueLengthTotal: 1000,
        queueTimeoutMs: 60_000,
      }),
    };
  }

  /**
   * The level, flow and seats of a request. `estimateObjects` says how many
   * objects a LIST would return (seats = 1 per 100 objects, 1..10).
   */
  classify(
    ctx: RequestContext,
    estimateObjects?: () => number,
  ): { level: PriorityLevel; flow: string; seats: number } | undefined {
    const u = ctx.user;
    if (u.groups.includes('system:masters')) return undefined;
    const info = ctx.info;
    if (info.verb === 'watch' || ['log', 'exec', 'attach', 'portforward', 'proxy'].includes(info.subresource))
      return undefined;
    if (!info.isResourceRequest && /^\/(healthz|livez|readyz|version)/.test(info.path)) return undefined;
    const system =
      u.groups.includes('system:nodes') ||
      u.username.startsWith('system:kube-') ||
      u.username.startsWith('system:serviceaccount:kube-system:') ||
      u.username === 'system:apiserver';
    const seats =
      info.verb === 'list' && estimateObjects ? Math.min(10, Math.max(1, Math.ceil(estimateObjects() / 100))) : 1;
    return { level: system ? this.levels.system : this.levels.workload, flow: u.username, seats };
  }
}
