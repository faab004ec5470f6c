/**
 * Turns parsed declarations into upstream-named OpenAPI v2 definitions: property
 * schemas with types, formats, `$ref`s and descriptions, `required` lists,
 * `x-kubernetes-group-version-kind`, and the project's patch metadata as
 * `x-kubernetes-patch-*` / `x-kubernetes-list-*` / `x-kubernetes-map-type`.
 */
import type { FieldPatchMeta, PatchTable } from '../../patch/patch-table.js';
import { definitionRefPrefix, type Definitions, type GVKExtension, type SchemaObject } from '../schema-types.js';
import { intOrStringDefinitionName as intOrStringDefinition } from '../well-known.js';
import { definitionName } from './definition-names.js';
import type { Declaration, InterfaceDecl, ModuleDecls, TypeShape } from './parse-declarations.js';
import {
  extraGVKs,
  formatOverrides,
  intOrStringDescription,
  specialDefinitions,
  type FormatOverride,
} from './type-overrides.js';
import { compareStrings } from '../stable-json.js';

export interface BuildResult {
  definitions: Definitions;
  /** Patch-table entries that name no known definition or property (the table may run ahead of the types). */
  warnings: string[];
}

export function buildDefinitions(modules: ModuleDecls[], patchTable: PatchTable): BuildResult {
  const definitions: Definitions = {};
  const groupVersions = new Map<string, { group: string; version: string }>();
  groupVersions.set('/v1', { group: '', version: 'v1' });

  for (const mod of modules) {
    for (const decl of mod.declarations) {
      const name = definitionName(mod.key, decl.name);
      const schema = schemaForDeclaration(name, decl);
      const gvk = decl.kind === 'interface' ? literalGVK(decl) : undefined;
      if (gvk) {
        schema['x-kubernetes-group-version-kind'] = [gvk];
        groupVersions.set(`${gvk.group}/${gvk.version}`, { group: gvk.group, version: gvk.version });
      }
      definitions[name] = schema;
    }
  }
  definitions[intOrStringDefinition] = { type: 'string', format: 'int-or-string', description: intOrStringDescription };

  const allGVs = [...groupVersions.values()].sort(
    (a, b) => compareStrings(a.group, b.group) || compareStrings(a.version, b.version),
  );
  for (const [name, gvks] of Object.entries(extraGVKs)) {
    const schema = definitions[name];
    if (!schema) throw new Error(`openapi generator: extraGVKs names unknown definition ${name}`);
    const kind = name.slice(name.lastIndexOf('.') + 1);
    schema['x-kubernetes-group-version-kind'] =
      gvks === 'everyGroupVersion' ? allGVs.map((gv) => ({ group: gv.group, kind, version: gv.version })) : gvks;
  }

  applyFormatOverrides(definitions);
  const warnings = applyPatchTable(definitions, patchTable);
  return { definitions, warnings };
}

function schemaForDeclaration(name: string, decl: Declaration): SchemaObject {
  const description = decl.description ? { description: decl.description } : {};
  const special = specialDefinitions[name];
  if (special) return { ...structuredClone(special), ...description };
  if (decl.kind === 'alias') return { ...schemaForShape(decl.type), ...description };

  const schema: SchemaObject = { ...description, type: 'object' };
  if (decl.properties.length > 0) {
    schema.properties = {};
    for (const p of decl.properties) {
      schema.properties[p.name] = {
        ...schemaForShape(p.type),
        ...(p.description ? { description: p.description } : {}),
      };
    }
    const required = decl.properties.filter((p) => !p.optional).map((p) => p.name);
    if (required.length > 0) schema.required = required;
  }
  return schema;
}

function schemaForShape(shape: TypeShape): SchemaObject {
  switch (shape.kind) {
    case 'string':
    case 'literal':
      return { type: 'string' };
    case 'number':
      return { type: 'integer', format: 'int32' };
    case 'boolean':
      return { type: 'boolean' };
    case 'int-or-string':
      return { $ref: definitionRefPrefix + intOrStringDefinition };
    case 'array':
      return { type: 'array', items: schemaForShape(shape.items) };
    case 'map':
      return { type: 'object', additionalProperties: schemaForShape(shape.values) };
    case 'ref':
      return { $ref: definitionRefPrefix + definitionName(shape.module, shape.name) };
    case 'union':
      // `number | string` is IntOrString above; the only other unions are the
      // JSONSchemaProps wrappers, special-cased by name.
      return {};
  }
}

/** `{group, version, kind}` when both `apiVersion` and `kind` are string literals. */
function literalGVK(decl: InterfaceDecl): GVKExtension | undefined {
  const apiVersion = decl.properties.find((p) => p.name === 'apiVersion')?.type;
  const kind = decl.properties.find((p) => p.name === 'kind')?.type;
  if (apiVersion?.kind !== 'literal' || kind?.kind !== 'literal') return undefined;
  const slash = apiVersion.value.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.value.slice(0, slash);
  const version = apiVersion.value.slice(slash + 1);
  return { group, kind: kind.value, version };
}

function applyFormatOverrides(definitions: Definitions): void {
  for (const [defName, fields] of Object.entries(formatOverrides)) {
    for (const [field, format] of Object.entries(fields)) {
      const prop = definitions[defName]?.properties?.[field];
      if (!prop) throw new Error(`openapi generator: format override for unknown property ${defName}.${field}`);
      let scalar = prop;
      if (prop.type === 'array' && prop.items) scalar = prop.items;
      else if (prop.type === 'object' && typeof prop.additionalProperties === 'object')
        scalar = prop.additionalProperties;
      setFormat(scalar, format, `${defName}.${field}`);
    }
  }
}

function setFormat(schema: SchemaObject, format: FormatOverride, where: string): void {
  const expected = format === 'byte' ? 'string' : 'integer';
  if (schema.type !== expected) throw new Error(`openapi generator: ${where} is ${schema.type}, cannot be ${format}`);
  schema.format = format;
  if (format === 'double') schema.type = 'number';
}

function applyPatchTable(definitions: Definitions, table: PatchTable): string[] {
  const warnings: string[] = [];
  for (const defName of Object.keys(table).sort()) {
    const schema = definitions[defName];
    if (!schema) {
      warnings.push(`patch table names unknown definition ${defName}`);
      continue;
    }
    for (const [field, meta] of Object.entries(table[defName])) {
      const prop = schema.properties?.[field];
      if (!prop) {
        warnings.push(`patch table names unknown property ${defName}.${field}`);
        continue;
      }
      Object.assign(prop, patchExtensions(meta));
    }
  }
  return warnings;
}

function patchExtensions(meta: FieldPatchMeta): SchemaObject {
  const ext: SchemaObject = {};
  if (meta.strategy) ext['x-kubernetes-patch-strategy'] = meta.strategy;
  if (meta.mergeKey) ext['x-kubernetes-patch-merge-key'] = meta.mergeKey;
  if (meta.listType) ext['x-kubernetes-list-type'] = meta.listType;
  if (meta.listMapKeys) ext['x-kubernetes-list-map-keys'] = [...meta.listMapKeys];
  if (meta.mapType) ext['x-kubernetes-map-type'] = meta.mapType;
  return ext;
}
