import type { LoadBalancerIngress, LoadBalancerStatus, Node, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject, SharedInformerFactory } from '../../client/index.js';
import {
  type CloudProvider,
  type InstanceMetadata,
  type InstancesV2,
  type LoadBalancer,
  nodeReadyStatus,
} from './cloud-provider.js';

/** The `--cloud-provider` name, and the scheme of the provider IDs it assigns. */
export const localProviderName = 'kubets';
/** The instance type every node of the local provider reports. */
export const localInstanceType = 'kubets';

export interface LocalProviderOptions {
  /** `topology.kubernetes.io/zone` for every node; unset = no zone label. */
  zone?: string;
  /** `topology.kubernetes.io/region` for every node; unset = no region label. */
  region?: string;
  /** Serve `type: LoadBalancer` Services from the nodes (k3s ServiceLB); false = `--disable servicelb`. */
  loadBalancer?: boolean;
  /**
   * Names of the nodes that hold a ready endpoint of `service` (from its
   * EndpointSlices); consulted only for `externalTrafficPolicy: Local`.
   */
  readyEndpointNodes(service: Service): ReadonlySet<string>;
}

/**
 * The bare-metal provider (k3s's embedded CCM plus ServiceLB, without the
 * svclb DaemonSet): an instance is the Node itself, and a load balancer is the
 * set of eligible nodes. kube-proxy already answers on every node for the
 * `status.loadBalancer.ingress` IPs and NodePorts, so publishing the node IPs
 * is all it takes for traffic to flow.
 *
 * - Instances: providerID `kubets://<node-name>`, the addresses the kubelet
 *   reported, instance type `kubets`, zone/region only when configured. A
 *   registered Node always exists and is never shut down, so the node
 *   lifecycle controller never deletes or taints anything for this provider.
 * - Load balancers: ingress = per Ready candidate node its ExternalIPs, or its
 *   InternalIPs when it has none, restricted to the Service's IP families and,
 *   for `externalTrafficPolicy: Local`, to nodes with a ready local endpoint.
 *   `ipMode: VIP`. Nothing is provisioned, so deletion has nothing to undo.
 * - Routes: none (the node agent programs pod routes itself).
 */
export class LocalProvider implements CloudProvider {
  readonly name = localProviderName;
  readonly instances: InstancesV2;
  readonly loadBalancer?: LoadBalancer;

  constructor(private readonly opts: LocalProviderOptions) {
    this.instances = {
      instanceExists: async () => true,
      instanceShutdown: async () => false,
      instanceMetadata: async (node) => this.metadata(node),
    };
    if (opts.loadBalancer ?? true) {
      this.loadBalancer = {
        getLoadBalancer: async (_cluster, svc) => {
          const ingress = svc.status?.loadBalancer?.ingress ?? [];
          return { exists: ingress.length > 0, status: svc.status?.loadBalancer ?? {} };
        },
        ensureLoadBalancer: async (_cluster, svc, nodes) => this.status(svc, nodes),
        updateLoadBalancer: async (_cluster, svc, nodes) => this.status(svc, nodes),
        ensureLoadBalancerDeleted: async () => {},
      };
    }
  }

  metadata(node: Node): InstanceMetadata {
    return {
      providerID: `${localProviderName}://${node.metadata!.name!}`,
      instanceType: localInstanceType,
      nodeAddresses: [...(node.status?.addresses ?? [])],
      zone: this.opts.zone ?? '',
      region: this.opts.region ?? '',
    };
  }

  /** The ingress the Service gets from the candidate `nodes` (see the class comment). */
  status(svc: Service, nodes: Node[]): LoadBalancerStatus {
    const local = svc.spec?.externalTrafficPolicy === 'Local' ? this.opts.readyEndpointNodes(svc) : undefined;
    const families = svc.spec?.ipFamilies?.length ? new Set(svc.spec.ipFamilies) : undefined;
    const ips = new Set<string>();
    for (const n of nodes) {
      if (nodeReadyStatus(n) !== 'True') continue;
      if (local && !local.has(n.metadata!.name!)) continue;
      const addrs = n.status?.addresses ?? [];
      const external = addrs.filter((a) => a.type === 'ExternalIP');
      for (const a of external.length ? external : addrs.filter((a) => a.type === 'InternalIP')) {
        if (families && !families.has(a.address.includes(':') ? 'IPv6' : 'IPv4')) continue;
        ips.add(a.address);
      }
    }
    const ingress: LoadBalancerIngress[] = [...ips].sort(compareIPs).map((ip) => ({ ip, ipMode: 'VIP' }));
    return ingress.length ? { ingress } : {};
  }
}

/** IPv4 before IPv6, then numeric order within IPv4 (stable status, no churn between syncs). */
function compareIPs(a: string, b: string): number {
  const v6a = a.includes(':');
  const v6b = b.includes(':');
  if (v6a !== v6b) return v6a ? 1 : -1;
  if (v6a) return a < b ? -1 : a > b ? 1 : 0;
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}

/**
 * Nodes holding a ready endpoint in `slices` (the EndpointSlices of one
 * Service). An unset `ready` counts as ready, as the EndpointSlice API asks.
 */
export function readyEndpointNodesOf(slices: readonly EndpointSlice[]): Set<string> {
  const out = new Set<string>();
  for (const s of slices) {
    for (const e of s.endpoints ?? []) {
      if (e.nodeName && e.conditions?.ready !== false) out.add(e.nodeName);
    }
  }
  return out;
}

/**
 * A local provider whose endpoint lookups read the EndpointSlice informer of
 * `informers` (the one the service controller shares), one per leadership round.
 */
export function localProviderFor(
  informers: SharedInformerFactory,
  opts: Omit<LocalProviderOptions, 'readyEndpointNodes'> = {},
): LocalProvider {
  const slices = informers.forResource<EndpointSlice & KubeObject>({
    group: 'discovery.k8s.io',
    version: 'v1',
    resource: 'endpointslices',
  });
  return new LocalProvider({
    ...opts,
    readyEndpointNodes: (svc) =>
      readyEndpointNodesOf(
        slices
          .lister()
          .namespace(svc.metadata?.namespace ?? '')
          .list()
          .filter((s) => s.metadata?.labels?.['kubernetes.io/service-name'] === svc.metadata?.name),
      ),
  });
}
