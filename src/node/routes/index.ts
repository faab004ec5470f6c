/**
 * Pod routes between nodes (flannel host-gw style): `startPodRoutes` keeps
 * `podCIDR via InternalIP` kernel routes for every other Node; `removeOwnedRoutes`
 * is what `kubets uninstall` calls.
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
