/**
 * The node agent: everything that makes this machine a Kubernetes node, as
 * `kubets server` runs it next to the control plane (and `kubets agent` will
 * on joining machines). In start order:
 *
 *   1. the runtime (node-runtime.ts): the managed containerd under
 *      `<data>/agent/containerd` (unless an external CRI endpoint is given)
 *      with the pause image;
 *   2. the project's local images (busybox, httpd), so Deployments of them
 *      run without a registry — or both already started by the composer;
 *   2b. the pod masquerade (src/node/routes), when the agent runs the pod network;
 *   3. the kubelet: volume manager, HTTPS server (serving certificate from the
 *      cluster server CA, clients verified against the cluster client CA);
 *      it runs its own eviction manager and container/image GC, and pushes
 *      the node status the moment the node becomes Ready;
 *   4. kube-proxy, through the `kubeProxy` slot;
 *   4b. pod routes to the other nodes' pod CIDRs (src/node/routes), when the
 *      agent runs the pod network itself;
 *   5. `ready` watches the Node until the API shows it Ready.
 *
 * dispose() stops what it started in reverse order. Containers keep running
 * (containerd's shims hold them), as with k3s: the next start adopts them;
 * `kubets uninstall` removes them.
 */
import { mkdirSync } from 'node:fs';
import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import { gvr, typed, type RestClient } from '../client/index.js';
import { realClock, type Clock } from '../lib/clock.js';
import { DisposableStore, type Disposable } from '../lib/disposable.js';
import { nullLogger, type Logger } from '../lib/log.js';
import { ContainerRuntime, CriClient, type LocalImage, type ManagedContainerd } from '../node/runtime/index.js';
import { startKubelet, type Kubelet, type KubeletServerFactory } from '../node/kubelet/index.js';
import { startKubeletServer } from '../node/kubelet/server/index.js';
import { createVolumeManager } from '../node/kubelet/volumes/index.js';
import { agentPaths, type AgentPaths } from './agent-paths.js';
import type { KubeletArgs } from './kubelet-args.js';
import { hostRunner } from '../node/kube-proxy/index.js';
import { startPodMasquerade, startPodRoutes } from '../node/routes/index.js';
import { startNodeRuntime, type NodeRuntime } from './node-runtime.js';

/** What kube-proxy gets when the composer fills the slot. */
export interface KubeProxySlotContext {
  rest: RestClient;
  nodeName: string;
  nodeIP: string;
  clusterCIDR?: string;
  serviceCIDR?: string;
  log: Logger;
}

/** Starts kube-proxy for this node (src/node/kube-proxy `startKubeProxy`); stopped before the kubelet. */
export type KubeProxySlot = (ctx: KubeProxySlotContext) => Promise<Disposable>;

export interface NodeAgentConfig {
  nodeName: string;
  /** The node's InternalIP. */
  nodeIP: string;
  /** The server's data dir; the agent keeps its state under `<dataDir>/agent` (agent-paths.ts). */
  dataDir: string;
  /**
   * A REST client per component: `kubelet` must act as `system:node:<nodeName>` in
   * `system:nodes` (Node authorizer, NodeRestriction); `kube-proxy` as `system:kube-proxy`
   * (bound to `system:node-proxier`, as upstream).
   */
  rest: (component: string) => RestClient;
  /** Cluster DNS IPs (10th IP of the service CIDR, 10.43.0.10 by default). */
  clusterDNS: string[];
  clusterDomain: string;
  /** Pod and service CIDRs (for kube-proxy). */
  clusterCIDR?: string;
  serviceCIDR?: string;
  /** The kubelet's serving certificate (chain) and key. */
  serving: { certPEM: string; keyPEM: string };
  /** Client certificates the kubelet server accepts chain to this CA. */
  clientCAPEM: string;
  /** Labels the kubelet registers the Node with (only ones NodeRestriction lets a kubelet set). */
  labels?: Record<string, string>;
  taints?: Taint[];
  /**
   * The runtime, when the composer started it ahead (startNodeRuntime, in parallel with the
   * control plane); the agent takes ownership. Otherwise the agent starts it from the fields below.
   */
  runtime?: Promise<NodeRuntime>;
  /** `--container-runtime-endpoint`: use this CRI instead of starting containerd. */
  containerRuntimeEndpoint?: string;
  /** The sandbox image; default the locally built `kubets.local/pause:1`. */
  pauseImage?: string;
  /** Local images made present at start; default busybox and httpd when /bin/busybox exists. */
  localImages?: LocalImage[];
  /** The pod network's bridge; default `cni0` (as k3s). */
  cniBridge?: string;
  /** `--kubelet-arg` overrides. */
  kubeletArgs?: KubeletArgs;
  /** Slot for kube-proxy: the lead wires `startKubeProxy` here. */
  kubeProxy?: KubeProxySlot;
  /**
   * Keep kernel routes to the other nodes' pod CIDRs through their InternalIPs
   * (default: when the agent runs the pod network, i.e. no external CRI endpoint).
   */
  podRoutes?: boolean;
  progress?: (step: string) => void;
  clock?: Clock;
  log?: Logger;
}

export interface RunningNodeAgent extends Disposable {
  readonly kubelet: Kubelet;
  readonly runtime: ContainerRuntime;
  /** The managed containerd (undefined with an external endpoint). */
  readonly containerd: ManagedContainerd | undefined;
  /** The CRI endpoint in use. */
  readonly endpoint: string;
  readonly paths: AgentPaths;
  /** Resolves once the API shows the Node Ready (rejects only when disposed first). */
  readonly ready: Promise<void>;
  dispose(): Promise<void>;
}

const isReady = (n: Node | undefined) => n?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

export async function startNodeAgent(config: NodeAgentConfig): Promise<RunningNodeAgent> {
  const log = config.log ?? nullLogger;
  const clock = config.clock ?? realClock;
  const progress = config.progress ?? (() => {});
  const args: KubeletArgs = config.kubeletArgs ?? { kubelet: {}, containerGC: {}, imageGC: {} };
  const paths = agentPaths(config.dataDir);
  const owned = new DisposableStore('node-agent');
  const stop = new AbortController();
  try {
    const prepared = await (config.runtime ??
      startNodeRuntime({
        nodeName: config.nodeName,
        dataDir: config.dataDir,
        containerRuntimeEndpoint: config.containerRuntimeEndpoint,
        sandboxImage: args.kubelet.podInfraImage ?? config.pauseImage,
        cgroupDriver: args.kubelet.cgroupDriver,
        cgroupRoot: args.kubelet.cgroupRoot,
        kubeletDir: args.kubelet.dataDir,
        cniBridge: config.cniBridge,
        localImages: config.localImages,
        kubeProxy: config.kubeProxy !== undefined,
        progress,
        log,
      }));
    owned.add(prepared);
    const kubeletDir = args.kubelet.dataDir ?? paths.kubelet;
    for (const d of [paths.root, kubeletDir, paths.podLogs, paths.cniIpam]) mkdirSync(d, { recursive: true });
    const { containerd, endpoint, sandboxImage, cgroupDriver, state } = prepared;
    const external = containerd === undefined;
    const cri = new CriClient({ endpoint });
    owned.defer(() => cri.close());
    const runtime = new ContainerRuntime(cri, { podLogsRoot: paths.podLogs, clock });

    const server: KubeletServerFactory = (deps, cfg) =>
      startKubeletServer({
        deps,
        host: args.address ?? '0.0.0.0',
        port: cfg.kubeletPort,
        tls: config.serving,
        clientCAPEM: config.clientCAPEM,
        rootDir: cfg.dataDir,
        podLogsRoot: paths.podLogs,
        clock,
        log: log.child('kubelet-server'),
      });

    // Pod traffic leaving the cluster CIDR goes out with the node's address; pod-to-pod
    // traffic keeps its source (the bridge's own ipMasq is off). Needed on a single node
    // too; started before the kubelet so the rules precede the first pod's packets.
    if (!external && config.clusterCIDR) {
      owned.add(
        startPodMasquerade({
          runner: hostRunner,
          clusterCIDRs: [config.clusterCIDR],
          serviceCIDRs: config.serviceCIDR ? [config.serviceCIDR] : [],
          clock,
          log: log.child('pod-masquerade'),
        }),
      );
    }

    progress('starting kubelet');
    const rest = config.rest('kubelet');
    const kubelet = await startKubelet({
      nodeName: config.nodeName,
      nodeIP: config.nodeIP,
      rest,
      runtime,
      volumes: createVolumeManager({ rootDir: kubeletDir, rest, clock, log: log.child('volumes') }),
      clusterDNS: config.clusterDNS,
      clusterDomain: config.clusterDomain,
      podInfraImage: sandboxImage,
      nodeLabels: config.labels,
      registerWithTaints: config.taints,
      // With an external runtime the pod network is whoever configured that runtime's CNI.
      cni: external
        ? false
        : { confDir: containerd.paths.cniConfDir, bridgeName: state.bridge, ipamDataDir: paths.cniIpam, ipMasq: false },
      cgroupDriver,
      server,
      // The image store is containerd's root; with an external runtime it is unknown.
      imageFsDir: containerd?.paths.root,
      podLogsRoot: paths.podLogs,
      containerGC: args.containerGC,
      imageGC: args.imageGC,
      evictionPressureTransitionPeriodMs: args.evictionPressureTransitionPeriodMs,
      ...args.kubelet,
      dataDir: kubeletDir,
      clock,
      log: log.child('kubelet'),
    });
    owned.add(kubelet);

    // ---- kube-proxy slot -------------------------------------------------------------
    // Filled by the composer (the lead wires src/node/kube-proxy `startKubeProxy`); it
    // runs after the kubelet and is stopped before it.
    if (config.kubeProxy) {
      progress('starting kube-proxy');
      owned.add(
        await config.kubeProxy({
          rest: config.rest('kube-proxy'),
          nodeName: config.nodeName,
          nodeIP: config.nodeIP,
          clusterCIDR: config.clusterCIDR,
          serviceCIDR: config.serviceCIDR,
          log: log.child('kube-proxy'),
        }),
      );
    }
    // -----------------------------------------------------------------------------------

    if (config.podRoutes ?? !external) {
      owned.add(
        startPodRoutes({
          rest: config.rest('pod-routes'),
          nodeName: config.nodeName,
          nodeIPs: [config.nodeIP],
          clock,
          log: log.child('pod-routes'),
        }),
      );
    }

    // Added last, so disposal ends the Ready watch before anything it uses.
    owned.defer(() => stop.abort());
    const ready = untilReady({ rest, nodeName: config.nodeName, clock, signal: stop.signal });
    ready.catch(() => undefined);
    return {
      kubelet,
      runtime,
      containerd,
      endpoint,
      paths,
      ready,
      dispose: () => owned.dispose(),
    };
  } catch (err) {
    await owned.dispose().catch(() => undefined);
    throw err;
  }
}

interface ReadyWatch {
  rest: RestClient;
  nodeName: string;
  clock: Clock;
  signal: AbortSignal;
}

/**
 * Resolves once the API shows the Node Ready. The kubelet itself pushes the
 * status the moment it is (its fast status update); this only watches, every
 * 100 ms for the first 30 s, then every second.
 */
async function untilReady(w: ReadyWatch): Promise<void> {
  const nodes = typed<Node>(w.rest, gvr('', 'v1', 'nodes'));
  const start = w.clock.monotonic();
  for (;;) {
    w.signal.throwIfAborted();
    const node = await nodes.get(w.nodeName).catch(() => undefined);
    if (isReady(node)) return;
    await w.clock.sleep(w.clock.monotonic() - start < 30_000 ? 100 : 1000, w.signal);
  }
}
