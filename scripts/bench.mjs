// `npm run bench -- <name> [args]`: builds, then runs dist/bench/<name>.js, which
// prints `name: value unit` lines and writes JSON under bench/results/.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { root, ensureNodeModules, ensureBuilt } from './bootstrap.mjs';

ensureNodeModules();
ensureBuilt();
const [name, ...rest] = process.argv.slice(2);
const dir = join(root, 'dist', 'bench');
const known = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith('.js') && !f.includes('.test.'))
      .map((f) => f.slice(0, -3))
  : [];
if (!name || !known.includes(name)) {
  console.error(
    `bench: choose one of: ${known.join(', ') || '(none built)'}; e.g. npm run bench -- ${known[0] ?? 'storage'}`,
  );
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--expose-gc', join(dir, `${name}.js`), ...rest], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(r.status ?? 1);
