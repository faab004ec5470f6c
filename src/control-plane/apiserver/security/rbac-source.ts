import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { RbacSource } from '../authz/rbac/rule-resolver.js';
import type { CacheAccess } from './cache-access.js';

const rbac = 'rbac.authorization.k8s.io';

/**
 * RBAC objects straight from the watch caches. Binding lists are memoised per
 * cache revision, so authorizing a request costs no list building unless RBAC
 * changed since the last request.
 */
export function cacheRbacSource(c: CacheAccess): RbacSource {
  let crbRev = -1;
  let crbs: ClusterRoleBinding[] = [];
  let rbRev = -1;
  const rbByNs = new Map<string, RoleBinding[]>();
  return {
    getRole: (ns, name) => c.get<Role>(rbac, 'roles', ns, name),
    getClusterRole: (name) => c.get<ClusterRole>(rbac, 'clusterroles', '', name),
    listClusterRoleBindings() {
      const rev = c.revision(rbac, 'clusterrolebindings');
      if (rev !== crbRev) {
        crbs = c.list<ClusterRoleBinding>(rbac, 'clusterrolebindings');
        crbRev = rev;
      }
      return crbs;
    },
    listRoleBindings(ns) {
      const rev = c.revision(rbac, 'rolebindings');
      if (rev !== rbRev) {
        rbByNs.clear();
        rbRev = rev;
      }
      let list = rbByNs.get(ns);
      if (!list) {
        list = c.list<RoleBinding>(rbac, 'rolebindings', ns);
        rbByNs.set(ns, list);
      }
      return list;
    },
  };
}
