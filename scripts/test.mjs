// `npm test`: bootstrap what the tests need, build, then run every compiled test
// file (`*.test.js` under dist/) with node's built-in test runner, whose closing
// summary lines CI reads. Optional arguments narrow the run to paths, e.g.
// `npm test -- src/api test/integration`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { root, ensureNodeModules, ensureSystemPackages, ensureBuilt } from './bootstrap.mjs';

ensureNodeModules();
ensureSystemPackages();
ensureBuilt();

function collect(dir, out) {
  if (!existsSync(dir)) return out;
  if (statSync(dir).isFile()) {
    if (dir.endsWith('.test.js')) out.push(dir);
    return out;
  }
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) collect(p, out);
    else if (e.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const passthrough = process.argv.slice(2).filter((a) => a.startsWith('--'));
const roots = filters.length
  ? filters.map((f) => join(root, 'dist', f.replace(/\.ts$/, '.js')))
  : ['src', 'test'].map((d) => join(root, 'dist', d));
const files = [...new Set(roots.flatMap((r) => collect(r, [])))].sort();
if (files.length === 0) {
  console.error(`test: no test files under ${roots.map((r) => relative(root, r)).join(', ')}`);
  process.exit(1);
}

const concurrency = process.env.KUBETS_TEST_CONCURRENCY ?? '2';
const r = spawnSync(
  process.execPath,
  [
    '--enable-source-maps',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-timeout=600000',
    '--test-reporter=spec',
    ...passthrough,
    ...files.map((f) => relative(root, f)),
  ],
  { stdio: 'inherit', cwd: root, env: { ...process.env, KUBETS_ROOT: root } },
);
process.exit(r.status ?? 1);
