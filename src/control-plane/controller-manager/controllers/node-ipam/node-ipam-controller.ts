import type { Node } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '../../../../api/errors/status-error.js';
import {
  objectOf,
  RateLimitingQueue,
  ResourceClient,
  runController,
  type EventRecorder,
  type KubeObject,
  type SharedIndexInformer,
} from '../../../../client/index.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';
import { CidrSet, overlaps, parseCidr } from './cidr-set.js';

const nodesGVR = { group: '', version: 'v1', resource: 'nodes' };
/** Upstream default `--node-cidr-mask-size-ipv6`. */
const ipv6MaskSize = 64;

type NodeObj = Node & KubeObject;

const podCIDRsOf = (n: Node): string[] =>
  n.spec?.podCIDRs?.length ? n.spec.podCIDRs : n.spec?.podCIDR ? [n.spec.podCIDR] : [];

/**
 * Node IPAM with the range allocator (upstream `pkg/controller/nodeipam`,
 * `ipam.RangeAllocatorType`): each node gets one subnet per cluster CIDR
 * (a /24 of 10.42.0.0/16 by default; dual-stack lists give one per family)
 * in `spec.podCIDR`/`spec.podCIDRs`. Allocations are recovered from existing
 * nodes before anything new is handed out, released when a node is deleted,
 * and an exhausted range yields a `CIDRNotAvailable` event on the node.
 * The service range is never handed out when it overlaps the cluster CIDR.
 */
export class NodeIpamController {
  readonly queue: RateLimitingQueue<string>;
  readonly sets: CidrSet[];
  /** What this controller counts as allocated, per node. */
  private readonly allocated = new Map<string, string[]>();
  private readonly nodeInf: SharedIndexInformer<NodeObj>;
  private readonly recorder: EventRecorder;
  private readonly nodes: ResourceClient<Node>;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'node_ipam' });
    const cidrs = ctx.config.clusterCIDR
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    this.sets = cidrs.map((c) => {
      const fam = parseCidr(c).bits === 32 ? 'IPv4' : 'IPv6';
      return new CidrSet(c, fam === 'IPv4' ? ctx.config.nodeCIDRMaskSize : Math.max(ipv6MaskSize, parseCidr(c).prefix));
    });
    for (const svc of ctx.config.serviceCIDR
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const sc = parseCidr(svc);
      for (const set of this.sets) if (overlaps(set.cluster, sc)) set.occupy(svc);
    }
    this.nodeInf = ctx.informers.forResource<NodeObj>(nodesGVR);
    this.recorder = ctx.recorder('cidrAllocator');
    this.nodes = new ResourceClient<Node>(ctx.rest, nodesGVR);
    this.nodeInf.addEventHandler({
      onAdd: (n) => this.queue.add(n.metadata!.name!),
      onUpdate: (_o, n) => {
        if (podCIDRsOf(n).length === 0) this.queue.add(n.metadata!.name!);
      },
      onDelete: (o) => this.queue.add(objectOf(o).metadata!.name!),
    });
  }

  async start(): Promise<void> {
    const { signal } = this.ctx;
    signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    // Recover every existing allocation before handing out anything new.
    if (!(await this.nodeInf.waitForSync(signal))) return;
    for (const n of this.nodeInf.lister().list()) this.occupy(n);
    await runController({
      name: 'node-ipam',
      queue: this.queue,
      workers: this.ctx.config.workers,
      reconcile: (name) => this.reconcile(name),
      signal,
      log: this.ctx.log,
      clock: this.ctx.clock,
    });
  }

  private occupy(n: Node): boolean {
    const cidrs = podCIDRsOf(n);
    if (cidrs.length === 0) return false;
    const name = n.metadata!.name!;
    if (JSON.stringify(this.allocated.get(name)) === JSON.stringify(cidrs)) return true;
    this.release(name);
    for (const c of cidrs) {
      const set = this.sets.find((s) => s.family === (c.includes(':') ? 'IPv6' : 'IPv4'));
      try {
        set?.occupy(c);
      } catch (err) {
        this.ctx.log.warn('node pod CIDR outside the cluster CIDR', { node: name, cidr: c, err });
      }
    }
    this.allocated.set(name, cidrs);
    return true;
  }

  private release(name: string): void {
    for (const c of this.allocated.get(name) ?? []) {
      const set = this.sets.find((s) => s.family === (c.includes(':') ? 'IPv6' : 'IPv4'));
      try {
        set?.release(c);
      } catch {
        // outside the cluster range: never occupied
      }
    }
    this.allocated.delete(name);
  }

  async reconcile(name: string): Promise<void> {
    const node = this.nodeInf.lister().get('', name);
    if (!node) {
      this.release(name);
      return;
    }
    if (this.occupy(node)) return;
    if (this.allocated.has(name)) {
      // We allocated, but the cache has not seen it yet: ask the API rather than allocate twice.
      try {
        if (this.occupy(await this.nodes.get(name))) return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.release(name);
        return;
      }
      this.release(name);
    }
    const cidrs: string[] = [];
    try {
      for (const set of this.sets) cidrs.push(set.allocateNext());
    } catch (err) {
      cidrs.forEach((c, i) => this.sets[i]!.release(c));
      this.recorder.event(
        { apiVersion: 'v1', kind: 'Node', name, uid: name },
        'Normal',
        'CIDRNotAvailable',
        `Node ${name} status is now: CIDRNotAvailable`,
      );
      throw err;
    }
    this.allocated.set(name, cidrs);
    try {
      await this.nodes.patch(name, 'strategic', { spec: { podCIDR: cidrs[0], podCIDRs: cidrs } });
    } catch (err) {
      this.release(name);
      if (isNotFound(err)) return;
      throw err;
    }
  }
}

export const nodeIpamController: ControllerDescriptor = {
  name: 'node-ipam',
  serviceAccount: 'node-controller',
  enabledByDefault: true,
  start: (ctx) => new NodeIpamController(ctx).start(),
};
