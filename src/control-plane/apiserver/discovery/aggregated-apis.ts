import { createHash } from 'node:crypto';
import { compareKubeAwareVersions, groupPriority, versionPriority } from '../../../api/scheme/group-order.js';
import type { APIResourceEntry, RemoteGroupVersion } from '../aggregator/types.js';
import type { DiscoveryDoc, DiscoverySnapshot } from './discovery.js';

/**
 * Discovery with the aggregated (APIService-backed) group-versions merged in,
 * as kube-aggregator serves `/apis`, `/apis/<group>` and aggregated discovery:
 * groups ordered by group priority (descending, ties by name), versions by
 * version priority (then Kubernetes-aware order). Per-version resource lists
 * are not merged: `/apis/<g>/<v>` of an aggregated version is proxied.
 */
interface GroupVersionEntry {
  groupVersion: string;
  version: string;
}
interface LegacyGroup {
  name: string;
  versions: GroupVersionEntry[];
  preferredVersion: GroupVersionEntry;
}
interface AggregatedVersion {
  version: string;
  resources: unknown[];
  freshness: string;
}
interface AggregatedGroup {
  metadata: { name: string; creationTimestamp: null };
  versions: AggregatedVersion[];
}

function doc(body: unknown): DiscoveryDoc {
  const json = JSON.stringify(body);
  return { json, etag: `"${createHash('sha256').update(json).digest('hex').slice(0, 32)}"` };
}

/** The v2 form of a legacy resource list: subresources (`a/b`) nested under their resource. */
export function aggregatedResources(group: string, version: string, list: APIResourceEntry[]): unknown[] {
  const out = new Map<string, Record<string, unknown>>();
  for (const r of list) {
    if (r.name.includes('/')) continue;
    const e: Record<string, unknown> = {
      resource: r.name,
      responseKind: { group: r.group ?? group, version: r.version ?? version, kind: r.kind ?? '' },
      scope: r.namespaced ? 'Namespaced' : 'Cluster',
      singularResource: r.singularName ?? '',
      verbs: r.verbs ?? [],
    };
    if (r.shortNames?.length) e.shortNames = r.shortNames;
    if (r.categories?.length) e.categories = r.categories;
    out.set(r.name, e);
  }
  for (const r of list) {
    const slash = r.name.indexOf('/');
    if (slash < 0) continue;
    const parent = out.get(r.name.slice(0, slash));
    if (!parent) continue;
    const subs = ((parent.subresources as unknown[] | undefined) ??= []);
    subs.push({
      subresource: r.name.slice(slash + 1),
      responseKind: { group: r.group ?? group, version: r.version ?? version, kind: r.kind ?? '' },
      verbs: r.verbs ?? [],
    });
  }
  return [...out.values()];
}

export function withAggregatedAPIs(base: DiscoverySnapshot, remote: readonly RemoteGroupVersion[]): DiscoverySnapshot {
  if (remote.length === 0) return base;
  const legacy = JSON.parse(base.apis.json) as { groups: LegacyGroup[] };
  const aggV2 = JSON.parse(base.aggregatedApis.v2.json) as { items: AggregatedGroup[] };
  const localVersions = new Map(legacy.groups.map((g) => [g.name, g.versions.map((v) => v.version)]));
  const localAgg = new Map(aggV2.items.map((g) => [g.metadata.name, g]));

  // Every group with its priority and its versions (local and remote) with theirs.
  const groups = new Map<string, { priority: number; versions: Map<string, number> }>();
  for (const [name, vs] of localVersions)
    groups.set(name, {
      priority: groupPriority(name),
      versions: new Map(vs.map((v) => [v, versionPriority(name, v)])),
    });
  const remoteByGV = new Map<string, RemoteGroupVersion>();
  for (const r of remote) {
    remoteByGV.set(`${r.group}/${r.version}`, r);
    const g = groups.get(r.group) ?? { priority: r.groupPriorityMinimum, versions: new Map<string, number>() };
    g.priority = Math.max(g.priority, r.groupPriorityMinimum);
    g.versions.set(r.version, r.versionPriority);
    groups.set(r.group, g);
  }
  const order = [...groups.keys()].sort(
    (a, b) => groups.get(b)!.priority - groups.get(a)!.priority || (a < b ? -1 : a > b ? 1 : 0),
  );
  const versionsOf = (name: string) => {
    const vs = groups.get(name)!.versions;
    return [...vs.keys()].sort((a, b) => vs.get(b)! - vs.get(a)! || compareKubeAwareVersions(a, b));
  };

  const legacyGroups: LegacyGroup[] = order.map((name) => {
    const versions = versionsOf(name).map((version) => ({ groupVersion: `${name}/${version}`, version }));
    return { name, versions, preferredVersion: versions[0]! };
  });
  const aggItems = order.map((name): AggregatedGroup => {
    const local = localAgg.get(name);
    return {
      metadata: { name, creationTimestamp: null },
      versions: versionsOf(name).map((version) => {
        const r = remoteByGV.get(`${name}/${version}`);
        if (r)
          return {
            version,
            resources: aggregatedResources(name, version, r.resources),
            freshness: r.stale ? 'Stale' : 'Current',
          };
        return local!.versions.find((v) => v.version === version)!;
      }),
    };
  });

  const groupDocs = new Map(base.groups);
  for (const g of legacyGroups)
    if (groups.has(g.name) && [...groups.get(g.name)!.versions.keys()].some((v) => remoteByGV.has(`${g.name}/${v}`)))
      groupDocs.set(g.name, doc({ kind: 'APIGroup', apiVersion: 'v1', ...g }));
  const list = (apiVersion: string) =>
    doc({ kind: 'APIGroupDiscoveryList', apiVersion, metadata: {}, items: aggItems });
  return {
    ...base,
    apis: doc({ kind: 'APIGroupList', apiVersion: 'v1', groups: legacyGroups }),
    aggregatedApis: { v2: list('apidiscovery.k8s.io/v2'), v2beta1: list('apidiscovery.k8s.io/v2beta1') },
    groups: groupDocs,
  };
}
