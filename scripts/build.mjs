// Compiles the TypeScript tree to dist/ and runs the build-time generators
// (OpenAPI documents from the kubernetes-types declarations). Used by npm start,
// npm test and .ci/run; `npm run build` calls it directly.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './bootstrap.mjs';

function step(name, cmd, args) {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root });
  if (r.status !== 0) {
    console.error(`build: ${name} failed`);
    process.exit(r.status ?? 1);
  }
  console.log(`build: ${name} (${Date.now() - t0} ms)`);
}

step('tsc', process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
const generators = join(root, 'dist', 'src', 'api', 'openapi', 'generate-main.js');
if (existsSync(generators)) step('openapi', process.execPath, [generators]);
mkdirSync(join(root, 'dist'), { recursive: true });
writeFileSync(join(root, 'dist', '.build-stamp'), new Date().toISOString());
