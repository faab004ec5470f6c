import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root (the nearest directory holding `package.json`) above the
 * module at `moduleUrl`. Works both from `src/...` under tsx and from the compiled
 * `dist/src/...`, which sit at different depths.
 */
export function repoRootFrom(moduleUrl: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(moduleUrl)}`);
    dir = up;
  }
}

/** `dist/generated/definitions.json` of the repository containing `moduleUrl`. */
export function definitionsFilePath(moduleUrl: string): string {
  return join(repoRootFrom(moduleUrl), 'dist', 'generated', 'definitions.json');
}
