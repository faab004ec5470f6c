/**
 * Build step (run by `scripts/build.mjs` as `dist/src/api/openapi/generate-main.js`
 * after tsc, or directly with `npx tsx src/api/openapi/generate-main.ts`): writes
 * `dist/generated/definitions.json`. Exits non-zero when generation fails so a
 * broken schema never reaches the apiserver.
 */
import { relative } from 'node:path';
import { generateDefinitions, writeDefinitionsFile } from './generator/generate-definitions.js';
import { definitionsFilePath, repoRootFrom } from './repo-root.js';

const t0 = Date.now();
try {
  const { definitions, warnings } = generateDefinitions();
  const out = definitionsFilePath(import.meta.url);
  writeDefinitionsFile(definitions, out);
  for (const w of warnings) console.warn(`openapi: warning: ${w}`);
  const count = Object.keys(definitions).length;
  const where = relative(repoRootFrom(import.meta.url), out);
  console.log(`openapi: ${count} definitions -> ${where} (${Date.now() - t0} ms)`);
} catch (err) {
  console.error(`openapi: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
