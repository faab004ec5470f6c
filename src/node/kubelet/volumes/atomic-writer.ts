/**
 * Atomic projection of a set of files into a volume directory, the scheme of
 * upstream's `AtomicWriter` that configMap, secret, downwardAPI and projected
 * volumes use, so a container sees either the old or the new content, never
 * a mix:
 *
 *   <dir>/..2026_01_01_00_00_00.123456/   the real files of one version
 *   <dir>/..data -> ..2026_01_01_00_00_00.123456
 *   <dir>/key    -> ..data/key            one link per top-level path
 *
 * A new version is written into a fresh timestamped directory, then `..data`
 * is swapped with a rename (atomic) of a `..data_tmp` link, then stale
 * top-level links and the old directory are removed. Names starting with
 * `..` are reserved. Callers serialize writes to one directory.
 */
import {
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  readlink,
  rename,
  rm,
  symlink,
  writeFile,
  chmod,
} from 'node:fs/promises';
import { join, posix } from 'node:path';

export interface FileProjection {
  data: Buffer;
  /** Permission bits (e.g. 0o644). */
  mode: number;
}

export type Payload = Record<string, FileProjection>;

const dataDirName = '..data';
const newDataDirName = '..data_tmp';
const maxFileNameLength = 255;
const maxPathLength = 4096;

/** Why `p` may not be a payload path (upstream messages), or undefined when it is fine. */
export function invalidPayloadPath(p: string): string | undefined {
  if (p === '') return `invalid path: must not be empty: ${JSON.stringify(p)}`;
  if (p.startsWith('/')) return `invalid path: must be relative path: ${p}`;
  if (p.length > maxPathLength) return `invalid path: must be less than or equal to ${maxPathLength} characters`;
  const items = p.split('/');
  for (const item of items) {
    if (item === '..') return `invalid path: must not contain '..': ${p}`;
    if (item.length > maxFileNameLength)
      return `invalid path: filenames must be less than or equal to ${maxFileNameLength} characters`;
  }
  if (items[0].startsWith('..') && items[0].length > 2) return `invalid path: must not start with '..': ${p}`;
  return undefined;
}

function cleanPayload(payload: Payload): Map<string, FileProjection> {
  const out = new Map<string, FileProjection>();
  for (const [p, f] of Object.entries(payload)) {
    const invalid = invalidPayloadPath(p);
    if (invalid) throw new Error(invalid);
    out.set(posix.normalize(p).replace(/\/+$/, ''), f);
  }
  return out;
}

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/** `..2006_01_02_15_04_05.` in UTC, the prefix of a timestamped data directory. */
function timestampPrefix(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `..${d.getUTCFullYear()}_${p(d.getUTCMonth() + 1)}_${p(d.getUTCDate())}_${p(d.getUTCHours())}_${p(
    d.getUTCMinutes(),
  )}_${p(d.getUTCSeconds())}.`;
}

/** Every path below `dir`, relative to it (files and directories). */
async function walk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    out.push(rel);
    if (e.isDirectory()) out.push(...(await walk(dir, rel)));
  }
  return out;
}

/** A file differs when it is missing, not a regular file, or has other content or permissions. */
async function differs(path: string, f: FileProjection): Promise<boolean> {
  try {
    const st = await lstat(path);
    if (!st.isFile() || (st.mode & 0o7777) !== (f.mode & 0o7777)) return true;
    return !(await readFile(path)).equals(f.data);
  } catch (err) {
    if (isMissing(err)) return true;
    throw err;
  }
}

/**
 * Projects `payload` into `targetDir` (which must exist). Returns false when
 * the directory already held exactly this payload and nothing was written.
 */
export async function atomicWrite(targetDir: string, payload: Payload, now: () => number = Date.now): Promise<boolean> {
  const files = cleanPayload(payload);
  const dataDirPath = join(targetDir, dataDirName);
  let oldTsDir = '';
  try {
    oldTsDir = await readlink(dataDirPath);
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
  const oldTsPath = oldTsDir ? join(targetDir, oldTsDir) : '';

  let toRemove: string[] = [];
  if (oldTsPath) {
    const wanted = new Set<string>();
    for (const p of files.keys()) {
      // Keep every parent of a wanted file, so no non-empty directory is pruned.
      for (let sub = p; sub !== '' && sub !== '.'; sub = posix.dirname(sub)) wanted.add(sub);
    }
    let current: string[] = [];
    try {
      current = await walk(oldTsPath);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    toRemove = current.filter((p) => !wanted.has(p));
    let write = false;
    for (const [p, f] of files) {
      if (await differs(join(oldTsPath, p), f)) {
        write = true;
        break;
      }
    }
    if (!write && toRemove.length === 0) return false;
  }

  const tsDir = await mkdtemp(join(targetDir, timestampPrefix(now())));
  // Group and others must be able to traverse it whatever the umask.
  await chmod(tsDir, 0o755);
  const tsName = posix.basename(tsDir);
  try {
    for (const [p, f] of files) {
      const full = join(tsDir, p);
      await mkdir(posix.dirname(full), { recursive: true });
      await writeFile(full, f.data, { mode: f.mode });
      await chmod(full, f.mode);
    }
    // User-visible links for each top-level name; they resolve through ..data, so they stay valid across swaps.
    for (const p of files.keys()) {
      const top = p.split('/')[0];
      try {
        await lstat(join(targetDir, top));
      } catch (err) {
        if (!isMissing(err)) throw err;
        await symlink(posix.join(dataDirName, top), join(targetDir, top));
      }
    }
    const tmpLink = join(targetDir, newDataDirName);
    await rm(tmpLink, { force: true });
    await symlink(tsName, tmpLink);
    await rename(tmpLink, dataDirPath);
  } catch (err) {
    await rm(tsDir, { recursive: true, force: true });
    await rm(join(targetDir, newDataDirName), { force: true });
    throw err;
  }

  for (const p of toRemove) {
    // Only top-level names have links in the volume root.
    if (!p.includes('/')) await rm(join(targetDir, p), { force: true });
  }
  if (oldTsPath && oldTsDir !== tsName) await rm(oldTsPath, { recursive: true, force: true });
  return true;
}
