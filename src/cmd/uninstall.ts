/**
 * `kubets uninstall` (k3s-uninstall.sh; with `--keep-data`, k3s-killall.sh):
 * stops everything kubets started on this host for one data dir and removes
 * its state, in an order where each step can still rely on the previous:
 *
 *   1. the server, by the PID its PID file names (start time checked);
 *   2. a containerd left running from that data dir (found by its config path);
 *   3. the pods: our containerd is started once more so every sandbox is torn
 *      down through CRI — which runs CNI DEL, so addresses, veths and
 *      masquerade rules go the supported way — then leftover shims of our
 *      socket are killed and its mounts (rootfs, shm, network namespaces)
 *      unmounted; without containerd, straight to the kill-and-unmount part;
 *   4. every other mount under the data dir and the kubelet's root dir (pod
 *      volumes, tmpfs secrets);
 *   5. the pod network bridge and any veth still on it, and the kubelet's cgroups;
 *   6. the pod masquerade (nftables table `ip kubets-masq` or the iptables
 *      KUBETS-POD-MASQ chain), kube-proxy's nftables table and iptables chains,
 *      and the pod routes to other nodes (only routes carrying kubets's
 *      routing protocol number);
 *   7. the data dir itself, unless `--keep-data`.
 *
 * It prints one line per thing removed and is safe to run again.
 */
import { existsSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../cli/command.js';
import { ManagedContainerd } from '../node/runtime/index.js';
import {
  killShims,
  removeCgroupTree,
  shimSocketPaths,
  unmountUnder,
  waitForExit,
} from '../node/runtime/containerd/host-cleanup.js';
import { agentPaths, pidFileOf, readNodeHostState, type NodeHostState } from './agent-paths.js';
import {
  findContainerdDaemons,
  removeBridge,
  removeCniResults,
  removeMasqueradeRules,
  removeProxyRules,
  stopProcess,
} from './host-teardown.js';
import { dataDirFlag, dataDirOf } from './local-paths.js';
import { livePidFromFile } from './pid-file.js';
import { removeOwnedRoutes } from '../node/routes/index.js';
import { removeKubetsRoutes } from './service-route.js';

export interface UninstallOptions {
  dataDir: string;
  keepData?: boolean;
  /** Receives one line per step taken. */
  report?: (line: string) => void;
  /** How long the server gets to stop after SIGTERM (default 30 s). */
  serverGraceMs?: number;
}

/** Tears down pods through a containerd on our data dir; returns how many sandboxes it removed. */
async function removePods(ctdDir: string, state: NodeHostState | undefined, report: (l: string) => void) {
  const ctd = new ManagedContainerd({
    dataDir: ctdDir,
    sandboxImage: state?.sandboxImage,
    cgroupDriver: state?.cgroupDriver,
    readyTimeoutMs: 30_000,
  });
  const socket = ctd.paths.socket;
  try {
    await ctd.start();
    const cri = ctd.client(30_000);
    const sandboxes = await cri.listPodSandbox().finally(() => cri.close());
    await ctd.stop({ killPods: true });
    if (sandboxes.length > 0) report(`removed ${sandboxes.length} pod sandbox(es) through CRI`);
    const cached = removeCniResults(sandboxes.map((s) => s.id));
    if (cached.length > 0) report(`removed ${cached.length} cached CNI result(s)`);
  } catch (err) {
    report(`containerd could not start (${(err as Error).message.split('\n')[0]}); killing its shims instead`);
    await ctd.stop().catch(() => undefined);
    const sockets = shimSocketPaths(ctd.paths.state);
    const killed = killShims(socket);
    await waitForExit(killed);
    for (const s of sockets) rmSync(s, { force: true });
    if (killed.length > 0) report(`killed ${killed.length} shim/container process(es)`);
    const cached = removeCniResults(listDir(join(ctd.paths.root, 'io.containerd.grpc.v1.cri', 'sandboxes')));
    if (cached.length > 0) report(`removed ${cached.length} cached CNI result(s)`);
  }
}

const isWithin = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export async function uninstall(o: UninstallOptions): Promise<void> {
  const report = o.report ?? (() => {});
  const paths = agentPaths(o.dataDir);
  const server = livePidFromFile(pidFileOf(o.dataDir));
  if (server !== undefined) {
    const gone = await stopProcess(server, o.serverGraceMs ?? 30_000);
    report(gone ? `stopped kubets server (pid ${server})` : `kubets server (pid ${server}) did not stop`);
  }
  rmSync(pidFileOf(o.dataDir), { force: true });

  const state = readNodeHostState(paths);
  const configPath = join(paths.containerd, 'config.toml');
  for (const pid of findContainerdDaemons(configPath)) {
    if (await stopProcess(pid, 10_000)) report(`stopped containerd (pid ${pid})`);
  }
  if (!state?.externalRuntimeEndpoint && existsSync(configPath)) await removePods(paths.containerd, state, report);

  // Pod volumes live below the kubelet's root dir, which `--kubelet-arg root-dir` may have put elsewhere.
  const roots = [o.dataDir, ...(state?.kubeletDir && !isWithin(state.kubeletDir, o.dataDir) ? [state.kubeletDir] : [])];
  for (const dir of roots) {
    const unmounted = unmountUnder(dir);
    if (unmounted.length > 0) report(`unmounted ${unmounted.length} mount(s) under ${dir}`);
  }

  if (state) {
    for (const bridge of [state.bridge, ...(state.formerBridges ?? [])]) {
      for (const link of removeBridge(bridge)) report(`removed network link ${link}`);
    }
    if (state.cgroupDriver === 'cgroupfs') {
      for (const root of [state.cgroupRoot, ...(state.formerCgroupRoots ?? [])]) {
        // The pods' cgroups are `<root>/kubepods/...`; a root of our own goes entirely.
        const tree = root === '/' ? '/kubepods' : root;
        const removed = removeCgroupTree(tree);
        if (removed.length > 0) report(`removed cgroup ${tree} (${removed.length} hierarchies)`);
      }
    }
  }
  // The pod masquerade (src/node/routes), kept when this node ran the pod network. Removed
  // before kube-proxy's rules: that cleanup claims every KUBETS-* iptables chain.
  if (state && !state.externalRuntimeEndpoint) {
    try {
      for (const what of await removeMasqueradeRules()) report(`removed pod masquerade ${what}`);
    } catch (err) {
      report(`could not remove the pod masquerade: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  // kube-proxy's tables and the service-CIDR route are host-wide: only when this node ran kube-proxy.
  if (state?.kubeProxy) {
    for (const what of await removeProxyRules()) report(`removed ${what}`);
    for (const route of removeKubetsRoutes()) report(`removed route ${route}`);
  }
  // Routes to other nodes' pod CIDRs (src/node/routes), marked by their own protocol number.
  if (state) {
    try {
      for (const route of await removeOwnedRoutes()) report(`removed pod route ${route}`);
    } catch (err) {
      report(`could not remove pod routes: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  // The shims' socket directory under containerd's default state dir: only when empty, never a system containerd's.
  for (const d of ['/run/containerd/s', '/run/containerd']) {
    try {
      rmdirSync(d);
    } catch {
      // Not empty or not there.
    }
  }
  if (!o.keepData && existsSync(o.dataDir)) {
    rmSync(o.dataDir, { recursive: true, force: true });
    report(`removed ${o.dataDir}`);
  }
}

export const uninstallCommand: Command = {
  name: 'uninstall',
  summary: 'Stop everything kubets started on this host and remove its state',
  usage: 'uninstall [--data-dir DIR] [--keep-data]',
  flags: [
    dataDirFlag,
    {
      name: 'keep-data',
      type: 'boolean',
      description: 'Stop and clean up, but keep the data dir (like k3s-killall.sh)',
    },
  ],
  async run({ flags, stdout }) {
    const dataDir = dataDirOf(flags);
    let n = 0;
    await uninstall({
      dataDir,
      keepData: flags['keep-data'] === true,
      report: (line) => {
        n++;
        stdout.write(`kubets uninstall: ${line}\n`);
      },
    });
    if (n === 0) stdout.write(`kubets uninstall: nothing of kubets found for ${dataDir}\n`);
    return 0;
  },
};
