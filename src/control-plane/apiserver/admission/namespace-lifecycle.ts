import { forbidden, notFound } from '../../../api/errors/status-error.js';
import type { AdmissionAttributes, ValidatingAdmissionPlugin } from './types.js';
import type { KubeObject } from '../watch-cache/types.js';

/** Namespaces that can never be deleted. */
export const immortalNamespaces = new Set(['default', 'kube-system', 'kube-public']);

/**
 * NamespaceLifecycle (upstream plugin of the same name): no new objects in a
 * namespace that does not exist or is terminating, and the system namespaces
 * cannot be deleted. `getNamespace` reads the namespace (from the cache).
 */
export function namespaceLifecycle(
  getNamespace: (name: string) => Promise<KubeObject | undefined>,
): ValidatingAdmissionPlugin {
  return {
    name: 'NamespaceLifecycle',
    handles: (a) =>
      (a.operation === 'CREATE' && a.resource.namespaced && !!a.namespace) ||
      (a.operation === 'DELETE' && a.resource.group === '' && a.resource.plural === 'namespaces'),
    async validate(a: AdmissionAttributes) {
      if (a.operation === 'DELETE') {
        if (immortalNamespaces.has(a.name)) {
          throw forbidden({ group: '', resource: 'namespaces' }, a.name, 'this namespace may not be deleted');
        }
        return;
      }
      // Events about a terminating namespace's objects are still allowed, as upstream.
      const ns = await getNamespace(a.namespace);
      if (!ns) throw notFound({ group: '', resource: 'namespaces' }, a.namespace);
      const phase = (ns.status as { phase?: string } | undefined)?.phase;
      if (phase === 'Terminating' && !(a.resource.group === '' && a.resource.plural === 'events')) {
        throw forbidden(
          { group: a.resource.group, resource: a.resource.plural },
          a.name,
          `unable to create new content in namespace ${a.namespace} because it is being terminated`,
        );
      }
    },
  };
}
