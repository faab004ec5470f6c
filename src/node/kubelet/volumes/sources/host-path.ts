/**
 * hostPath type checks (upstream `hostpath.checkTypeInternal`, v1.32): the
 * *OrCreate types create what is missing (directories 0755, files 0644);
 * the others require the path to exist with the named type. An empty type
 * checks nothing. Messages are upstream's, so FailedMount events read the same.
 */
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';

export type HostPathType =
  '' | 'DirectoryOrCreate' | 'Directory' | 'FileOrCreate' | 'File' | 'Socket' | 'CharDevice' | 'BlockDevice';

async function statOf(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

async function makeFile(path: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, 'a', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST' && (err as NodeJS.ErrnoException).code !== 'EISDIR') throw err;
  } finally {
    await fh?.close();
  }
}

const failed = (path: string, what: string) => new Error(`hostPath type check failed: ${path} is not a ${what}`);

/** Resolves when `path` satisfies `type`; throws with upstream's message otherwise. */
export async function checkHostPathType(path: string, type: string | undefined): Promise<void> {
  const t = (type ?? '') as HostPathType;
  if (t === '') return;
  if (t === 'DirectoryOrCreate' && !(await statOf(path))) {
    await mkdir(path, { recursive: true, mode: 0o755 });
    return;
  }
  if (t === 'FileOrCreate' && !(await statOf(path))) {
    await makeFile(path);
    return;
  }
  const st = await statOf(path);
  switch (t) {
    case 'DirectoryOrCreate':
    case 'Directory':
      if (!st?.isDirectory()) throw failed(path, 'directory');
      return;
    case 'FileOrCreate':
    case 'File':
      // Upstream's "file" is anything that exists and is not a directory.
      if (!st || st.isDirectory()) throw failed(path, 'file');
      return;
    case 'Socket':
      if (!st?.isSocket()) throw failed(path, 'socket file');
      return;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) throw failed(path, 'character device');
      return;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) throw failed(path, 'block device');
      return;
    default:
      throw new Error(`${type} is an invalid volume type`);
  }
}
