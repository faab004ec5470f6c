import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import { encodeQuery } from './dns-client.js';
import { parseQuery, type Query } from './query-parser.js';
import { FLAG, RCODE, type ResourceRecord } from './records.js';
import { encodeReply } from './wire-writer.js';

function query(name: string, type: dnsPacket.RecordType, udpSize?: number): Query {
  const p = parseQuery(encodeQuery(name, type, { id: 4242, udpSize }));
  assert.ok(p.ok);
  return p.query;
}

const soa: ResourceRecord = {
  type: 'SOA',
  name: 'cluster.local',
  ttl: 30,
  data: {
    mname: 'ns.dns.cluster.local',
    rname: 'hostmaster.cluster.local',
    serial: 7,
    refresh: 7200,
    retry: 1800,
    expire: 86400,
    minimum: 30,
  },
};

test('every record type decodes back to what was written (dns-packet as the reference decoder)', () => {
  const q = query('Web.Default.svc.cluster.local', 'A', 1232);
  const answers: ResourceRecord[] = [
    { type: 'A', name: q.qname, ttl: 5, data: '10.43.0.7' },
    { type: 'AAAA', name: q.qname, ttl: 5, data: 'fd00::7' },
    { type: 'CNAME', name: q.qname, ttl: 5, data: 'www.example.com' },
    { type: 'PTR', name: '7.0.43.10.in-addr.arpa', ttl: 5, data: 'web.default.svc.cluster.local' },
    { type: 'NS', name: 'cluster.local', ttl: 5, data: 'ns.dns.cluster.local' },
    {
      type: 'SRV',
      name: '_http._tcp.web.default.svc.cluster.local',
      ttl: 5,
      data: { priority: 0, weight: 50, port: 80, target: 'web-0.web.default.svc.cluster.local' },
    },
    { type: 'TXT', name: 'dns-version.cluster.local', ttl: 28800, data: ['1.1.0'] },
  ];
  const { bytes, truncated } = encodeReply(
    {
      id: q.id,
      flags: FLAG.AA | FLAG.RD | FLAG.RA,
      rcode: RCODE.NOERROR,
      question: { bytes: q.question, name: q.qname },
      answers,
      authorities: [soa],
      edns: { udpSize: 1232, do: false },
    },
    65535,
  );
  assert.equal(truncated, false);
  const d = dnsPacket.decode(bytes);
  assert.equal(d.id, 4242);
  assert.equal(d.type, 'response');
  assert.equal(d.flag_aa, true);
  assert.equal(d.flag_rd, true);
  assert.equal(d.flag_ra, true);
  assert.equal(d.flag_tc, false);
  assert.deepEqual(d.questions, [{ name: 'Web.Default.svc.cluster.local', type: 'A', class: 'IN' }]);
  const simplify = (a: dnsPacket.Answer) => {
    const { name, type, ttl, data } = a as { name: string; type: string; ttl: number; data: unknown };
    if (type === 'TXT') return { name, type, ttl, data: (data as Buffer[]).map((b) => b.toString()) };
    return { name, type, ttl, data };
  };
  // Owner names compressed against the question come back in the question's spelling.
  assert.deepEqual(d.answers!.map(simplify), answers);
  assert.deepEqual(d.authorities!.map(simplify), [soa]);
  assert.equal(d.additionals!.length, 1);
  assert.equal(d.additionals![0]!.type, 'OPT');
});

test('names are compressed against the question and earlier records; SRV targets are not', () => {
  const q = query('web.default.svc.cluster.local', 'SRV');
  const srv: ResourceRecord = {
    type: 'SRV',
    name: q.qname,
    ttl: 5,
    data: { priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' },
  };
  const a: ResourceRecord = { type: 'A', name: 'web.default.svc.cluster.local', ttl: 5, data: '10.43.0.7' };
  const { bytes } = encodeReply(
    { id: 1, flags: 0, rcode: 0, question: { bytes: q.question, name: q.qname }, answers: [srv], additionals: [a] },
    512,
  );
  // header 12 + question 35; SRV: pointer 2 + 10 + 6 + full target 31 = 49; A: pointer 2 + 10 + 4 = 16.
  assert.equal(bytes.length, 12 + 35 + 49 + 16);
  assert.equal(bytes.indexOf(Buffer.from('\x03web\x07default'), 12 + 35), 12 + 35 + 2 + 10 + 6);
  assert.deepEqual(dnsPacket.decode(bytes).additionals, [{ ...a, class: 'IN', flush: false }]);
});

test('truncation keeps whole records within the limit, sets TC, keeps OPT; dropped additionals do not set TC', () => {
  const q = query('db.default.svc.cluster.local', 'A', 600);
  const many: ResourceRecord[] = Array.from({ length: 100 }, (_, i) => ({
    type: 'A',
    name: q.qname,
    ttl: 5,
    data: `10.42.${i >> 8}.${i & 255}`,
  }));
  const spec = {
    id: 9,
    flags: FLAG.AA,
    rcode: RCODE.NOERROR,
    question: { bytes: q.question, name: q.qname },
    answers: many,
    edns: { udpSize: 1232, do: false },
  };
  const small = encodeReply(spec, 600);
  assert.equal(small.truncated, true);
  assert.ok(small.bytes.length <= 600);
  const d = dnsPacket.decode(small.bytes);
  assert.equal(d.flag_tc, true);
  // 12 + 34 question + 11 OPT = 57; each A record compressed is 16 bytes: floor(543 / 16) = 33.
  assert.equal(d.answers!.length, 33);
  assert.equal(d.additionals![0]!.type, 'OPT');
  const full = encodeReply(spec, 65535);
  assert.equal(full.truncated, false);
  assert.equal(dnsPacket.decode(full.bytes).answers!.length, 100);

  const extra = encodeReply({ ...spec, answers: many.slice(0, 2), additionals: many }, 512);
  assert.equal(extra.truncated, false);
  const e = dnsPacket.decode(extra.bytes);
  assert.equal(e.flag_tc, false);
  assert.equal(e.answers!.length, 2);
  assert.ok(e.additionals!.length > 1 && e.additionals!.length < 101);
  assert.ok(extra.bytes.length <= 512);
});

test('an extended rcode goes into the OPT record', () => {
  const { bytes } = encodeReply({ id: 3, flags: 0, rcode: RCODE.BADVERS, edns: { udpSize: 1232, do: true } }, 512);
  assert.equal(bytes.readUInt16BE(2) & 0xf, 0);
  const d = dnsPacket.decode(bytes);
  const opt = d.additionals![0] as dnsPacket.OptAnswer;
  assert.equal(opt.extendedRcode, 1);
  assert.equal(opt.flag_do, true);
  assert.equal(opt.udpPayloadSize, 1232);
});

test('queries: EDNS read, odd input reported with the reply it deserves', () => {
  const q = query('Example.COM', 'AAAA', 4096);
  assert.equal(q.qname, 'Example.COM');
  assert.equal(q.qtype, 28);
  assert.deepEqual(q.edns, { udpSize: 4096, version: 0, do: false });
  assert.equal(query('example.com', 'A').edns, undefined);

  const two = dnsPacket.encode({
    type: 'query',
    id: 5,
    questions: [
      { name: 'a.example', type: 'A' },
      { name: 'b.example', type: 'A' },
    ],
  });
  assert.deepEqual(pick(parseQuery(two)), { ok: false, id: 5, rcode: RCODE.FORMERR });
  assert.deepEqual(pick(parseQuery(two.subarray(0, 20))), { ok: false, id: 5, rcode: RCODE.FORMERR });
  assert.deepEqual(pick(parseQuery(Buffer.alloc(5))), { ok: false, id: undefined, rcode: RCODE.FORMERR });
  const notify = Buffer.from(encodeQuery('x.example', 'SOA', { id: 6 }));
  notify.writeUInt16BE(notify.readUInt16BE(2) | (4 << 11), 2);
  assert.deepEqual(pick(parseQuery(notify)), { ok: false, id: 6, rcode: RCODE.NOTIMP });

  // A compression pointer that loops back onto the name itself.
  const looped = Buffer.from([0, 7, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 0x77, 0x77, 0x77, 0xc0, 12, 0, 1, 0, 1]);
  assert.deepEqual(pick(parseQuery(looped)), { ok: false, id: 7, rcode: RCODE.FORMERR });
});

function pick(p: ReturnType<typeof parseQuery>) {
  return p.ok ? { ok: true } : { ok: false, id: p.id, rcode: p.rcode };
}
