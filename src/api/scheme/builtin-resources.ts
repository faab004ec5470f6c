import { coreV1Resources } from './builtin-core.js';
import { extensionResources } from './builtin-extensions.js';
import { platformResources } from './builtin-platform.js';
import { workloadResources } from './builtin-workloads.js';
import { compareGroups, compareVersions } from './group-order.js';
import type { ResourceInfo } from './types.js';

/**
 * Every resource kube-apiserver v1.32 serves by default that kubets serves
 * (GA group-versions only; no alpha/beta APIs), transcribed from upstream
 * discovery (`api/discovery/*.json`, `pkg/registry/**` ShortNames/Categories).
 *
 * A plain function returning fresh data: callers may mutate the result. The
 * order is upstream discovery order — core first, then groups by aggregator
 * priority, versions by preference, resources by name.
 */
export function builtinResources(): ResourceInfo[] {
  return sortResources([...coreV1Resources(), ...workloadResources(), ...platformResources(), ...extensionResources()]);
}

/** Sorts in discovery order (group priority, version preference, plural name). Returns a new array. */
export function sortResources(list: readonly ResourceInfo[]): ResourceInfo[] {
  return [...list].sort((a, b) => {
    if (a.group !== b.group) return compareGroups(a.group, b.group);
    if (a.version !== b.version) return compareVersions(a.group, a.version, b.version);
    return a.plural < b.plural ? -1 : a.plural > b.plural ? 1 : 0;
  });
}
