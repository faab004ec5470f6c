/**
 * A throwaway node runtime for end-to-end tests: a managed containerd in a temp
 * dir, the local images imported, a bridge CNI network on a test-only subnet
 * (10.244.64.0/18, a free /24 picked per environment), and a cgroup parent of its
 * own. `dispose()` removes everything even after failures: pods through CRI,
 * then the daemon (by PID), leftover shims of its socket, mounts (rootfs,
 * shm, network namespaces) under the temp dir, the bridge, the cgroups and the
 * temp dir. Needs root and the Debian packages listed in `missingRequirements`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { CriClient } from '../cri/cri-client.js';
import { ContainerRuntime } from '../runtime.js';
import { ManagedContainerd } from '../containerd/managed-containerd.js';
import { removeCgroupTree, unmountUnder } from '../containerd/host-cleanup.js';
import { writeBridgeCniConfig } from '../cni/bridge-config.js';
import { ensureLocalImages, type LocalImage } from '../images/local-images.js';

/** Binaries an e2e runtime needs, with the Debian package that ships each. */
export const e2eRequirements: [path: string, pkg: string][] = [
  ['/usr/bin/containerd', 'containerd'],
  ['/usr/bin/ctr', 'containerd'],
  ['/usr/bin/containerd-shim-runc-v2', 'containerd'],
  ['/usr/sbin/runc', 'runc'],
  ['/usr/lib/cni/bridge', 'containernetworking-plugins'],
  ['/usr/lib/cni/host-local', 'containernetworking-plugins'],
  ['/bin/busybox', 'busybox-static'],
  ['/usr/sbin/ip', 'iproute2'],
];

/** Why e2e runtime tests cannot run here (for `skip`), or undefined when they can. */
export function runtimeE2eSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'runtime e2e tests need Linux';
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return 'runtime e2e tests need root (containerd, network namespaces, cgroups)';
  }
  if (process.arch !== 'x64') return 'runtime e2e tests need x86-64 (the pause image binary is x86-64 code)';
  const missing = e2eRequirements.filter(([p]) => !existsSync(p));
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map(([, pkg]) => pkg))].join(' ');
    return `runtime e2e tests need ${missing.map(([p]) => p).join(', ')}: apt-get install ${pkgs}`;
  }
  return undefined;
}

/** A /24 in 10.244.64.0/18 with no route on this host yet (preferring 10.244.99.0/24). */
export function pickTestSubnet(): string {
  const routes = execFileSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' });
  const used = new Set([...routes.matchAll(/^10\.244\.(\d+)\.0\/24 /gm)].map((m) => Number(m[1])));
  const order = [99, ...Array.from({ length: 64 }, (_, i) => 64 + i).filter((n) => n !== 99)];
  const free = order.find((n) => !used.has(n));
  if (free === undefined) throw new Error('no free test subnet in 10.244.64.0/18');
  return `10.244.${free}.0/24`;
}

export interface ContainerdEnvOptions {
  images?: LocalImage[];
  /** Default: pickTestSubnet(). */
  podCIDR?: string;
  /** Where the temp dir goes; keep it short (socket paths are limited to ~100 bytes). Default /tmp. */
  tmpRoot?: string;
}

export interface ContainerdEnv {
  dir: string;
  containerd: ManagedContainerd;
  cri: CriClient;
  runtime: ContainerRuntime;
  podCIDR: string;
  bridge: string;
  /** A cgroup parent (cgroupfs syntax) owned by this environment; pass it as SandboxSpec.cgroupParent. */
  cgroupParent: string;
  podLogsRoot: string;
  dispose(): Promise<void>;
}

export async function startContainerdEnv(opts: ContainerdEnvOptions = {}): Promise<ContainerdEnv> {
  const id = randomBytes(3).toString('hex');
  const dir = mkdtempSync(join(opts.tmpRoot ?? '/tmp', `kbt-e2e-${id}-`));
  const bridge = `kbt${id}`;
  const cgroupParent = `/kubets-e2e-${id}`;
  const podLogsRoot = join(dir, 'pods');
  const containerd = new ManagedContainerd({ dataDir: join(dir, 'ctd') });
  let cri: CriClient | undefined;
  let disposed = false;
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    cri?.close();
    try {
      await containerd.stop({ killPods: true });
    } finally {
      if (spawnSync('ip', ['link', 'show', bridge], { stdio: 'ignore' }).status === 0) {
        spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
      }
      removeCgroupTree(cgroupParent);
      unmountUnder(dir);
      rmSync(dir, { recursive: true, force: true });
      // The shims' socket directory (containerd's default state dir); removed only when empty, so
      // a system containerd's sockets are never touched.
      for (const d of ['/run/containerd/s', '/run/containerd']) {
        try {
          rmdirSync(d);
        } catch {
          // Not empty or not there.
        }
      }
    }
  };
  try {
    const podCIDR = opts.podCIDR ?? pickTestSubnet();
    writeBridgeCniConfig(containerd.paths.cniConfDir, {
      podCIDR,
      bridgeName: bridge,
      // No masquerading: pods of a test talk only to the host (DESIGN.md §5).
      ipMasq: false,
      ipamDataDir: join(dir, 'cni-ipam'),
    });
    await containerd.start();
    cri = containerd.client();
    const images = opts.images ?? ['busybox'];
    await ensureLocalImages(cri, images, join(dir, 'images'), (f) => containerd.importImage(f));
    const runtime = new ContainerRuntime(cri, { podLogsRoot });
    return { dir, containerd, cri, runtime, podCIDR, bridge, cgroupParent, podLogsRoot, dispose };
  } catch (err) {
    await dispose().catch(() => undefined);
    throw err;
  }
}
