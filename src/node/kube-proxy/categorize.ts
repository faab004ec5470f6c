import { type EndpointInfo, type ServicePortInfo, usesClusterEndpoints, usesLocalEndpoints } from './types.js';

export interface CategorizedEndpoints {
  /** Endpoints for traffic policy Cluster: ready ones, else serving+terminating ones. */
  cluster: EndpointInfo[];
  /** Endpoints for traffic policy Local: this node's ready ones, else its serving+terminating ones. */
  local: EndpointInfo[];
  /** Every endpoint some rule of this port can send traffic to (union of the two). */
  allReachable: EndpointInfo[];
  /** The port has usable endpoints somewhere in the cluster. */
  hasAny: boolean;
}

/**
 * Upstream `CategorizeEndpoints` (pkg/proxy/topology.go) without topology
 * hints: terminating endpoints are used only while no ready endpoint exists
 * for the same policy, so a rolling update never drops to "no endpoints"
 * while old pods are still serving.
 */
export function categorizeEndpoints(sp: ServicePortInfo, endpoints: readonly EndpointInfo[]): CategorizedEndpoints {
  let cluster: EndpointInfo[] = [];
  let local: EndpointInfo[] = [];
  let hasAny = false;
  let localFallback = false;

  if (usesClusterEndpoints(sp)) {
    cluster = endpoints.filter((e) => e.ready);
    if (cluster.length === 0) cluster = endpoints.filter((e) => e.serving && e.terminating);
    hasAny = cluster.length > 0;
  }
  if (!usesLocalEndpoints(sp)) return { cluster, local, allReachable: cluster, hasAny };

  let localReady = false;
  let localServingTerminating = false;
  for (const e of endpoints) {
    if (e.ready) {
      hasAny = true;
      if (e.isLocal) localReady = true;
    } else if (e.serving && e.terminating) {
      hasAny = true;
      if (e.isLocal) localServingTerminating = true;
    }
  }
  if (localReady) local = endpoints.filter((e) => e.isLocal && e.ready);
  else if (localServingTerminating) {
    localFallback = true;
    local = endpoints.filter((e) => e.isLocal && e.serving && e.terminating);
  }
  if (!usesClusterEndpoints(sp)) return { cluster, local, allReachable: local, hasAny };
  // With only ready endpoints on both sides, cluster is a superset of local.
  if (!localFallback) return { cluster, local, allReachable: cluster, hasAny };
  const merged = new Map<string, EndpointInfo>();
  for (const e of cluster) merged.set(e.addr, e);
  for (const e of local) merged.set(e.addr, e);
  const allReachable = [...merged.values()].sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
  return { cluster, local, allReachable, hasAny };
}
