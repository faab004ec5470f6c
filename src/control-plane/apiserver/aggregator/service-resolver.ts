import { serviceUnavailable } from '../../../api/errors/status-error.js';
import type { ClusterObjects } from './cluster-objects.js';

/** Where an APIService's backend is dialled. */
export interface ResolvedEndpoint {
  host: string;
  port: number;
  /** Name the serving certificate must be valid for: `<service>.<namespace>.svc`, as upstream. */
  serverName: string;
}

/**
 * Upstream `proxy.ResolveEndpoint` (kube-apiserver `--enable-aggregator-routing`,
 * which k3s turns on: the API server runs beside the pod network, not behind
 * kube-proxy): an ExternalName Service is its external name at the APIService
 * port; otherwise a random ready address of the Service's Endpoints for the
 * service port's target port. Failures are 503s worded as upstream.
 */
export function resolveServiceEndpoint(
  objects: ClusterObjects,
  ns: string,
  name: string,
  port: number,
  random: () => number = Math.random,
): ResolvedEndpoint {
  const serverName = `${name}.${ns}.svc`;
  const svc = objects.service(ns, name);
  if (!svc) throw serviceUnavailable(`service "${name}" not found`);
  if (svc.spec?.type === 'ExternalName') {
    const host = (svc.spec.externalName ?? '').replace(/\.$/, '');
    return { host, port, serverName };
  }
  const sp = (svc.spec?.ports ?? []).find((p) => p.port === port);
  if (!sp) throw serviceUnavailable(`no service port ${port} found for service "${name}"`);
  const eps = objects.endpoints(ns, name);
  if (!eps) throw serviceUnavailable(`endpoints "${name}" not found`);
  const portName = sp.name ?? '';
  const candidates: { host: string; port: number }[] = [];
  for (const ss of eps.subsets ?? []) {
    const p = (ss.ports ?? []).find((x) => (x.name ?? '') === portName);
    if (!p) continue;
    for (const a of ss.addresses ?? []) candidates.push({ host: a.ip, port: p.port });
  }
  if (candidates.length === 0) throw serviceUnavailable(`no endpoints available for service "${name}"`);
  const pick = candidates[Math.floor(random() * candidates.length)]!;
  return { ...pick, serverName };
}
