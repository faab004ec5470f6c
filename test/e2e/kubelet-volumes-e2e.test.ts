/**
 * The kubelet's VolumeManager against a real API server (RBAC, the Node
 * authorizer and NodeRestriction on; the manager acts as system:node:<name>)
 * and a real containerd: a pod with configMap, secret, downwardAPI, projected
 * (service-account token, configMap, downward API), memory-backed emptyDir
 * and the admission-added kube-api-access volumes; files are checked from
 * inside the container, then a ConfigMap update reaches the container through
 * the atomic `..data` switch (token rotation is timed by the injected clock
 * and covered by the unit tests). Root only; containerd, mounts and temp
 * dirs are removed even on failure.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigMap, Node, Pod, Secret } from 'kubernetes-types/core/v1.js';
import type { TokenReview } from 'kubernetes-types/authentication/v1.js';
import { typed, gvr, type RestClient } from '../../src/client/index.js';
import { inProcessRest } from '../../src/cmd/in-process.js';
import {
  runtimeE2eSkipReason,
  startContainerdEnv,
  type ContainerdEnv,
} from '../../src/node/runtime/testing/containerd-env.js';
import { busyboxImage } from '../../src/node/runtime/images/test-images.js';
import { mountsUnder } from '../../src/node/runtime/containerd/host-cleanup.js';
import { createVolumeManager, type KubeletVolumeManager } from '../../src/node/kubelet/volumes/index.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';

const skip = runtimeE2eSkipReason();
if (skip) console.log(`# skipping kubelet volumes e2e: ${skip}`);

const nodeName = 'vol-node';
const ns = 'default';

async function eventually<T>(fn: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('kubelet volumes e2e', { skip, timeout: 300_000 }, () => {
  let env: ContainerdEnv | undefined;
  let cluster: TestCluster | undefined;
  let admin: RestClient;
  let vm: KubeletVolumeManager;
  let rootDir: string;
  let pod: Pod;
  let containerId: string;
  let sandboxId: string;

  const exec = async (cmd: string) => {
    const r = await env!.runtime.execSync(containerId, ['sh', '-c', cmd]);
    assert.equal(r.exitCode, 0, `${cmd}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    env = await startContainerdEnv({ images: ['busybox'] });
    cluster = await startTestCluster({ controllers: ['serviceaccount', 'root-ca-cert-publisher'] });
    rootDir = join(env.dir, 'kubelet');
    const apiserver = cluster.cp.apiserver;
    admin = inProcessRest(
      apiserver,
      { username: 'e2e-admin', groups: ['system:masters', 'system:authenticated'] },
      'e2e',
    );
    const nodeRest = inProcessRest(
      apiserver,
      { username: `system:node:${nodeName}`, groups: ['system:nodes', 'system:authenticated'] },
      'kubelet',
    );
    vm = createVolumeManager({
      rootDir,
      rest: nodeRest,
      tmpfs: true,
      nodeAllocatable: () => ({ cpu: '2', memory: '4Gi' }),
    });
    await typed<Node>(admin, gvr('', 'v1', 'nodes')).create({ metadata: { name: nodeName } });
    await eventually(() => typed(admin, gvr('', 'v1', 'serviceaccounts'), ns).get('default'));
    await eventually(() => typed(admin, gvr('', 'v1', 'configmaps'), ns).get('kube-root-ca.crt'));
  });

  after(async () => {
    try {
      if (pod?.metadata?.uid) await vm?.tearDownPod(pod.metadata.uid).catch(() => undefined);
      await env?.dispose();
      await cluster?.dispose();
    } finally {
      if (env) {
        assert.equal(existsSync(env.dir), false, 'temp dir removed');
        assert.deepEqual(mountsUnder(env.dir), [], 'no mounts left');
      }
    }
  });

  test('a pod sees its configMap, secret, downward API, projected token and memory volumes', async () => {
    const cms = typed<ConfigMap>(admin, gvr('', 'v1', 'configmaps'), ns);
    await cms.create({
      metadata: { name: 'app-config' },
      data: { greeting: 'hello v1', 'app.properties': 'mode=blue\n' },
    });
    await typed<Secret>(admin, gvr('', 'v1', 'secrets'), ns).create({
      metadata: { name: 'app-secret' },
      data: { password: b64('s3cret') },
    });
    pod = await typed<Pod>(admin, gvr('', 'v1', 'pods'), ns).create({
      metadata: { name: 'vols', labels: { app: 'vols', tier: 'e2e' } },
      spec: {
        nodeName,
        containers: [
          {
            name: 'main',
            image: busyboxImage,
            command: ['sleep', '3600'],
            resources: { limits: { memory: '64Mi' }, requests: { cpu: '100m', memory: '32Mi' } },
          },
        ],
        volumes: [
          { name: 'cfg', configMap: { name: 'app-config', items: [{ key: 'greeting', path: 'greeting' }] } },
          { name: 'sec', secret: { secretName: 'app-secret', defaultMode: 0o400 } },
          {
            name: 'info',
            downwardAPI: {
              items: [
                { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
                {
                  path: 'mem-limit',
                  resourceFieldRef: { containerName: 'main', resource: 'limits.memory', divisor: '1Mi' },
                },
                { path: 'cpu-limit', resourceFieldRef: { containerName: 'main', resource: 'limits.cpu' } },
              ],
            },
          },
          {
            name: 'bundle',
            projected: {
              sources: [
                { serviceAccountToken: { path: 'token', audience: 'e2e-audience', expirationSeconds: 600 } },
                { configMap: { name: 'app-config', items: [{ key: 'app.properties', path: 'conf/app.properties' }] } },
                { downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
              ],
            },
          },
          { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } },
        ],
      },
    });
    assert.ok(
      pod.spec!.volumes!.some((v) => v.name.startsWith('kube-api-access-')),
      'ServiceAccount admission added the token volume',
    );
    const prepared = await vm.setUpPod(pod);
    const mountPaths: Record<string, string> = {
      cfg: '/etc/cfg',
      sec: '/etc/sec',
      info: '/etc/info',
      bundle: '/etc/bundle',
      scratch: '/scratch',
    };
    const access = pod.spec!.volumes!.find((v) => v.name.startsWith('kube-api-access-'))!.name;
    mountPaths[access] = '/var/run/secrets/kubernetes.io/serviceaccount';

    const sandbox = await env!.runtime.ensureSandbox({
      name: pod.metadata!.name!,
      namespace: ns,
      uid: pod.metadata!.uid!,
      cgroupParent: env!.cgroupParent,
    });
    sandboxId = sandbox.id;
    containerId = await env!.runtime.runContainer(sandbox, {
      name: 'main',
      image: busyboxImage,
      command: ['sleep', '3600'],
      mounts: Object.entries(mountPaths).map(([name, containerPath]) => ({
        containerPath,
        hostPath: prepared.get(name)!.hostPath,
        readOnly: prepared.get(name)!.readOnly,
      })),
    });
    await env!.runtime.waitForContainer(containerId, (s) => s.state === 'CONTAINER_RUNNING');

    assert.equal(await exec('cat /etc/cfg/greeting'), 'hello v1');
    assert.equal(await exec('ls /etc/cfg'), 'greeting\n', 'only the listed item');
    assert.equal(await exec('cat /etc/sec/password'), 's3cret');
    assert.equal((await exec('stat -L -c %a /etc/sec/password')).trim(), '400');
    assert.equal(await exec('cat /etc/info/labels'), 'app="vols"\ntier="e2e"');
    assert.equal(await exec('cat /etc/info/mem-limit'), '64');
    assert.equal(await exec('cat /etc/info/cpu-limit'), '2', 'an unset limit is the node allocatable');
    assert.equal(await exec('cat /etc/bundle/name'), 'vols');
    assert.equal(await exec('cat /etc/bundle/conf/app.properties'), 'mode=blue\n');
    assert.equal(await exec('cat /var/run/secrets/kubernetes.io/serviceaccount/namespace'), ns);
    assert.match(await exec('cat /var/run/secrets/kubernetes.io/serviceaccount/ca.crt'), /BEGIN CERTIFICATE/);
    // Read-only volumes stay read-only whatever the container tries.
    const write = await env!.runtime.execSync(containerId, ['sh', '-c', 'echo x > /etc/cfg/new']);
    assert.notEqual(write.exitCode, 0);
    // The memory-backed emptyDir is a tmpfs of the size limit, writable by the container.
    assert.match(await exec('df -k /scratch | tail -1'), /^tmpfs\s+8192\s/);
    await exec('echo data > /scratch/f && cat /scratch/f');

    // The projected token is bound to the pod and valid for its audience.
    const token = await exec('cat /etc/bundle/token');
    const review = await typed<TokenReview>(admin, gvr('authentication.k8s.io', 'v1', 'tokenreviews')).create({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token, audiences: ['e2e-audience'] },
    });
    assert.equal(review.status?.authenticated, true, review.status?.error);
    assert.equal(review.status?.user?.username, 'system:serviceaccount:default:default');
    assert.deepEqual(review.status?.user?.extra?.['authentication.kubernetes.io/pod-name'], ['vols']);
    const apiToken = await exec('cat /var/run/secrets/kubernetes.io/serviceaccount/token');
    assert.notEqual(apiToken, token, 'a separate token for the API audience');
  });

  test('a ConfigMap update reaches the running container by an atomic ..data switch', async () => {
    const before = (await exec('readlink /etc/cfg/..data')).trim();
    assert.match(before, /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\./);
    const cms = typed<ConfigMap>(admin, gvr('', 'v1', 'configmaps'), ns);
    const cm = await cms.get('app-config');
    await cms.update({ ...cm, data: { greeting: 'hello v2', 'app.properties': 'mode=green\n' } });
    const current = await typed<Pod>(admin, gvr('', 'v1', 'pods'), ns).get('vols');
    await vm.resync(current);
    const after = (await exec('readlink /etc/cfg/..data')).trim();
    assert.notEqual(after, before, '..data points at a new version');
    assert.equal(await exec('cat /etc/cfg/greeting'), 'hello v2');
    assert.equal(await exec('cat /etc/bundle/conf/app.properties'), 'mode=green\n');
    assert.equal(await exec(`ls -a /etc/cfg | grep -c '^\\.\\.20' || true`), '1\n', 'the old version is gone');
    // Nothing changed: resync writes nothing.
    await vm.resync(current);
    assert.equal((await exec('readlink /etc/cfg/..data')).trim(), after);
  });

  test('teardown removes the volumes and their mounts', async () => {
    await env!.runtime.stopContainer(containerId, 0);
    await env!.runtime.removeContainer(containerId);
    await env!.runtime.stopSandbox(sandboxId);
    await env!.runtime.removeSandbox(sandboxId);
    const uid = pod.metadata!.uid!;
    assert.deepEqual(await vm.podsOnDisk(), [uid]);
    assert.ok(mountsUnder(join(rootDir, 'pods', uid)).length >= 3, 'secret, projected and emptyDir tmpfs mounts');
    await vm.tearDownPod(uid);
    assert.deepEqual(mountsUnder(rootDir), []);
    assert.equal(existsSync(join(rootDir, 'pods', uid)), false);
    assert.deepEqual(await vm.podsOnDisk(), []);
  });
});
