import { networkInterfaces } from 'node:os';
import { type Clock, realClock } from '../../../lib/clock.js';
import { type Logger, nullLogger } from '../../../lib/log.js';
import { categorizeEndpoints } from '../categorize.js';
import type { PortChange, ProxyState } from '../change-tracker.js';
import { CidrSet } from '../ip.js';
import type { Proxier, ProxierStats, SyncOutcome } from '../proxier.js';
import type { ProxyNetworkConfig, ServicePortInfo } from '../types.js';
import { RoundRobinBalancer } from './balancer.js';
import type { ServiceAddressBinder } from './service-addresses.js';
import { TcpListener } from './tcp-listener.js';
import { UdpListener } from './udp-listener.js';

export interface UserspaceProxierOptions {
  config: ProxyNetworkConfig;
  clock?: Clock;
  log?: Logger;
  /** Idle time after which a UDP client session is closed (default 30 s). */
  udpIdleTimeoutMs?: number;
  /** This node's IPv4 addresses (default: from os.networkInterfaces()); NodePorts bind those in nodePortAddresses. */
  nodeAddresses?: () => string[];
  /**
   * Makes ClusterIPs, external IPs and load-balancer IPs local addresses so
   * their listeners can bind (root only; see service-addresses.ts). Without
   * it those are served only where they already are local addresses.
   */
  addresses?: ServiceAddressBinder;
}

type Listener = TcpListener | UdpListener;

interface WantedListener {
  id: string;
  host: string;
  port: number;
  kind: 'internal' | 'external';
}

interface PortProxy {
  sp: ServicePortInfo;
  internal: RoundRobinBalancer;
  external: RoundRobinBalancer;
  listeners: Map<string, Listener>;
  /** Service addresses this port holds a reference on (opts.addresses). */
  bound: Set<string>;
}

/**
 * Services without the kernel: one Node.js TCP or UDP listener per service
 * address, splicing to endpoints chosen round-robin (with ClientIP affinity).
 * NodePorts listen on this node's addresses (all, or those in
 * nodePortAddresses). A ClusterIP, externalIP or load-balancer IP is served
 * where it is a local address: as root, `opts.addresses` makes it one (on
 * `lo`, like IPVS mode's dummy device); a non-root user can neither add one
 * nor redirect traffic to us, so on such machines clients use the NodePort.
 * A listener exists only while its traffic has endpoints, so "no endpoints"
 * is a refused connection, as in the kernel modes.
 */
export class UserspaceProxier implements Proxier {
  readonly mode = 'userspace' as const;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly idleMs: number;
  private readonly ports = new Map<string, PortProxy>();
  /** Listener id -> owning port key (first claimant wins an address:port). */
  private readonly owners = new Map<string, string>();
  /** Listener ids whose failure was logged (once each). */
  private readonly unbindable = new Set<string>();
  /** Hosts that are not local addresses (EADDRNOTAVAIL); not retried until the next full sync. */
  private readonly notLocal = new Set<string>();
  private readonly nodePortCidrs: CidrSet;

  constructor(private readonly opts: UserspaceProxierOptions) {
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? nullLogger;
    this.idleMs = opts.udpIdleTimeoutMs ?? 30_000;
    this.nodePortCidrs = new CidrSet(opts.config.nodePortAddresses);
  }

  /** Removes service addresses a previous run left (their listeners are gone with that process). */
  async init(): Promise<void> {
    await this.opts.addresses?.cleanup();
  }

  stats(): ProxierStats {
    let listeners = 0;
    for (const p of this.ports.values()) for (const l of p.listeners.values()) if (l.listening) listeners++;
    return { rules: listeners, detail: { listeners, ports: this.ports.size } };
  }

  async sync(state: ProxyState, changes: readonly PortChange[], full: boolean): Promise<SyncOutcome> {
    const work: Promise<void>[] = [];
    if (full) {
      this.notLocal.clear();
      for (const key of [...this.ports.keys()]) if (!state.servicePorts.has(key)) work.push(this.remove(key));
      for (const [key, sp] of state.servicePorts) work.push(this.upsert(key, sp, state));
    } else {
      for (const c of changes) work.push(c.current ? this.upsert(c.key, c.current.sp, state) : this.remove(c.key));
    }
    await Promise.all(work);
    return { full };
  }

  async cleanup(): Promise<void> {
    await Promise.all([...this.ports.keys()].map((k) => this.remove(k)));
    await this.opts.addresses?.cleanup();
  }

  /** The address:port listeners of a port that are currently open (tests, debugging). */
  listening(key: string): string[] {
    const p = this.ports.get(key);
    if (!p) return [];
    return [...p.listeners.values()].filter((l) => l.listening).map((l) => `${l.host}:${l.port}`);
  }

  private nodeAddresses(): string[] {
    if (this.nodePortCidrs.size === 0) return ['0.0.0.0'];
    const all =
      this.opts.nodeAddresses?.() ??
      Object.values(networkInterfaces())
        .flatMap((list) => list ?? [])
        .filter((a) => a.family === 'IPv4')
        .map((a) => a.address);
    return all.filter((ip) => this.nodePortCidrs.contains(ip));
  }

  private wanted(sp: ServicePortInfo): WantedListener[] {
    const id = (host: string, port: number) => `${sp.protocol}|${host}|${port}`;
    const out: WantedListener[] = [
      { id: id(sp.clusterIP, sp.port), host: sp.clusterIP, port: sp.port, kind: 'internal' },
    ];
    for (const ip of [...sp.externalIPs, ...sp.loadBalancerVIPs]) {
      out.push({ id: id(ip, sp.port), host: ip, port: sp.port, kind: 'external' });
    }
    if (sp.nodePort > 0) {
      for (const ip of this.nodeAddresses()) {
        out.push({ id: id(ip, sp.nodePort), host: ip, port: sp.nodePort, kind: 'external' });
      }
    }
    return out;
  }

  private async upsert(key: string, sp: ServicePortInfo, state: ProxyState): Promise<void> {
    let p = this.ports.get(key);
    if (!p) {
      p = {
        sp,
        internal: new RoundRobinBalancer(this.clock),
        external: new RoundRobinBalancer(this.clock),
        listeners: new Map(),
        bound: new Set(),
      };
      this.ports.set(key, p);
    }
    p.sp = sp;
    const cat = categorizeEndpoints(sp, state.endpoints.get(key) ?? []);
    const internalEps = sp.internalPolicyLocal ? cat.local : cat.cluster;
    const externalEps = sp.externalPolicyLocal ? cat.local : cat.cluster;
    p.internal.update(internalEps, sp.stickySeconds);
    p.external.update(externalEps, sp.stickySeconds);
    const live = new Set(cat.allReachable.map((e) => e.addr));

    const wanted = new Map(this.wanted(sp).map((w) => [w.id, w]));
    await this.bindAddresses(p, [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerVIPs]);
    const work: Promise<void>[] = [];
    for (const [id, l] of p.listeners) {
      const w = wanted.get(id);
      const balancer = w ? (w.kind === 'internal' ? p.internal : p.external) : undefined;
      if (!w || !balancer || balancer.size === 0) {
        p.listeners.delete(id);
        if (this.owners.get(id) === key) this.owners.delete(id);
        work.push(l.close());
      } else if (l instanceof UdpListener) l.dropSessionsNotIn(live);
    }
    for (const [id, w] of wanted) {
      if (p.listeners.has(id)) continue;
      const balancer = w.kind === 'internal' ? p.internal : p.external;
      if (balancer.size === 0 || this.notLocal.has(w.host)) continue;
      const owner = this.owners.get(id);
      if (owner !== undefined && owner !== key) continue;
      work.push(this.open(key, p, w, balancer));
    }
    await Promise.all(work);
  }

  private async open(key: string, p: PortProxy, w: WantedListener, balancer: RoundRobinBalancer): Promise<void> {
    if (p.sp.protocol === 'SCTP') {
      this.logOnce(w.id, 'SCTP is not supported in userspace mode', { service: key });
      return;
    }
    const l: Listener =
      p.sp.protocol === 'UDP'
        ? new UdpListener(w.host, w.port, balancer, this.clock, this.idleMs, this.log)
        : new TcpListener(w.host, w.port, balancer, this.log);
    this.owners.set(w.id, key);
    p.listeners.set(w.id, l);
    try {
      await l.listen();
    } catch (err) {
      p.listeners.delete(w.id);
      this.owners.delete(w.id);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRNOTAVAIL') this.notLocal.add(w.host);
      // A ClusterIP (or external IP) that isn't a local address is expected without root.
      const level = code === 'EADDRNOTAVAIL' ? 'debug' : 'warn';
      this.logOnce(w.id, 'cannot listen for service', { service: key, address: `${w.host}:${w.port}`, code }, level);
    }
  }

  private async remove(key: string): Promise<void> {
    const p = this.ports.get(key);
    if (!p) return;
    this.ports.delete(key);
    await Promise.all(
      [...p.listeners].map(([id, l]) => {
        if (this.owners.get(id) === key) this.owners.delete(id);
        return l.destroy();
      }),
    );
    await this.bindAddresses(p, []);
  }

  /**
   * Holds the port's service addresses (`ips`), whether or not it has
   * endpoints, and lets go of those it no longer has.
   */
  private async bindAddresses(p: PortProxy, ips: readonly string[]): Promise<void> {
    const binder = this.opts.addresses;
    if (!binder) return;
    const want = new Set(ips.filter((ip) => ip !== '' && ip !== 'None'));
    const work: Promise<void>[] = [];
    for (const ip of want) {
      if (p.bound.has(ip)) continue;
      p.bound.add(ip);
      this.notLocal.delete(ip);
      work.push(binder.acquire(ip));
    }
    for (const ip of [...p.bound]) {
      if (want.has(ip)) continue;
      p.bound.delete(ip);
      work.push(binder.release(ip));
    }
    await Promise.all(work);
  }

  private logOnce(id: string, msg: string, fields: Record<string, unknown>, level: 'debug' | 'warn' = 'warn'): void {
    if (this.unbindable.has(id)) return;
    this.unbindable.add(id);
    this.log.log(level, msg, fields);
  }
}
