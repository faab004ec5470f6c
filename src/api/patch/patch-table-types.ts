/**
 * The format of the patch table (see patch-table.ts). Kept apart so the table's
 * pieces can name the types without importing the assembled table.
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
