/**
 * A node joining a cluster over the network (`kubets agent`): the container
 * runtime starts at once (it needs no API server) while the node obtains its
 * credentials (TLS bootstrapping, join-cluster.ts); then every component talks
 * to the cluster through one ServerPool with client-side failover over the
 * API servers it discovers, as the node's own identity
 * (`system:node:<name>` in `system:nodes`, which is also bound to
 * `system:node-proxier` for kube-proxy). The node agent is the same one
 * `kubets server` runs (node-agent.ts), with kube-proxy and pod routes.
 */
import type { Taint } from 'kubernetes-types/core/v1.js';
import { forbiddenNodeLabels } from '../control-plane/apiserver/admission/plugins/node-restriction.js';
import type { Logger } from '../lib/log.js';
import { joinCluster, type NodeCredentials } from '../node/bootstrap/join-cluster.js';
import { ServerPool, serverPoolStateFile } from '../node/bootstrap/server-pool.js';
import type { AgentConfig } from './agent-flags.js';
import { kubeProxySlot } from './kube-proxy-slot.js';
import { startNodeAgent, type RunningNodeAgent } from './node-agent.js';
import { startNodeRuntime, type NodeRuntime } from './node-runtime.js';

export interface JoinedNode {
  agent: RunningNodeAgent;
  pool: ServerPool;
  credentials: NodeCredentials;
  /** Resolves when the API shows the Node Ready. */
  ready: Promise<void>;
  dispose(): Promise<void>;
}

/** Labels a kubelet may set on its own Node; the others need an administrator (NodeRestriction). */
export function splitNodeLabels(labels: Record<string, string>): {
  own: Record<string, string>;
  refused: string[];
} {
  const own: Record<string, string> = {};
  const refused: string[] = [];
  for (const [k, v] of Object.entries(labels)) {
    if (forbiddenNodeLabels([k]).length === 0) own[k] = v;
    else refused.push(k);
  }
  return { own, refused };
}

/** Client-go's defaults are far too low for a kubelet; upstream gives it 50 qps, burst 100. */
const componentLimits = { qps: 50, burst: 100 };

export async function startJoinedNode(
  c: AgentConfig,
  o: { progress: (step: string) => void; log: Logger; signal?: AbortSignal },
): Promise<JoinedNode> {
  const { node } = c;
  const k = node.kubeletArgs.kubelet;
  const kubeProxy = c.kubeProxy ? kubeProxySlot(c.kubeProxy) : undefined;
  const runtime: Promise<NodeRuntime> = startNodeRuntime({
    nodeName: node.nodeName,
    dataDir: c.dataDir,
    containerRuntimeEndpoint: node.containerRuntimeEndpoint,
    sandboxImage: k.podInfraImage ?? node.pauseImage,
    cgroupDriver: k.cgroupDriver,
    cgroupRoot: k.cgroupRoot,
    kubeletDir: k.dataDir,
    cniBridge: node.cniBridge,
    kubeProxy: kubeProxy !== undefined,
    progress: o.progress,
    log: o.log,
  });
  runtime.catch(() => undefined);
  let pool: ServerPool | undefined;
  let handedOver = false;
  try {
    o.progress(`joining ${c.serverURL} as node ${node.nodeName}`);
    const credentials = await joinCluster({
      serverURL: c.serverURL,
      token: c.token,
      nodeName: node.nodeName,
      nodeIPs: [node.nodeIP],
      dataDir: c.dataDir,
      log: o.log.child('join'),
      signal: o.signal,
    });
    o.progress('node credentials ready');
    pool = new ServerPool({
      servers: [c.serverURL],
      caPEM: credentials.caPEM,
      certPEM: credentials.clientCert,
      keyPEM: credentials.clientKey,
      // Servers learned at run time, so a restart with the join server down still finds the others.
      stateFile: serverPoolStateFile(c.dataDir),
      log: o.log.child('server-pool'),
    });
    pool.startDiscovery(o.signal);
    const { own, refused } = splitNodeLabels(node.labels);
    if (refused.length > 0) {
      o.progress(
        `not setting label(s) ${refused.join(', ')}: a node may not label itself so (NodeRestriction); use kubectl label node ${node.nodeName}`,
      );
    }
    const p = pool;
    handedOver = true;
    const agent = await startNodeAgent({
      nodeName: node.nodeName,
      nodeIP: node.nodeIP,
      dataDir: c.dataDir,
      rest: (component) => p.rest(component, componentLimits),
      clusterDNS: node.clusterDNS,
      clusterDomain: c.clusterDomain,
      clusterCIDR: c.clusterCIDR,
      serviceCIDR: c.serviceCIDR,
      // The chain up to the cluster CA, as the server's own node serves it.
      serving: { certPEM: chain(credentials.servingCert, credentials.caPEM), keyPEM: credentials.servingKey },
      clientCAPEM: credentials.clientCAPEM,
      labels: own,
      taints: node.taints as Taint[],
      containerRuntimeEndpoint: node.containerRuntimeEndpoint,
      pauseImage: node.pauseImage,
      cniBridge: node.cniBridge,
      kubeletArgs: node.kubeletArgs,
      runtime,
      kubeProxy,
      podRoutes: c.podRoutes && node.containerRuntimeEndpoint === undefined,
      progress: o.progress,
      log: o.log,
    });
    return {
      agent,
      pool: p,
      credentials,
      ready: agent.ready,
      dispose: async () => {
        try {
          await agent.dispose();
        } finally {
          await p.dispose();
        }
      },
    };
  } catch (err) {
    // startNodeAgent owns the runtime once called; before that it is ours to stop.
    if (!handedOver) await runtime.then((r) => r.dispose()).catch(() => undefined);
    await pool?.dispose().catch(() => undefined);
    throw err;
  }
}

function chain(leaf: string, ca: string): string {
  const sep = leaf.endsWith('\n') ? '' : '\n';
  return leaf.includes(ca.trim()) ? leaf : `${leaf}${sep}${ca}`;
}
