/**
 * Runtime access to the generated OpenAPI v2 definitions
 * (`dist/generated/definitions.json`, written by `generate-main.ts` during
 * `npm run build`). The file is read once per path and shared: callers must treat
 * the returned object as frozen and copy what they change.
 */
import { readFileSync } from 'node:fs';
import type { GroupVersionKind } from '../scheme/types.js';
import { definitionsFilePath } from './repo-root.js';
import type { Definitions, SchemaObject } from './schema-types.js';

const cache = new Map<string, Definitions>();

/** Where `loadDefinitions()` reads from by default. */
export function defaultDefinitionsPath(): string {
  return definitionsFilePath(import.meta.url);
}

/**
 * The generated definitions, read on first use and cached. Throws an Error naming
 * the file when it is missing or unreadable.
 */
export function loadDefinitions(path: string = defaultDefinitionsPath()): Definitions {
  const hit = cache.get(path);
  if (hit) return hit;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'not found' : `unreadable (${code ?? String(err)})`;
    throw new Error(`OpenAPI definitions ${path} ${why}: run npm run build to generate it`);
  }
  const defs = JSON.parse(text) as Definitions;
  cache.set(path, defs);
  return defs;
}

const gvkIndexes = new WeakMap<Definitions, Map<string, string>>();

const gvkKey = (g: string, v: string, k: string): string => `${g}/${v}/${k}`;

/**
 * The definition whose `x-kubernetes-group-version-kind` lists `gvk`, if any.
 * When several do (never for the generated set), the first by name wins.
 */
export function definitionForGVK(
  defs: Definitions,
  gvk: GroupVersionKind,
): { name: string; schema: SchemaObject } | undefined {
  let index = gvkIndexes.get(defs);
  if (!index) {
    index = new Map();
    for (const name of Object.keys(defs).sort()) {
      for (const e of defs[name]['x-kubernetes-group-version-kind'] ?? []) {
        const key = gvkKey(e.group, e.version, e.kind);
        if (!index.has(key)) index.set(key, name);
      }
    }
    gvkIndexes.set(defs, index);
  }
  const name = index.get(gvkKey(gvk.group, gvk.version, gvk.kind));
  return name === undefined ? undefined : { name, schema: defs[name] };
}
