import type { Clock } from '../../../lib/clock.js';
import type { RequestContext } from '../types.js';
import { PriorityLevel, type PriorityLevelConfig } from './fair-queue.js';

/**
 * Upstream's default priority levels and their nominal concurrency shares
 * (v1.32 `flowcontrol/bootstrap`), grouped into the two levels kept here.
 */
const nominalShares: Record<'system' | 'workload', Record<string, number>> = {
  system: { system: 30, 'leader-election': 10, 'node-high': 40 },
  workload: { 'workload-high': 40, 'workload-low': 100, 'global-default': 20, 'catch-all': 5 },
};

/**
 * `--max-requests-inflight` and `--max-mutating-requests-inflight` with API
 * Priority and Fairness, as upstream: their sum is the server's concurrency
 * limit, divided among priority levels in proportion to their nominal shares
 * (each level ceil(limit * share / total shares)); our two levels get the sums
 * of the upstream levels they stand for. Defaults 400 and 200 give 197 and 405.
 */
export function inflightConcurrency(
  maxRequestsInflight = 400,
  maxMutatingRequestsInflight = 200,
): Record<'system' | 'workload', number> {
  for (const [flag, v] of [
    ['--max-requests-inflight', maxRequestsInflight],
    ['--max-mutating-requests-inflight', maxMutatingRequestsInflight],
  ] as const)
    if (!Number.isInteger(v) || v < 0) throw new Error(`${flag} must be a non-negative integer, got ${v}`);
  const limit = maxRequestsInflight + maxMutatingRequestsInflight;
  if (limit <= 0) throw new Error('--max-requests-inflight plus --max-mutating-requests-inflight must be positive');
  const all = Object.values(nominalShares).flatMap((g) => Object.values(g));
  const total = all.reduce((a, b) => a + b, 0);
  const level = (g: Record<string, number>) =>
    Object.values(g).reduce((sum, share) => sum + Math.ceil((limit * share) / total), 0);
  return { system: level(nominalShares.system), workload: level(nominalShares.workload) };
}

/** FlowControl's per-level config for the in-flight flags. */
export function inflightLevelConfig(
  maxRequestsInflight?: number,
  maxMutatingRequestsInflight?: number,
): Partial<Record<'system' | 'workload', Partial<PriorityLevelConfig>>> {
  const c = inflightConcurrency(maxRequestsInflight, maxMutatingRequestsInflight);
  return { system: { concurrency: c.system }, workload: { concurrency: c.workload } };
}

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
