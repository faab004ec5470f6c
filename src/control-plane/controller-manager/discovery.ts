import type { RestClient } from '../../client/index.js';

/** One served resource as legacy discovery describes it. */
export interface DiscoveredResource {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

interface APIResourceList {
  groupVersion: string;
  resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[];
}

/**
 * Reads discovery (legacy form: `/api/v1`, `/apis`, `/apis/<g>/<v>` at each
 * group's preferred version) — what the garbage collector, namespace and quota
 * controllers use to find every resource, CRDs included. Subresources are left out.
 */
export async function discoverResources(rest: RestClient, signal?: AbortSignal): Promise<DiscoveredResource[]> {
  const out: DiscoveredResource[] = [];
  const add = (list: APIResourceList) => {
    const [g, v] = list.groupVersion.includes('/') ? list.groupVersion.split('/') : ['', list.groupVersion];
    for (const r of list.resources) {
      if (r.name.includes('/')) continue;
      out.push({
        group: g!,
        version: v!,
        resource: r.name,
        kind: r.kind,
        namespaced: r.namespaced,
        verbs: r.verbs ?? [],
      });
    }
  };
  add(await rest.requestObject<APIResourceList>({ method: 'GET', path: '/api/v1', signal }));
  const groups = await rest.requestObject<{ groups: { name: string; preferredVersion: { groupVersion: string } }[] }>({
    method: 'GET',
    path: '/apis',
    signal,
  });
  const lists = await Promise.all(
    groups.groups.map((g) =>
      rest
        .requestObject<APIResourceList>({ method: 'GET', path: `/apis/${g.preferredVersion.groupVersion}`, signal })
        .catch(() => undefined),
    ),
  );
  for (const l of lists) if (l) add(l);
  return out;
}

/** Resolves an ownerReference's apiVersion+kind to a resource (undefined when not served). */
export function resourceForKind(
  resources: DiscoveredResource[],
  apiVersion: string,
  kind: string,
): DiscoveredResource | undefined {
  const [g, v] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return (
    resources.find((r) => r.group === g && r.kind === kind && r.version === v) ??
    resources.find((r) => r.group === g && r.kind === kind)
  );
}
