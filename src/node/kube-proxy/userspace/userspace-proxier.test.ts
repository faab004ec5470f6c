import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server } from 'node:net';
import type { ServiceSpec } from 'kubernetes-types/core/v1.js';
import { ChangeTracker } from '../change-tracker.js';
import { service, slice, testConfig } from '../testing/objects.js';
import { UserspaceProxier } from './userspace-proxier.js';

// Backends on 127.0.0.2 / 127.0.0.3 (one port, found free), services on loopback addresses.
const backends: (Server | UdpSocket)[] = [];
let port = 0;

before(async () => {
  for (let attempt = 0; attempt < 20 && port === 0; attempt++) {
    const candidate = 40000 + Math.floor(Math.random() * 10000);
    const opened: (Server | UdpSocket)[] = [];
    try {
      for (const ip of ['127.0.0.2', '127.0.0.3']) {
        const srv = createServer((s) => s.end(`${ip}\n`));
        await new Promise<void>((res, rej) => srv.once('error', rej).listen(candidate, ip, () => res()));
        opened.push(srv);
        const udp = createSocket('udp4');
        udp.on('message', (m, r) => udp.send(`${ip} ${m}`, r.port, r.address));
        await new Promise<void>((res, rej) => udp.once('error', rej).bind(candidate, ip, () => res()));
        opened.push(udp);
      }
      backends.push(...opened);
      port = candidate;
    } catch {
      for (const s of opened) s.close();
    }
  }
  assert.ok(port > 0);
});

after(() => {
  for (const s of backends) s.close();
});

function get(host: string, p: number): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    const s = connect({ host, port: p });
    s.setEncoding('utf8');
    s.on('data', (d: string) => (data += d));
    s.on('end', () => resolve(data.trim()));
    s.on('error', (e: NodeJS.ErrnoException) => resolve(`error:${e.code}`));
  });
}

function udpAsk(host: string, p: number): Promise<string> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const t = setTimeout(() => done('timeout'), 2000);
    const done = (v: string) => {
      clearTimeout(t);
      s.close();
      resolve(v);
    };
    s.on('message', (m) => done(m.toString()));
    s.send('hi', p, host);
  });
}

async function withProxier(
  spec: Partial<ServiceSpec>,
  eps: { ip: string; node?: string }[],
  fn: (p: UserspaceProxier, t: ChangeTracker, key: string) => Promise<void>,
) {
  const proxier = new UserspaceProxier({
    config: { ...testConfig, nodePortAddresses: ['127.0.0.0/8'] },
    nodeAddresses: () => ['127.0.0.1'],
  });
  const t = new ChangeTracker('node-1');
  t.onServiceUpsert(service('s', spec));
  t.onSliceUpsert(
    slice('s', eps, { port, portName: spec.ports?.[0]?.name ?? 'http', protocol: spec.ports?.[0]?.protocol as 'UDP' }),
  );
  try {
    await proxier.sync(t.state, t.drain(), true);
    await fn(proxier, t, [...t.state.servicePorts.keys()][0]!);
  } finally {
    await proxier.cleanup();
  }
}

test('a local service IP gets a TCP listener that round-robins; no endpoints closes it', async () => {
  await withProxier(
    { clusterIP: '127.0.0.9', ports: [{ name: 'http', port: 18080 }] },
    [{ ip: '127.0.0.2' }, { ip: '127.0.0.3' }],
    async (p, t, key) => {
      assert.deepEqual(p.listening(key), ['127.0.0.9:18080']);
      const got = [];
      for (let i = 0; i < 4; i++) got.push(await get('127.0.0.9', 18080));
      assert.deepEqual(got, ['127.0.0.2', '127.0.0.3', '127.0.0.2', '127.0.0.3']);
      assert.equal(p.stats().rules, 1);
      t.onSliceUpsert(slice('s', [], { port }));
      await p.sync(t.state, t.drain(), false);
      assert.deepEqual(p.listening(key), []);
      assert.equal(await get('127.0.0.9', 18080), 'error:ECONNREFUSED');
    },
  );
});

test('an endpoint that refuses is skipped for the next one', async () => {
  await withProxier(
    { clusterIP: '127.0.0.9', ports: [{ name: 'http', port: 18081 }] },
    [{ ip: '127.0.0.4' }, { ip: '127.0.0.2' }],
    async () => {
      for (let i = 0; i < 3; i++) assert.equal(await get('127.0.0.9', 18081), '127.0.0.2');
    },
  );
});

test('a ClusterIP that is not local is not listened on; the NodePort is', async () => {
  const spec: Partial<ServiceSpec> = {
    type: 'NodePort',
    clusterIP: '10.43.0.99',
    ports: [{ name: 'http', port: 80, nodePort: 31999 }],
  };
  await withProxier(spec, [{ ip: '127.0.0.3' }], async (p, _t, key) => {
    assert.deepEqual(p.listening(key), ['127.0.0.1:31999']);
    assert.equal(await get('127.0.0.1', 31999), '127.0.0.3');
  });
});

test('UDP datagrams are relayed and answered per client', async () => {
  await withProxier(
    { clusterIP: '127.0.0.9', ports: [{ name: 'dns', port: 18053, protocol: 'UDP' }] },
    [{ ip: '127.0.0.2' }],
    async () => {
      assert.equal(await udpAsk('127.0.0.9', 18053), '127.0.0.2 hi');
      assert.equal(await udpAsk('127.0.0.9', 18053), '127.0.0.2 hi');
    },
  );
});
