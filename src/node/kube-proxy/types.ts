/**
 * The proxier's view of Services and EndpointSlices (upstream
 * `pkg/proxy/serviceport.go`, `endpoint.go`): one ServicePortInfo per
 * Service port of the proxier's IP family, and the endpoints of that port
 * merged across every EndpointSlice of the Service. Values are immutable once
 * built; a change produces a new value, so proxiers compare by reference or
 * by `fingerprint`.
 */
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export type ProxyMode = 'nftables' | 'iptables' | 'userspace';

export interface ServicePortInfo {
  /** `namespace/name:portName/PROTOCOL` — unique per proxied port (upstream ServicePortName + protocol). */
  readonly key: string;
  /** `namespace/name` of the Service. */
  readonly serviceKey: string;
  readonly namespace: string;
  readonly name: string;
  /** The port's name ("" for a single unnamed port). */
  readonly portName: string;
  readonly protocol: Protocol;
  readonly clusterIP: string;
  readonly port: number;
  /** 0 when the port has no NodePort. */
  readonly nodePort: number;
  readonly externalIPs: readonly string[];
  /** status.loadBalancer.ingress IPs of VIP mode (ipMode Proxy ones are left to the load balancer). */
  readonly loadBalancerVIPs: readonly string[];
  readonly loadBalancerSourceRanges: readonly string[];
  /** Seconds of ClientIP affinity; undefined = no session affinity. */
  readonly stickySeconds: number | undefined;
  /** externalTrafficPolicy Local on an externally reachable Service. */
  readonly externalPolicyLocal: boolean;
  /** internalTrafficPolicy Local. */
  readonly internalPolicyLocal: boolean;
  /** 0 unless externalPolicyLocal on a LoadBalancer Service. */
  readonly healthCheckNodePort: number;
  /** Everything above as a string: equal fingerprints mean identical rules. */
  readonly fingerprint: string;
}

export interface EndpointInfo {
  readonly ip: string;
  readonly port: number;
  /** `ip:port` (upstream `Endpoint.String()`). */
  readonly addr: string;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  /** The endpoint's pod runs on this node. */
  readonly isLocal: boolean;
  readonly nodeName: string | undefined;
  readonly zone: string | undefined;
}

/** True if the port can be reached from outside the cluster network (upstream `ExternallyAccessible`). */
export function externallyAccessible(sp: ServicePortInfo): boolean {
  return sp.nodePort > 0 || sp.loadBalancerVIPs.length > 0 || sp.externalIPs.length > 0;
}

/**
 * The port ever sends traffic to cluster-wide endpoints: internal traffic
 * with policy Cluster, or any external traffic (even with policy Local, pod
 * and host sources are short-circuited to the cluster endpoints).
 */
export function usesClusterEndpoints(sp: ServicePortInfo): boolean {
  return !sp.internalPolicyLocal || externallyAccessible(sp);
}

/** The port ever sends traffic to this node's endpoints only. */
export function usesLocalEndpoints(sp: ServicePortInfo): boolean {
  return sp.internalPolicyLocal || (sp.externalPolicyLocal && externallyAccessible(sp));
}

/** Network configuration shared by the proxiers, already defaulted. */
export interface ProxyNetworkConfig {
  nodeName: string;
  /** Pod CIDR of the cluster: traffic from outside it to a ClusterIP is masqueraded. */
  clusterCIDR: string | undefined;
  /** Service CIDR: unallocated addresses in it are dropped (nftables). */
  serviceCIDR: string | undefined;
  /** CIDRs whose local addresses accept NodePorts; empty = every local address except loopback. */
  nodePortAddresses: readonly string[];
  masqueradeAll: boolean;
  /** The node's own IPs (loadBalancerSourceRanges that contain one also admit the LB VIPs as sources). */
  nodeIPs: readonly string[];
}
