import type { Node } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '../../api/errors/status-error.js';
import {
  objectOf,
  RateLimitingQueue,
  ResourceClient,
  runController,
  type EventRecorder,
  type KubeObject,
  type SharedIndexInformer,
} from '../../client/index.js';
import { type InstanceMetadata, type InstancesV2, nodeLabels, uninitializedTaint } from './cloud-provider.js';
import type { CloudControllerContext, CloudControllerDescriptor } from './types.js';

type NodeObj = Node & KubeObject;
const nodesGVR = { group: '', version: 'v1', resource: 'nodes' };

/**
 * Whether `node` still waits for the cloud: it carries the uninitialized taint
 * (kubelet `--cloud-provider=external`), or, since kubets kubelets register
 * without that taint, it has no providerID yet.
 */
export function needsInitialization(node: Node): boolean {
  if ((node.spec?.taints ?? []).some((t) => t.key === uninitializedTaint.key)) return true;
  return !node.spec?.providerID;
}

/**
 * The node as the cloud sees it: providerID (write-once), instance-type,
 * zone and region labels (GA and beta keys, as upstream) where the provider
 * gives them, and no uninitialized taint. Returns a copy; `node` is untouched.
 */
export function initializedNode(node: Node, meta: InstanceMetadata): Node {
  const out = structuredClone(node);
  out.spec ??= {};
  if (!out.spec.providerID) out.spec.providerID = meta.providerID;
  const labels: Record<string, string> = { ...(out.metadata?.labels ?? {}) };
  if (meta.instanceType) {
    labels[nodeLabels.instanceType] = meta.instanceType;
    labels[nodeLabels.instanceTypeBeta] = meta.instanceType;
  }
  if (meta.zone) {
    labels[nodeLabels.zone] = meta.zone;
    labels[nodeLabels.zoneBeta] = meta.zone;
  }
  if (meta.region) {
    labels[nodeLabels.region] = meta.region;
    labels[nodeLabels.regionBeta] = meta.region;
  }
  Object.assign(labels, meta.additionalLabels ?? {});
  out.metadata = { ...out.metadata, labels };
  const taints = (out.spec.taints ?? []).filter((t) => t.key !== uninitializedTaint.key);
  if (taints.length) out.spec.taints = taints;
  else delete out.spec.taints;
  return out;
}

/**
 * The cloud node controller (upstream `cloud-provider/controllers/node`):
 * initializes new nodes from the provider's instance metadata — providerID,
 * addresses (through the status subresource, only when the provider reports
 * some that differ), labels — and then removes the uninitialized taint, in
 * one update so the scheduler never sees a half-initialized node.
 *
 * Upstream also refreshes addresses of initialized nodes every 5 minutes;
 * not done here, since the only provider takes addresses from the Node itself.
 */
export class CloudNodeController {
  readonly queue: RateLimitingQueue<string>;
  private readonly nodes: SharedIndexInformer<NodeObj>;
  private readonly client: ResourceClient<NodeObj>;
  private readonly recorder: EventRecorder;

  constructor(
    private readonly ctx: CloudControllerContext,
    private readonly instances: InstancesV2,
  ) {
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'cloud_node' });
    this.nodes = ctx.informers.forResource<NodeObj>(nodesGVR);
    this.client = new ResourceClient<NodeObj>(ctx.rest, nodesGVR);
    this.recorder = ctx.recorder('cloud-node-controller');
    this.nodes.addEventHandler({
      onAdd: (n) => {
        if (needsInitialization(n)) this.queue.add(n.metadata!.name!);
      },
      onUpdate: (_o, n) => {
        if (needsInitialization(n)) this.queue.add(n.metadata!.name!);
      },
      onDelete: (n) => this.queue.forget(objectOf(n).metadata!.name!),
    });
  }

  async start(): Promise<void> {
    await runController({
      name: 'cloud-node',
      queue: this.queue,
      workers: 1,
      reconcile: (name) => this.reconcile(name),
      signal: this.ctx.signal,
      log: this.ctx.log,
      clock: this.ctx.clock,
    });
  }

  async reconcile(name: string): Promise<void> {
    const node = this.nodes.lister().get('', name);
    if (!node || !needsInitialization(node)) return;
    const meta = await this.instances.instanceMetadata(node);
    try {
      let base: NodeObj = node;
      const addresses = meta.nodeAddresses;
      if (addresses.length && JSON.stringify(addresses) !== JSON.stringify(node.status?.addresses ?? [])) {
        base = await this.client.patch(name, 'merge', { status: { addresses } }, { subresource: 'status' });
      }
      // The resourceVersion makes this a compare-and-swap: a conflict retries from a fresh cache.
      const updated = await this.client.update(initializedNode(base, meta) as NodeObj);
      this.ctx.log.info('initialized node with cloud provider', { node: name, providerID: meta.providerID });
      this.recorder.event(updated, 'Normal', 'Synced', 'Node synced successfully');
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }
}

export const cloudNodeController: CloudControllerDescriptor = {
  name: 'cloud-node',
  enabledByDefault: true,
  supported: (p) => p.instances !== undefined,
  start: (ctx) => new CloudNodeController(ctx, ctx.provider.instances!).start(),
};
