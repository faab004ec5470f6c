import type { Service } from 'kubernetes-types/core/v1.js';
import { canonicalIPv4Cidr, familyOf, type IPFamily } from './ip.js';
import type { Protocol, ServicePortInfo } from './types.js';

/** Services (and their slices) carrying this label belong to another proxy. */
export const serviceProxyNameLabel = 'service.kubernetes.io/service-proxy-name';
/** EndpointSlices of headless Services carry this label; they never get rules. */
export const headlessLabel = 'service.kubernetes.io/headless';

/** Default ClientIP affinity timeout (upstream `DefaultClientIPServiceAffinitySeconds`, 3 h). */
export const defaultStickySeconds = 10800;

export function serviceKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function servicePortKey(serviceKey: string, portName: string, protocol: Protocol): string {
  return `${serviceKey}:${portName}/${protocol}`;
}

/** The Service's cluster IP of `family`, looking at clusterIPs for dual-stack Services. */
function clusterIPOf(svc: Service, family: IPFamily): string | undefined {
  const ips = svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec?.clusterIP ? [svc.spec.clusterIP] : [];
  return ips.find((ip) => familyOf(ip) === family);
}

/** ExternalName Services and those without a cluster IP (headless, "None") get no rules. */
export function shouldSkipService(svc: Service): boolean {
  if (svc.spec?.type === 'ExternalName') return true;
  const ip = svc.spec?.clusterIP;
  if (!ip || ip === 'None') return true;
  return Boolean(svc.metadata?.labels?.[serviceProxyNameLabel]);
}

function isExternallyAccessibleService(svc: Service): boolean {
  const type = svc.spec?.type ?? 'ClusterIP';
  return (
    type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && (svc.spec?.externalIPs?.length ?? 0) > 0)
  );
}

/**
 * One ServicePortInfo per port of `svc` in `family` (upstream
 * `newBaseServiceInfo`), or none when the Service is skipped. Addresses of
 * the other family are dropped (externalIPs, LB ingress, source ranges).
 */
export function servicePortsOf(svc: Service, family: IPFamily = 'IPv4'): ServicePortInfo[] {
  if (shouldSkipService(svc)) return [];
  const clusterIP = clusterIPOf(svc, family);
  if (!clusterIP) return [];
  const spec = svc.spec!;
  const namespace = svc.metadata?.namespace ?? 'default';
  const name = svc.metadata?.name ?? '';
  const sk = serviceKey(namespace, name);
  const externalIPs = uniq((spec.externalIPs ?? []).filter((ip) => familyOf(ip) === family));
  const loadBalancerVIPs = uniq(
    (svc.status?.loadBalancer?.ingress ?? [])
      .filter((ing) => ing.ip && (ing.ipMode === undefined || ing.ipMode === 'VIP'))
      .map((ing) => ing.ip!)
      .filter((ip) => familyOf(ip) === family),
  );
  const loadBalancerSourceRanges = uniq(
    (spec.loadBalancerSourceRanges ?? [])
      .map((r) => (family === 'IPv4' ? canonicalIPv4Cidr(r) : undefined))
      .filter((r): r is string => r !== undefined),
  );
  const stickySeconds =
    spec.sessionAffinity === 'ClientIP'
      ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? defaultStickySeconds)
      : undefined;
  const externalPolicyLocal = isExternallyAccessibleService(svc) && spec.externalTrafficPolicy === 'Local';
  const internalPolicyLocal = spec.internalTrafficPolicy === 'Local';
  const healthCheckNodePort = externalPolicyLocal && spec.type === 'LoadBalancer' ? (spec.healthCheckNodePort ?? 0) : 0;

  const out: ServicePortInfo[] = [];
  for (const p of spec.ports ?? []) {
    const protocol = (p.protocol ?? 'TCP') as Protocol;
    if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') continue;
    const portName = p.name ?? '';
    const base = {
      key: servicePortKey(sk, portName, protocol),
      serviceKey: sk,
      namespace,
      name,
      portName,
      protocol,
      clusterIP,
      port: p.port,
      nodePort: p.nodePort ?? 0,
      externalIPs,
      loadBalancerVIPs,
      loadBalancerSourceRanges,
      stickySeconds,
      externalPolicyLocal,
      internalPolicyLocal,
      healthCheckNodePort,
    };
    out.push({ ...base, fingerprint: JSON.stringify(base) });
  }
  return out;
}

function uniq(xs: string[]): string[] {
  return [...new Set(xs)];
}
