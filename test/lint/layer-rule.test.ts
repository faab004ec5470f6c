import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = process.env.KUBETS_ROOT ?? process.cwd();
const cruiser = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

/** Runs the project's layer rules over a throwaway tree holding `files`. */
function cruise(files: Record<string, string>): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-layers-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    copyFileSync(join(root, 'tsconfig.json'), join(dir, 'tsconfig.json'));
    const r = spawnSync(process.execPath, [cruiser, '--config', join(root, '.dependency-cruiser.cjs'), 'src'], {
      cwd: dir,
      encoding: 'utf8',
    });
    return { status: r.status, out: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cases: { name: string; files: Record<string, string>; rule?: string }[] = [
  {
    name: 'lib importing api',
    files: {
      'src/api/x.ts': 'export const a = 1;\n',
      'src/lib/bad.ts': "import { a } from '../api/x.js';\nexport const b = a;\n",
    },
    rule: 'lib-imports-nothing',
  },
  {
    name: 'scheduler importing storage',
    files: {
      'src/control-plane/storage/s.ts': 'export const s = 1;\n',
      'src/control-plane/scheduler/bad.ts': "import { s } from '../storage/s.js';\nexport const b = s;\n",
    },
    rule: 'only-apiserver-and-cmd-import-storage',
  },
  {
    name: 'kubelet importing the scheduler',
    files: {
      'src/control-plane/scheduler/x.ts': 'export const x = 1;\n',
      'src/node/kubelet/bad.ts': "import { x } from '../../control-plane/scheduler/x.js';\nexport const b = x;\n",
    },
    rule: 'kubelet-imports-runtime-client-api-lib',
  },
  {
    name: 'an import cycle',
    files: {
      'src/api/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'src/api/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
    },
    rule: 'no-cycles',
  },
  {
    name: 'allowed: apiserver importing storage and client importing api',
    files: {
      'src/control-plane/storage/s.ts': 'export const s = 1;\n',
      'src/control-plane/apiserver/ok.ts': "import { s } from '../storage/s.js';\nexport const o = s;\n",
      'src/api/t.ts': 'export const t = 1;\n',
      'src/client/ok.ts': "import { t } from '../api/t.js';\nexport const c = t;\n",
    },
  },
];

for (const c of cases) {
  test(`layer rule: ${c.name}`, () => {
    const r = cruise(c.files);
    if (c.rule) {
      assert.notEqual(r.status, 0, r.out);
      assert.match(r.out, new RegExp(c.rule));
    } else {
      assert.equal(r.status, 0, r.out);
    }
  });
}
