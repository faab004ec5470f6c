import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { badRequest, serviceUnavailable } from '../../../api/errors/status-error.js';
import { addressAllowed, checkProxyableHost, type ProxyAddressPolicy } from './address-policy.js';
import type { KubeletLocation } from './kubelet-proxy.js';
import { splitSchemeNamePort } from './proxy-url.js';

/** Where a proxy request goes. */
export interface ProxyTarget {
  scheme: 'http' | 'https';
  /** An IP address (pods, services) or the node's address (nodes). */
  host: string;
  /** Undefined: the scheme's default port (a pod without declared ports). */
  port?: number;
  /** Dial with the API server's kubelet client certificate (node proxy to the kubelet port). */
  kubelet?: KubeletLocation;
}

/** The objects target resolution reads (the API server's stores; plain maps in unit tests). */
export interface ProxyObjects {
  /** Throws NotFound when absent. */
  pod(ns: string, name: string): Promise<Pod>;
  /** Undefined when absent (endpoint validation). */
  podIfExists(ns: string, name: string): Promise<Pod | undefined>;
  /** Throws NotFound when absent. */
  service(ns: string, name: string): Promise<Service>;
  /** The EndpointSlices labelled `kubernetes.io/service-name=<service>`. */
  endpointSlices(ns: string, service: string): Promise<EndpointSlice[]>;
  /** Throws NotFound for an unknown node. */
  kubelet(nodeName: string): Promise<KubeletLocation>;
}

/** Go's dialer error for a port it cannot use, as the proxy transport reports it. */
function unusablePort(port: string): never {
  throw serviceUnavailable(
    /^\d+$/.test(port)
      ? `error trying to reach service: dial tcp: address ${port}: invalid port`
      : `error trying to reach service: dial tcp: lookup tcp/${port}: unknown port`,
  );
}

function numericPort(port: string): number | undefined {
  if (!/^\d+$/.test(port)) return undefined;
  const n = Number(port);
  return n >= 1 && n <= 65535 ? n : unusablePort(port);
}

function podIP(pod: Pod): string {
  return pod.status?.podIPs?.[0]?.ip ?? pod.status?.podIP ?? '';
}

/**
 * `pods/proxy` (upstream `pod.ResourceLocation`): the pod's first IP and the
 * requested port, or the first declared container port, or the scheme's default.
 * A port name is resolved against the pods' named container ports.
 */
export async function podProxyTarget(
  objects: ProxyObjects,
  ns: string,
  id: string,
  policy: ProxyAddressPolicy,
): Promise<ProxyTarget> {
  const parsed = splitSchemeNamePort(id);
  if (!parsed) throw badRequest(`invalid pod request ${JSON.stringify(id)}`);
  const pod = await objects.pod(ns, parsed.name);
  const containers = pod.spec?.containers ?? [];
  let port: number | undefined;
  if (parsed.port === '') {
    port = containers.find((c) => (c.ports ?? []).length > 0)?.ports?.[0]?.containerPort;
  } else {
    port = numericPort(parsed.port);
    if (port === undefined) {
      const named = containers.flatMap((c) => c.ports ?? []).find((p) => p.name === parsed.port);
      port = named?.containerPort;
    }
  }
  const ip = podIP(pod);
  if (!addressAllowed(ip, policy)) throw badRequest('address not allowed');
  if (parsed.port !== '' && port === undefined) unusablePort(parsed.port);
  return { scheme: parsed.scheme || 'http', host: ip, port };
}

/** Upstream `isValidAddress`: an endpoint is used only if it points at an existing pod of this namespace with that IP. */
async function isValidEndpoint(
  objects: ProxyObjects,
  ns: string,
  address: string,
  ref: { kind?: string; namespace?: string; name?: string } | undefined,
): Promise<boolean> {
  if (!ref?.name || (ref.kind !== undefined && ref.kind !== 'Pod') || ref.namespace !== ns) return false;
  const pod = await objects.podIfExists(ns, ref.name);
  if (!pod) return false;
  const ips = pod.status?.podIPs?.map((p) => p.ip) ?? (pod.status?.podIP ? [pod.status.podIP] : []);
  return ips.includes(address);
}

function rotate<T>(items: T[], random: () => number): T[] {
  if (items.length < 2) return items;
  const start = Math.floor(random() * items.length);
  return [...items.slice(start), ...items.slice(0, start)];
}

/**
 * `services/proxy` (upstream service `ResourceLocation`, reading EndpointSlices
 * instead of Endpoints): a port number is first mapped to the service port's
 * name, then a ready, valid endpoint serving that port name is picked at random.
 */
export async function serviceProxyTarget(
  objects: ProxyObjects,
  ns: string,
  id: string,
  random: () => number = Math.random,
): Promise<ProxyTarget> {
  const parsed = splitSchemeNamePort(id);
  if (!parsed) throw badRequest(`invalid service request ${JSON.stringify(id)}`);
  const svc = await objects.service(ns, parsed.name);
  let portName = parsed.port;
  if (/^\d+$/.test(portName)) {
    const num = Number(portName);
    const sp = (svc.spec?.ports ?? []).find((p) => p.port === num);
    if (!sp) throw serviceUnavailable(`no service port ${num} found for service ${JSON.stringify(parsed.name)}`);
    portName = sp.name ?? '';
  }
  const slices = (await objects.endpointSlices(ns, parsed.name)).filter((s) => (s.endpoints ?? []).length > 0);
  if (slices.length === 0)
    throw serviceUnavailable(`no endpoints available for service ${JSON.stringify(parsed.name)}`);
  for (const slice of rotate(slices, random)) {
    const ready = (slice.endpoints ?? []).filter((e) => e.conditions?.ready !== false);
    if (ready.length === 0) continue;
    for (const p of slice.ports ?? []) {
      if ((p.name ?? '') !== portName || p.port === undefined) continue;
      for (const ep of rotate(ready, random)) {
        for (const address of ep.addresses) {
          if (!(await isValidEndpoint(objects, ns, address, ep.targetRef))) continue;
          return { scheme: parsed.scheme || 'http', host: address, port: p.port };
        }
      }
    }
  }
  throw serviceUnavailable(`no endpoints available for service ${JSON.stringify(id)}`);
}

/**
 * `nodes/proxy` (upstream node `ResourceLocation`): without a port, or with the
 * kubelet's own port, the kubelet over HTTPS with the API server's kubelet
 * client certificate; any other port over plain HTTP (or the requested scheme).
 */
export async function nodeProxyTarget(
  objects: ProxyObjects,
  id: string,
  policy: ProxyAddressPolicy,
): Promise<ProxyTarget> {
  const parsed = splitSchemeNamePort(id);
  if (!parsed) throw badRequest(`invalid node request ${JSON.stringify(id)}`);
  const kubelet = await objects.kubelet(parsed.name);
  await checkProxyableHost(kubelet.host, policy);
  if (parsed.port === '' || parsed.port === String(kubelet.port))
    return { scheme: 'https', host: kubelet.host, port: kubelet.port, kubelet };
  const port = numericPort(parsed.port) ?? unusablePort(parsed.port);
  return { scheme: parsed.scheme || 'http', host: kubelet.host, port };
}
