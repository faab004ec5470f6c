import type { ClusterRole, PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { isNotFound } from '../../../../api/errors/status-error.js';
import { selectorFromLabelSelector } from '../../../../api/selectors/label-selector.js';
import {
  RateLimitingQueue,
  ResourceClient,
  runController,
  type KubeObject,
  type SharedIndexInformer,
} from '../../../../client/index.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';

const clusterRolesGVR = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' };
export const aggregationFieldManager = 'clusterrole-aggregation-controller';

type Role = ClusterRole & KubeObject;

/** A rule with absent and empty lists made the same (apimachinery's Semantic.DeepEqual treats nil == empty). */
function ruleKey(r: PolicyRule): string {
  const list = (v: string[] | undefined) => v ?? [];
  return JSON.stringify([
    list(r.verbs),
    list(r.apiGroups),
    list(r.resources),
    list(r.resourceNames),
    list(r.nonResourceURLs),
  ]);
}

/**
 * The rules an aggregated ClusterRole should carry: for each selector in
 * order, the rules of every other matching ClusterRole (by name), without
 * duplicates, in first-seen order (upstream `syncClusterRole`).
 */
export function aggregateRules(role: ClusterRole, all: ClusterRole[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const seen = new Set<string>();
  for (const sel of role.aggregationRule?.clusterRoleSelectors ?? []) {
    const m = selectorFromLabelSelector(sel);
    const matching = all
      .filter((r) => r.metadata?.name !== role.metadata?.name && m.matches(r.metadata?.labels))
      .sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
    for (const r of matching) {
      for (const rule of r.rules ?? []) {
        const k = ruleKey(rule);
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(rule);
      }
    }
  }
  return out;
}

/**
 * ClusterRole aggregation (upstream `pkg/controller/clusterroleaggregation`):
 * keeps `rules` of every ClusterRole with an `aggregationRule` equal to the
 * union of the rules of the ClusterRoles its selectors match, written by a
 * forced server-side apply as `clusterrole-aggregation-controller`. Any
 * ClusterRole change re-checks every aggregated role.
 */
export class ClusterRoleAggregationController {
  readonly queue: RateLimitingQueue<string>;
  private readonly inf: SharedIndexInformer<Role>;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'clusterrole_aggregation' });
    this.inf = ctx.informers.forResource<Role>(clusterRolesGVR);
    const enqueueAll = () => {
      for (const r of this.inf.lister().list()) if (r.aggregationRule) this.queue.add(r.metadata!.name!);
    };
    this.inf.addEventHandler({ onAdd: enqueueAll, onUpdate: enqueueAll, onDelete: enqueueAll });
  }

  async start(): Promise<void> {
    this.ctx.signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    await runController({
      name: 'clusterrole-aggregation',
      queue: this.queue,
      workers: 1,
      reconcile: (name) => this.reconcile(name),
      signal: this.ctx.signal,
      log: this.ctx.log,
      clock: this.ctx.clock,
    });
  }

  async reconcile(name: string): Promise<void> {
    const role = this.inf.lister().get('', name);
    if (!role?.aggregationRule) return;
    const rules = aggregateRules(role, this.inf.lister().list());
    const have = (role.rules ?? []).map(ruleKey);
    if (have.length === rules.length && rules.every((r, i) => ruleKey(r) === have[i])) return;
    try {
      await new ResourceClient<Role>(this.ctx.rest, clusterRolesGVR).apply(
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules } as Role,
        { fieldManager: aggregationFieldManager, force: true },
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

export const clusterRoleAggregationController: ControllerDescriptor = {
  name: 'clusterrole-aggregation',
  serviceAccount: 'clusterrole-aggregation-controller',
  enabledByDefault: true,
  start: (ctx) => new ClusterRoleAggregationController(ctx).start(),
};
