import type { Endpoints, Service } from 'kubernetes-types/core/v1.js';
import type { ApiServerCore } from '../../api-server-core.js';

/**
 * Where a conversion webhook's Service is reached: the first ready endpoint
 * of the Service port (the API server runs on the host, beside the pod
 * network, as for admission webhooks), else the service DNS name. Reads the
 * server's watch caches only.
 */
export function resolveServiceEndpoint(server: ApiServerCore, ns: string, name: string, port: number): string {
  const cached = <T>(plural: string): T | undefined => {
    const r = server.resource('', 'v1', plural);
    return r?.store.deps.cache.get(r.store.deps.keyFor(ns, name))?.object as T | undefined;
  };
  const svc = cached<Service>('services');
  const ep = cached<Endpoints>('endpoints');
  const sp = svc?.spec?.ports?.find((p) => p.port === port);
  for (const subset of ep?.subsets ?? []) {
    const addr = subset.addresses?.[0]?.ip;
    const epPort = subset.ports?.find((p) => (sp?.name ? p.name === sp.name : true))?.port;
    if (addr && epPort) return `https://${addr}:${epPort}`;
  }
  return `https://${name}.${ns}.svc:${port}`;
}
