/**
 * Image import into containerd through `ctr` (shipped by Debian's containerd
 * package). The CRI has no import RPC, so `kubets image import` and the node
 * agent's local images (pause, test images) go through the containerd API in
 * the `k8s.io` namespace — the one the CRI plugin serves — and are unpacked for
 * the CRI's snapshotter so containers can start from them at once.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The containerd namespace the CRI plugin uses. */
export const criNamespace = 'k8s.io';

export interface ImportImageOptions {
  /** Default `ctr` on PATH. */
  ctrPath?: string;
  namespace?: string;
  /** Must match the CRI plugin's snapshotter; default overlayfs. */
  snapshotter?: string;
  /** Default 5 minutes. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ImportedImage {
  name: string;
  /** The manifest (or index) digest. */
  digest: string;
}

export class CtrError extends Error {
  override name = 'CtrError';
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** Runs ctr against `socket`; resolves with stdout. */
export function runCtr(socket: string, args: string[], opts: ImportImageOptions = {}): Promise<string> {
  const ctr = opts.ctrPath ?? 'ctr';
  const argv = ['--address', socket, '--namespace', opts.namespace ?? criNamespace, ...args];
  return new Promise((resolve, reject) => {
    execFile(
      ctr,
      argv,
      { timeout: opts.timeoutMs ?? 5 * 60_000, signal: opts.signal, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (!err) {
          resolve(stdout);
          return;
        }
        const code = (err as NodeJS.ErrnoException).code;
        const detail = stderr.trim() || err.message;
        if (code === 'ENOENT') {
          reject(new CtrError(`${ctr} not found: install the containerd package (it ships ctr)`, stderr));
        } else if (/connection refused|no such file or directory|failed to dial/i.test(detail) && !existsSync(socket)) {
          reject(new CtrError(`containerd is not running at ${socket}: start it first`, stderr));
        } else reject(new CtrError(`ctr ${args.slice(0, 2).join(' ')} failed: ${detail}`, stderr));
      },
    );
  });
}

/**
 * Imports the image archive `file` (OCI or docker-archive tarball) into the
 * containerd at `socket` and unpacks it; returns the images it named. Names come
 * from the archive (`io.containerd.image.name` annotations).
 */
export async function importImage(
  socket: string,
  file: string,
  opts: ImportImageOptions = {},
): Promise<ImportedImage[]> {
  if (!existsSync(file)) throw new CtrError(`image archive ${file} does not exist`, '');
  const args = ['images', 'import', '--snapshotter', opts.snapshotter ?? 'overlayfs', file];
  const out = await runCtr(socket, args, opts);
  return parseImportOutput(out);
}

/** Parses `unpacking <name> (<digest>)...done` lines of `ctr images import`. */
export function parseImportOutput(out: string): ImportedImage[] {
  const images: ImportedImage[] = [];
  for (const m of out.matchAll(/^unpacking (\S+) \((sha256:[0-9a-f]{64})\)\.\.\.done$/gm)) {
    images.push({ name: m[1], digest: m[2] });
  }
  return images;
}
