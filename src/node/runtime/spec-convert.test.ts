import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  containerConfig,
  cpuQuotaFromMilli,
  cpuSharesFromMilli,
  defaultMaskedPaths,
  defaultReadonlyPaths,
  sandboxConfig,
  withSandboxDefaults,
} from './spec-convert.js';
import type { SandboxSpec } from './runtime-types.js';

const pod: SandboxSpec = { name: 'web', namespace: 'shop', uid: 'u-1', labels: { app: 'web' } };

test('cpu shares and quota follow the kubelet arithmetic', () => {
  const shares: [number, number][] = [
    [0, 2],
    [1, 2],
    [100, 102],
    [250, 256],
    [1000, 1024],
    [300_000, 262144],
  ];
  for (const [milli, want] of shares) assert.equal(cpuSharesFromMilli(milli), want, `shares(${milli})`);
  const quotas: [number, number, number][] = [
    [0, 100_000, 0],
    [1, 100_000, 1000],
    [100, 100_000, 10_000],
    [1500, 100_000, 150_000],
    [500, 50_000, 25_000],
  ];
  for (const [milli, period, want] of quotas) assert.equal(cpuQuotaFromMilli(milli, period), want, `quota(${milli})`);
});

test('sandbox config: metadata, io.kubernetes labels, log dir, namespaces, DNS, host ports', () => {
  const spec = withSandboxDefaults(
    {
      ...pod,
      dns: { servers: ['10.43.0.10'], searches: ['shop.svc.cluster.local'] },
      portMappings: [
        { containerPort: 80, hostPort: 8080 },
        { containerPort: 53, protocol: 'UDP' },
      ],
      cgroupParent: '/kubepods/podu-1',
      sysctls: { 'net.ipv4.ip_forward': '1' },
      runAsUser: 1000,
    },
    '/logs',
  );
  assert.equal(spec.attempt, 0);
  assert.equal(spec.logDirectory, '/logs/shop_web_u-1');
  const cfg = sandboxConfig(spec);
  assert.deepEqual(cfg.metadata, { name: 'web', namespace: 'shop', uid: 'u-1', attempt: 0 });
  assert.equal(cfg.hostname, 'web');
  assert.deepEqual(cfg.labels, {
    app: 'web',
    'io.kubernetes.pod.name': 'web',
    'io.kubernetes.pod.namespace': 'shop',
    'io.kubernetes.pod.uid': 'u-1',
  });
  assert.deepEqual(cfg.dnsConfig, { servers: ['10.43.0.10'], searches: ['shop.svc.cluster.local'], options: [] });
  assert.deepEqual(cfg.portMappings, [{ protocol: 'TCP', containerPort: 80, hostPort: 8080, hostIp: '' }]);
  assert.equal(cfg.linux?.cgroupParent, '/kubepods/podu-1');
  assert.deepEqual(cfg.linux?.securityContext?.namespaceOptions, { network: 'POD', ipc: 'POD', pid: 'POD' });
  assert.deepEqual(cfg.linux?.securityContext?.runAsUser, { value: 1000 });
  assert.equal(cfg.linux?.securityContext?.runAsGroup, null);

  const host = sandboxConfig(withSandboxDefaults({ ...pod, hostNetwork: true, hostPID: true, hostIPC: true }));
  assert.equal(host.hostname, '', 'host network: the node hostname');
  assert.deepEqual(host.linux?.securityContext?.namespaceOptions, { network: 'NODE', ipc: 'NODE', pid: 'NODE' });
});

test('container config: image, command, env, mounts, labels, log path, resources', () => {
  const cfg = containerConfig(
    {
      name: 'app',
      attempt: 2,
      image: 'kubets.local/busybox:1',
      command: ['sh', '-c'],
      args: ['echo hi'],
      env: [{ name: 'A', value: '1' }],
      workingDir: '/work',
      mounts: [
        { containerPath: '/data', hostPath: '/var/lib/data', readOnly: true, propagation: 'HostToContainer' },
        { containerPath: '/cache', hostPath: '/tmp/cache' },
      ],
      resources: { cpuShares: 102, cpuQuota: 50_000, memoryLimitBytes: 64 << 20 },
    },
    pod,
  );
  assert.deepEqual(cfg.metadata, { name: 'app', attempt: 2 });
  assert.deepEqual(cfg.image, { image: 'kubets.local/busybox:1', userSpecifiedImage: 'kubets.local/busybox:1' });
  assert.deepEqual([cfg.command, cfg.args, cfg.workingDir], [['sh', '-c'], ['echo hi'], '/work']);
  assert.deepEqual(cfg.envs, [{ key: 'A', value: '1' }]);
  assert.deepEqual(
    cfg.mounts?.map((m) => [m?.containerPath, m?.hostPath, m?.readonly, m?.propagation]),
    [
      ['/data', '/var/lib/data', true, 'PROPAGATION_HOST_TO_CONTAINER'],
      ['/cache', '/tmp/cache', false, 'PROPAGATION_PRIVATE'],
    ],
  );
  assert.equal(cfg.logPath, 'app/2.log');
  assert.equal(cfg.labels?.['io.kubernetes.container.name'], 'app');
  assert.equal(cfg.labels?.['io.kubernetes.pod.uid'], 'u-1');
  assert.deepEqual(
    [cfg.linux?.resources?.cpuShares, cfg.linux?.resources?.cpuQuota, cfg.linux?.resources?.cpuPeriod],
    [102, 50_000, 100_000],
    'a quota brings the default period',
  );
  assert.equal(cfg.linux?.resources?.memoryLimitInBytes, 64 << 20);
});

test('container security context: namespaces, users, capabilities, masked paths, seccomp', () => {
  const plain = containerConfig({ name: 'c', image: 'i' }, { ...pod, runAsUser: 1000, runAsGroup: 3000 });
  const sc = plain.linux?.securityContext;
  assert.deepEqual(sc?.namespaceOptions, { network: 'POD', ipc: 'POD', pid: 'CONTAINER' });
  assert.deepEqual([sc?.runAsUser, sc?.runAsGroup], [{ value: 1000 }, { value: 3000 }], 'pod-level users inherited');
  assert.deepEqual(sc?.maskedPaths, defaultMaskedPaths);
  assert.deepEqual(sc?.readonlyPaths, defaultReadonlyPaths);
  assert.deepEqual(sc?.seccomp, { profileType: 'Unconfined' });

  const custom = containerConfig(
    {
      name: 'c',
      image: 'i',
      securityContext: {
        runAsUser: 0,
        readOnlyRootFilesystem: true,
        capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] },
        noNewPrivileges: true,
        seccomp: { localhost: '/profiles/x.json' },
        unmaskedProc: true,
      },
    },
    { ...pod, runAsUser: 1000, shareProcessNamespace: true },
  ).linux?.securityContext;
  assert.deepEqual(custom?.runAsUser, { value: 0 }, 'the container overrides the pod');
  assert.equal(custom?.readonlyRootfs, true);
  assert.deepEqual(custom?.capabilities, { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['ALL'] });
  assert.equal(custom?.noNewPrivs, true);
  assert.deepEqual(custom?.seccomp, { profileType: 'Localhost', localhostRef: '/profiles/x.json' });
  assert.deepEqual([custom?.maskedPaths, custom?.readonlyPaths], [[], []]);
  assert.equal(custom?.namespaceOptions?.pid, 'POD', 'shared process namespace');

  const privileged = containerConfig({ name: 'c', image: 'i', securityContext: { privileged: true } }, pod).linux
    ?.securityContext;
  assert.equal(privileged?.privileged, true);
  assert.deepEqual(privileged?.maskedPaths, []);
  const rd = containerConfig({ name: 'c', image: 'i', securityContext: { seccomp: 'RuntimeDefault' } }, pod);
  assert.deepEqual(rd.linux?.securityContext?.seccomp, { profileType: 'RuntimeDefault' });
});

test('a PID namespace target (kubectl debug --target) becomes TARGET only where the container would have its own', () => {
  const cases: { name: string; sandbox: SandboxSpec; target?: string; want: object }[] = [
    { name: 'no target', sandbox: pod, want: { network: 'POD', ipc: 'POD', pid: 'CONTAINER' } },
    {
      name: 'target',
      sandbox: pod,
      target: 'abc123',
      want: { network: 'POD', ipc: 'POD', pid: 'TARGET', targetId: 'abc123' },
    },
    {
      name: 'shared process namespace wins',
      sandbox: { ...pod, shareProcessNamespace: true },
      target: 'abc123',
      want: { network: 'POD', ipc: 'POD', pid: 'POD' },
    },
    {
      name: 'hostPID wins',
      sandbox: { ...pod, hostPID: true },
      target: 'abc123',
      want: { network: 'POD', ipc: 'POD', pid: 'NODE' },
    },
  ];
  for (const c of cases) {
    const cfg = containerConfig({ name: 'dbg', image: 'i', pidNamespaceTarget: c.target }, c.sandbox);
    assert.deepEqual(cfg.linux?.securityContext?.namespaceOptions, c.want, c.name);
  }
});
