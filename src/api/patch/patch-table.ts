/**
 * Patch metadata the project owns: for each (definition, field) the strategic
 * merge patch strategy and merge key (upstream `patchStrategy`/`patchMergeKey`
 * struct tags) and the server-side-apply list/map types (`+listType`,
 * `+listMapKey`, `+mapType`). The OpenAPI generator copies these into
 * `x-kubernetes-*` extensions; strategic merge patch and apply read them from
 * the schema. Keys are upstream definition names (`io.k8s.api.core.v1.PodSpec`).
 */
export interface FieldPatchMeta {
  /** `merge`, `retainKeys`, `merge,retainKeys` or `replace`. */
  strategy?: 'merge' | 'retainKeys' | 'merge,retainKeys' | 'replace';
  mergeKey?: string;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  mapType?: 'atomic' | 'granular';
}

export type PatchTable = Record<string, Record<string, FieldPatchMeta>>;

// Filled in by the patch work; the entries below are a seed so dependants compile.
export const patchTable: PatchTable = {
  'io.k8s.api.core.v1.PodSpec': {
    containers: { strategy: 'merge', mergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
  },
};
