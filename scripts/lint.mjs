// `npm run lint`: ESLint (code rules), dependency-cruiser (DESIGN.md's import
// layers and no cycles) and prettier (formatting). Any failure fails the run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './bootstrap.mjs';

const bin = (name, ...parts) => join(root, 'node_modules', ...parts, name);
// Only name folders that exist, so an empty layer does not fail the tools.
const hasFiles = (dir) =>
  existsSync(dir) &&
  readdirSync(dir, { withFileTypes: true }).some((e) => !e.isDirectory() || hasFiles(join(dir, e.name)));
const present = (...dirs) => dirs.filter((d) => hasFiles(join(root, d)));
const steps = [
  ['eslint', [bin('eslint.js', 'eslint', 'bin'), '--max-warnings=0', ...present('src', 'test', 'bench')]],
  [
    'layers',
    [
      bin('dependency-cruise.mjs', 'dependency-cruiser', 'bin'),
      '--config',
      '.dependency-cruiser.cjs',
      ...present('src', 'test', 'bench'),
    ],
  ],
  [
    'prettier',
    [
      bin('prettier.cjs', 'prettier', 'bin'),
      '--check',
      '--log-level=warn',
      ...present('src', 'test', 'bench', 'scripts'),
      'eslint.config.js',
      '.dependency-cruiser.cjs',
    ],
  ],
];
let failed = false;
for (const [name, args] of steps) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
  console.log(`lint: ${name} ${r.status === 0 ? 'ok' : 'FAILED'} (${Date.now() - t0} ms)`);
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
