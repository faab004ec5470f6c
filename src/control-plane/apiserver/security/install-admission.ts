import type { Endpoints, ResourceQuota } from 'kubernetes-types/core/v1.js';
import { conflict, notFound } from '../../../api/errors/status-error.js';
import { defaultAdmissionPlugins, policySourceFromServer, type AdmissionPlugins } from '../admission/plugins/index.js';
import { systemContext } from '../bootstrap.js';
import type { ApiServerCore as ApiServer } from '../api-server-core.js';
import type { CacheAccess } from './cache-access.js';

/**
 * Installs kube-apiserver's default admission plugins (ServiceAccount,
 * LimitRanger, ResourceQuota, PodSecurity, Priority, DefaultTolerationSeconds,
 * TaintNodesByCondition, NodeRestriction, DefaultStorageClass, webhooks) with
 * lookups served from the watch caches. NamespaceLifecycle is already part of
 * every ApiServer.
 */
export function installAdmission(
  server: ApiServer,
  caches: CacheAccess,
  opts: { disabled?: string[] } = {},
): AdmissionPlugins {
  const quotas = server.resource('', 'v1', 'resourcequotas')!;
  const plugins = defaultAdmissionPlugins(
    {
      getNamespace: (n) => caches.get('', 'namespaces', '', n),
      getServiceAccount: (ns, n) => caches.get('', 'serviceaccounts', ns, n),
      getServiceAccountLive: async (ns, n) =>
        (await server.resource('', 'v1', 'serviceaccounts')!.store.getFromStorage(ns, n)) as never,
      getPod: (ns, n) => caches.get('', 'pods', ns, n),
      listPods: (ns) => caches.list('', 'pods', ns),
      getNode: (n) => caches.get('', 'nodes', '', n),
      listLimitRanges: (ns) => caches.list('', 'limitranges', ns),
      listQuotas: (ns) => caches.list('', 'resourcequotas', ns),
      async updateQuotaStatus(quota: ResourceQuota, used: Record<string, string>) {
        const ns = quota.metadata!.namespace!;
        const name = quota.metadata!.name!;
        const { object } = await quotas.store.update(
          systemContext(),
          ns,
          name,
          (cur) => {
            if (!cur) throw notFound({ group: '', resource: 'resourcequotas' }, name);
            if (cur.metadata.resourceVersion !== quota.metadata!.resourceVersion)
              throw conflict({ group: '', resource: 'resourcequotas' }, name);
            const next = structuredClone(cur);
            next.status = { ...((next.status as object) ?? {}), used };
            return next;
          },
          { subresource: { prepareForUpdate: () => undefined, validateUpdate: () => [] } },
        );
        return object as unknown as ResourceQuota;
      },
      listPriorityClasses: () => caches.list('scheduling.k8s.io', 'priorityclasses'),
      listStorageClasses: () => caches.list('storage.k8s.io', 'storageclasses'),
      listMutatingWebhookConfigurations: () =>
        caches.list('admissionregistration.k8s.io', 'mutatingwebhookconfigurations'),
      listValidatingWebhookConfigurations: () =>
        caches.list('admissionregistration.k8s.io', 'validatingwebhookconfigurations'),
      validatingAdmissionPolicies: policySourceFromServer(server),
      resolveService(ns, name, port) {
        // Webhook services are reached at a ready endpoint (the API server runs on the host, beside the pod network).
        const ep = caches.get<Endpoints>('', 'endpoints', ns, name);
        const svc = caches.get<{ spec?: { ports?: { port: number; targetPort?: number | string; name?: string }[] } }>(
          '',
          'services',
          ns,
          name,
        );
        const sp = svc?.spec?.ports?.find((p) => p.port === port);
        for (const subset of ep?.subsets ?? []) {
          const addr = subset.addresses?.[0]?.ip;
          const epPort = subset.ports?.find((p) => (sp?.name ? p.name === sp.name : true))?.port;
          if (addr && epPort) return `https://${addr}:${epPort}`;
        }
        return `https://${name}.${ns}.svc:${port}`;
      },
    },
    { disabled: ['NamespaceLifecycle', ...(opts.disabled ?? [])] },
  );
  for (const p of plugins.mutating) server.addMutatingAdmission(p);
  for (const p of plugins.validating) server.addValidatingAdmission(p);
  return plugins;
}
