/**
 * Pod routes between nodes (flannel host-gw style): `startPodRoutes` keeps
 * `podCIDR via InternalIP` kernel routes for every other Node; `removeOwnedRoutes`
 * is what `kubets uninstall` calls. The pod masquerade: `startPodMasquerade`
 * keeps pod traffic leaving the cluster CIDR masqueraded (and pod-to-pod
 * traffic not); `removePodMasquerade` is its uninstall.
 */
export {
  startPodRoutes,
  syncRoutes,
  type PodRoutesOptions,
  type RunningPodRoutes,
  type SyncResult,
} from './pod-routes.js';
export { desiredPodRoutes, type PodRoute, type RouteSelf, type SkippedNode } from './desired-routes.js';
export {
  IpRouteTable,
  hostIp,
  ipInNetns,
  podRouteProtocol,
  removeOwnedRoutes,
  type IpExec,
  type KernelRoute,
  type RouteTable,
} from './route-table.js';
export {
  PodMasquerade,
  removePodMasquerade,
  startPodMasquerade,
  type EnsureResult,
  type MasqueradeMode,
  type MasqueradeRunner,
  type PodMasqueradeOptions,
  type RunningPodMasquerade,
} from './pod-masquerade.js';
export {
  masqIptChain,
  masqTable,
  masqueradeRules,
  renderIptablesMasquerade,
  renderNftMasquerade,
  type MasqueradeRules,
} from './masquerade-rules.js';
