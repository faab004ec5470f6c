import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import { FakeClock } from '../../lib/clock.js';
import { ClusterResolver } from './cluster-resolver.js';
import { encodeQuery } from './dns-client.js';
import { Forwarder } from './forwarder.js';
import { DnsMetrics } from './metrics.js';
import { QueryHandler, type RequestContext } from './query-handler.js';
import { ResponseCache } from './response-cache.js';
import { startFakeUpstream, type FakeUpstream } from './testing/fake-upstream.js';
import { ZoneIndex } from './zone-index.js';

const udp: RequestContext = { proto: 'udp', server: 'dns://test', family: 4 };
const tcp: RequestContext = { ...udp, proto: 'tcp' };

const many = (n: number): dnsPacket.Answer[] =>
  Array.from({ length: n }, (_, i) => ({ type: 'A', name: 'x', ttl: 300, data: `192.0.2.${i + 1}` }));

function zone(): ZoneIndex {
  const index = new ZoneIndex();
  index.upsertNamespace('shop');
  index.upsertService({
    metadata: { namespace: 'shop', name: 'web' },
    spec: { clusterIP: '10.43.1.10', ports: [{ port: 80 }] },
  });
  index.upsertService({
    metadata: { namespace: 'shop', name: 'ext' },
    spec: { type: 'ExternalName', externalName: 'www.example.test' },
  });
  index.upsertService({ metadata: { namespace: 'shop', name: 'big' }, spec: { clusterIP: 'None' } });
  index.upsertEndpointSlice({
    metadata: { namespace: 'shop', name: 'big-1', labels: { 'kubernetes.io/service-name': 'big' } },
    addressType: 'IPv4',
    endpoints: Array.from({ length: 100 }, (_, i) => ({ addresses: [`10.42.${i >> 8}.${i & 255}`] })),
  });
  return index;
}

interface Setup {
  handler: QueryHandler;
  metrics: DnsMetrics;
  clock: FakeClock;
  setReady(v: boolean): void;
}

function setup(upstreams: FakeUpstream[], o: { timeoutMs?: number; fakeClock?: boolean } = {}): Setup {
  const clock = new FakeClock();
  const useClock = o.fakeClock === false ? undefined : clock;
  const metrics = new DnsMetrics();
  let ready = true;
  const resolver: ClusterResolver = new ClusterResolver(zone(), {
    domain: 'cluster.local',
    lookupUpstream: (name, qtype) => handler.lookupUpstream(name, qtype),
  });
  const forwarder =
    upstreams.length > 0
      ? new Forwarder({ upstreams: upstreams.map((u) => u.address), timeoutMs: o.timeoutMs ?? 2000, clock: useClock })
      : undefined;
  const handler: QueryHandler = new QueryHandler({
    resolver,
    forwarder,
    cache: new ResponseCache({ maxTtlSec: 30, clock: useClock }),
    metrics,
    ready: () => ready,
    clock: useClock,
  });
  return { handler, metrics, clock, setReady: (v) => (ready = v) };
}

async function ask(
  h: QueryHandler,
  name: string,
  type: dnsPacket.RecordType,
  o: { ctx?: RequestContext; udpSize?: number; id?: number } = {},
) {
  const bytes = await h.handle(encodeQuery(name, type, { id: o.id ?? 1234, udpSize: o.udpSize }), o.ctx ?? udp);
  assert.ok(bytes, `a reply to ${name}`);
  return { bytes, p: dnsPacket.decode(bytes) as dnsPacket.DecodedPacket & { rcode: string } };
}

describe('query handler', () => {
  let up: FakeUpstream;
  let silent: FakeUpstream;

  before(async () => {
    up = await startFakeUpstream({
      records: {
        'www.example.test|A': [{ type: 'A', name: 'x', ttl: 300, data: '192.0.2.80' }],
        'short.example.test|A': [{ type: 'A', name: 'x', ttl: 4, data: '192.0.2.4' }],
        'many.example.test|A': many(60),
      },
      udpMaxAnswers: 40,
    });
    silent = await startFakeUpstream({ records: {}, silent: true });
  });
  after(async () => {
    await up?.close();
    await silent?.close();
  });

  test("forwarded replies are cached: TTLs capped and aged, the asker's ID and spelling echoed", async () => {
    const s = setup([up]);
    const before = up.asked.length;
    const first = await ask(s.handler, 'www.example.test', 'A', { id: 1 });
    assert.equal(first.p.rcode, 'NOERROR');
    assert.equal(first.p.id, 1);
    assert.deepEqual(
      first.p.answers!.map((a) => [a.name, a.type, (a as { ttl: number }).ttl, (a as { data: string }).data]),
      [['www.example.test', 'A', 30, '192.0.2.80']],
    );
    await s.clock.advance(7_000);
    const second = await ask(s.handler, 'WWW.Example.TEST', 'A', { id: 2 });
    assert.equal(second.p.id, 2);
    assert.deepEqual(second.p.questions, [{ name: 'WWW.Example.TEST', type: 'A', class: 'IN' }]);
    assert.equal((second.p.answers![0] as { ttl: number }).ttl, 23);
    assert.equal(second.p.flag_aa, false);
    assert.equal(up.asked.length - before, 1, 'one upstream query for both');
    assert.equal(s.metrics.cacheHits.get(['dns://test', 'success']), 1);
    await s.clock.advance(23_000);
    await ask(s.handler, 'www.example.test', 'A');
    assert.equal(up.asked.length - before, 2, 'expired after the 30 s cap');
    // A record TTL below the cap is the entry's lifetime.
    await ask(s.handler, 'short.example.test', 'A');
    await s.clock.advance(4_000);
    await ask(s.handler, 'short.example.test', 'A');
    assert.equal(up.asked.filter((a) => a.includes('short.example.test')).length, 2);
  });

  test('NXDOMAIN from upstream is cached for min(SOA TTL, minimum)', async () => {
    const s = setup([up]);
    const r = await ask(s.handler, 'missing.example.test', 'A');
    assert.equal(r.p.rcode, 'NXDOMAIN');
    assert.equal(r.p.authorities![0]!.type, 'SOA');
    await s.clock.advance(19_000);
    await ask(s.handler, 'missing.example.test', 'A');
    assert.equal(s.metrics.cacheHits.get(['dns://test', 'denial']), 1);
    await s.clock.advance(1_000);
    await ask(s.handler, 'missing.example.test', 'A');
    assert.equal(up.asked.filter((a) => a.includes('missing.example.test')).length, 2);
  });

  test('a truncated upstream reply is fetched again over TCP; a client over UDP gets TC and retries over TCP', async () => {
    const s = setup([up]);
    const viaUdp = await ask(s.handler, 'many.example.test', 'A');
    assert.deepEqual(
      up.asked.filter((a) => a.includes('many.example.test')),
      ['udp many.example.test A', 'tcp many.example.test A'],
    );
    assert.equal(viaUdp.p.flag_tc, true);
    assert.ok(viaUdp.bytes.length <= 512);
    // The upstream (dns-packet) does not compress: 33-byte records, cut at a record boundary within
    // our 1232-byte limit: (1232 - 12 - 23 question - 11 OPT) / 33 = 35.
    const withEdns = await ask(s.handler, 'many.example.test', 'A', { udpSize: 4096 });
    assert.equal(withEdns.p.flag_tc, true);
    assert.equal(withEdns.p.answers!.length, 35);
    assert.ok(withEdns.bytes.length <= 1232);
    assert.equal((withEdns.p.additionals![0] as dnsPacket.OptAnswer).udpPayloadSize, 1232);
    const viaTcp = await ask(s.handler, 'many.example.test', 'A', { ctx: tcp });
    assert.equal(viaTcp.p.answers!.length, 60);
  });

  test("cluster answers too large for UDP are truncated to the client's limit", async () => {
    const s = setup([]);
    const plain = await ask(s.handler, 'big.shop.svc.cluster.local', 'A');
    assert.equal(plain.p.flag_tc, true);
    assert.ok(plain.bytes.length <= 512);
    const edns = await ask(s.handler, 'big.shop.svc.cluster.local', 'A', { udpSize: 1232 });
    assert.equal(edns.p.flag_tc, true);
    assert.ok(edns.bytes.length <= 1232 && edns.bytes.length > 1100);
    const full = await ask(s.handler, 'big.shop.svc.cluster.local', 'A', { ctx: tcp });
    assert.equal(full.p.flag_tc, false);
    assert.equal(full.p.answers!.length, 100);
    assert.equal(full.p.flag_aa, true);
  });

  test('failover: a silent upstream is skipped after its timeout and the next one is preferred', async () => {
    const s = setup([silent, up], { timeoutMs: 150, fakeClock: false });
    const r = await ask(s.handler, 'www.example.test', 'A');
    assert.equal(r.p.rcode, 'NOERROR');
    assert.equal(silent.asked.length, 1);
    await ask(s.handler, 'short.example.test', 'A');
    assert.equal(silent.asked.length, 1, 'the answering upstream is asked first now');
    const dead = setup([silent], { timeoutMs: 100, fakeClock: false });
    assert.equal((await ask(dead.handler, 'www.example.test', 'A')).p.rcode, 'SERVFAIL');
  });

  test('ExternalName: CNAME plus the target resolved upstream', async () => {
    const s = setup([up]);
    const r = await ask(s.handler, 'ext.shop.svc.cluster.local', 'A');
    assert.deepEqual(
      r.p.answers!.map((a) => [a.name, a.type, (a as { data: string }).data]),
      [
        ['ext.shop.svc.cluster.local', 'CNAME', 'www.example.test'],
        ['www.example.test', 'A', '192.0.2.80'],
      ],
    );
    assert.equal(r.p.flag_aa, true);
  });

  test('edge cases: not ready, no upstreams, EDNS version, malformed input, zone transfers', async () => {
    const s = setup([]);
    assert.equal((await ask(s.handler, 'www.example.test', 'A')).p.rcode, 'REFUSED');
    s.setReady(false);
    assert.equal((await ask(s.handler, 'web.shop.svc.cluster.local', 'A')).p.rcode, 'SERVFAIL');
    s.setReady(true);
    const web = await ask(s.handler, 'web.shop.svc.cluster.local', 'A');
    assert.equal(web.p.rcode, 'NOERROR');
    assert.equal(web.p.flag_ra, true);
    assert.equal(web.p.flag_rd, true);

    const v1 = Buffer.from(encodeQuery('web.shop.svc.cluster.local', 'A', { id: 9, udpSize: 1232 }));
    v1[v1.length - 5] = 1; // the OPT version byte
    const bad = dnsPacket.decode((await s.handler.handle(v1, udp))!);
    assert.equal((bad.additionals![0] as dnsPacket.OptAnswer).extendedRcode, 1, 'BADVERS (16)');

    const garbage = Buffer.from([0, 77, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9, 1, 2]);
    const formerr = dnsPacket.decode((await s.handler.handle(garbage, udp))!) as dnsPacket.DecodedPacket & {
      rcode: string;
    };
    assert.deepEqual([formerr.id, formerr.rcode], [77, 'FORMERR']);
    assert.equal(await s.handler.handle(Buffer.from([1, 2, 3]), udp), undefined);
    assert.equal((await ask(s.handler, 'cluster.local', 'AXFR', { ctx: tcp })).p.rcode, 'REFUSED');

    assert.equal(s.metrics.responses.sum({ rcode: 'REFUSED' }), 2);
    assert.equal(s.metrics.responses.sum({ rcode: 'SERVFAIL', plugin: 'kubernetes' }), 1);
    assert.equal(s.metrics.requests.sum({ type: 'A', proto: 'udp' }), 4);
  });
});
