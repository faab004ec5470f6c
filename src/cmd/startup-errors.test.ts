import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import type { ControlPlaneConfig } from './control-plane.js';
import { explainStartupError } from './startup-errors.js';

const config = {
  dataDir: '/var/lib/kubets',
  bindAddress: '0.0.0.0',
  httpsPort: 6443,
  advertiseAddress: '10.0.0.1',
  kubeconfigPath: '/var/lib/kubets/kubeconfig.yaml',
  kubeconfigMode: 0o600,
  tlsSans: [],
  serviceCIDR: '10.43.0.0/16',
  clusterCIDR: '10.42.0.0/16',
  clusterDomain: 'cluster.local',
} satisfies ControlPlaneConfig;

/** An errno error shaped as Node's listen/bind failures are (code, syscall, address, port). */
function bindError(code: string, address: string, port: number, syscall = 'listen'): NodeJS.ErrnoException {
  const msg = code === 'EADDRINUSE' ? 'address already in use' : 'permission denied';
  return Object.assign(new Error(`${syscall} ${code}: ${msg} ${address}:${port}`), { code, syscall, address, port });
}

test('EADDRINUSE is attributed to the component that owns the port, with its fix', () => {
  const cases: [string, unknown, ControlPlaneConfig, RegExp][] = [
    [
      'API',
      bindError('EADDRINUSE', '0.0.0.0', 6443),
      config,
      /^port 6443 on 0\.0\.0\.0 \(the API server\).*--https-listen-port$/,
    ],
    [
      'API on a custom port',
      bindError('EADDRINUSE', '127.0.0.1', 7443),
      { ...config, httpsPort: 7443 },
      /^port 7443 on 127\.0\.0\.1 \(the API server\)/,
    ],
    [
      'kubelet',
      bindError('EADDRINUSE', '10.0.0.1', 10250),
      config,
      /^port 10250 on 10\.0\.0\.1 \(the kubelet\).*--kubelet-arg port=N.*--disable-agent/,
    ],
    [
      'kubelet healthz',
      bindError('EADDRINUSE', '127.0.0.1', 10248),
      config,
      /\(the kubelet's healthz\).*--disable-agent/,
    ],
    [
      'kube-proxy',
      bindError('EADDRINUSE', '0.0.0.0', 10256),
      config,
      /\(kube-proxy's healthz\).*healthz-port=N.*--disable-kube-proxy/,
    ],
    [
      'DNS 53 (UDP bind)',
      bindError('EADDRINUSE', '10.0.0.1', 53, 'bind'),
      config,
      /^port 53 on 10\.0\.0\.1 \(cluster DNS\).*--disable coredns/,
    ],
    ['DNS 1053', bindError('EADDRINUSE', '10.0.0.1', 1053), config, /\(cluster DNS\).*--disable coredns/],
    [
      'controller-manager secure port',
      bindError('EADDRINUSE', '127.0.0.1', 10257),
      config,
      /\(the controller-manager's secure port\).*--kube-controller-manager-arg secure-port=N$/,
    ],
    ['DNS metrics', bindError('EADDRINUSE', '10.0.0.1', 9153), config, /\(cluster DNS's metrics\)/],
    [
      'managed etcd, reported in its log',
      new Error(
        'etcd keeps exiting; see /var/lib/kubets/server/db/etcd.log (last: listen tcp 10.0.0.1:2379: bind: address already in use)',
      ),
      config,
      /^port 2379 on 10\.0\.0\.1 \(the managed etcd\).*--etcd-client-port/,
    ],
    [
      'etcd peer port from the HA config',
      bindError('EADDRINUSE', '10.0.0.1', 12380),
      {
        ...config,
        ha: { clusterInit: true, etcdClientPort: 12379, etcdPeerPort: 12380, etcdArgs: [] },
      },
      /\(the managed etcd\).*--etcd-peer-port/,
    ],
    [
      'unknown port',
      bindError('EADDRINUSE', '0.0.0.0', 31000),
      config,
      /^port 31000 on 0\.0\.0\.0 is already in use; stop whatever listens there$/,
    ],
    [
      'wrapped in a cause',
      new Error('starting kube-proxy failed', { cause: bindError('EADDRINUSE', '0.0.0.0', 10256) }),
      config,
      /kube-proxy's healthz/,
    ],
    [
      'no address at all: the API port, as before',
      Object.assign(new Error('boom'), { code: 'EADDRINUSE' }),
      config,
      /^port 6443 on 0\.0\.0\.0 is already in use; .*--https-listen-port$/,
    ],
    [
      'EACCES on a privileged port',
      bindError('EACCES', '10.0.0.1', 53, 'bind'),
      config,
      /^not allowed to listen on port 53 \(cluster DNS\); use a port above 1024 or run as root$/,
    ],
    [
      'EACCES on a file',
      Object.assign(new Error('open failed'), { code: 'EACCES', path: '/var/lib/kubets/db' }),
      config,
      /^permission denied on \/var\/lib\/kubets\/db; run as root/,
    ],
    ['anything else: the message', new Error('something odd'), config, /^something odd$/],
  ];
  for (const [name, err, c, want] of cases) assert.match(explainStartupError(err, c), want, name);
});

test('a real EADDRINUSE from node:net is attributed by its port', async () => {
  const first: Server = createServer();
  await new Promise<void>((r) => first.listen(0, '127.0.0.1', r));
  const port = (first.address() as { port: number }).port;
  const second = createServer();
  try {
    const err = await new Promise<unknown>((resolve) => {
      second.once('error', resolve);
      second.listen(port, '127.0.0.1');
    });
    assert.equal(
      explainStartupError(err, { ...config, httpsPort: port }),
      `port ${port} on 127.0.0.1 (the API server) is already in use; stop whatever listens there or pick another with --https-listen-port`,
    );
    assert.match(explainStartupError(err, config), new RegExp(`^port ${port} on 127\\.0\\.0\\.1 is already in use`));
  } finally {
    second.close();
    await new Promise<void>((r) => first.close(() => r()));
  }
});
