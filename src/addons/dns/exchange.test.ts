import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { formatHostPort, parseHostPort, udpExchange } from './exchange.js';

test('host:port parsing and formatting', () => {
  const cases: [string, string][] = [
    ['10.43.0.10', '10.43.0.10:53'],
    ['127.0.0.1:5353', '127.0.0.1:5353'],
    ['::1', '[::1]:53'],
    ['[fd00::1]:5353', '[fd00::1]:5353'],
  ];
  for (const [input, want] of cases) assert.equal(formatHostPort(parseHostPort(input)), want, input);
  assert.throws(() => parseHostPort('1.2.3.4:0'), /bad port/);
});

test('a UDP exchange whose connect fails rejects instead of crashing the process', async () => {
  // connect() to the limited broadcast address without SO_BROADCAST fails in the
  // kernel with EACCES before any packet is sent: the same path as ENETUNREACH
  // from a node whose upstream resolver has no route.
  const query = Buffer.from('abcd0100000100000000000003777777076578616d706c650000010001', 'hex');
  await assert.rejects(udpExchange({ host: '255.255.255.255', port: 53 }, query, { timeoutMs: 2000 }), {
    code: 'EACCES',
  });
});

test('a UDP exchange resolves with the reply whose ID matches', async () => {
  const server = createSocket('udp4');
  server.on('message', (msg, rinfo) => {
    const other = Buffer.from(msg);
    other[0] = msg[0]! ^ 0xff;
    server.send(other, rinfo.port, rinfo.address);
    const reply = Buffer.from(msg);
    reply[2] = 0x81;
    server.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', r));
  try {
    const query = Buffer.from('1234010000010000000000000000010001', 'hex');
    const reply = await udpExchange({ host: '127.0.0.1', port: server.address().port }, query, { timeoutMs: 5000 });
    assert.equal(reply.readUInt16BE(0), 0x1234);
    assert.equal(reply[2], 0x81);
  } finally {
    server.close();
  }
});
