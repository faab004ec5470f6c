/**
 * fsGroup ownership (upstream `volume.SetVolumeOwnership`): every file and
 * directory of a volume gets the pod's fsGroup as its group and group
 * read/write (read only for read-only volumes); directories also get the
 * setgid bit and group execute, so files created later inherit the group.
 * Symlinks only change owner. `OnRootMismatch` skips the walk when the
 * volume root already looks right.
 */
import { chmod, lchown, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

const rwMask = 0o660;
const roMask = 0o440;
const execMask = 0o110;
const setgid = 0o2000;

async function visit(path: string, gid: number, readOnly: boolean): Promise<void> {
  const st = await lstat(path);
  await lchown(path, st.uid, gid);
  if (st.isSymbolicLink()) return;
  let mask = readOnly ? roMask : rwMask;
  if (st.isDirectory()) mask |= setgid | execMask;
  const mode = (st.mode & 0o7777) | mask;
  if (mode !== (st.mode & 0o7777)) await chmod(path, mode);
  if (st.isDirectory()) for (const e of await readdir(path)) await visit(join(path, e), gid, readOnly);
}

export async function setVolumeOwnership(
  dir: string,
  fsGroup: number,
  readOnly: boolean,
  policy: 'Always' | 'OnRootMismatch' = 'Always',
): Promise<void> {
  if (policy === 'OnRootMismatch') {
    const st = await lstat(dir);
    const wantMode = readOnly ? roMask : rwMask;
    if (st.gid === fsGroup && (st.mode & wantMode) === wantMode && (st.mode & setgid) !== 0) return;
  }
  await visit(dir, fsGroup, readOnly);
}
