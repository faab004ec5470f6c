import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { EndpointSliceCache, endpointsFingerprint, portId } from './endpoint-slices.js';
import type { IPFamily } from './ip.js';
import { serviceKey, servicePortsOf } from './service-port.js';
import type { EndpointInfo, ServicePortInfo } from './types.js';

/** What the proxiers program: every service port and its endpoints. Read-only for them. */
export interface ProxyState {
  readonly servicePorts: ReadonlyMap<string, ServicePortInfo>;
  /** Endpoints by service-port key (absent = none). */
  readonly endpoints: ReadonlyMap<string, readonly EndpointInfo[]>;
}

/** One service port whose rules must be rebuilt; `previous`/`current` undefined = didn't/doesn't exist. */
export interface PortChange {
  key: string;
  previous?: { sp: ServicePortInfo; endpoints: readonly EndpointInfo[] };
  current?: { sp: ServicePortInfo; endpoints: readonly EndpointInfo[] };
}

const none: readonly EndpointInfo[] = Object.freeze([]);

/**
 * Accumulates Service and EndpointSlice events between syncs (upstream
 * `ServiceChangeTracker` + `EndpointsChangeTracker`). Events only mark the
 * Service dirty; `drain()` recomputes the dirty Services' ports and endpoints
 * and reports exactly the ports whose rules differ, so a sync after one
 * endpoint change touches one port — never a scan of every Service.
 */
export class ChangeTracker {
  private readonly services = new Map<string, Service>();
  private readonly slices: EndpointSliceCache;
  private readonly dirty = new Set<string>();
  private readonly portsByService = new Map<string, string[]>();
  private readonly ports = new Map<string, ServicePortInfo>();
  private readonly endpoints = new Map<string, readonly EndpointInfo[]>();
  private readonly endpointPrints = new Map<string, string>();
  /** Counters for metrics (upstream sync_proxy_rules_{service,endpoint}_changes_total). */
  serviceEvents = 0;
  sliceEvents = 0;

  readonly state: ProxyState = { servicePorts: this.ports, endpoints: this.endpoints };

  constructor(
    nodeName: string,
    private readonly family: IPFamily = 'IPv4',
  ) {
    this.slices = new EndpointSliceCache(nodeName, family);
  }

  onServiceUpsert(svc: Service): void {
    const key = serviceKey(svc.metadata?.namespace ?? 'default', svc.metadata?.name ?? '');
    this.services.set(key, svc);
    this.dirty.add(key);
    this.serviceEvents++;
  }

  onServiceDelete(svc: Service): void {
    const key = serviceKey(svc.metadata?.namespace ?? 'default', svc.metadata?.name ?? '');
    this.services.delete(key);
    this.dirty.add(key);
    this.serviceEvents++;
  }

  onSliceUpsert(slice: EndpointSlice): void {
    const key = this.slices.update(slice, false);
    if (key) this.dirty.add(key);
    this.sliceEvents++;
  }

  onSliceDelete(slice: EndpointSlice): void {
    const key = this.slices.update(slice, true);
    if (key) this.dirty.add(key);
    this.sliceEvents++;
  }

  /** Events arrived since the last drain. */
  get pending(): boolean {
    return this.dirty.size > 0;
  }

  /** Applies pending events to `state` and returns the ports whose rules change. */
  drain(): PortChange[] {
    const changes: PortChange[] = [];
    for (const sk of this.dirty) {
      const svc = this.services.get(sk);
      const nextPorts = svc ? servicePortsOf(svc, this.family) : [];
      const eps = nextPorts.length > 0 ? this.slices.endpointsOf(sk) : undefined;
      const seen = new Set<string>();
      for (const sp of nextPorts) {
        seen.add(sp.key);
        const nextEps = eps?.get(portId(sp.portName, sp.protocol)) ?? none;
        const print = endpointsFingerprint(nextEps);
        const prevSp = this.ports.get(sp.key);
        const prevEps = this.endpoints.get(sp.key) ?? none;
        const samePort = prevSp?.fingerprint === sp.fingerprint;
        const sameEps = this.endpointPrints.get(sp.key) === print;
        if (samePort && sameEps) continue;
        const kept = samePort ? prevSp : sp;
        this.ports.set(sp.key, kept);
        if (nextEps.length > 0) this.endpoints.set(sp.key, nextEps);
        else this.endpoints.delete(sp.key);
        this.endpointPrints.set(sp.key, print);
        changes.push({
          key: sp.key,
          previous: prevSp ? { sp: prevSp, endpoints: prevEps } : undefined,
          current: { sp: kept, endpoints: nextEps },
        });
      }
      for (const key of this.portsByService.get(sk) ?? []) {
        if (seen.has(key)) continue;
        const prevSp = this.ports.get(key)!;
        changes.push({ key, previous: { sp: prevSp, endpoints: this.endpoints.get(key) ?? none } });
        this.ports.delete(key);
        this.endpoints.delete(key);
        this.endpointPrints.delete(key);
      }
      if (seen.size > 0) this.portsByService.set(sk, [...seen]);
      else this.portsByService.delete(sk);
    }
    this.dirty.clear();
    return changes;
  }
}
