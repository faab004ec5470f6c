import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archiveFileName, buildTestImages, busyboxApplets, busyboxLayer, nsswitchConf } from './test-images.js';

test('archive file names', () => {
  const cases: [string, string][] = [
    ['kubets.local/busybox:1', 'busybox.tar'],
    ['kubets.local/pause:1', 'pause.tar'],
    ['registry.local:5000/team/app@sha256:abc', 'app.tar'],
  ];
  for (const [name, want] of cases) assert.equal(archiveFileName(name), want, name);
});

test('applets come from `busybox --list`, deduplicated, sorted, without busybox itself', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-bb-'));
  try {
    const fake = join(dir, 'busybox');
    writeFileSync(fake, '#!/bin/sh\nprintf "sh\\nls\\nbusybox\\n[\\nls\\n\\n"\n');
    chmodSync(fake, 0o755);
    assert.deepEqual(busyboxApplets(fake), ['[', 'ls', 'sh']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'only the requested images are built (pause needs no busybox)',
  { skip: process.arch !== 'x64' && 'x86-64 only' },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubets-ti-'));
    try {
      const out = join(dir, 'out');
      const built = buildTestImages(out, { only: ['pause'], busyboxPath: '/nonexistent/busybox' });
      assert.deepEqual(
        built.map((b) => [b.name, b.file]),
        [['kubets.local/pause:1', join(out, 'pause.tar')]],
      );
      assert.match(built[0].imageId, /^sha256:[0-9a-f]{64}$/);
      assert.deepEqual(readdirSync(out), ['pause.tar']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

const haveBusybox = existsSync('/bin/busybox');

/** Unpacks the busybox layer into a fresh directory (system tar). */
function unpackBusyboxLayer(dir: string): string {
  const root = join(dir, 'rootfs');
  mkdirSync(root);
  writeFileSync(join(dir, 'layer.tgz'), busyboxLayer().blob);
  execFileSync('tar', ['-xzf', join(dir, 'layer.tgz'), '-C', root]);
  return root;
}

test(
  'the busybox layer pins the hosts lookup order: files, then DNS',
  { skip: !haveBusybox && 'no /bin/busybox' },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubets-ti-'));
    try {
      const root = unpackBusyboxLayer(dir);
      assert.equal(readFileSync(join(root, 'etc', 'nsswitch.conf'), 'utf8'), nsswitchConf);
      assert.match(nsswitchConf, /^hosts: files dns$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

/**
 * A DNS server for one name (A only; NODATA for its other types, NXDOMAIN
 * for every other name), recording the names asked. Just enough wire format
 * for a stub resolver's queries.
 */
async function tinyDns(host: string, name: string, ip: string) {
  const asked: string[] = [];
  const sock = createSocket('udp4');
  sock.on('message', (m, peer) => {
    const labels: string[] = [];
    let i = 12;
    while (m[i] !== 0) {
      labels.push(m.subarray(i + 1, i + 1 + m[i]!).toString());
      i += m[i]! + 1;
    }
    const qtype = m.readUInt16BE(i + 1);
    const question = m.subarray(12, i + 5);
    const qname = labels.join('.').toLowerCase();
    asked.push(qname);
    const a = qname === name && qtype === 1;
    const header = Buffer.alloc(12);
    m.copy(header, 0, 0, 2);
    header.writeUInt16BE(qname === name ? 0x8580 : 0x8583, 2); // QR AA RD RA, rcode 0 or 3
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(a ? 1 : 0, 6);
    const answer = a
      ? Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, ...ip.split('.').map(Number)])
      : Buffer.alloc(0);
    sock.send(Buffer.concat([header, question, answer]), peer.port, peer.address);
  });
  await new Promise<void>((resolve, reject) => sock.once('error', reject).bind(53, host, () => resolve()));
  return { asked, close: () => new Promise<void>((r) => sock.close(() => r())) };
}

test(
  "the image's wget resolves names through /etc/hosts and DNS with its search path (static glibc, no NSS modules)",
  { skip: (!haveBusybox && 'no /bin/busybox') || (process.getuid?.() !== 0 && 'chroot needs root') },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubets-ti-'));
    // Loopback only: the resolver, the web server and every name point at 127.x addresses.
    const dnsIP = `127.77.${Math.floor(Math.random() * 250) + 1}.53`;
    const web = createServer((_req, res) => res.end('hello from the test server\n'));
    let dns: Awaited<ReturnType<typeof tinyDns>> | undefined;
    try {
      const root = unpackBusyboxLayer(dir);
      // What the kubelet and containerd mount into a pod: hosts and resolv.conf.
      writeFileSync(join(root, 'etc', 'hosts'), '127.0.0.1\tlocalhost\n127.0.0.1\tfrom-hosts\n');
      writeFileSync(
        join(root, 'etc', 'resolv.conf'),
        `search ns1.svc.test svc.test\nnameserver ${dnsIP}\noptions ndots:5\n`,
      );
      dns = await tinyDns(dnsIP, 'web.svc.test', '127.0.0.1');
      await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
      const port = (web.address() as { port: number }).port;
      const wget = (host: string) =>
        new Promise<{ code: number; out: string }>((resolve) => {
          execFile(
            'chroot',
            [root, '/bin/wget', '-qO-', `http://${host}:${port}/`],
            { timeout: 20_000 },
            (err, out, errOut) =>
              resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, out: out + errOut }),
          );
        });
      const viaDns = await wget('web');
      assert.deepEqual(viaDns, { code: 0, out: 'hello from the test server\n' });
      assert.ok(dns.asked.includes('web.svc.test'), `asked: ${dns.asked.join(', ')}`);
      assert.equal(dns.asked[0], 'web.ns1.svc.test', 'the search path is tried in order');
      const viaHosts = await wget('from-hosts');
      assert.deepEqual(viaHosts, { code: 0, out: 'hello from the test server\n' });
      assert.ok(!dns.asked.some((n) => n.startsWith('from-hosts')), '/etc/hosts answers before DNS');
    } finally {
      web.close();
      await dns?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
