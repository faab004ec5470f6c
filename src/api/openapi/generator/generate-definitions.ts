/**
 * The build-time OpenAPI generator: `kubernetes-types` declarations + the patch
 * table -> `dist/generated/definitions.json` (sorted keys, so the file only
 * changes when its content does). The runtime reads that file through
 * `../definitions.ts` and never imports this module or the TypeScript compiler.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { patchTable as projectPatchTable, type PatchTable } from '../../patch/patch-table.js';
import type { Definitions } from '../schema-types.js';
import { compareStrings, stableStringify } from '../stable-json.js';
import { buildDefinitions, type BuildResult } from './build-definitions.js';
import { type Declaration, listModules, type ModuleDecls, parseModule, parseModuleText } from './parse-declarations.js';
import { supplementModules, supplementRemovals } from './upstream-supplement.js';

export interface GenerateOptions {
  /** Directory of the kubernetes-types package; defaults to the installed one. */
  typesDir?: string;
  /** Defaults to the project's `patchTable`. */
  patchTable?: PatchTable;
}

/** The installed `kubernetes-types` package directory. */
export function kubernetesTypesDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('kubernetes-types/package.json'));
}

export function generateDefinitions(opts: GenerateOptions = {}): BuildResult {
  const typesDir = opts.typesDir ?? kubernetesTypesDir();
  const modules = listModules(typesDir).map((key) => parseModule(typesDir, key));
  return buildDefinitions(applySupplement(modules), opts.patchTable ?? projectPatchTable);
}

/**
 * Merges `upstream-supplement.ts` over the parsed package, TypeScript-style: a
 * supplement interface adds or replaces properties of the package's one (and its
 * doc comment, when it has one). Unknown modules or removal targets throw, so the
 * supplement cannot silently drift from the package.
 */
export function applySupplement(modules: ModuleDecls[]): ModuleDecls[] {
  const byKey = new Map(modules.map((m) => [m.key, { key: m.key, declarations: [...m.declarations] }]));
  const moduleFor = (key: string): ModuleDecls => {
    const mod = byKey.get(key);
    if (!mod) throw new Error(`openapi generator: supplement names unknown module ${key}`);
    return mod;
  };
  for (const [key, text] of Object.entries(supplementModules)) {
    const mod = moduleFor(key);
    for (const decl of parseModuleText(
      key,
      `upstream-supplement(${key})`,
      text,
      mod.declarations.map((d) => d.name),
    ).declarations) {
      const i = mod.declarations.findIndex((d) => d.name === decl.name);
      mod.declarations[i < 0 ? mod.declarations.length : i] =
        i < 0 ? decl : mergeDeclaration(mod.declarations[i], decl);
    }
  }
  for (const [key, targets] of Object.entries(supplementRemovals)) {
    const mod = moduleFor(key);
    for (const target of targets) {
      const [name, field] = target.split('.');
      const i = mod.declarations.findIndex((d) => d.name === name);
      const decl = mod.declarations[i];
      if (!decl) throw new Error(`openapi generator: supplement removes unknown ${key} ${target}`);
      if (field === undefined) {
        mod.declarations.splice(i, 1);
        continue;
      }
      const kept = decl.kind === 'interface' ? decl.properties.filter((p) => p.name !== field) : [];
      if (decl.kind !== 'interface' || kept.length === decl.properties.length) {
        throw new Error(`openapi generator: supplement removes unknown ${key} ${target}`);
      }
      mod.declarations[i] = { ...decl, properties: kept };
    }
  }
  return [...byKey.values()];
}

function mergeDeclaration(base: Declaration, extra: Declaration): Declaration {
  if (base.kind !== 'interface' || extra.kind !== 'interface') return extra;
  const props = new Map(base.properties.map((p) => [p.name, p]));
  for (const p of extra.properties) props.set(p.name, p);
  return {
    ...base,
    description: extra.description || base.description,
    properties: [...props.values()].sort((a, b) => compareStrings(a.name, b.name)),
  };
}

/** Writes `definitions` as sorted-key JSON, creating the directory as needed. */
export function writeDefinitionsFile(definitions: Definitions, outPath: string): void {
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, stableStringify(definitions) + '\n');
}
