import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { familyOf, type IPFamily } from './ip.js';
import { headlessLabel, serviceKey, serviceProxyNameLabel } from './service-port.js';
import type { EndpointInfo, Protocol } from './types.js';

export const serviceNameLabel = 'kubernetes.io/service-name';

/** `portName/PROTOCOL`: how endpoints are matched to a Service port. */
export function portId(portName: string, protocol: Protocol): string {
  return `${portName}/${protocol}`;
}

/** The `namespace/name` of the Service a slice belongs to, or undefined for slices kube-proxy ignores. */
export function sliceServiceKey(slice: EndpointSlice): string | undefined {
  const labels = slice.metadata?.labels ?? {};
  const svc = labels[serviceNameLabel];
  if (!svc || labels[serviceProxyNameLabel] || headlessLabel in labels) return undefined;
  return serviceKey(slice.metadata?.namespace ?? 'default', svc);
}

/**
 * The EndpointSlices of every Service (upstream `EndpointSliceCache`): a
 * Service's endpoints are the union of its slices, per port name and
 * protocol, deduplicated by `ip:port` (a local copy wins), sorted by address
 * so that rules render the same way every time.
 */
export class EndpointSliceCache {
  private readonly byService = new Map<string, Map<string, EndpointSlice>>();

  constructor(
    private readonly nodeName: string,
    private readonly family: IPFamily = 'IPv4',
  ) {}

  /** Records a slice (or its deletion); returns the Service key it affects, if any. */
  update(slice: EndpointSlice, deleted: boolean): string | undefined {
    const key = sliceServiceKey(slice);
    const name = slice.metadata?.name ?? '';
    if (!key) {
      // A slice that lost its service-name label (or gained a proxy-name) must stop counting.
      for (const [sk, slices] of this.byService) {
        if (slices.get(name)?.metadata?.namespace === slice.metadata?.namespace && slices.delete(name)) {
          if (slices.size === 0) this.byService.delete(sk);
          return sk;
        }
      }
      return undefined;
    }
    let slices = this.byService.get(key);
    if (deleted) {
      if (!slices?.delete(name)) return undefined;
      if (slices.size === 0) this.byService.delete(key);
      return key;
    }
    if (!slices) this.byService.set(key, (slices = new Map()));
    slices.set(name, slice);
    return key;
  }

  hasService(key: string): boolean {
    return this.byService.has(key);
  }

  /** Endpoints of Service `key` by `portId`. */
  endpointsOf(key: string): Map<string, EndpointInfo[]> {
    const byPort = new Map<string, Map<string, EndpointInfo>>();
    const slices = this.byService.get(key);
    if (!slices) return new Map();
    for (const slice of slices.values()) {
      if (slice.addressType !== this.family) continue;
      for (const port of slice.ports ?? []) {
        if (port.port == null) continue;
        const id = portId(port.name ?? '', (port.protocol ?? 'TCP') as Protocol);
        let set = byPort.get(id);
        if (!set) byPort.set(id, (set = new Map()));
        for (const ep of slice.endpoints ?? []) {
          const ip = ep.addresses?.[0];
          if (!ip || familyOf(ip) !== this.family) continue;
          const isLocal = ep.nodeName !== undefined && ep.nodeName === this.nodeName;
          const addr = `${ip}:${port.port}`;
          if (set.has(addr) && !isLocal) continue;
          const ready = ep.conditions?.ready ?? true;
          set.set(addr, {
            ip,
            port: port.port,
            addr,
            ready,
            serving: ep.conditions?.serving ?? true,
            terminating: ep.conditions?.terminating ?? false,
            isLocal,
            nodeName: ep.nodeName,
            zone: ep.zone,
          });
        }
      }
    }
    const out = new Map<string, EndpointInfo[]>();
    for (const [id, set] of byPort) out.set(id, [...set.values()].sort(compareEndpoints));
    return out;
  }
}

function compareEndpoints(a: EndpointInfo, b: EndpointInfo): number {
  return a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0;
}

/** A stable string of everything rules depend on, to detect "no change". */
export function endpointsFingerprint(eps: readonly EndpointInfo[]): string {
  return eps.map((e) => `${e.addr}|${+e.ready}${+e.serving}${+e.terminating}${+e.isLocal}`).join(',');
}
