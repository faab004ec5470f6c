/**
 * The `kubets server` PID file (`<data-dir>/kubets.pid`): written at start,
 * removed on a clean exit, read by `kubets uninstall` to stop the server.
 * It holds the PID and the process start time (field 22 of /proc/<pid>/stat),
 * so a PID the kernel has since given to another process is never mistaken
 * for the server, and a second server on the same data dir is refused.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The start time of `pid` in clock ticks since boot, or undefined when it does not exist. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command: state is field 3, starttime field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

export interface PidRecord {
  pid: number;
  startTime: string;
}

export function parsePidFile(text: string): PidRecord | undefined {
  const [pid, startTime] = text.trim().split(/\s+/);
  if (!pid || !/^\d+$/.test(pid) || !startTime) return undefined;
  return { pid: Number(pid), startTime };
}

/** The live process the PID file names, or undefined (no file, unreadable, or that process is gone). */
export function livePidFromFile(path: string): number | undefined {
  let rec: PidRecord | undefined;
  try {
    rec = parsePidFile(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  if (!rec) return undefined;
  return processStartTime(rec.pid) === rec.startTime ? rec.pid : undefined;
}

export class AlreadyRunningError extends Error {
  override name = 'AlreadyRunningError';
  constructor(
    readonly pid: number,
    readonly path: string,
  ) {
    super(
      `another kubets server (pid ${pid}) is already running on ${dirname(path)}; stop it first or use another --data-dir`,
    );
  }
}

/**
 * Claims the PID file for this process; throws AlreadyRunningError when a
 * live server holds it. Returns the release function (removes the file if it
 * is still ours).
 */
export function acquirePidFile(path: string): () => void {
  const holder = livePidFromFile(path);
  if (holder !== undefined && holder !== process.pid) throw new AlreadyRunningError(holder, path);
  const startTime = processStartTime(process.pid) ?? '0';
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${process.pid} ${startTime}\n`, { mode: 0o644 });
  return () => {
    if (livePidFromFile(path) === process.pid) rmSync(path, { force: true });
  };
}
