// Container configuration end to end, checked from inside real containers:
// environment from ConfigMaps, Secrets and the downward API with $(VAR)
// expansion in command and args, the managed /etc/hosts and resolv.conf,
// init containers in order, the memory limit in the container's and pod's
// cgroups, the security context, and configuration errors reported as
// CreateContainerConfigError. Root only; torn down even on failure.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ConfigMap, Pod, Secret } from 'kubernetes-types/core/v1.js';
import { gvr, typed } from '../../src/client/index.js';
import { inProcessRest } from '../../src/cmd/in-process.js';
import { runtimeE2eSkipReason } from '../../src/node/runtime/testing/containerd-env.js';
import { busyboxImage } from '../../src/node/runtime/index.js';
import { startE2eNode, type E2eNode } from '../../src/node/kubelet/testing/e2e-node.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest } from '../harness/sim.js';

const skip = runtimeE2eSkipReason();
if (skip) console.log(`# skipping kubelet e2e: ${skip}`);

const nodeName = 'kubelet-e2e-config';
const ns = 'kubelet-config';
const running = (p: Pod) => p.status?.phase === 'Running';
const sleeper = ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'];

describe('kubelet e2e: container configuration', { skip, timeout: 600_000 }, () => {
  let cluster: TestCluster;
  let node: E2eNode;

  before(async () => {
    cluster = await startTestCluster({ controllers: ['*', '-node-ipam'] });
    const nodeRest = inProcessRest(
      cluster.cp.apiserver,
      { username: `system:node:${nodeName}`, groups: ['system:nodes', 'system:authenticated'] },
      'kubelet',
    );
    node = await startE2eNode({ admin: adminRest(cluster), nodeRest, nodeName, namespace: ns });
    const admin = adminRest(cluster);
    await typed<ConfigMap>(admin, gvr('', 'v1', 'configmaps'), ns).create({
      metadata: { name: 'app-config' },
      data: { color: 'blue', 'log.level': 'debug' },
    });
    await typed<Secret>(admin, gvr('', 'v1', 'secrets'), ns).create({
      metadata: { name: 'app-secret' },
      data: { password: Buffer.from('hunter2').toString('base64') },
    });
  });

  after(async () => {
    await node?.dispose();
    await cluster?.dispose();
  });

  test('env from configMapKeyRef, secretKeyRef, fieldRef and envFrom; $(VAR) in args', async () => {
    await node.create({
      metadata: { name: 'env', labels: { app: 'env-test' } },
      spec: {
        containers: [
          {
            name: 'main',
            image: busyboxImage,
            command: ['sh', '-c'],
            args: [
              'echo "hello $(POD_NAME) in $(POD_NAMESPACE)" > /tmp/greeting; trap "exit 0" TERM; sleep 3600 & wait',
            ],
            envFrom: [{ configMapRef: { name: 'app-config' }, prefix: 'CFG_' }],
            env: [
              { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'color' } } },
              { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'app-secret', key: 'password' } } },
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
              { name: 'APP_LABEL', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
              { name: 'MEM_LIMIT_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
              { name: 'COMPOSED', value: '$(COLOR)-$(POD_NAME)' },
            ],
            resources: { limits: { memory: '32Mi' } },
          },
        ],
      },
    });
    const p = await node.waitFor('env', running);
    const env = Object.fromEntries(
      (await node.exec('env', 'main', ['env'])).stdout
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    assert.equal(env.COLOR, 'blue');
    assert.equal(env.PASSWORD, 'hunter2');
    assert.equal(env.POD_NAME, 'env');
    assert.equal(env.POD_NAMESPACE, ns);
    assert.equal(env.POD_IP, p.status?.podIP);
    assert.equal(env.NODE_NAME, nodeName);
    assert.equal(env.APP_LABEL, 'env-test');
    assert.equal(env.MEM_LIMIT_MI, '32');
    assert.equal(env.COMPOSED, 'blue-env');
    assert.equal(env.CFG_color, 'blue');
    assert.equal(env['CFG_log.level'], 'debug');
    assert.equal(env.KUBERNETES_SERVICE_HOST, '10.43.0.1', 'service variables of the kubernetes Service');
    assert.equal(env.KUBERNETES_SERVICE_PORT, '443');
    assert.equal((await node.exec('env', 'main', ['cat', '/tmp/greeting'])).stdout, `hello env in ${ns}\n`);
  });

  test('/etc/hosts and /etc/resolv.conf', async () => {
    await node.create({
      metadata: { name: 'dns' },
      spec: {
        hostname: 'web-0',
        subdomain: 'web',
        hostAliases: [{ ip: '10.1.2.3', hostnames: ['foo.local', 'bar.local'] }],
        containers: [{ name: 'main', image: busyboxImage, command: sleeper }],
      },
    });
    const p = await node.waitFor('dns', running);
    const hosts = (await node.exec('dns', 'main', ['cat', '/etc/hosts'])).stdout;
    assert.match(hosts, /^# Kubernetes-managed hosts file\.\n127\.0\.0\.1\tlocalhost\n/);
    assert.ok(hosts.includes(`${p.status?.podIP}\tweb-0.web.${ns}.svc.cluster.local\tweb-0\n`), hosts);
    assert.ok(hosts.endsWith('\n# Entries added by HostAliases.\n10.1.2.3\tfoo.local\tbar.local\n'), hosts);
    const resolv = (await node.exec('dns', 'main', ['cat', '/etc/resolv.conf'])).stdout;
    const lines = resolv.trim().split('\n');
    assert.ok(lines.includes(`search ${ns}.svc.cluster.local svc.cluster.local cluster.local`), resolv);
    assert.ok(lines.includes('nameserver 10.43.0.10'), resolv);
    assert.ok(lines.includes('options ndots:5'), resolv);
    assert.equal((await node.exec('dns', 'main', ['hostname'])).stdout.trim(), 'web-0');
  });

  test('init containers run in order before the app container', async () => {
    await node.create({
      metadata: { name: 'init' },
      spec: {
        volumes: [{ name: 'work', emptyDir: {} }],
        initContainers: [
          {
            name: 'first',
            image: busyboxImage,
            command: ['sh', '-c', 'sleep 1; echo first >> /work/order'],
            volumeMounts: [{ name: 'work', mountPath: '/work' }],
          },
          {
            name: 'second',
            image: busyboxImage,
            command: ['sh', '-c', 'echo second >> /work/order'],
            volumeMounts: [{ name: 'work', mountPath: '/work' }],
          },
        ],
        containers: [
          {
            name: 'app',
            image: busyboxImage,
            command: ['sh', '-c', 'echo app >> /work/order; trap "exit 0" TERM; sleep 3600 & wait'],
            volumeMounts: [{ name: 'work', mountPath: '/work' }],
          },
        ],
      },
    });
    const pending = await node.waitFor(
      'init',
      (p) => p.status?.initContainerStatuses?.[0]?.state?.running !== undefined,
    );
    assert.equal(pending.status?.phase, 'Pending');
    const initialized = pending.status?.conditions?.find((c) => c.type === 'Initialized');
    assert.equal(initialized?.status, 'False');
    assert.equal(initialized?.reason, 'ContainersNotInitialized');
    assert.equal(initialized?.message, 'containers with incomplete status: [first second]');
    assert.equal(pending.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'PodInitializing');
    const p = await node.waitFor('init', running);
    assert.equal((await node.exec('init', 'app', ['cat', '/work/order'])).stdout, 'first\nsecond\napp\n');
    const inits = p.status?.initContainerStatuses ?? [];
    assert.deepEqual(
      inits.map((s) => [s.name, s.state?.terminated?.reason, s.state?.terminated?.exitCode, s.ready]),
      [
        ['first', 'Completed', 0, true],
        ['second', 'Completed', 0, true],
      ],
    );
    assert.equal(p.status?.conditions?.find((c) => c.type === 'Initialized')?.status, 'True');
  });

  test('the memory limit is set on the container and pod cgroups', async () => {
    const limit = 48 * 1024 * 1024;
    await node.create({
      metadata: { name: 'limits' },
      spec: {
        containers: [
          {
            name: 'main',
            image: busyboxImage,
            command: sleeper,
            resources: { requests: { cpu: '100m', memory: '48Mi' }, limits: { cpu: '200m', memory: '48Mi' } },
          },
        ],
      },
    });
    const p = await node.waitFor('limits', running);
    assert.equal(p.status?.qosClass, 'Burstable');
    const info = await node.env.runtime.containerStatus(node.containerId(p, 'main'), true);
    assert.ok(
      info.cgroupsPath?.startsWith(`${node.env.cgroupParent}/kubepods/burstable/pod${p.metadata!.uid}/`),
      info.cgroupsPath,
    );
    const read = (ctrl: string, path: string, file: string) =>
      readFileSync(`/sys/fs/cgroup/${ctrl}${path}/${file}`, 'utf8').trim();
    assert.equal(Number(read('memory', info.cgroupsPath!, 'memory.limit_in_bytes')), limit);
    assert.equal(Number(read('cpu', info.cgroupsPath!, 'cpu.cfs_quota_us')), 20_000);
    assert.equal(Number(read('cpu', info.cgroupsPath!, 'cpu.shares')), 102);
    const podCgroup = info.cgroupsPath!.slice(0, info.cgroupsPath!.lastIndexOf('/'));
    assert.equal(Number(read('memory', podCgroup, 'memory.limit_in_bytes')), limit, 'pod cgroup limit');
    // Inside, the container sees its own limit.
    const inside = (
      await node.exec('limits', 'main', ['cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes'])
    ).stdout.trim();
    assert.equal(Number(inside), limit);
  });

  test('security context: user, group, read-only root filesystem', async () => {
    await node.create({
      metadata: { name: 'secure' },
      spec: {
        securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000 },
        containers: [
          {
            name: 'main',
            image: busyboxImage,
            command: sleeper,
            securityContext: {
              readOnlyRootFilesystem: true,
              allowPrivilegeEscalation: false,
              capabilities: { drop: ['ALL'] },
            },
          },
        ],
      },
    });
    await node.waitFor('secure', running);
    assert.equal((await node.exec('secure', 'main', ['id', '-u'])).stdout.trim(), '1000');
    assert.equal((await node.exec('secure', 'main', ['id', '-g'])).stdout.trim(), '3000');
    assert.ok(
      (await node.exec('secure', 'main', ['id', '-G'])).stdout
        .split(' ')
        .map((s) => s.trim())
        .includes('2000'),
    );
    const write = await node.exec('secure', 'main', ['touch', '/root-file']);
    assert.notEqual(write.exitCode, 0, 'the root filesystem is read-only');
    const status = (await node.exec('secure', 'main', ['cat', '/proc/self/status'])).stdout;
    assert.match(status, /^NoNewPrivs:\s+1$/m);
    assert.match(status, /^CapEff:\s+0000000000000000$/m);
  });

  test('configuration errors: missing ConfigMap and runAsNonRoot with a root image', async () => {
    await node.create({
      metadata: { name: 'missing-cm' },
      spec: {
        containers: [
          {
            name: 'main',
            image: busyboxImage,
            command: sleeper,
            env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }],
          },
        ],
      },
    });
    const cm = await node.waitFor('missing-cm', (p) => !!p.status?.containerStatuses?.[0]?.state?.waiting?.message);
    assert.deepEqual(cm.status?.containerStatuses?.[0]?.state?.waiting, {
      reason: 'CreateContainerConfigError',
      message: 'configmap "nope" not found',
    });
    assert.equal(cm.status?.phase, 'Pending');
    await node.create({
      metadata: { name: 'nonroot' },
      spec: {
        securityContext: { runAsNonRoot: true },
        containers: [{ name: 'main', image: busyboxImage, command: sleeper }],
      },
    });
    const nr = await node.waitFor('nonroot', (p) => !!p.status?.containerStatuses?.[0]?.state?.waiting?.message);
    const w = nr.status?.containerStatuses?.[0]?.state?.waiting;
    assert.equal(w?.reason, 'CreateContainerConfigError');
    assert.match(
      w?.message ?? '',
      /^container has runAsNonRoot and image will run as root \(pod: "nonroot_kubelet-config\(.*\)", container: main\)$/,
    );
    // Creating the missing ConfigMap lets the first pod start on a later sync.
    await typed<ConfigMap>(adminRest(cluster), gvr('', 'v1', 'configmaps'), ns).create({
      metadata: { name: 'nope' },
      data: { k: 'v' },
    });
    await node.waitFor('missing-cm', running, 20_000);
  });
});
