/**
 * The manifests `kubets server` ships for its addons, written into the
 * manifests folder at every start (k3s does the same with its packaged
 * manifests): the deployer then applies them like any other file. A
 * disabled addon's file is removed instead, so the deployer deletes its
 * objects (k3s `--disable`). A `<file>.skip` marker leaves the file alone:
 * the user owns it then.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { skipSuffix } from './manifest-file.js';

export interface EmbeddedManifest {
  /** File name in the folder, e.g. `coredns.yaml`. */
  file: string;
  content: string;
  /** Remove the file (the addon is disabled) rather than write it. */
  disabled?: boolean;
}

export type EmbeddedOutcome = 'written' | 'unchanged' | 'removed' | 'absent' | 'skipped';

/** Brings the folder in line with `manifests`; returns what happened to each file. */
export function writeEmbeddedManifests(
  dir: string,
  manifests: readonly EmbeddedManifest[],
): Record<string, EmbeddedOutcome> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const out: Record<string, EmbeddedOutcome> = {};
  for (const m of manifests) {
    const path = join(dir, m.file);
    if (existsSync(`${path}${skipSuffix}`)) {
      out[m.file] = 'skipped';
    } else if (m.disabled) {
      out[m.file] = existsSync(path) ? 'removed' : 'absent';
      rmSync(path, { force: true });
    } else if (existsSync(path) && readFileSync(path, 'utf8') === m.content) {
      out[m.file] = 'unchanged';
    } else {
      // Written aside and renamed, so the deployer never reads half a file.
      const tmp = join(dir, `.${m.file}.tmp`);
      writeFileSync(tmp, m.content, { mode: 0o600 });
      renameSync(tmp, path);
      out[m.file] = 'written';
    }
  }
  return out;
}
