import { builtinResources, sortResources } from './builtin-resources.js';
import { COHABITING_RESOURCES, storageKey, storagePrefix } from './storage-keys.js';
import type { GroupVersion, GroupVersionKind, ResourceInfo } from './types.js';

/** One API group as discovery presents it. `name` is `''` for the core group. */
export interface ApiGroupInfo {
  name: string;
  /** Served versions, most preferred first. */
  versions: string[];
  preferredVersion: string;
}

const gvkKey = (g: string, v: string, k: string) => `${g}/${v}/${k}`;
const gvrKey = (g: string, v: string, r: string) => `${g}/${v}/${r}`;
const grKey = (g: string, r: string) => `${g}/${r}`;

/**
 * An immutable index over the served resources: built-ins plus whatever CRDs
 * add (`withResources` returns a new Scheme, so readers holding the old one
 * are never surprised). All list-returning methods return discovery order:
 * groups by upstream priority (core first), preferred version first.
 */
export class Scheme {
  private readonly all: readonly ResourceInfo[];
  private readonly byGvk = new Map<string, ResourceInfo>();
  private readonly byGvr = new Map<string, ResourceInfo>();
  /** group/plural -> versions of that resource, preferred first. */
  private readonly byGr = new Map<string, ResourceInfo[]>();
  private readonly groupList: ApiGroupInfo[] = [];
  /** Lower-cased CLI names -> group/plural keys, one map per resolution tier. */
  private readonly shortNames = new Map<string, string[]>();
  private readonly resourceNames = new Map<string, string[]>();
  private readonly kindNames = new Map<string, string[]>();

  /** Throws on two resources with the same group/version/plural or group/version/kind. */
  constructor(resources: readonly ResourceInfo[]) {
    this.all = Object.freeze(sortResources(resources));
    for (const r of this.all) {
      const vr = gvrKey(r.group, r.version, r.plural);
      if (this.byGvr.has(vr)) throw new Error(`duplicate resource ${r.plural} in ${r.group || 'core'}/${r.version}`);
      this.byGvr.set(vr, r);
      const vk = gvkKey(r.group, r.version, r.kind);
      if (this.byGvk.has(vk)) throw new Error(`duplicate kind ${r.kind} in ${r.group || 'core'}/${r.version}`);
      this.byGvk.set(vk, r);
      const gr = grKey(r.group, r.plural);
      const versions = this.byGr.get(gr);
      if (versions) versions.push(r);
      else this.byGr.set(gr, [r]);
    }
    // Sorted input keeps each byGr list and the name indexes in discovery order.
    for (const r of this.all) {
      const gr = grKey(r.group, r.plural);
      if (this.byGr.get(gr)![0] !== r) continue;
      for (const s of r.shortNames) addName(this.shortNames, s, gr);
      addName(this.resourceNames, r.plural, gr);
      addName(this.resourceNames, r.singular, gr);
      addName(this.kindNames, r.kind, gr);
    }
    for (const r of this.all) {
      const last = this.groupList[this.groupList.length - 1];
      if (last && last.name === r.group) {
        if (!last.versions.includes(r.version)) last.versions.push(r.version);
      } else {
        this.groupList.push({ name: r.group, versions: [r.version], preferredVersion: r.version });
      }
    }
  }

  /** The scheme of built-in resources only. */
  static builtin(): Scheme {
    return new Scheme(builtinResources());
  }

  /**
   * A new Scheme with `extra` added. An entry with the same group/version/plural
   * as an existing one replaces it (so re-adding an updated CRD's resources works).
   */
  withResources(extra: readonly ResourceInfo[]): Scheme {
    const replaced = new Set(extra.map((r) => gvrKey(r.group, r.version, r.plural)));
    return new Scheme([...this.all.filter((r) => !replaced.has(gvrKey(r.group, r.version, r.plural))), ...extra]);
  }

  /** A new Scheme without the resources matching `drop` (e.g. those of a deleted CRD). */
  without(drop: (r: ResourceInfo) => boolean): Scheme {
    return new Scheme(this.all.filter((r) => !drop(r)));
  }

  /** Every served resource at every version, in discovery order. */
  resources(): readonly ResourceInfo[] {
    return this.all;
  }

  /** Resources of one group-version, sorted by plural name. */
  resourcesFor(gv: GroupVersion): ResourceInfo[] {
    return this.all.filter((r) => r.group === gv.group && r.version === gv.version);
  }

  forGVK(gvk: GroupVersionKind): ResourceInfo | undefined {
    return this.byGvk.get(gvkKey(gvk.group, gvk.version, gvk.kind));
  }

  forGVR(group: string, version: string, plural: string): ResourceInfo | undefined {
    return this.byGvr.get(gvrKey(group, version, plural));
  }

  /** All served versions of a group-resource, preferred first (empty when unknown). */
  forGroupResource(group: string, plural: string): ResourceInfo[] {
    return [...(this.byGr.get(grKey(group, plural)) ?? [])];
  }

  /** The preferred version of a group-resource. */
  preferredForGroupResource(group: string, plural: string): ResourceInfo | undefined {
    return this.byGr.get(grKey(group, plural))?.[0];
  }

  /** Resources whose kind matches case-insensitively, across groups; preferred versions first. */
  forKind(kind: string): ResourceInfo[] {
    return this.expand(this.kindNames.get(kind.toLowerCase()) ?? []);
  }

  /**
   * Resolves what a user typed on the command line, as kubectl does: a short
   * name (`po`), plural (`pods`), singular (`pod`) or kind (`Pod`), all
   * case-insensitive, optionally qualified as `<name>.<group>` or
   * `<name>.<version>.<group>` (`deployments.apps`, `deploy.v1.apps`).
   * Short names take precedence over plural/singular names and those over
   * kinds (kubectl expands short names first). Returns every matching
   * resource version: groups in priority order (so `ev` yields core events
   * before events.k8s.io), preferred version first within a resource.
   * Empty when nothing matches.
   */
  resolve(name: string): ResourceInfo[] {
    const lower = name.toLowerCase();
    const unqualified = this.matchName(lower);
    if (unqualified.length > 0) return this.expand(unqualified);
    const dot = lower.indexOf('.');
    if (dot <= 0) return [];
    const base = lower.slice(0, dot);
    const rest = lower.slice(dot + 1);
    const candidates = this.matchName(base);
    const dot2 = rest.indexOf('.');
    if (dot2 > 0) {
      const version = rest.slice(0, dot2);
      const group = rest.slice(dot2 + 1);
      const exact = this.expand(candidates).filter((r) => r.group === group && r.version === version);
      if (exact.length > 0) return exact;
    }
    return this.expand(candidates.filter((gr) => gr.slice(0, gr.lastIndexOf('/')) === rest));
  }

  /**
   * The preferred version of every resource in a category (`all` for
   * `kubectl get all`, `api-extensions`), in discovery order.
   */
  forCategory(category: string): ResourceInfo[] {
    return [...this.byGr.values()].map((versions) => versions[0]!).filter((r) => r.categories.includes(category));
  }

  /** Groups in discovery order, core (`''`) first. */
  groups(): ApiGroupInfo[] {
    return this.groupList.map((g) => ({ ...g, versions: [...g.versions] }));
  }

  /** Every served group-version: core first, then groups by priority, preferred version first. */
  groupVersions(): GroupVersion[] {
    return this.groupList.flatMap((g) => g.versions.map((version) => ({ group: g.name, version })));
  }

  /** The preferred version of a group (`autoscaling` -> `v2`), undefined when the group is not served. */
  preferredVersion(group: string): string | undefined {
    return this.groupList.find((g) => g.name === group)?.preferredVersion;
  }

  /**
   * The resource whose objects are stored under `info`'s keys: the preferred
   * version of the same group-resource, or of the group-resource it cohabits
   * with (events.k8s.io events are stored as core v1 Events, as upstream). The
   * apiserver decodes stored objects as this resource's kind and converts to
   * the requested version.
   */
  storageResource(info: ResourceInfo): ResourceInfo {
    const target = COHABITING_RESOURCES.get(grKey(info.group, info.plural)) ?? info;
    return this.preferredForGroupResource(target.group, target.plural) ?? info;
  }

  /** Datastore key of one object; see storage-keys.ts for the layout. */
  storageKey(info: ResourceInfo, namespace: string | undefined, name: string): string {
    return storageKey(info, namespace, name);
  }

  /** Datastore prefix (ending in `/`) for list/watch, across namespaces or in one. */
  storagePrefix(info: ResourceInfo, namespace?: string): string {
    return storagePrefix(info, namespace);
  }

  private matchName(lower: string): string[] {
    return this.shortNames.get(lower) ?? this.resourceNames.get(lower) ?? this.kindNames.get(lower) ?? [];
  }

  private expand(grs: readonly string[]): ResourceInfo[] {
    return grs.flatMap((gr) => this.byGr.get(gr) ?? []);
  }
}

function addName(index: Map<string, string[]>, name: string, gr: string): void {
  const key = name.toLowerCase();
  const list = index.get(key);
  if (!list) index.set(key, [gr]);
  else if (!list.includes(gr)) list.push(gr);
}
