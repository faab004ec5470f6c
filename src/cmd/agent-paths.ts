/**
 * Where the local node keeps its state under a server's data dir (k3s keeps
 * the same under `<data-dir>/agent`), and the record of host-level things it
 * created outside that folder (bridge, cgroups, processes). `kubets image`
 * finds containerd through these paths; `kubets uninstall` reads the record
 * to know what to remove, so it never has to guess names.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface AgentPaths {
  /** `<data>/agent` */
  root: string;
  /** The managed containerd's data dir (config, socket, root, state, CNI conf). */
  containerd: string;
  /** `<containerd>/containerd.sock` */
  containerdSocket: string;
  /** The kubelet's root dir (`/var/lib/kubelet` upstream): pods/<uid>/volumes... */
  kubelet: string;
  /** Container log directories (`/var/log/pods` upstream). */
  podLogs: string;
  /** host-local IPAM allocations of the pod network. */
  cniIpam: string;
  /** The kubelet's serving certificate and key. */
  tls: string;
  /** The host-state record (NodeHostState). */
  state: string;
}

export function agentPaths(dataDir: string): AgentPaths {
  const root = join(dataDir, 'agent');
  const containerd = join(root, 'containerd');
  return {
    root,
    containerd,
    containerdSocket: join(containerd, 'containerd.sock'),
    kubelet: join(root, 'kubelet'),
    podLogs: join(root, 'pod-logs'),
    cniIpam: join(root, 'cni-ipam'),
    tls: join(root, 'tls'),
    state: join(root, 'node-state.json'),
  };
}

/** The server's PID file (see pid-file.ts). */
export const pidFileOf = (dataDir: string) => join(dataDir, 'kubets.pid');

/**
 * What the node agent set up on the host outside files it owns, written at
 * every start (before anything is created) so an interrupted start is still
 * cleaned up.
 */
export interface NodeHostState {
  nodeName: string;
  /** The pod network's Linux bridge. */
  bridge: string;
  /** The kubelet's cgroup root and driver (pod cgroups live below `<root>/kubepods`). */
  cgroupRoot: string;
  cgroupDriver: 'cgroupfs' | 'systemd';
  sandboxImage: string;
  /** The kubelet's root dir (pod volumes are mounted below it); under `<data>/agent` unless `--kubelet-arg root-dir`. */
  kubeletDir?: string;
  /** Set when containerd was not ours (`--container-runtime-endpoint`): uninstall leaves it alone. */
  externalRuntimeEndpoint?: string;
  /** The managed containerd's PID while it runs. */
  containerdPid?: number;
  /** kube-proxy ran on this node (its netfilter tables are ours to remove). */
  kubeProxy?: boolean;
  /** Bridges and cgroup roots of earlier starts with other settings: uninstall removes those too. */
  formerBridges?: string[];
  formerCgroupRoots?: string[];
}

/** Writes the record, carrying over bridges and cgroup roots a previous start recorded under other names. */
export function writeNodeHostState(paths: AgentPaths, state: NodeHostState): void {
  const prev = readNodeHostState(paths);
  const former = (now: string, list: (string | undefined)[]) => {
    const out = [...new Set(list.filter((x): x is string => x !== undefined && x !== now))];
    return out.length > 0 ? out : undefined;
  };
  state = {
    ...state,
    formerBridges: former(state.bridge, [prev?.bridge, ...(prev?.formerBridges ?? [])]),
    formerCgroupRoots: former(state.cgroupRoot, [prev?.cgroupRoot, ...(prev?.formerCgroupRoots ?? [])]),
  };
  mkdirSync(paths.root, { recursive: true });
  const tmp = `${paths.state}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, paths.state);
}

/** The record, or undefined when there is none (no node ever ran here) or it is unreadable. */
export function readNodeHostState(paths: AgentPaths): NodeHostState | undefined {
  try {
    const s = JSON.parse(readFileSync(paths.state, 'utf8')) as Partial<NodeHostState>;
    if (typeof s.bridge !== 'string' || typeof s.cgroupRoot !== 'string') return undefined;
    return s as NodeHostState;
  } catch {
    return undefined;
  }
}
