/**
 * The node `kubets server` runs on its own machine (unless `--disable-agent`):
 * mints the node's client certificate and the kubelet's serving certificate
 * from the cluster PKI, gives the agent in-process clients that act as
 * `system:node:<name>` (authorization — the Node authorizer — and admission —
 * NodeRestriction — apply exactly as over HTTPS, without the socket), and
 * starts the node agent. Labels a kubelet may not set on itself (NodeRestriction)
 * are applied by the server afterwards, as k3s does, together with k3s's
 * control-plane role labels.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Node } from 'kubernetes-types/core/v1.js';
import { gvr, typed } from '../client/index.js';
import { writeKubeconfig } from '../control-plane/apiserver/pki/kubeconfig.js';
import { forbiddenNodeLabels } from '../control-plane/apiserver/admission/plugins/node-restriction.js';
import type { ControlPlane, ControlPlaneConfig } from './control-plane.js';
import { inProcessRest } from './in-process.js';
import { kubeletServingCert, nodeClientCert, nodeUser } from './node-certs.js';
import { startNodeAgent, type KubeProxySlot, type RunningNodeAgent } from './node-agent.js';
import { startNodeRuntime, type NodeRuntime } from './node-runtime.js';
import type { LocalNodeOptions } from './node-flags.js';
import { agentPaths } from './agent-paths.js';

/** Role labels k3s puts on server nodes (kubectl shows them under ROLES). */
export const serverRoleLabels: Record<string, string> = {
  'node-role.kubernetes.io/control-plane': 'true',
  'node-role.kubernetes.io/master': 'true',
};

/** kube-proxy's identity (upstream binds `system:node-proxier` to it). */
const kubeProxyUser = { username: 'system:kube-proxy', groups: ['system:authenticated'] };

export interface LocalNode {
  agent: RunningNodeAgent;
  /** Resolves when the Node is Ready and the server-side labels are on it. */
  ready: Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Starts the node's container runtime; it needs nothing from the API server,
 * so `kubets server` runs it alongside the control plane's startup.
 */
export function startLocalNodeRuntime(
  config: ControlPlaneConfig,
  o: LocalNodeOptions,
  progress: (step: string) => void,
  kubeProxy?: KubeProxySlot,
): Promise<NodeRuntime> {
  const k = o.kubeletArgs.kubelet;
  return startNodeRuntime({
    nodeName: o.nodeName,
    dataDir: config.dataDir,
    containerRuntimeEndpoint: o.containerRuntimeEndpoint,
    sandboxImage: k.podInfraImage ?? o.pauseImage,
    cgroupDriver: k.cgroupDriver,
    cgroupRoot: k.cgroupRoot,
    kubeletDir: k.dataDir,
    cniBridge: o.cniBridge,
    kubeProxy: kubeProxy !== undefined,
    progress,
    log: config.log,
  });
}

/**
 * Starts the node on top of a running control plane. `runtime`: the one
 * startLocalNodeRuntime began (the node takes ownership); else it starts its own.
 */
export async function startLocalNode(
  cp: ControlPlane,
  o: LocalNodeOptions,
  progress: (step: string) => void,
  extra: { runtime?: Promise<NodeRuntime>; kubeProxy?: KubeProxySlot } = {},
): Promise<LocalNode> {
  const { pki, config } = cp;
  const log = config.log;
  const paths = agentPaths(config.dataDir);
  // The node's own credentials, also written as a kubeconfig for tools that act as the node.
  const client = nodeClientCert(pki, o.nodeName);
  writeKubeconfig(
    join(paths.root, 'kubelet.kubeconfig'),
    { server: cp.url, caPEM: pki.serverCA.certPEM, clientCertPEM: client.certPEM, clientKeyPEM: client.keyPEM },
    0o600,
  );
  const serving = kubeletServingCert(pki, {
    dir: paths.tls,
    nodeName: o.nodeName,
    sans: [o.nodeIP, o.nodeName, hostname().toLowerCase(), 'localhost', '127.0.0.1'],
  });
  const selfSettable = Object.fromEntries(
    Object.entries(o.labels).filter(([k]) => forbiddenNodeLabels([k]).length === 0),
  );
  const serverSide = {
    ...serverRoleLabels,
    ...Object.fromEntries(Object.entries(o.labels).filter(([k]) => !(k in selfSettable))),
  };
  const agent = await startNodeAgent({
    nodeName: o.nodeName,
    nodeIP: o.nodeIP,
    dataDir: config.dataDir,
    rest: (component) =>
      inProcessRest(cp.apiserver, component === 'kube-proxy' ? kubeProxyUser : nodeUser(o.nodeName), component, {
        clock: config.clock,
        log,
      }),
    clusterDNS: o.clusterDNS,
    clusterDomain: config.clusterDomain,
    clusterCIDR: config.clusterCIDR,
    serviceCIDR: config.serviceCIDR,
    serving: { certPEM: serving.certPEM + pki.serverCA.certPEM, keyPEM: serving.keyPEM },
    clientCAPEM: pki.clientCA.certPEM,
    labels: selfSettable,
    taints: o.taints,
    containerRuntimeEndpoint: o.containerRuntimeEndpoint,
    pauseImage: o.pauseImage,
    cniBridge: o.cniBridge,
    kubeletArgs: o.kubeletArgs,
    runtime: extra.runtime,
    kubeProxy: extra.kubeProxy,
    progress,
    clock: config.clock,
    log,
  });
  const admin = inProcessRest(
    cp.apiserver,
    { username: 'system:kubets-server', groups: ['system:masters', 'system:authenticated'] },
    'kubets-server',
    { clock: config.clock, log },
  );
  const ready = agent.ready.then(async () => {
    await typed<Node>(admin, gvr('', 'v1', 'nodes')).patch(o.nodeName, 'strategic', {
      metadata: { labels: serverSide },
    });
  });
  ready.catch((err: unknown) => {
    // Disposed before the node was Ready: nothing to report.
    if ((err as Error)?.name !== 'AbortError') log?.warn('could not label the node', { err });
  });
  return { agent, ready, dispose: () => agent.dispose() };
}
