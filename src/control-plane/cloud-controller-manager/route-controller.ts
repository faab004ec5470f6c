import type { Node } from 'kubernetes-types/core/v1.js';
import type { KubeObject, SharedIndexInformer } from '../../client/index.js';
import type { Route, Routes } from './cloud-provider.js';
import type { CloudControllerContext, CloudControllerDescriptor } from './types.js';

type NodeObj = Node & KubeObject;
/** Upstream `--route-reconciliation-period`. */
export const routeReconciliationPeriodMs = 10_000;

/**
 * The route controller (upstream `cloud-provider/controllers/route`): keeps one
 * provider route per node pod CIDR, and deletes routes of the cluster whose
 * node or CIDR is gone. Off by default: the kubets node agent programs pod
 * routes between nodes itself (src/node/routes), and the local provider has
 * no Routes. It runs only when enabled and the provider implements Routes.
 */
export class RouteController {
  private readonly nodes: SharedIndexInformer<NodeObj>;

  constructor(
    private readonly ctx: CloudControllerContext,
    private readonly routes: Routes,
    private readonly periodMs = routeReconciliationPeriodMs,
  ) {
    this.nodes = ctx.informers.forResource<NodeObj>({ group: '', version: 'v1', resource: 'nodes' });
  }

  async start(): Promise<void> {
    const { signal, clock } = this.ctx;
    if (!(await this.nodes.waitForSync(signal))) return;
    while (!signal.aborted) {
      await this.reconcile().catch((err) => this.ctx.log.warn('route reconciliation failed', { err }));
      await clock.sleep(this.periodMs, signal).catch(() => undefined);
    }
  }

  /** One pass: create missing routes, delete stale ones. */
  async reconcile(): Promise<void> {
    const cluster = this.ctx.clusterName;
    const wanted = new Map<string, Route>();
    for (const n of this.nodes.lister().list()) {
      const name = n.metadata!.name!;
      const cidrs = n.spec?.podCIDRs?.length ? n.spec.podCIDRs : n.spec?.podCIDR ? [n.spec.podCIDR] : [];
      for (const cidr of cidrs) {
        wanted.set(`${name}|${cidr}`, { name: `${name}-${cidr}`, targetNode: name, destinationCIDR: cidr });
      }
    }
    const existing = await this.routes.listRoutes(cluster);
    const have = new Set(existing.map((r) => `${r.targetNode}|${r.destinationCIDR}`));
    for (const r of existing) {
      if (!wanted.has(`${r.targetNode}|${r.destinationCIDR}`)) await this.routes.deleteRoute(cluster, r);
    }
    for (const [k, r] of wanted) {
      if (!have.has(k)) await this.routes.createRoute(cluster, r.targetNode, r);
    }
  }
}

export const routeController: CloudControllerDescriptor = {
  name: 'route',
  enabledByDefault: false,
  supported: (p) => p.routes !== undefined,
  start: (ctx) => new RouteController(ctx, ctx.provider.routes!).start(),
};
