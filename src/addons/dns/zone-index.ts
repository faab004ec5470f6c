/**
 * The in-memory view of the cluster that DNS answers from: Services,
 * EndpointSlices and namespace names, reduced to what the Kubernetes DNS
 * specification needs and indexed for the lookups a query makes (service by
 * namespace/name, endpoints by service, names by address). Informer handlers
 * call the `upsert`/`delete` methods as objects change; each change touches
 * only the entries of that object, so the index is rebuilt incrementally,
 * never by a full scan. Reads never mutate.
 */
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { canonicalIP, dashedAddress, ipFamily, type IPFamily } from './names.js';

export interface PortRecord {
  /** The port's name, lower case ('' when unnamed). */
  name: string;
  port: number;
  /** `tcp`, `udp` or `sctp`. */
  protocol: string;
}

export type ServiceKind = 'clusterIP' | 'headless' | 'externalName';

export interface ServiceRecord {
  namespace: string;
  name: string;
  kind: ServiceKind;
  /** Canonical addresses (clusterIPs; empty for headless and ExternalName). */
  clusterIPs: string[];
  /** Normalized target of an ExternalName service. */
  externalName?: string;
  ports: PortRecord[];
}

export interface EndpointRecord {
  ip: string;
  family: IPFamily;
  /** The endpoint's `hostname` (lower case), '' when it has none. */
  hostname: string;
  /** The slice's ports; empty when the slice declares none. */
  ports: PortRecord[];
}

/** The endpoint's name under its service: its hostname, else its address with dashes (CoreDNS `endpointHostname`). */
export function endpointLabel(ep: EndpointRecord): string {
  return ep.hostname || dashedAddress(ep.ip);
}

interface SliceEntry {
  /** `ns/service` this slice belongs to (its `kubernetes.io/service-name` label). */
  service: string;
  endpoints: EndpointRecord[];
}

export const serviceNameLabel = 'kubernetes.io/service-name';

const key = (ns: string, name: string) => `${ns}/${name}`;

function portsOf(ports: readonly { name?: string; port?: number; protocol?: string }[] | undefined): PortRecord[] {
  return (ports ?? [])
    .filter((p) => typeof p.port === 'number')
    .map((p) => ({ name: (p.name ?? '').toLowerCase(), port: p.port!, protocol: (p.protocol ?? 'TCP').toLowerCase() }));
}

/** What DNS needs from a Service; undefined for objects without a name or namespace. */
export function serviceRecordOf(svc: Service): ServiceRecord | undefined {
  const ns = svc.metadata?.namespace;
  const name = svc.metadata?.name;
  if (!ns || !name) return undefined;
  const spec = svc.spec ?? {};
  const ports = portsOf(spec.ports);
  if (spec.type === 'ExternalName') {
    const target = (spec.externalName ?? '').replace(/\.$/, '').toLowerCase();
    return { namespace: ns, name, kind: 'externalName', clusterIPs: [], externalName: target, ports };
  }
  if (spec.clusterIP === 'None') return { namespace: ns, name, kind: 'headless', clusterIPs: [], ports };
  const raw = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  const clusterIPs = raw.map((ip) => canonicalIP(ip)).filter((ip): ip is string => ip !== undefined);
  return { namespace: ns, name, kind: 'clusterIP', clusterIPs, ports };
}

/**
 * The ready endpoints of an EndpointSlice (CoreDNS `EndpointSliceToEndpoints`):
 * `conditions.ready` unset counts as ready, and the EndpointSlice controller
 * already marks endpoints of `publishNotReadyAddresses` services ready. FQDN
 * slices carry no addresses DNS can serve and yield nothing.
 */
export function sliceEndpointsOf(slice: EndpointSlice): EndpointRecord[] {
  if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') return [];
  const ports = portsOf(slice.ports ?? undefined);
  const out: EndpointRecord[] = [];
  for (const ep of slice.endpoints ?? []) {
    if (ep.conditions?.ready === false) continue;
    for (const a of ep.addresses ?? []) {
      const ip = canonicalIP(a);
      if (!ip) continue;
      out.push({ ip, family: ipFamily(ip)!, hostname: (ep.hostname ?? '').toLowerCase(), ports });
    }
  }
  return out;
}

export interface ZoneIndexStats {
  services: number;
  endpointSlices: number;
  namespaces: number;
}

export class ZoneIndex {
  private readonly services = new Map<string, ServiceRecord>();
  private readonly slices = new Map<string, SliceEntry>();
  private readonly slicesByService = new Map<string, Set<string>>();
  /** Merged endpoints per service, built on first read after a change. */
  private readonly endpointCache = new Map<string, EndpointRecord[]>();
  private readonly servicesByIP = new Map<string, Set<string>>();
  private readonly slicesByIP = new Map<string, Set<string>>();
  private readonly namespaces = new Set<string>();
  private modifiedMs = 0;

  /** @param now wall clock in ms, for the SOA serial. */
  constructor(private readonly now: () => number = Date.now) {}

  /** The SOA serial: the time of the last change in seconds (CoreDNS uses the same). */
  get serial(): number {
    return Math.floor(this.modifiedMs / 1000) >>> 0;
  }

  stats(): ZoneIndexStats {
    return { services: this.services.size, endpointSlices: this.slices.size, namespaces: this.namespaces.size };
  }

  private touch(): void {
    this.modifiedMs = Math.max(this.modifiedMs, this.now());
  }

  upsertNamespace(name: string): void {
    if (this.namespaces.has(name)) return;
    this.namespaces.add(name);
    this.touch();
  }

  deleteNamespace(name: string): void {
    if (this.namespaces.delete(name)) this.touch();
  }

  hasNamespace(name: string): boolean {
    return this.namespaces.has(name);
  }

  upsertService(svc: Service): void {
    const rec = serviceRecordOf(svc);
    if (!rec) return;
    const k = key(rec.namespace, rec.name);
    this.unindexService(k);
    this.services.set(k, rec);
    for (const ip of rec.clusterIPs) addTo(this.servicesByIP, ip, k);
    this.touch();
  }

  deleteService(namespace: string, name: string): void {
    const k = key(namespace, name);
    if (this.unindexService(k)) this.touch();
  }

  private unindexService(k: string): boolean {
    const old = this.services.get(k);
    if (!old) return false;
    for (const ip of old.clusterIPs) removeFrom(this.servicesByIP, ip, k);
    this.services.delete(k);
    return true;
  }

  upsertEndpointSlice(slice: EndpointSlice): void {
    const ns = slice.metadata?.namespace;
    const name = slice.metadata?.name;
    if (!ns || !name) return;
    const k = key(ns, name);
    this.unindexSlice(k);
    const svcName = slice.metadata?.labels?.[serviceNameLabel];
    if (svcName) {
      const entry: SliceEntry = { service: key(ns, svcName), endpoints: sliceEndpointsOf(slice) };
      this.slices.set(k, entry);
      addTo(this.slicesByService, entry.service, k);
      for (const ep of entry.endpoints) addTo(this.slicesByIP, ep.ip, k);
      this.endpointCache.delete(entry.service);
    }
    this.touch();
  }

  deleteEndpointSlice(namespace: string, name: string): void {
    if (this.unindexSlice(key(namespace, name))) this.touch();
  }

  private unindexSlice(k: string): boolean {
    const old = this.slices.get(k);
    if (!old) return false;
    for (const ep of old.endpoints) removeFrom(this.slicesByIP, ep.ip, k);
    removeFrom(this.slicesByService, old.service, k);
    this.endpointCache.delete(old.service);
    this.slices.delete(k);
    return true;
  }

  service(namespace: string, name: string): ServiceRecord | undefined {
    return this.services.get(key(namespace, name));
  }

  /** The ready endpoints of a service across its slices (slice name order; an address may repeat). */
  endpoints(namespace: string, service: string): readonly EndpointRecord[] {
    const k = key(namespace, service);
    let eps = this.endpointCache.get(k);
    if (eps) return eps;
    const names = [...(this.slicesByService.get(k) ?? [])].sort();
    eps = names.flatMap((n) => this.slices.get(n)!.endpoints);
    this.endpointCache.set(k, eps);
    return eps;
  }

  /**
   * Names (relative to the cluster domain) for a PTR query of `ip`
   * (canonical): the service whose cluster IP it is, else every endpoint with
   * that address as `<hostname>.<service>.<ns>.svc` (CoreDNS `serviceRecordForIP`).
   */
  reverse(ip: string): string[] {
    const svcs = this.servicesByIP.get(ip);
    if (svcs && svcs.size > 0) {
      const first = [...svcs].sort()[0]!;
      const [ns, name] = first.split('/') as [string, string];
      return [`${name}.${ns}.svc`];
    }
    const out = new Set<string>();
    for (const sk of [...(this.slicesByIP.get(ip) ?? [])].sort()) {
      const entry = this.slices.get(sk)!;
      const [ns, svc] = entry.service.split('/') as [string, string];
      for (const ep of entry.endpoints) {
        if (ep.ip === ip) out.add(`${endpointLabel(ep)}.${svc}.${ns}.svc`);
      }
    }
    return [...out];
  }
}

function addTo(m: Map<string, Set<string>>, k: string, v: string): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

function removeFrom(m: Map<string, Set<string>>, k: string, v: string): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}
