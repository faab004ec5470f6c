import { badRequest, notFound, serviceUnavailable } from '../../../api/errors/status-error.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { ApiServerCore } from '../api-server-core.js';

import type { KubeletLocation } from './kubelet-proxy.js';

export type { KubeletLocation };

/** Where a node's kubelet API listens: its InternalIP (else first address) and daemonEndpoints port (default 10250). */
export async function kubeletFor(server: ApiServerCore, nodeName: string): Promise<KubeletLocation> {
  const nodes = server.resource('', 'v1', 'nodes')!;
  const node = (await nodes.store.getFromStorage('', nodeName)) as unknown as Node | undefined;
  if (!node) throw notFound({ group: '', resource: 'nodes' }, nodeName);
  const addrs = node.status?.addresses ?? [];
  const host =
    addrs.find((a) => a.type === 'InternalIP')?.address ??
    addrs.find((a) => a.type === 'Hostname')?.address ??
    addrs[0]?.address;
  if (!host) throw serviceUnavailable(`node ${nodeName} has no addresses`);
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250;
  return { host, port, nodeName };
}

/**
 * The pod and the container a streaming request targets (kubectl already picked the
 * default container). With `requireContainer` false (port-forward) no container is needed.
 */
export async function podTarget(
  server: ApiServerCore,
  ns: string,
  name: string,
  container: string | null,
  requireContainer = true,
): Promise<{ pod: Pod; container: string; kubelet: KubeletLocation }> {
  const pods = server.resource('', 'v1', 'pods')!;
  const pod = (await pods.store.get(ns, name)) as unknown as Pod;
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  const names = [
    ...(pod.spec?.containers ?? []),
    ...(pod.spec?.initContainers ?? []),
    ...(pod.spec?.ephemeralContainers ?? []),
  ].map((c) => c.name);
  let c = container ?? '';
  if (!c) {
    // Port-forward targets the pod's network namespace, not a container.
    if (!requireContainer) return { pod, container: '', kubelet: await kubeletFor(server, nodeName) };
    if ((pod.spec?.containers ?? []).length === 1) c = pod.spec!.containers[0]!.name;
    else
      throw badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${(pod.spec?.containers ?? []).map((x) => x.name).join(' ')}]`,
      );
  } else if (!names.includes(c)) {
    throw badRequest(`container ${c} is not valid for pod ${name}`);
  }
  return { pod, container: c, kubelet: await kubeletFor(server, nodeName) };
}
