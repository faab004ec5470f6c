import { corePatchTable } from './patch-table-core.js';
import { groupsPatchTable } from './patch-table-groups.js';
import type { PatchTable } from './patch-table-types.js';

export { type FieldPatchMeta, type PatchTable } from './patch-table-types.js';

/**
 * Patch metadata the project owns: for each (definition, field) the strategic
 * merge patch strategy and merge key (upstream `patchStrategy`/`patchMergeKey`
 * struct tags) and the server-side-apply list/map types (`+listType`,
 * `+listMapKey`, `+mapType`). The OpenAPI generator copies these into
 * `x-kubernetes-*` extensions (see `withPatchMetadata`); strategic merge patch
 * and apply read them from the schema. Keys are upstream definition names
 * (`io.k8s.api.core.v1.PodSpec`), then JSON field names.
 *
 * Source: the v1.32 `k8s.io/api` and `k8s.io/apimachinery` types (struct tags
 * for strategies and merge keys, comment markers for list/map types). Where a
 * merge-strategy list has no `+listType` marker upstream, the entry records the
 * type upstream's OpenAPI-to-SSA conversion derives from the patch tags (a map
 * keyed by the merge key; a set for scalars), so both readings agree.
 */
export const patchTable: PatchTable = { ...corePatchTable, ...groupsPatchTable };
