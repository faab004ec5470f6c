/**
 * The node's container runtime, the first thing a node agent needs and the
 * only part that does not need the API server: the managed containerd under
 * `<data>/agent/containerd` with the pause image, plus the project's local
 * images (or an external CRI endpoint, used as it is). `kubets server` starts
 * it at the same time as the control plane, so containerd and the image
 * imports overlap the API server's startup.
 *
 * The host-state record (agent-paths.ts) is written before containerd starts,
 * so even an interrupted start can be uninstalled. dispose() stops the daemon
 * only; containers keep running under their shims.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Disposable } from '../lib/disposable.js';
import { nullLogger, type Logger } from '../lib/log.js';
import { ManagedContainerd, detectCgroupDriver, pauseImage, type LocalImage } from '../node/runtime/index.js';
import { agentPaths, writeNodeHostState, type AgentPaths, type NodeHostState } from './agent-paths.js';

export interface NodeRuntimeConfig {
  nodeName: string;
  /** The server's data dir. */
  dataDir: string;
  /** `--container-runtime-endpoint`: use this CRI instead of starting containerd. */
  containerRuntimeEndpoint?: string;
  /** The sandbox image; default the locally built `kubets.local/pause:1`. */
  sandboxImage?: string;
  cgroupDriver?: 'cgroupfs' | 'systemd';
  /** The kubelet's cgroup root (recorded for uninstall); default `/`. */
  cgroupRoot?: string;
  /** The kubelet's root dir (recorded for uninstall); default `<data>/agent/kubelet`. */
  kubeletDir?: string;
  /** The pod network's bridge (recorded for uninstall); default `cni0`. */
  cniBridge?: string;
  /** Local images made present; default busybox and httpd when /bin/busybox exists. */
  localImages?: LocalImage[];
  /** kube-proxy will run on this node (recorded for uninstall). */
  kubeProxy?: boolean;
  progress?: (step: string) => void;
  log?: Logger;
}

export interface NodeRuntime extends Disposable {
  readonly paths: AgentPaths;
  /** The CRI endpoint (`unix://...`). */
  readonly endpoint: string;
  /** The managed containerd; undefined with an external endpoint. */
  readonly containerd: ManagedContainerd | undefined;
  readonly sandboxImage: string;
  readonly cgroupDriver: 'cgroupfs' | 'systemd';
  readonly state: NodeHostState;
  dispose(): Promise<void>;
}

const defaultLocalImages = (): LocalImage[] => (existsSync('/bin/busybox') ? ['busybox', 'httpd'] : []);

function onPath(bin: string): boolean {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  return dirs.some((d) => d !== '' && existsSync(join(d, bin)));
}

export async function startNodeRuntime(c: NodeRuntimeConfig): Promise<NodeRuntime> {
  const log = c.log ?? nullLogger;
  const progress = c.progress ?? (() => {});
  const paths = agentPaths(c.dataDir);
  mkdirSync(paths.root, { recursive: true });
  const sandboxImage = c.sandboxImage ?? pauseImage;
  const cgroupDriver = c.cgroupDriver ?? detectCgroupDriver();
  const external = c.containerRuntimeEndpoint;
  const state: NodeHostState = {
    nodeName: c.nodeName,
    bridge: c.cniBridge ?? 'cni0',
    cgroupRoot: c.cgroupRoot ?? '/',
    cgroupDriver,
    sandboxImage,
    kubeletDir: c.kubeletDir ?? paths.kubelet,
    ...(external ? { externalRuntimeEndpoint: external } : {}),
    ...(c.kubeProxy ? { kubeProxy: true } : {}),
  };
  writeNodeHostState(paths, state);
  if (external) {
    progress(`using the container runtime at ${external}`);
    return {
      paths,
      endpoint: external,
      containerd: undefined,
      sandboxImage,
      cgroupDriver,
      state,
      dispose: async () => {},
    };
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(
      'running a node needs root (containerd, network namespaces, cgroups): run as root, or pass --disable-agent for the control plane only',
    );
  }
  if (!onPath('containerd')) {
    throw new Error(
      'containerd is not installed: apt-get install -y containerd runc containernetworking-plugins (or pass --container-runtime-endpoint, or --disable-agent)',
    );
  }
  progress('starting containerd');
  const containerd = new ManagedContainerd({ dataDir: paths.containerd, sandboxImage, cgroupDriver, logger: log });
  await containerd.start();
  // A previous server killed without a shutdown left its daemon running: it was adopted, never doubled.
  if (containerd.adopted) progress(`adopted the running containerd (pid ${containerd.pid})`);
  try {
    writeNodeHostState(paths, { ...state, containerdPid: containerd.pid });
    const images = c.localImages ?? defaultLocalImages();
    if (images.length > 0) {
      const imported = await containerd.ensureImages(images);
      if (imported.length > 0) progress(`imported ${imported.join(', ')}`);
    }
  } catch (err) {
    await containerd.stop();
    throw err;
  }
  return {
    paths,
    endpoint: containerd.endpoint,
    containerd,
    sandboxImage,
    cgroupDriver,
    state,
    dispose: () => containerd.stop(),
  };
}
