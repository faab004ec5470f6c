import type { Scale } from 'kubernetes-types/autoscaling/v1.js';
import { isNotFound } from '../../../../api/errors/status-error.js';
import { type RestClient, ResourceClient } from '../../../../client/index.js';
import type { Clock } from '../../../../lib/clock.js';

/** A kind resolved to the resource that serves it (one RESTMapping). */
export interface KindMapping {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  /** Whether discovery lists `<resource>/scale` as an autoscaling/v1 Scale. */
  hasScale: boolean;
}

interface APIResource {
  name: string;
  kind: string;
  namespaced: boolean;
  group?: string;
  version?: string;
}
interface APIResourceList {
  groupVersion: string;
  resources: APIResource[];
}
interface APIGroup {
  versions: { groupVersion: string; version: string }[];
  preferredVersion?: { version: string };
}

/** apimachinery NoKindMatchError: the kind is not served (in that group or version). */
export class NoKindMatchError extends Error {
  override name = 'NoKindMatchError';
  constructor(group: string, kind: string, version?: string) {
    super(
      version
        ? `no matches for kind ${JSON.stringify(kind)} in version ${JSON.stringify(group ? `${group}/${version}` : version)}`
        : `no matches for kind ${JSON.stringify(kind)} in group ${JSON.stringify(group)}`,
    );
  }
}

/** Splits `apps/v1` / `v1` like schema.ParseGroupVersion; throws upstream's error for more than one slash. */
export function parseGroupVersion(apiVersion: string): { group: string; version: string } {
  if (apiVersion === '' || apiVersion === '/') return { group: '', version: '' };
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: parts[0]! };
  if (parts.length === 2) return { group: parts[0]!, version: parts[1]! };
  throw new Error(`unexpected GroupVersion string: ${apiVersion}`);
}

/** `resource.group`, or `resource` for the core group (schema.GroupResource.String). */
export function groupResourceString(m: { group: string; resource: string }): string {
  return m.group ? `${m.resource}.${m.group}` : m.resource;
}

interface GroupEntry {
  at: number;
  /** In discovery order, the preferred version first. */
  mappings: KindMapping[];
}

/** Discovery answers older than this are refetched on a miss (a CRD may just have been added). */
const missRefreshMs = 1000;

/**
 * The part of a RESTMapper plus scale client that the disruption and HPA
 * controllers need: kinds resolve to resources through discovery of their
 * group (cached for `ttlMs`), and `/scale` is read and written as
 * autoscaling/v1 Scale, whatever the target's kind.
 */
export class ScaleClient {
  private readonly groups = new Map<string, GroupEntry>();

  constructor(
    private readonly rest: RestClient,
    private readonly clock: Clock,
    private readonly ttlMs = 30_000,
  ) {}

  /**
   * Every mapping of `group`/`kind` (preferred version first), or only the one
   * in `version` when given. Throws NoKindMatchError when none is served.
   */
  async mappings(group: string, kind: string, version?: string, signal?: AbortSignal): Promise<KindMapping[]> {
    const pick = (e: GroupEntry) => e.mappings.filter((m) => m.kind === kind && (!version || m.version === version));
    let entry = this.groups.get(group);
    const now = this.clock.monotonic();
    if (!entry || now - entry.at > this.ttlMs || (pick(entry).length === 0 && now - entry.at > missRefreshMs)) {
      entry = { at: now, mappings: await this.discover(group, signal) };
      this.groups.set(group, entry);
    }
    const found = pick(entry);
    if (found.length === 0) throw new NoKindMatchError(group, kind, version);
    return found;
  }

  /** GET `<resource>/scale` of the named object. */
  get(namespace: string, m: KindMapping, name: string, signal?: AbortSignal): Promise<Scale> {
    return this.client(m, namespace).getSubresource<Scale>(name, 'scale', { signal });
  }

  /** PUT `<resource>/scale` (optimistic concurrency through the Scale's resourceVersion). */
  update(namespace: string, m: KindMapping, scale: Scale, signal?: AbortSignal): Promise<Scale> {
    return this.client(m, namespace).updateSubresource<Scale, Scale>(scale.metadata!.name!, 'scale', scale, { signal });
  }

  private client(m: KindMapping, namespace: string): ResourceClient<Scale> {
    return new ResourceClient<Scale>(
      this.rest,
      { group: m.group, version: m.version, resource: m.resource },
      m.namespaced ? namespace : undefined,
    );
  }

  private async discover(group: string, signal?: AbortSignal): Promise<KindMapping[]> {
    let versions: string[];
    if (group === '') versions = ['v1'];
    else {
      try {
        const g = await this.rest.requestObject<APIGroup>({ method: 'GET', path: `/apis/${group}`, signal });
        const preferred = g.preferredVersion?.version;
        versions = g.versions.map((v) => v.version);
        if (preferred) versions = [preferred, ...versions.filter((v) => v !== preferred)];
      } catch (err) {
        if (isNotFound(err)) return [];
        throw err;
      }
    }
    const out: KindMapping[] = [];
    for (const version of versions) {
      const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
      let list: APIResourceList;
      try {
        list = await this.rest.requestObject<APIResourceList>({ method: 'GET', path, signal });
      } catch (err) {
        if (isNotFound(err)) continue;
        throw err;
      }
      const scales = new Set(
        list.resources
          .filter(
            (r) => r.name.endsWith('/scale') && r.kind === 'Scale' && r.group === 'autoscaling' && r.version === 'v1',
          )
          .map((r) => r.name.slice(0, -'/scale'.length)),
      );
      for (const r of list.resources) {
        if (r.name.includes('/')) continue;
        out.push({
          group,
          version,
          resource: r.name,
          kind: r.kind,
          namespaced: r.namespaced,
          hasScale: scales.has(r.name),
        });
      }
    }
    return out;
  }
}
