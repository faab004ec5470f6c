/**
 * One DNS request from bytes in to bytes out: parse, route (cluster domain
 * and known reverse names to the ClusterResolver, everything else through the
 * response cache to the upstream forwarder), encode within the requestor's
 * size limit, and count it. Cluster answers are computed synchronously, so
 * the common case allocates no promise; only forwarding and ExternalName
 * chases are asynchronous.
 */
import dnsPacket from 'dns-packet';
import { type Clock, realClock } from '../../lib/clock.js';
import { type Logger, nullLogger } from '../../lib/log.js';
import type { ClusterResolver, Resolution } from './cluster-resolver.js';
import type { Forwarder } from './forwarder.js';
import type { DnsMetrics } from './metrics.js';
import { normalizeName } from './names.js';
import { isInternetClass, parseQuery, type Query } from './query-parser.js';
import { cachePolicy, relay, scanMessage, stripOpt, type ScannedMessage } from './raw-message.js';
import { CLASS_IN, FLAG, RCODE, rcodeName, TYPE, typeName, type ResourceRecord } from './records.js';
import { cacheKey, type ResponseCache } from './response-cache.js';
import { textLabels } from './wire-names.js';
import { encodeReply } from './wire-writer.js';

export interface RequestContext {
  proto: 'udp' | 'tcp';
  /** The `server` metric label, e.g. `dns://127.0.0.1:53`. */
  server: string;
  family: 4 | 6;
}

export interface QueryHandlerOptions {
  resolver: ClusterResolver;
  /** Absent: names outside the cluster are REFUSED. */
  forwarder?: Forwarder;
  cache: ResponseCache;
  metrics: DnsMetrics;
  /** False until the informers synced: cluster names get SERVFAIL meanwhile (resolvers try elsewhere or retry). */
  ready: () => boolean;
  /** Largest UDP reply (and the size our OPT advertises); default 1232. */
  maxUdpSize?: number;
  clock?: Clock;
  log?: Logger;
}

/** A relayable upstream reply: the cached (or fresh, uncacheable) bytes and its age. */
interface Upstream {
  base: Buffer;
  msg: ScannedMessage;
  ageSec: number;
  capSec?: number;
  fromCache: boolean;
}

const metricTypes = new Set(['A', 'AAAA', 'CNAME', 'MX', 'NS', 'PTR', 'SOA', 'SRV', 'TXT', 'ANY', 'HTTPS', 'SVCB']);

export class QueryHandler {
  private readonly maxUdp: number;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly inflight = new Map<string, Promise<Upstream>>();

  constructor(private readonly o: QueryHandlerOptions) {
    this.maxUdp = Math.max(512, o.maxUdpSize ?? 1232);
    this.clock = o.clock ?? realClock;
    this.log = o.log ?? nullLogger;
  }

  /** The reply to `buf`, or undefined when nothing should be sent (not a query at all). */
  handle(buf: Buffer, ctx: RequestContext): Buffer | undefined | Promise<Buffer | undefined> {
    const t0 = this.clock.monotonic();
    const p = parseQuery(buf);
    if (!p.ok) {
      if (p.id === undefined) return undefined;
      this.count(ctx, '.', 'other', p.rcode, '', t0);
      const edns = p.edns ? { udpSize: this.maxUdp, do: p.edns.do } : undefined;
      return encodeReply({ id: p.id, flags: FLAG.RA | ((p.flags ?? 0) & FLAG.RD), rcode: p.rcode, edns }, 512).bytes;
    }
    const q = p.query;
    const limit = ctx.proto === 'tcp' ? 65535 : Math.min(this.maxUdp, Math.max(512, q.edns?.udpSize ?? 512));
    const inZone = this.o.resolver.inZone(q.qname);
    const zone = inZone ? `${this.o.resolver.domain}.` : '.';
    const type = metricTypes.has(typeName(q.qtype)) ? typeName(q.qtype) : 'other';
    const reply = (rcode: number, plugin: string, extra: Partial<Parameters<typeof encodeReply>[0]> = {}) => {
      const out = this.encode(q, limit, rcode, extra);
      this.count(ctx, zone, type, rcode, plugin, t0);
      return out;
    };
    if (q.edns && q.edns.version > 0) return reply(RCODE.BADVERS, '');
    if (inZone && (!isInternetClass(q.qclass) || q.qtype === TYPE.AXFR || q.qtype === TYPE.IXFR)) {
      return reply(RCODE.REFUSED, '');
    }
    if (inZone && !this.o.ready()) return reply(RCODE.SERVFAIL, 'kubernetes');
    let res: Resolution | Promise<Resolution>;
    try {
      res = isInternetClass(q.qclass) ? this.o.resolver.resolve(q.qname, q.qtype) : { kind: 'forward' };
    } catch (err) {
      this.log.error('resolving failed', { qname: q.qname, err });
      return reply(RCODE.SERVFAIL, 'kubernetes');
    }
    const finish = (r: Resolution): Buffer | Promise<Buffer> => {
      if (r.kind === 'forward') return this.forward(q, limit, ctx, zone, type, t0);
      return reply(r.rcode, 'kubernetes', {
        flags: r.aa ? FLAG.AA : 0,
        answers: r.answers,
        authorities: r.authorities,
        additionals: r.additionals,
      });
    };
    if (res instanceof Promise) {
      return res.then(finish, (err: unknown) => {
        this.log.error('resolving failed', { qname: q.qname, err });
        return reply(RCODE.SERVFAIL, 'kubernetes');
      });
    }
    return finish(res);
  }

  /**
   * The upstream answer records for `name` (an ExternalName target), through
   * the cache like any forwarded query; undefined when no upstream answered.
   */
  async lookupUpstream(name: string, qtype: number): Promise<ResourceRecord[] | undefined> {
    if (!this.o.forwarder) return undefined;
    const labels = textLabels(name);
    const question = Buffer.concat([
      ...labels.flatMap((l) => [Buffer.from([l.length]), l]),
      Buffer.from([0, 0, 0, 0, 0]),
    ]);
    question.writeUInt16BE(qtype, question.length - 4);
    question.writeUInt16BE(CLASS_IN, question.length - 2);
    let up: Upstream;
    try {
      up = await this.upstream(normalizeName(name), qtype, CLASS_IN, question, false, false);
    } catch {
      return undefined;
    }
    const { bytes } = relay(up.base, up.msg, {
      id: 0,
      flags: 0,
      question,
      ageSec: up.ageSec,
      capSec: up.capSec,
      limit: 65535,
    });
    const decoded = dnsPacket.decode(bytes);
    const out: ResourceRecord[] = [];
    for (const a of decoded.answers ?? []) {
      const ttl = 'ttl' in a && typeof a.ttl === 'number' ? a.ttl : 0;
      if (a.type === 'A' || a.type === 'AAAA' || a.type === 'CNAME') {
        out.push({ type: a.type, name: a.name, ttl, data: a.data });
      } else if (a.type === 'TXT') {
        const parts = Array.isArray(a.data) ? a.data : [a.data];
        out.push({ type: 'TXT', name: a.name, ttl, data: parts.map((d) => d.toString()) });
      }
    }
    return out;
  }

  private encode(q: Query, limit: number, rcode: number, extra: Partial<Parameters<typeof encodeReply>[0]>): Buffer {
    const edns = q.edns ? { udpSize: this.maxUdp, do: q.edns.do } : undefined;
    const base = FLAG.RA | (q.flags & (FLAG.RD | FLAG.CD));
    try {
      return encodeReply(
        {
          id: q.id,
          rcode,
          question: { bytes: q.question, name: q.qname },
          edns,
          ...extra,
          flags: base | (extra.flags ?? 0),
        },
        limit,
      ).bytes;
    } catch (err) {
      this.log.error('encoding a reply failed', { qname: q.qname, err });
      return encodeReply(
        { id: q.id, flags: base, rcode: RCODE.SERVFAIL, question: { bytes: q.question, name: q.qname }, edns },
        limit,
      ).bytes;
    }
  }

  private async forward(q: Query, limit: number, ctx: RequestContext, zone: string, type: string, t0: number) {
    if (!this.o.forwarder) {
      const out = this.encode(q, limit, RCODE.REFUSED, {});
      this.count(ctx, zone, type, RCODE.REFUSED, '', t0);
      return out;
    }
    const cd = (q.flags & FLAG.CD) !== 0;
    const dnssec = q.edns?.do ?? false;
    let up: Upstream;
    try {
      up = await this.upstream(normalizeName(q.qname), q.qtype, q.qclass, q.question, dnssec, cd, ctx.server);
    } catch (err) {
      this.log.debug('forwarding failed', { qname: q.qname, err });
      const out = this.encode(q, limit, RCODE.SERVFAIL, {});
      this.count(ctx, zone, type, RCODE.SERVFAIL, 'forward', t0);
      return out;
    }
    const upstreamFlags = up.msg.flags & (up.fromCache ? FLAG.AD : FLAG.AD | FLAG.AA);
    const { bytes } = relay(up.base, up.msg, {
      id: q.id,
      flags: FLAG.RA | (q.flags & (FLAG.RD | FLAG.CD)) | upstreamFlags,
      question: q.question,
      ageSec: up.ageSec,
      capSec: up.capSec,
      limit,
      edns: q.edns ? { udpSize: this.maxUdp, do: q.edns.do } : undefined,
    });
    this.count(ctx, zone, type, up.msg.rcode, up.fromCache ? 'cache' : 'forward', t0);
    return bytes;
  }

  /** A cached reply, or one fetched now (concurrent identical questions share one upstream query). */
  private upstream(
    lower: string,
    qtype: number,
    qclass: number,
    question: Buffer,
    dnssec: boolean,
    cd: boolean,
    server = '',
  ): Promise<Upstream> {
    const key = cacheKey(lower, qtype, qclass, dnssec, cd);
    const hit = this.o.cache.get(key);
    if (hit) {
      this.o.metrics.cacheHits.inc([server, hit.entry.negative ? 'denial' : 'success']);
      const { base, msg, ttl } = hit.entry;
      return Promise.resolve({ base, msg, ageSec: hit.ageSec, capSec: ttl, fromCache: true });
    }
    this.o.metrics.cacheMisses.inc([server]);
    const running = this.inflight.get(key);
    if (running) return running;
    const fetch = (async (): Promise<Upstream> => {
      const raw = await this.o.forwarder!.forward(question, { cd, do: dnssec });
      const stripped = stripOpt(raw, scanMessage(raw));
      const policy = cachePolicy(stripped.buf, stripped.msg);
      const entry = policy ? this.o.cache.set(key, stripped.buf, stripped.msg, policy) : undefined;
      return { base: stripped.buf, msg: stripped.msg, ageSec: 0, capSec: entry?.ttl, fromCache: false };
    })().finally(() => this.inflight.delete(key));
    this.inflight.set(key, fetch);
    return fetch;
  }

  private count(ctx: RequestContext, zone: string, type: string, rcode: number, plugin: string, t0: number): void {
    const m = this.o.metrics;
    // `family` is the address family number, as CoreDNS reports it: 1 IPv4, 2 IPv6.
    m.requests.inc([ctx.server, zone, ctx.proto, ctx.family === 6 ? '2' : '1', type]);
    m.responses.inc([ctx.server, zone, rcodeName(rcode), plugin]);
    m.duration.observe([ctx.server, zone, type], (this.clock.monotonic() - t0) / 1000);
  }
}
