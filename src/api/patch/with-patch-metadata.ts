import type { Definitions, SchemaObject } from '../openapi/schema-types.js';
import { patchTable, type FieldPatchMeta, type PatchTable } from './patch-table.js';

/**
 * Returns `definitions` with the patch table's metadata written onto the
 * matching properties as `x-kubernetes-patch-strategy`,
 * `x-kubernetes-patch-merge-key`, `x-kubernetes-list-type`,
 * `x-kubernetes-list-map-keys` and `x-kubernetes-map-type`. Only touched
 * definitions and properties are copied; the input is not modified. Table rows
 * for definitions or properties that do not exist are ignored.
 */
export function withPatchMetadata(definitions: Definitions, table: PatchTable = patchTable): Definitions {
  const out: Definitions = { ...definitions };
  for (const [defName, fields] of Object.entries(table)) {
    const def = definitions[defName];
    if (!def?.properties || !Object.prototype.hasOwnProperty.call(definitions, defName)) continue;
    const properties: Record<string, SchemaObject> = { ...def.properties };
    let changed = false;
    for (const [field, meta] of Object.entries(fields)) {
      const prop = properties[field];
      if (!prop || !Object.prototype.hasOwnProperty.call(properties, field)) continue;
      properties[field] = { ...prop, ...extensionsOf(meta) };
      changed = true;
    }
    if (changed) out[defName] = { ...def, properties };
  }
  return out;
}

export function extensionsOf(meta: FieldPatchMeta): SchemaObject {
  const ext: SchemaObject = {};
  if (meta.strategy) ext['x-kubernetes-patch-strategy'] = meta.strategy;
  if (meta.mergeKey) ext['x-kubernetes-patch-merge-key'] = meta.mergeKey;
  if (meta.listType) ext['x-kubernetes-list-type'] = meta.listType;
  if (meta.listMapKeys) ext['x-kubernetes-list-map-keys'] = [...meta.listMapKeys];
  if (meta.mapType) ext['x-kubernetes-map-type'] = meta.mapType;
  return ext;
}
