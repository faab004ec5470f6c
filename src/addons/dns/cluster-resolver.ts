/**
 * The answer logic of cluster DNS: what a question about the cluster domain
 * (or a reverse name) gets, per the Kubernetes DNS specification
 * (kubernetes/dns `docs/specification.md`) with CoreDNS's `kubernetes` plugin
 * behaviour where the specification leaves room (`pods insecure`, SRV
 * weights, NXDOMAIN vs NODATA, reverse fallthrough). Pure over a ZoneIndex;
 * only ExternalName targets outside the cluster domain need I/O, through the
 * injected `lookupUpstream`.
 */
import { isIPv4 } from 'node:net';
import { addressFromPodLabel, addressFromReverse, labelsOf, normalizeName, relativeTo, reverseZones } from './names.js';
import { RCODE, TYPE, type ResourceRecord, type SoaData } from './records.js';
import { endpointLabel, type ZoneIndex } from './zone-index.js';

/** The schema version CoreDNS reports at `dns-version.<zone>` (specification §2.2). */
export const dnsSchemaVersion = '1.1.0';

export interface ClusterResolverOptions {
  /** The cluster domain, e.g. `cluster.local`. */
  domain: string;
  /** TTL of every record (CoreDNS default 5 s). */
  ttl?: number;
  /** TTL and minimum of the SOA sent with NXDOMAIN/NODATA, i.e. how long resolvers cache a negative answer (default 30 s). */
  negativeTtl?: number;
  /** Addresses of the DNS service itself, for `ns.dns.<zone>` and the apex NS glue. */
  nsAddresses?: string[];
  /**
   * Resolves an ExternalName target outside the cluster domain (through the
   * forwarder and its cache): the answer records, or undefined when the
   * upstream could not be asked.
   */
  lookupUpstream?: (name: string, qtype: number) => Promise<ResourceRecord[] | undefined>;
}

export interface Answer {
  kind: 'answer';
  rcode: number;
  /** Authoritative: true for names in the cluster domain. */
  aa: boolean;
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
}

/** Not ours: send it to the upstream resolvers. */
export interface Forward {
  kind: 'forward';
}

export type Resolution = Answer | Forward;

/** One thing a name resolves to before it becomes records (CoreDNS `msg.Service`). */
interface Item {
  /** An address, or a CNAME target for ExternalName. */
  host: string;
  isName: boolean;
  /** -1 when the endpoint's slice declares no ports. */
  port: number;
  /** The name an SRV record points at (relative to the domain). */
  target: string;
}

interface Records {
  answers: ResourceRecord[];
  additionals: ResourceRecord[];
}

type Lookup = { nameError: true } | { nameError: false; items: Item[] };

const nameError: Lookup = { nameError: true };
const noData: Lookup = { nameError: false, items: [] };
const maxCnameChain = 8;

const stripUnderscore = (s: string) => (s.startsWith('_') ? s.slice(1) : s);

export class ClusterResolver {
  readonly domain: string;
  private readonly ttl: number;
  private readonly negativeTtl: number;
  private readonly nsAddresses: string[];

  constructor(
    private readonly index: ZoneIndex,
    private readonly opts: ClusterResolverOptions,
  ) {
    this.domain = normalizeName(opts.domain);
    this.ttl = opts.ttl ?? 5;
    this.negativeTtl = opts.negativeTtl ?? 30;
    this.nsAddresses = opts.nsAddresses ?? [];
  }

  /** Whether `name` (any case, optional trailing dot) is inside the cluster domain. */
  inZone(name: string): boolean {
    return relativeTo(normalizeName(name), this.domain) !== undefined;
  }

  /**
   * Answers `qname` (owner names in the answer keep its spelling) for `qtype`.
   * Synchronous except when an ExternalName target must be looked up upstream.
   */
  resolve(qname: string, qtype: number): Resolution | Promise<Resolution> {
    const lower = normalizeName(qname);
    const rel = relativeTo(lower, this.domain);
    if (rel === undefined) return this.resolveReverse(qname, lower, qtype);
    const special = this.special(qname, rel, qtype);
    if (special) return special;
    const lookup = this.lookup(rel);
    if (lookup.nameError) return this.negative(RCODE.NXDOMAIN);
    const records = this.records(qname, lower, qtype, lookup.items, []);
    if (records instanceof Promise) return records.then((r) => this.positive(r));
    return this.positive(records);
  }

  /** The zone's SOA (also the authority of every negative answer). */
  soa(): ResourceRecord {
    const data: SoaData = {
      mname: `ns.dns.${this.domain}`,
      rname: `hostmaster.${this.domain}`,
      serial: this.index.serial,
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: this.negativeTtl,
    };
    return { type: 'SOA', name: this.domain, ttl: this.negativeTtl, data };
  }

  private answer(answers: ResourceRecord[], additionals: ResourceRecord[] = []): Answer {
    return { kind: 'answer', rcode: RCODE.NOERROR, aa: true, answers, authorities: [], additionals };
  }

  private negative(rcode: number): Answer {
    return { kind: 'answer', rcode, aa: true, answers: [], authorities: [this.soa()], additionals: [] };
  }

  /** Records found, or NODATA (NOERROR with the SOA) when the name exists without records of the type. */
  private positive(records: Records): Answer {
    if (records.answers.length === 0) return this.negative(RCODE.NOERROR);
    return this.answer(records.answers, records.additionals);
  }

  /** Names with fixed answers: the apex SOA/NS, `ns.dns.<zone>`, `dns-version.<zone>`. */
  private special(qname: string, rel: string, qtype: number): Answer | undefined {
    if (rel === '' && qtype === TYPE.SOA) return this.answer([{ ...this.soa(), name: strip(qname) }]);
    if (rel === '' && qtype === TYPE.NS) {
      const ns = `ns.dns.${this.domain}`;
      return this.answer([{ type: 'NS', name: strip(qname), ttl: this.ttl, data: ns }], this.nsGlue(ns));
    }
    if (rel === 'ns.dns') {
      const recs = this.nsGlue(strip(qname)).filter((r) => (qtype === TYPE.A ? r.type === 'A' : r.type === 'AAAA'));
      return recs.length && (qtype === TYPE.A || qtype === TYPE.AAAA)
        ? this.answer(recs)
        : this.negative(RCODE.NOERROR);
    }
    if (rel === 'dns-version' && qtype === TYPE.TXT) {
      return this.answer([{ type: 'TXT', name: strip(qname), ttl: 28800, data: [dnsSchemaVersion] }]);
    }
    return undefined;
  }

  private nsGlue(owner: string): ResourceRecord[] {
    return this.nsAddresses.map((ip) => ({ type: isIPv4(ip) ? 'A' : 'AAAA', name: owner, ttl: this.ttl, data: ip }));
  }

  /**
   * What a name relative to the domain stands for (CoreDNS `parseRequest` +
   * `findServices`/`findPods`): NXDOMAIN for anything that names no object,
   * an empty list (NODATA) for the apex, `svc`, `pod` and existing namespaces.
   */
  private lookup(rel: string): Lookup {
    if (rel === '' || rel === 'svc' || rel === 'pod') return noData;
    const segs = labelsOf(rel);
    const kind = segs.pop()!;
    if (kind !== 'svc' && kind !== 'pod') return nameError;
    const ns = segs.pop()!;
    if (!this.index.hasNamespace(ns)) return nameError;
    if (segs.length === 0) return noData;
    const name = segs.pop()!;
    if (segs.length > 2) return nameError;
    const endpoint = segs.length === 1 ? segs[0]! : '';
    const port = segs.length === 2 ? stripUnderscore(segs[0]!) : '';
    const proto = segs.length === 2 ? stripUnderscore(segs[1]!) : '';
    if (kind === 'pod') {
      // `<a-b-c-d>.<ns>.pod`: the address is read from the name, not looked up (CoreDNS `pods insecure`).
      const ip = segs.length === 0 ? addressFromPodLabel(name) : undefined;
      if (!ip) return nameError;
      return { nameError: false, items: [{ host: ip, isName: false, port: -1, target: `${name}.${ns}.pod` }] };
    }
    return this.findService(ns, name, endpoint, port, proto);
  }

  private findService(ns: string, name: string, endpoint: string, port: string, proto: string): Lookup {
    const svc = this.index.service(ns, name);
    if (!svc) return nameError;
    const base = `${name}.${ns}.svc`;
    const portMatches = (p: { name: string; protocol: string }) =>
      (port === '' || port === p.name) && (proto === '' || proto === p.protocol);
    if (svc.kind === 'externalName') {
      if (endpoint !== '' || !svc.externalName) return nameError;
      return { nameError: false, items: [{ host: svc.externalName, isName: true, port: -1, target: base }] };
    }
    const items: Item[] = [];
    if (svc.kind === 'headless' || endpoint !== '') {
      for (const ep of this.index.endpoints(ns, name)) {
        const label = endpointLabel(ep);
        if (endpoint !== '' && endpoint !== label) continue;
        const ports = ep.ports.length > 0 ? ep.ports : [{ name: '', port: -1, protocol: '' }];
        for (const p of ports) {
          if (p.port >= 0 && !portMatches(p)) continue;
          if (p.port < 0 && (port !== '' || proto !== '')) continue;
          items.push({ host: ep.ip, isName: false, port: p.port, target: `${label}.${base}` });
        }
      }
      return items.length > 0 ? { nameError: false, items } : nameError;
    }
    let matched = false;
    for (const p of svc.ports) {
      if (!portMatches(p)) continue;
      matched = true;
      for (const ip of svc.clusterIPs) items.push({ host: ip, isName: false, port: p.port, target: base });
    }
    return matched ? { nameError: false, items } : nameError;
  }

  /** Records of `qtype` for the looked-up items; async only to chase an ExternalName upstream. */
  private records(
    owner: string,
    lower: string,
    qtype: number,
    items: Item[],
    chain: ResourceRecord[],
  ): Records | Promise<Records> {
    const name = strip(owner);
    switch (qtype) {
      case TYPE.A:
      case TYPE.AAAA:
      case TYPE.TXT: {
        const family = qtype === TYPE.A ? 4 : 6;
        const seen = new Set<string>();
        const answers: ResourceRecord[] = [];
        const chases: Promise<ResourceRecord[]>[] = [];
        for (const it of items) {
          if (it.isName) {
            chases.push(this.chase(name, lower, qtype, it.host, chain));
            continue;
          }
          if (qtype === TYPE.TXT || seen.has(it.host) || isIPv4(it.host) !== (family === 4)) continue;
          seen.add(it.host);
          answers.push({ type: family === 4 ? 'A' : 'AAAA', name, ttl: this.ttl, data: it.host });
        }
        if (chases.length === 0) return { answers, additionals: [] };
        return Promise.all(chases).then((more) => ({ answers: [...answers, ...more.flat()], additionals: [] }));
      }
      case TYPE.CNAME: {
        const first = items[0];
        const answers: ResourceRecord[] =
          first?.isName === true ? [{ type: 'CNAME', name, ttl: this.ttl, data: first.host }] : [];
        return { answers, additionals: [] };
      }
      case TYPE.SRV:
        return this.srv(name, items);
      default:
        return { answers: [], additionals: [] };
    }
  }

  /**
   * SRV records with their targets' addresses as additional records. Weights
   * share 100 among the records (CoreDNS: floor(100 / n), at least 1); the
   * priority is 0; portless endpoints and ExternalName services have none.
   */
  private srv(name: string, items: Item[]): Records {
    const weight = Math.max(1, Math.floor(100 / Math.max(1, items.length)));
    const answers: ResourceRecord[] = [];
    const additionals: ResourceRecord[] = [];
    const seenSrv = new Set<string>();
    const seenAddr = new Set<string>();
    for (const it of items) {
      if (it.isName || it.port < 0) continue;
      const target = `${it.target}.${this.domain}`;
      if (!seenSrv.has(`${target}|${it.port}`)) {
        seenSrv.add(`${target}|${it.port}`);
        answers.push({ type: 'SRV', name, ttl: this.ttl, data: { priority: 0, weight, port: it.port, target } });
      }
      if (!seenAddr.has(`${target}|${it.host}`)) {
        seenAddr.add(`${target}|${it.host}`);
        additionals.push({ type: isIPv4(it.host) ? 'A' : 'AAAA', name: target, ttl: this.ttl, data: it.host });
      }
    }
    return { answers, additionals };
  }

  /**
   * An ExternalName's CNAME plus what its target resolves to: inside the
   * cluster domain by recursion, elsewhere through `lookupUpstream`. A
   * self-reference, a chain longer than 8 or a failed upstream lookup yields
   * nothing (CoreDNS `plugin.A`), leaving a NODATA answer.
   */
  private async chase(
    owner: string,
    lower: string,
    qtype: number,
    target: string,
    chain: ResourceRecord[],
  ): Promise<ResourceRecord[]> {
    if (target === lower || chain.length >= maxCnameChain - 1) return [];
    if (chain.some((r) => r.type === 'CNAME' && r.data === target)) return [];
    const cname: ResourceRecord = { type: 'CNAME', name: owner, ttl: this.ttl, data: target };
    const rel = relativeTo(target, this.domain);
    if (rel !== undefined) {
      const lookup = this.lookup(rel);
      if (lookup.nameError) return [];
      const next = await this.records(target, target, qtype, lookup.items, [...chain, cname]);
      return next.answers.length > 0 ? [cname, ...next.answers] : [];
    }
    const upstream = await this.opts.lookupUpstream?.(target, qtype);
    if (!upstream) return [];
    return [cname, ...upstream];
  }

  /**
   * A PTR query for an address the cluster knows gets its names; everything
   * else under the reverse zones falls through to the upstream resolvers, as
   * with CoreDNS's default `fallthrough in-addr.arpa ip6.arpa`.
   */
  private resolveReverse(qname: string, lower: string, qtype: number): Resolution {
    if (qtype !== TYPE.PTR || !reverseZones.some((z) => relativeTo(lower, z) !== undefined)) return { kind: 'forward' };
    const ip = addressFromReverse(lower);
    const names = ip ? this.index.reverse(ip) : [];
    if (names.length === 0) return { kind: 'forward' };
    const owner = strip(qname);
    return this.answer(names.map((n) => ({ type: 'PTR', name: owner, ttl: this.ttl, data: `${n}.${this.domain}` })));
  }
}

function strip(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}
