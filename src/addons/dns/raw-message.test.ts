import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import { FakeClock } from '../../lib/clock.js';
import { cachePolicy, relay, scanMessage, stripOpt } from './raw-message.js';
import { cacheKey, ResponseCache } from './response-cache.js';

const opt: dnsPacket.Answer = {
  type: 'OPT',
  name: '.',
  udpPayloadSize: 4096,
  extendedRcode: 0,
  ednsVersion: 0,
  flags: 0,
  flag_do: false,
  options: [],
};

function reply(p: Partial<dnsPacket.Packet> & { rcode?: number }): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id: 77,
    flags: dnsPacket.RECURSION_AVAILABLE | dnsPacket.AUTHORITATIVE_ANSWER | (p.rcode ?? 0),
    questions: [{ name: 'www.example.test', type: 'A', class: 'IN' }],
    ...p,
  });
}

const a = (data: string, ttl: number): dnsPacket.Answer => ({ type: 'A', name: 'www.example.test', ttl, data });
const soa = (ttl: number, minimum: number): dnsPacket.Answer => ({
  type: 'SOA',
  name: 'example.test',
  ttl,
  data: { mname: 'ns.example.test', rname: 'h.example.test', serial: 1, refresh: 1, retry: 1, expire: 1, minimum },
});

test('cache policy: positive by the smallest answer TTL, negative by the SOA, errors and TC not at all', () => {
  const policy = (b: Buffer) => cachePolicy(b, scanMessage(b));
  assert.deepEqual(policy(reply({ answers: [a('192.0.2.1', 300), a('192.0.2.2', 60)] })), { ttl: 60, negative: false });
  assert.deepEqual(policy(reply({ rcode: 3, authorities: [soa(3600, 45)] })), { ttl: 45, negative: true });
  assert.deepEqual(policy(reply({ authorities: [soa(10, 45)] })), { ttl: 10, negative: true }, 'NODATA');
  assert.equal(policy(reply({ rcode: 3 })), undefined, 'negative without SOA');
  assert.equal(policy(reply({ rcode: 2 })), undefined, 'SERVFAIL');
  assert.equal(policy(reply({ answers: [a('192.0.2.1', 0)] })), undefined, 'TTL 0');
  const tc = reply({ answers: [a('192.0.2.1', 30)] });
  tc.writeUInt16BE(tc.readUInt16BE(2) | dnsPacket.TRUNCATED_RESPONSE, 2);
  assert.equal(policy(tc), undefined, 'truncated');
});

test('relay: OPT swapped, ID/flags/question spelling set, TTLs aged and capped, cut at record boundaries', () => {
  const raw = reply({ answers: Array.from({ length: 40 }, (_, i) => a(`192.0.2.${i}`, 300)), additionals: [opt] });
  const { buf, msg } = stripOpt(raw, scanMessage(raw));
  assert.equal(msg.records.length, 40);
  assert.equal(buf.readUInt16BE(10), 0);
  const question = Buffer.from(buf.subarray(12, msg.questionEnd));
  question.write('WWW', 1, 'latin1');
  const full = relay(buf, msg, {
    id: 5,
    flags: 0x0180,
    question,
    ageSec: 12,
    capSec: 30,
    limit: 65535,
    edns: { udpSize: 1232, do: false },
  });
  const d = dnsPacket.decode(full.bytes);
  assert.equal(full.truncated, false);
  assert.equal(d.id, 5);
  assert.equal(d.flag_aa, false);
  assert.equal(d.flag_rd, true);
  assert.equal(d.questions![0]!.name, 'WWW.example.test');
  assert.equal(d.answers!.length, 40);
  assert.ok(d.answers!.every((r) => (r as { ttl: number }).ttl === 18));
  assert.deepEqual(
    d.additionals!.map((r) => [r.type, (r as dnsPacket.OptAnswer).udpPayloadSize]),
    [['OPT', 1232]],
  );
  const cut = relay(buf, msg, { id: 5, flags: 0, question, ageSec: 0, limit: 512 });
  const c = dnsPacket.decode(cut.bytes);
  assert.equal(cut.truncated, true);
  assert.equal(c.flag_tc, true);
  // Uncompressed 32-byte records after 12 + 22 bytes: (512 - 34) / 32 = 14.
  assert.equal(c.answers!.length, 14);
  assert.ok(
    c.answers!.every((r) => (r as { ttl: number }).ttl === 300),
    'no cap: TTLs untouched',
  );
});

test('response cache: expiry by the capped TTL on the injected clock, LRU bound', async () => {
  const clock = new FakeClock();
  const cache = new ResponseCache({ capacity: 2, maxTtlSec: 30, clock });
  const raw = reply({ answers: [a('192.0.2.1', 300)] });
  const msg = scanMessage(raw);
  const k = (n: string) => cacheKey(n, 1, 1, false, false);
  assert.equal(cache.set(k('a'), raw, msg, { ttl: 300, negative: false })!.ttl, 30);
  await clock.advance(29_500);
  assert.equal(cache.get(k('a'))!.ageSec, 29);
  await clock.advance(500);
  assert.equal(cache.get(k('a')), undefined);
  cache.set(k('a'), raw, msg, { ttl: 5, negative: false });
  cache.set(k('b'), raw, msg, { ttl: 5, negative: true });
  assert.ok(cache.get(k('a')), 'a is now the most recently used');
  cache.set(k('c'), raw, msg, { ttl: 5, negative: false });
  assert.equal(cache.get(k('b')), undefined, 'b was least recently used');
  assert.deepEqual(cache.counts(), { success: 2, denial: 0 });
  assert.notEqual(cacheKey('a', 1, 1, true, false), cacheKey('a', 1, 1, false, false));
});
