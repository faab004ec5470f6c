import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import dnsPacket from 'dns-packet';
import { encodeQuery, queryDns } from './dns-client.js';
import { DnsServer } from './dns-server.js';
import type { RequestContext } from './query-handler.js';

/** A handler answering every question with its own name in a TXT record, tagged with the protocol. */
function echo(seen: RequestContext[], delayMs = 0) {
  return (buf: Buffer, ctx: RequestContext) => {
    seen.push(ctx);
    const q = dnsPacket.decode(buf);
    const out = dnsPacket.encode({
      type: 'response',
      id: q.id,
      questions: q.questions,
      answers: [{ type: 'TXT', name: q.questions![0]!.name, ttl: 1, data: ctx.proto }],
    });
    return delayMs ? new Promise<Buffer>((r) => setTimeout(() => r(out), delayMs)) : out;
  };
}

test('UDP and TCP share one port picked at bind; close releases it', async () => {
  const seen: RequestContext[] = [];
  const srv = await DnsServer.start({ listen: [{ host: '127.0.0.1', port: 0 }], handle: echo(seen) });
  const addr = srv.addresses[0]!;
  assert.ok(addr.port > 0);
  const u = await queryDns({ server: addr, name: 'a.test', type: 'TXT' });
  const t = await queryDns({ server: addr, name: 'b.test', type: 'TXT', tcp: true });
  assert.deepEqual([u.proto, t.proto], ['udp', 'tcp']);
  assert.equal(String((u.packet.answers![0] as dnsPacket.TxtAnswer).data), 'udp');
  assert.equal(String((t.packet.answers![0] as dnsPacket.TxtAnswer).data), 'tcp');
  assert.deepEqual(
    seen.map((c) => [c.proto, c.family, c.server]),
    [
      ['udp', 4, `dns://127.0.0.1:${addr.port}`],
      ['tcp', 4, `dns://127.0.0.1:${addr.port}`],
    ],
  );
  await srv.close();
  const again = await DnsServer.start({ listen: [addr], handle: echo([]) });
  await again.close();
});

test('TCP: pipelined queries on one connection, answered out of order as they complete; idle connections closed', async () => {
  let n = 0;
  const handle = (buf: Buffer, ctx: RequestContext) => {
    const slow = n++ === 0;
    const r = echo([])(buf, ctx) as Buffer;
    return slow ? new Promise<Buffer>((res) => setTimeout(() => res(r), 50)) : r;
  };
  const srv = await DnsServer.start({ listen: [{ host: '127.0.0.1', port: 0 }], handle, tcpIdleTimeoutMs: 300 });
  try {
    const sock = connect(srv.addresses[0]!);
    const ids: number[] = [];
    let pending = Buffer.alloc(0);
    const closed = new Promise<number>((resolve) => {
      const t0 = Date.now();
      sock.on('close', () => resolve(Date.now() - t0));
    });
    sock.on('data', (d: Buffer) => {
      pending = Buffer.concat([pending, d]);
      while (pending.length >= 2 && pending.length >= pending.readUInt16BE(0) + 2) {
        ids.push(dnsPacket.decode(pending.subarray(2, pending.readUInt16BE(0) + 2)).id!);
        pending = pending.subarray(pending.readUInt16BE(0) + 2);
      }
    });
    const frame = (id: number) => {
      const q = encodeQuery(`q${id}.test`, 'TXT', { id });
      return Buffer.concat([Buffer.from([q.length >> 8, q.length & 255]), q]);
    };
    // Three queries in one write, the last split across two writes.
    const all = Buffer.concat([frame(1), frame(2), frame(3)]);
    sock.write(all.subarray(0, all.length - 5));
    sock.write(all.subarray(all.length - 5));
    const lifetime = await closed;
    assert.deepEqual(ids, [2, 3, 1]);
    assert.ok(lifetime >= 250 && lifetime < 5000, `closed after ${lifetime} ms idle`);
  } finally {
    await srv.close();
  }
});

test('a throwing handler loses that query only; the server keeps serving', async () => {
  let first = true;
  const srv = await DnsServer.start({
    listen: [{ host: '127.0.0.1', port: 0 }],
    handle: (buf, ctx) => {
      if (first) {
        first = false;
        throw new Error('boom');
      }
      return echo([])(buf, ctx);
    },
  });
  try {
    const sock = createSocket('udp4');
    sock.send(encodeQuery('x.test', 'A', { id: 1 }), srv.addresses[0]!.port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 50));
    sock.close();
    const ok = await queryDns({ server: srv.addresses[0]!, name: 'y.test', type: 'TXT' });
    assert.equal(ok.packet.answers!.length, 1);
  } finally {
    await srv.close();
  }
});
