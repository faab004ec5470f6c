import type { Node } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound } from '../../api/errors/status-error.js';
import { ResourceClient, type EventRecorder, type KubeObject, type SharedIndexInformer } from '../../client/index.js';
import { hasTaint, type InstancesV2, nodeReadyStatus, shutdownTaint } from './cloud-provider.js';
import type { CloudControllerContext, CloudControllerDescriptor } from './types.js';

type NodeObj = Node & KubeObject;
const nodesGVR = { group: '', version: 'v1', resource: 'nodes' };
/** Upstream `--node-monitor-period` of the cloud node lifecycle controller. */
export const cloudNodeMonitorPeriodMs = 5_000;

/**
 * The cloud node lifecycle controller (upstream
 * `cloud-provider/controllers/nodelifecycle`): every monitor period, each
 * node that is not Ready is checked with the provider — a node whose
 * instance no longer exists is deleted (its taints no longer matter), one
 * whose instance is shut down gets the `node.cloudprovider.kubernetes.io/shutdown`
 * taint; a Ready node loses that taint. Errors are logged and retried on the
 * next period, as upstream. With the local provider nothing is ever deleted
 * or tainted: a registered Node is its own instance.
 */
export class CloudNodeLifecycleController {
  private readonly nodes: SharedIndexInformer<NodeObj>;
  private readonly client: ResourceClient<NodeObj>;
  private readonly recorder: EventRecorder;

  constructor(
    private readonly ctx: CloudControllerContext,
    private readonly instances: InstancesV2,
    private readonly periodMs = cloudNodeMonitorPeriodMs,
  ) {
    this.nodes = ctx.informers.forResource<NodeObj>(nodesGVR);
    this.client = new ResourceClient<NodeObj>(ctx.rest, nodesGVR);
    this.recorder = ctx.recorder('cloud-node-lifecycle-controller');
  }

  async start(): Promise<void> {
    const { signal, clock } = this.ctx;
    if (!(await this.nodes.waitForSync(signal))) return;
    while (!signal.aborted) {
      await this.monitorNodes();
      await clock.sleep(this.periodMs, signal).catch(() => undefined);
    }
  }

  /** One pass over every node (upstream `MonitorNodes`). */
  async monitorNodes(): Promise<void> {
    for (const node of this.nodes.lister().list()) {
      if (this.ctx.signal.aborted) return;
      try {
        await this.monitor(node);
      } catch (err) {
        if (!isNotFound(err)) this.ctx.log.warn('node check failed', { node: node.metadata?.name, err });
      }
    }
  }

  private async monitor(node: NodeObj): Promise<void> {
    const name = node.metadata!.name!;
    if (nodeReadyStatus(node) === 'True') {
      if (hasTaint(node, shutdownTaint)) await this.setShutdownTaint(node, false);
      return;
    }
    if (!(await this.instances.instanceExists(node))) {
      this.ctx.log.info('deleting node: no longer present in the cloud provider', { node: name });
      this.recorder.event(
        { apiVersion: 'v1', kind: 'Node', name, uid: name },
        'Normal',
        'DeletingNode',
        `Deleting node ${name} because it does not exist in the cloud provider`,
      );
      await this.client.delete(name);
      return;
    }
    if ((await this.instances.instanceShutdown(node)) && !hasTaint(node, shutdownTaint)) {
      await this.setShutdownTaint(node, true);
    }
  }

  private async setShutdownTaint(node: NodeObj, on: boolean): Promise<void> {
    const others = (node.spec?.taints ?? []).filter(
      (t) => !(t.key === shutdownTaint.key && t.effect === shutdownTaint.effect),
    );
    const taints = on
      ? [...others, { ...shutdownTaint, timeAdded: new Date(this.ctx.clock.now()).toISOString() }]
      : others;
    const next = structuredClone(node);
    next.spec = { ...next.spec, taints };
    if (!taints.length) delete next.spec.taints;
    try {
      await this.client.update(next);
    } catch (err) {
      // A stale cache: the next period sees the newer node.
      if (!isConflict(err)) throw err;
    }
  }
}

export const cloudNodeLifecycleController: CloudControllerDescriptor = {
  name: 'cloud-node-lifecycle',
  enabledByDefault: true,
  supported: (p) => p.instances !== undefined,
  start: (ctx) => new CloudNodeLifecycleController(ctx, ctx.provider.instances!).start(),
};
