import { isAlreadyExists, isConflict, isNotFound } from '../../../api/errors/status-error.js';
import { autoupdateAnnotation, bootstrapPolicy } from '../authz/rbac/bootstrap-policy.js';
import { systemContext } from '../bootstrap.js';
import type { ApiServerCore as ApiServer } from '../api-server-core.js';
import type { KubeObject } from '../watch-cache/types.js';

const rbac = 'rbac.authorization.k8s.io';

/**
 * Creates the default RBAC policy (upstream's `rbac/bootstrap-roles` post-start
 * hook): missing roles and bindings are created; existing ones annotated
 * `rbac.authorization.kubernetes.io/autoupdate: "true"` get missing rules and
 * subjects back; ones set to "false" are left alone.
 */
export async function ensureBootstrapPolicy(server: ApiServer): Promise<void> {
  const policy = bootstrapPolicy({ aggregate: true });
  const put = async (plural: string, obj: KubeObject, fields: string[]) => {
    const r = server.resource(rbac, 'v1', plural)!;
    const ns = String(obj.metadata.namespace ?? '');
    const name = String(obj.metadata.name);
    const existing = await r.store.getFromStorage(r.info.namespaced ? ns : '', name);
    if (!existing) {
      try {
        await r.store.create(systemContext(), r.info.namespaced ? ns : '', {
          apiVersion: `${rbac}/v1`,
          kind: r.info.kind,
          ...structuredClone(obj),
        });
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      return;
    }
    if ((existing.metadata.annotations as Record<string, string> | undefined)?.[autoupdateAnnotation] === 'false')
      return;
    if (fields.every((f) => JSON.stringify(existing[f]) === JSON.stringify(obj[f]))) return;
    try {
      await r.store.update(systemContext(), r.info.namespaced ? ns : '', name, (cur) => {
        const next = structuredClone(cur!);
        for (const f of fields) next[f] = structuredClone(obj[f]);
        return next;
      });
    } catch (err) {
      if (!isConflict(err) && !isNotFound(err)) throw err;
    }
  };
  for (const cr of policy.clusterRoles)
    await put('clusterroles', cr as unknown as KubeObject, ['rules', 'aggregationRule']);
  for (const crb of policy.clusterRoleBindings)
    await put('clusterrolebindings', crb as unknown as KubeObject, ['roleRef', 'subjects']);
  for (const role of policy.roles) await put('roles', role as unknown as KubeObject, ['rules']);
  for (const rb of policy.roleBindings) await put('rolebindings', rb as unknown as KubeObject, ['roleRef', 'subjects']);
}
