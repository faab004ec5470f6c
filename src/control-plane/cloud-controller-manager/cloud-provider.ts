import type { LoadBalancerStatus, Node, NodeAddress, Service, Taint } from 'kubernetes-types/core/v1.js';

/**
 * The cloud provider contract the cloud-controller-manager drives (upstream
 * `k8s.io/cloud-provider` `Interface`, reduced to the parts kubets uses:
 * InstancesV2, LoadBalancer and, optionally, Routes). Methods may throw; the
 * calling controller retries with backoff. `clusterName` is upstream's
 * `--cluster-name` (default `kubernetes`).
 */
export interface CloudProvider {
  /** Provider name (`--cloud-provider`), e.g. `local`. */
  readonly name: string;
  /** Node lifecycle and initialization; absent = the node controllers do not run. */
  readonly instances?: InstancesV2;
  /** Service `type: LoadBalancer`; absent = the service controller does not run. */
  readonly loadBalancer?: LoadBalancer;
  /** Pod CIDR routes between nodes; absent = the route controller does not run. */
  readonly routes?: Routes;
}

/** Upstream `cloudprovider.InstanceMetadata`. */
export interface InstanceMetadata {
  /** `<provider>://<id>`, written once to `spec.providerID`. */
  providerID: string;
  /** `node.kubernetes.io/instance-type`; empty = label not set. */
  instanceType: string;
  /** Replaces `status.addresses` when non-empty. */
  nodeAddresses: NodeAddress[];
  /** `topology.kubernetes.io/zone`; empty = label not set. */
  zone: string;
  /** `topology.kubernetes.io/region`; empty = label not set. */
  region: string;
  /** Extra labels the provider wants on the node. */
  additionalLabels?: Record<string, string>;
}

/** Upstream `cloudprovider.InstancesV2`: everything is keyed by the Node object. */
export interface InstancesV2 {
  /** False = the instance is gone for good; the node lifecycle controller deletes the Node. */
  instanceExists(node: Node): Promise<boolean>;
  /** True = the instance exists but is stopped; the Node gets the shutdown taint. */
  instanceShutdown(node: Node): Promise<boolean>;
  instanceMetadata(node: Node): Promise<InstanceMetadata>;
}

/** Upstream `cloudprovider.LoadBalancer`. `nodes` are the candidates the service controller selected. */
export interface LoadBalancer {
  /** The balancer's current status, and whether it exists at all. */
  getLoadBalancer(clusterName: string, service: Service): Promise<{ status?: LoadBalancerStatus; exists: boolean }>;
  /** Creates or updates the balancer; returns the status to publish on the Service. Idempotent. */
  ensureLoadBalancer(clusterName: string, service: Service, nodes: Node[]): Promise<LoadBalancerStatus>;
  /**
   * Points an existing balancer at a new node set (the service controller's
   * node sync). kubets extension: a provider whose published status depends on
   * the node set (the local one) returns the new status; void = unchanged.
   */
  updateLoadBalancer(clusterName: string, service: Service, nodes: Node[]): Promise<LoadBalancerStatus | void>;
  /** Deletes the balancer; succeeds when it does not exist. */
  ensureLoadBalancerDeleted(clusterName: string, service: Service): Promise<void>;
}

/** Upstream `cloudprovider.Route`. */
export interface Route {
  name: string;
  targetNode: string;
  destinationCIDR: string;
}

/** Upstream `cloudprovider.Routes`. */
export interface Routes {
  listRoutes(clusterName: string): Promise<Route[]>;
  createRoute(clusterName: string, nameHint: string, route: Route): Promise<void>;
  deleteRoute(clusterName: string, route: Route): Promise<void>;
}

/** Set by kubelets started with `--cloud-provider=external`; removed once the node is initialized. */
export const uninitializedTaint: Taint = {
  key: 'node.cloudprovider.kubernetes.io/uninitialized',
  effect: 'NoSchedule',
};
/** Added while the provider reports the instance shut down (upstream `ShutdownTaint`). */
export const shutdownTaint: Taint = { key: 'node.cloudprovider.kubernetes.io/shutdown', effect: 'NoSchedule' };
/** Services holding this finalizer have (or may have) a provisioned balancer. */
export const loadBalancerCleanupFinalizer = 'service.kubernetes.io/load-balancer-cleanup';
/** Nodes with this label (any value) never serve load balancers. */
export const excludeFromLoadBalancersLabel = 'node.kubernetes.io/exclude-from-external-load-balancers';
/** Nodes being removed by the cluster autoscaler are not load balancer candidates. */
export const toBeDeletedTaintKey = 'ToBeDeletedByClusterAutoscaler';

export const nodeLabels = {
  instanceType: 'node.kubernetes.io/instance-type',
  instanceTypeBeta: 'beta.kubernetes.io/instance-type',
  zone: 'topology.kubernetes.io/zone',
  zoneBeta: 'failure-domain.beta.kubernetes.io/zone',
  region: 'topology.kubernetes.io/region',
  regionBeta: 'failure-domain.beta.kubernetes.io/region',
} as const;

/** The `Ready` condition status of a node (`Unknown` when absent). */
export function nodeReadyStatus(node: Node): string {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'Unknown';
}

export function hasTaint(node: Node, taint: Taint): boolean {
  return (node.spec?.taints ?? []).some((t) => t.key === taint.key && t.effect === taint.effect);
}
