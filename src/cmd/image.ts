/**
 * `kubets image import FILE...` and `kubets image ls`: images of this
 * machine's node. Import loads OCI or docker archive tarballs into the node's
 * containerd, in the `k8s.io` namespace the CRI serves and unpacked for its
 * snapshotter, so pods can use them at once (k3s: `k3s ctr images import`,
 * or dropping archives into agent/images). `ls` prints what the CRI reports,
 * laid out as `crictl images` does. Both find containerd under the server's
 * data dir (or the external runtime the node was started with).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from '../cli/command.js';
import { UsageError } from '../cli/flags.js';
import { crictlTable, humanSize } from '../cli/table.js';
import { CriClient, importImage, socketPathOf, type Image } from '../node/runtime/index.js';
import { listImages } from '../node/runtime/images/image-commands.js';
import { agentPaths, readNodeHostState } from './agent-paths.js';
import { dataDirFlag, dataDirOf } from './local-paths.js';

export interface NodeRuntimeTarget {
  /** The CRI endpoint (`unix://...`). */
  endpoint: string;
  /** containerd's socket (for ctr). */
  socket: string;
  /** The snapshotter images must be unpacked for. */
  snapshotter: string;
}

/** Where the node of `dataDir` runs its containers. */
export function nodeRuntimeTarget(dataDir: string): NodeRuntimeTarget {
  const paths = agentPaths(dataDir);
  const external = readNodeHostState(paths)?.externalRuntimeEndpoint;
  if (external) return { endpoint: external, socket: socketPathOf(external), snapshotter: 'overlayfs' };
  let snapshotter = 'overlayfs';
  try {
    const config = readFileSync(join(paths.containerd, 'config.toml'), 'utf8');
    snapshotter = /^\s*snapshotter\s*=\s*"([^"]+)"/m.exec(config)?.[1] ?? snapshotter;
  } catch {
    // No config yet: containerd never ran here (the connection check reports it).
  }
  return { endpoint: `unix://${paths.containerdSocket}`, socket: paths.containerdSocket, snapshotter };
}

class NotRunningError extends Error {
  override name = 'NotRunningError';
}

/** Fails with one line when nothing answers CRI at the target. */
async function ensureRunning(t: NodeRuntimeTarget, dataDir: string): Promise<void> {
  const hint = `is kubets server running? start it with: kubets server --data-dir ${dataDir}`;
  if (!existsSync(t.socket)) throw new NotRunningError(`containerd is not running at ${t.socket}: ${hint}`);
  const cri = new CriClient({ endpoint: t.endpoint, timeoutMs: 5000 });
  try {
    await cri.version();
  } catch {
    throw new NotRunningError(`containerd does not answer at ${t.socket}: ${hint}`);
  } finally {
    cri.close();
  }
}

/** crictl's rows for one image: one per tag, `<none>` when untagged. */
export function imageRows(img: Image, noTrunc = false): string[][] {
  const [digestName] = (img.repoDigests[0] ?? '<none>@<none>').split('@');
  const id = noTrunc ? img.id : img.id.replace(/^.*sha256:/, '').slice(0, 13);
  const size = humanSize(img.size);
  if (img.repoTags.length === 0) return [[digestName ?? '<none>', '<none>', id, size]];
  return img.repoTags.map((t) => {
    const i = t.lastIndexOf(':');
    return [t.slice(0, i), t.slice(i + 1), id, size];
  });
}

export function formatImageList(images: Image[], opts: { quiet?: boolean; noTrunc?: boolean } = {}): string {
  if (opts.quiet) return images.map((i) => `${i.id}\n`).join('');
  return crictlTable([['IMAGE', 'TAG', 'IMAGE ID', 'SIZE'], ...images.flatMap((i) => imageRows(i, opts.noTrunc))]);
}

export const imageCommand: Command = {
  name: 'image',
  summary: "Import image archives into this node's containerd, or list its images",
  usage: 'image import FILE... | image ls [flags]',
  flags: [
    dataDirFlag,
    { name: 'quiet', short: 'q', type: 'boolean', description: 'ls: print image IDs only' },
    { name: 'no-trunc', type: 'boolean', description: 'ls: do not truncate image IDs' },
  ],
  async run({ flags, args, stdout, stderr }) {
    const [sub, ...files] = args;
    if (sub !== 'import' && sub !== 'ls' && sub !== 'list') {
      throw new UsageError(`unknown subcommand "${sub ?? ''}"; use import or ls`);
    }
    if (sub === 'import' && files.length === 0) throw new UsageError('image import needs at least one archive file');
    const dataDir = dataDirOf(flags);
    const target = nodeRuntimeTarget(dataDir);
    try {
      await ensureRunning(target, dataDir);
    } catch (err) {
      if (!(err instanceof NotRunningError)) throw err;
      stderr.write(`kubets image: ${err.message}\n`);
      return 1;
    }
    if (sub === 'import') {
      for (const f of files) {
        const file = resolve(f);
        if (!existsSync(file)) throw new UsageError(`${f}: no such file`);
        const imported = await importImage(target.socket, file, { snapshotter: target.snapshotter });
        if (imported.length === 0) stdout.write(`${f}: no named images in the archive\n`);
        for (const img of imported) stdout.write(`imported ${img.name} (${img.digest})\n`);
      }
      return 0;
    }
    const images = await listImages(target.endpoint, { timeoutMs: 30_000 });
    stdout.write(formatImageList(images, { quiet: flags.quiet === true, noTrunc: flags['no-trunc'] === true }));
    return 0;
  },
};
