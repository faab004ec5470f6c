/**
 * Maps an object's apiVersion and kind to the resource to send it to, from
 * discovery (kubectl's deferred discovery RESTMapper): each group version's
 * resource list is fetched on first use and cached; a kind the cache does not
 * know refetches its group version once, so a CRD created earlier in the same
 * manifest (or by anyone since) is found once it is served.
 */
import { isNotFound } from '../../api/errors/status-error.js';
import type { GroupVersionResource } from '../../api/scheme/types.js';
import type { RestClient } from '../../client/rest-client.js';

export interface RESTMapping {
  resource: GroupVersionResource;
  namespaced: boolean;
}

interface APIResourceList {
  resources?: { name: string; kind: string; namespaced: boolean }[];
}

/** Upstream meta.NoKindMatchError's text. */
export class NoKindMatchError extends Error {
  constructor(apiVersion: string, kind: string) {
    super(`no matches for kind "${kind}" in version "${apiVersion}"`);
    this.name = 'NoKindMatchError';
  }
}

export class DiscoveryRESTMapper {
  /** Per group version: kind -> mapping. Undefined entry = not fetched yet. */
  private readonly cache = new Map<string, Map<string, RESTMapping>>();

  constructor(private readonly rest: RestClient) {}

  /** Forgets everything (the next lookups refetch). */
  reset(): void {
    this.cache.clear();
  }

  async mappingFor(apiVersion: string, kind: string, signal?: AbortSignal): Promise<RESTMapping> {
    const cached = this.cache.get(apiVersion)?.get(kind);
    if (cached) return cached;
    const fresh = await this.fetch(apiVersion, signal);
    const found = fresh.get(kind);
    if (!found) throw new NoKindMatchError(apiVersion, kind);
    return found;
  }

  private async fetch(apiVersion: string, signal?: AbortSignal): Promise<Map<string, RESTMapping>> {
    const slash = apiVersion.indexOf('/');
    const [group, version] = slash < 0 ? ['', apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
    const byKind = new Map<string, RESTMapping>();
    if (version && !version.includes('/') && !(group === '' && version !== 'v1')) {
      const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
      const list = await this.rest
        .requestObject<APIResourceList>({ method: 'GET', path, signal })
        .catch((err: unknown) => {
          if (isNotFound(err)) return { resources: [] };
          throw err;
        });
      for (const r of list.resources ?? []) {
        // Subresources (`pods/status`) share their parent's kind; the parent is the one to write.
        if (r.name.includes('/') || byKind.has(r.kind)) continue;
        byKind.set(r.kind, { resource: { group, version, resource: r.name }, namespaced: r.namespaced });
      }
    }
    this.cache.set(apiVersion, byKind);
    return byKind;
  }
}
