import { createHash } from 'node:crypto';
import { groupVersionString, type ResourceInfo } from '../../../api/scheme/types.js';

/**
 * Discovery documents (legacy `/api`, `/apis`, `/apis/<g>`, per-GV resource
 * lists, and aggregated discovery v2/v2beta1) computed from the served
 * resources. Rebuilt when the resource set changes (CRDs); each document
 * carries an ETag that changes with its content, because kubectl caches
 * discovery on disk for hours (kubectl-protocol.md §1.2).
 */
export interface GroupEntry {
  name: string;
  /** Versions in preference order (preferred first). */
  versions: string[];
}

export interface DiscoveryDoc {
  json: string;
  etag: string;
}

export interface DiscoverySnapshot {
  api: DiscoveryDoc;
  apis: DiscoveryDoc;
  aggregatedCore: Record<'v2' | 'v2beta1', DiscoveryDoc>;
  aggregatedApis: Record<'v2' | 'v2beta1', DiscoveryDoc>;
  /** `/apis/<group>` documents. */
  groups: Map<string, DiscoveryDoc>;
  /** `v1` or `apps/v1` -> APIResourceList. */
  resourceLists: Map<string, DiscoveryDoc>;
}

function doc(body: unknown): DiscoveryDoc {
  const json = JSON.stringify(body);
  return { json, etag: `"${createHash('sha256').update(json).digest('hex').slice(0, 32)}"` };
}

/** Groups in the order `/apis` lists them, versions preferred-first. */
export function groupsOf(resources: ResourceInfo[], preferred: (group: string) => string | undefined): GroupEntry[] {
  const order: string[] = [];
  const versions = new Map<string, string[]>();
  for (const r of resources) {
    if (!versions.has(r.group)) {
      versions.set(r.group, []);
      order.push(r.group);
    }
    const vs = versions.get(r.group)!;
    if (!vs.includes(r.version)) vs.push(r.version);
  }
  return order.map((name) => {
    const vs = versions.get(name)!;
    const p = preferred(name);
    const sorted = p && vs.includes(p) ? [p, ...vs.filter((v) => v !== p)] : vs;
    return { name, versions: sorted };
  });
}

function storageVersionHash(r: ResourceInfo): string {
  return createHash('sha256').update(`${r.group}/${r.version}/${r.kind}`).digest().subarray(0, 8).toString('base64');
}

function legacyResources(gv: { group: string; version: string }, resources: ResourceInfo[]) {
  const out: Record<string, unknown>[] = [];
  for (const r of resources) {
    if (r.group !== gv.group || r.version !== gv.version) continue;
    const entry: Record<string, unknown> = {
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
    };
    if (r.shortNames.length) entry.shortNames = r.shortNames;
    if (r.categories.length) entry.categories = r.categories;
    if (r.verbs.length) entry.storageVersionHash = storageVersionHash(r);
    out.push(entry);
    for (const s of r.subresources) {
      const sub: Record<string, unknown> = {
        name: `${r.plural}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        kind: s.kind.kind,
        verbs: s.verbs,
      };
      if (s.kind.group !== r.group || s.kind.version !== r.version) {
        sub.group = s.kind.group;
        sub.version = s.kind.version;
      }
      out.push(sub);
    }
  }
  return out;
}

function aggregatedGroup(g: GroupEntry, resources: ResourceInfo[]) {
  return {
    metadata: { name: g.name, creationTimestamp: null },
    versions: g.versions.map((version) => ({
      version,
      resources: resources
        .filter((r) => r.group === g.name && r.version === version)
        .map((r) => {
          const e: Record<string, unknown> = {
            resource: r.plural,
            responseKind: { group: r.group, version: r.version, kind: r.kind },
            scope: r.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: r.singular,
            verbs: r.verbs,
          };
          if (r.shortNames.length) e.shortNames = r.shortNames;
          if (r.categories.length) e.categories = r.categories;
          if (r.subresources.length) {
            e.subresources = r.subresources.map((s) => ({
              subresource: s.name,
              responseKind: { group: s.kind.group, version: s.kind.version, kind: s.kind.kind },
              verbs: s.verbs,
            }));
          }
          return e;
        }),
      freshness: 'Current',
    })),
  };
}

function aggregatedList(items: unknown[]): Record<'v2' | 'v2beta1', DiscoveryDoc> {
  return {
    v2: doc({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items }),
    v2beta1: doc({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2beta1', metadata: {}, items }),
  };
}

export function buildDiscovery(
  resources: ResourceInfo[],
  preferred: (group: string) => string | undefined,
  serverAddress: string,
): DiscoverySnapshot {
  const groups = groupsOf(resources, preferred);
  const core = groups.find((g) => g.name === '') ?? { name: '', versions: ['v1'] };
  const named = groups.filter((g) => g.name !== '');
  const versionEntry = (g: GroupEntry, v: string) => ({
    groupVersion: groupVersionString({ group: g.name, version: v }),
    version: v,
  });
  const groupDoc = (g: GroupEntry) => ({
    name: g.name,
    versions: g.versions.map((v) => versionEntry(g, v)),
    preferredVersion: versionEntry(g, g.versions[0]!),
  });
  const snapshot: DiscoverySnapshot = {
    api: doc({
      kind: 'APIVersions',
      versions: core.versions,
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    }),
    apis: doc({ kind: 'APIGroupList', apiVersion: 'v1', groups: named.map(groupDoc) }),
    aggregatedCore: aggregatedList([aggregatedGroup(core, resources)]),
    aggregatedApis: aggregatedList(named.map((g) => aggregatedGroup(g, resources))),
    groups: new Map(named.map((g) => [g.name, doc({ kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(g) })])),
    resourceLists: new Map(),
  };
  for (const g of groups) {
    for (const v of g.versions) {
      const gv = groupVersionString({ group: g.name, version: v });
      snapshot.resourceLists.set(
        gv,
        doc({
          kind: 'APIResourceList',
          apiVersion: 'v1',
          groupVersion: gv,
          resources: legacyResources({ group: g.name, version: v }, resources),
        }),
      );
    }
  }
  return snapshot;
}

/** Which discovery form the Accept header asks for. */
export function aggregatedVersionRequested(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  if (!accept) return undefined;
  for (const part of accept.split(',')) {
    const params = part.split(';').map((s) => s.trim());
    if (!params.includes('as=APIGroupDiscoveryList')) continue;
    if (!params.includes('g=apidiscovery.k8s.io')) continue;
    if (params.includes('v=v2')) return 'v2';
    if (params.includes('v=v2beta1')) return 'v2beta1';
  }
  return undefined;
}
