/**
 * Last-resort cleanup of what a managed containerd leaves on the host when it
 * could not tear pods down through CRI (crash, test failure): shim processes and
 * the container processes under them, mounts under its data directory, and
 * cgroups under a known parent. Processes are found by PID from /proc and only
 * when they belong to *our* containerd (a shim's `-address` is our socket), so a
 * system containerd next to us is never touched.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/** PIDs of containerd shims serving the containerd listening on `socket`. */
export function findShimPids(socket: string): number[] {
  const out: number[] = [];
  for (const pid of allPids()) {
    const argv = readProc(pid, 'cmdline')?.split('\0');
    if (!argv || !/containerd-shim/.test(argv[0] ?? '')) continue;
    const i = argv.indexOf('-address');
    if (i >= 0 && argv[i + 1] === socket) out.push(pid);
  }
  return out;
}

/** The parent PID from /proc/<pid>/stat (the field after the parenthesised command). */
function parentOf(pid: number): number | undefined {
  const stat = readProc(pid, 'stat');
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[1]);
}

/** Every descendant of `root` (children first-level to leaves, breadth first). */
export function descendantPids(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const ppid = parentOf(pid);
    if (ppid === undefined) continue;
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * SIGKILLs the processes of every shim of `socket`, then the shims themselves
 * (containers first, so none is orphaned). Returns the PIDs signalled.
 */
export function killShims(socket: string): number[] {
  const killed: number[] = [];
  for (const shim of findShimPids(socket)) {
    const tree = descendantPids(shim);
    for (const pid of tree.reverse()) kill(pid, 'SIGKILL');
    kill(shim, 'SIGKILL');
    killed.push(...tree, shim);
  }
  return killed;
}

/** True while `pid` exists and is not a zombie (a zombie has left its cgroups already). */
export function processRunning(pid: number): boolean {
  const stat = readProc(pid, 'stat');
  if (!stat) return false;
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/** Resolves when none of `pids` is running any more, or after `timeoutMs`; returns those still running. */
export async function waitForExit(pids: number[], timeoutMs = 5000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let left = pids.filter(processRunning);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    left = left.filter(processRunning);
  }
  return left;
}

/**
 * The sockets of the shims whose bundles live under `stateDir` (each bundle has
 * an `address` file, `unix:///run/containerd/s/<hash>`). A shim killed rather
 * than shut down leaves its socket behind; the caller removes these after killing.
 */
export function shimSocketPaths(stateDir: string): string[] {
  const tasks = join(stateDir, 'io.containerd.runtime.v2.task');
  const out: string[] = [];
  const list = (d: string) => {
    try {
      return readdirSync(d);
    } catch {
      return [];
    }
  };
  for (const ns of list(tasks)) {
    for (const id of list(join(tasks, ns))) {
      try {
        const addr = readFileSync(join(tasks, ns, id, 'address'), 'utf8').trim();
        if (addr.startsWith('unix://')) out.push(addr.slice('unix://'.length));
      } catch {
        // No address file: that task's shim never came up.
      }
    }
  }
  return [...new Set(out)];
}

/** Mount points at or below `dir`, deepest first (the order to unmount them in). */
export function mountsUnder(dir: string, mountinfo = '/proc/self/mountinfo'): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const points = readFileSync(mountinfo, 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8))))
    .filter((p) => p === dir || p.startsWith(prefix));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Unmounts everything at or below `dir` (lazily when busy). Returns what it unmounted. */
export function unmountUnder(dir: string): string[] {
  const done: string[] = [];
  for (const point of mountsUnder(dir)) {
    const r = spawnSync('umount', [point], { stdio: 'ignore' });
    if (r.status !== 0) spawnSync('umount', ['-l', point], { stdio: 'ignore' });
    done.push(point);
  }
  return done;
}

/** Mount points of every cgroup hierarchy (v1 controllers and/or the v2 unified tree). */
export function cgroupMountPoints(mountinfo = '/proc/self/mountinfo'): string[] {
  return readFileSync(mountinfo, 'utf8')
    .split('\n')
    .filter((l) => / - cgroup2? /.test(l))
    .map((l) => l.split(' ')[4]);
}

function rmdirTree(dir: string): boolean {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return false;
  }
  for (const e of entries) {
    const p = join(dir, e);
    try {
      if (statSync(p).isDirectory()) rmdirTree(p);
    } catch {
      // Raced with removal.
    }
  }
  try {
    rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes the cgroup `relPath` (e.g. `/kubets-e2e-1a2b`) and everything below it
 * in every hierarchy. A cgroup with live processes cannot be removed; kill them
 * first. Returns the directories removed.
 */
export function removeCgroupTree(relPath: string): string[] {
  if (!relPath.startsWith('/') || relPath === '/' || relPath.includes('..')) {
    throw new Error(`refusing to remove cgroup ${JSON.stringify(relPath)}`);
  }
  const removed: string[] = [];
  for (const mount of cgroupMountPoints()) {
    const dir = join(mount, relPath);
    if (rmdirTree(dir)) removed.push(dir);
  }
  return removed;
}
