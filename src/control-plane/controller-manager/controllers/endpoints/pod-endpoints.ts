import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { isIPv6 } from '../../../../api/validation/names.js';

/**
 * Pod-to-endpoint rules shared by the Endpoints and EndpointSlice controllers
 * (upstream `k8s.io/endpointslice/util` and `pkg/api/v1/pod`). Pure functions
 * over cached objects; nothing here mutates its arguments.
 */

/** `Ready` condition is `True` (podutil.IsPodReady). */
export function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Succeeded or Failed: the pod will never run again. */
export function isPodTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/**
 * Whether a pod belongs in a Service's endpoints at all: not terminal, has an
 * IP, and (unless `includeTerminating`) is not being deleted.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (!pod.status?.podIP && !(pod.status?.podIPs ?? []).length) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

/** A pod's hostname is published when its subdomain names this Service in the same namespace. */
export function shouldSetHostname(pod: Pod, svc: Service): boolean {
  return (
    !!pod.spec?.hostname &&
    pod.spec.subdomain === svc.metadata?.name &&
    pod.metadata?.namespace === svc.metadata?.namespace
  );
}

/** The pod's IPs (`status.podIPs`, or `status.podIP` when the list is absent). */
export function podIPs(pod: Pod): string[] {
  const list = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => !!ip);
  if (list.length) return list;
  return pod.status?.podIP ? [pod.status.podIP] : [];
}

/** The Service's primary IP family (`spec.ipFamilies[0]`, else guessed from the cluster IP or the pod). */
export function primaryFamily(svc: Service, pod?: Pod): 'IPv4' | 'IPv6' {
  const fam = svc.spec?.ipFamilies?.[0];
  if (fam === 'IPv4' || fam === 'IPv6') return fam;
  const cip = svc.spec?.clusterIP;
  if (cip && cip !== 'None') return isIPv6(cip) ? 'IPv6' : 'IPv4';
  return pod && isIPv6(pod.status?.podIP ?? '') ? 'IPv6' : 'IPv4';
}

/** The address families a Service's EndpointSlices carry, primary first. */
export function addressTypesForService(svc: Service): ('IPv4' | 'IPv6')[] {
  const fams = (svc.spec?.ipFamilies ?? []).filter((f): f is 'IPv4' | 'IPv6' => f === 'IPv4' || f === 'IPv6');
  return fams.length ? [...new Set(fams)] : [primaryFamily(svc)];
}

/** Pod IPs of one family. */
export function podIPsOfFamily(pod: Pod, family: 'IPv4' | 'IPv6'): string[] {
  return podIPs(pod).filter((ip) => isIPv6(ip) === (family === 'IPv6'));
}

/** The protocol a service port defaults to. */
export function portProtocol(p: ServicePort): string {
  return p.protocol ?? 'TCP';
}

/**
 * Resolves a service port's target on one pod (podutil.FindPort): a number is
 * used as is; a name is looked up among the pod's container ports (then
 * sidecar init containers) with the same protocol. Undefined when not found.
 */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^[0-9]+$/.test(target)) return Number(target);
  const proto = portProtocol(sp);
  const match = (ports: { name?: string; containerPort: number; protocol?: string }[] | undefined) =>
    (ports ?? []).find((p) => p.name === target && (p.protocol ?? 'TCP') === proto)?.containerPort;
  for (const c of pod.spec?.containers ?? []) {
    const n = match(c.ports);
    if (n !== undefined) return n;
  }
  for (const c of pod.spec?.initContainers ?? []) {
    if ((c as { restartPolicy?: string }).restartPolicy !== 'Always') continue;
    const n = match(c.ports);
    if (n !== undefined) return n;
  }
  return undefined;
}

/** Whether `labels` satisfies a Service selector (absent: nothing; `{}`: everything, as a Go map selector). */
export function selectorMatches(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/**
 * Services in the pod's namespace whose selector matches any of the given
 * label sets (old and new labels on an update), as `namespace/name` keys.
 */
export function serviceKeysForPod(
  services: Service[],
  namespace: string,
  ...labelSets: (Record<string, string> | undefined)[]
): string[] {
  const out: string[] = [];
  for (const s of services) {
    if (s.metadata?.namespace !== namespace || !s.spec?.selector) continue;
    if (labelSets.some((l) => selectorMatches(s.spec!.selector, l))) out.push(`${namespace}/${s.metadata!.name}`);
  }
  return out;
}

/** The fields of a pod that endpoints depend on, for skipping irrelevant pod updates. */
export function podEndpointFingerprint(pod: Pod): string {
  return JSON.stringify([
    pod.metadata?.labels ?? {},
    podIPs(pod),
    pod.spec?.nodeName ?? '',
    pod.spec?.hostname ?? '',
    pod.spec?.subdomain ?? '',
    !!pod.metadata?.deletionTimestamp,
    pod.status?.phase ?? '',
    (pod.status?.conditions ?? []).find((c) => c.type === 'Ready') ?? null,
    (pod.spec?.containers ?? []).map((c) => c.ports ?? []),
    (pod.spec?.initContainers ?? []).map((c) => c.ports ?? []),
  ]);
}
