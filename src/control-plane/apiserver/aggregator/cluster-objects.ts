import type { Endpoints, Service } from 'kubernetes-types/core/v1.js';
import type { APIService } from './types.js';
import type { ApiServerCore } from '../api-server-core.js';

/**
 * What the aggregator reads of the cluster: Services, Endpoints and
 * APIServices from the API server's watch caches (never storage). Plain
 * functions so unit tests can hand in maps.
 */
export interface ClusterObjects {
  service(ns: string, name: string): Service | undefined;
  endpoints(ns: string, name: string): Endpoints | undefined;
  apiServices(): APIService[];
}

export function clusterObjectsOf(server: ApiServerCore): ClusterObjects {
  const get = <T>(group: string, version: string, plural: string, ns: string, name: string): T | undefined => {
    const r = server.resource(group, version, plural);
    return r?.store.deps.cache.get(r.store.deps.keyFor(ns, name))?.object as T | undefined;
  };
  return {
    service: (ns, name) => get<Service>('', 'v1', 'services', ns, name),
    endpoints: (ns, name) => get<Endpoints>('', 'v1', 'endpoints', ns, name),
    apiServices() {
      const r = server.resource('apiregistration.k8s.io', 'v1', 'apiservices');
      if (!r) return [];
      return r.store.deps.cache
        .list(r.store.deps.prefixFor(''), () => true)
        .items.map((e) => e.object as unknown as APIService);
    },
  };
}
