/**
 * Service environment variables (pkg/kubelet/envvars): for every Service with
 * a cluster IP in the pod's namespace (when `enableServiceLinks`), and always
 * for the `kubernetes` Service in `default`, the `<NAME>_SERVICE_HOST/PORT`
 * variables and the Docker-link style `<NAME>_PORT_<port>_<PROTO>...` ones.
 */
import type { Service } from 'kubernetes-types/core/v1.js';

/** Services whose variables every pod gets, from the `default` namespace. */
const masterServices = new Set(['kubernetes']);

const envName = (s: string) => s.toUpperCase().replace(/-/g, '_');

function hasClusterIP(s: Service): boolean {
  const ip = s.spec?.clusterIP;
  return ip !== undefined && ip !== '' && ip !== 'None';
}

function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The variables of one Service, in upstream order. */
export function serviceVariables(s: Service): [string, string][] {
  const ip = s.spec!.clusterIP!;
  const ports = s.spec?.ports ?? [];
  const prefix = envName(s.metadata?.name ?? '');
  const out: [string, string][] = [[`${prefix}_SERVICE_HOST`, ip]];
  if (ports.length === 0) return out;
  out.push([`${prefix}_SERVICE_PORT`, String(ports[0]!.port)]);
  for (const p of ports) if (p.name) out.push([`${prefix}_SERVICE_PORT_${envName(p.name)}`, String(p.port)]);
  ports.forEach((p, i) => {
    const proto = (p.protocol ?? 'TCP').toLowerCase();
    const url = `${proto}://${joinHostPort(ip, p.port)}`;
    if (i === 0) out.push([`${prefix}_PORT`, url]);
    const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
    out.push([pp, url], [`${pp}_PROTO`, proto], [`${pp}_PORT`, String(p.port)], [`${pp}_ADDR`, ip]);
  });
  return out;
}

/** The service variables a pod in `namespace` sees, from all Services the kubelet knows. */
export function serviceEnv(
  services: Iterable<Service>,
  namespace: string,
  enableServiceLinks: boolean,
): Map<string, string> {
  const chosen = new Map<string, Service>();
  for (const s of services) {
    if (!hasClusterIP(s)) continue;
    const name = s.metadata?.name ?? '';
    const ns = s.metadata?.namespace ?? '';
    if (ns === 'default' && masterServices.has(name)) {
      if (!chosen.has(name)) chosen.set(name, s);
    } else if (ns === namespace && enableServiceLinks) {
      chosen.set(name, s);
    }
  }
  const env = new Map<string, string>();
  for (const s of chosen.values()) for (const [k, v] of serviceVariables(s)) env.set(k, v);
  return env;
}
