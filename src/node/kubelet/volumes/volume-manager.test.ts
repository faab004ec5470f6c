import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod, Volume } from 'kubernetes-types/core/v1.js';
import { FakeApiServer, fakeRestClient } from '../../../client/testing/fake-api-server.js';
import { FakeClock } from '../../../lib/clock.js';
import { mountsBelow, unmountBelow } from './mounts.js';
import { createVolumeManager, VolumeSetupError, type KubeletVolumeManager } from './volume-manager.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function podWith(volumes: Volume[], extra: Partial<Pod['spec']> = {}): Pod {
  return {
    metadata: {
      name: 'web',
      namespace: 'ns1',
      uid: `uid-${Math.random().toString(36).slice(2)}`,
      labels: { app: 'web' },
    },
    spec: { containers: [{ name: 'c', image: 'busybox' }], volumes, serviceAccountName: 'sa', ...extra },
  };
}

interface Env {
  root: string;
  fake: FakeApiServer;
  clock: FakeClock;
  vm: KubeletVolumeManager;
  tokenRequests: { path: string; body: unknown }[];
}

function withEnv(fn: (e: Env) => Promise<void>, opts: { tmpfs?: boolean } = {}) {
  return async () => {
    const root = mkdtempSync(join(tmpdir(), 'kbt-vm-'));
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const fake = new FakeApiServer(clock);
    const tokenRequests: Env['tokenRequests'] = [];
    let n = 0;
    fake.intercept((req) => {
      if (req.method !== 'POST' || !req.path.endsWith('/token')) return undefined;
      tokenRequests.push({ path: req.path, body: req.object });
      const spec = (req.object as { spec: { expirationSeconds: number } }).spec;
      return {
        type: 'object',
        status: 201,
        body: {
          kind: 'TokenRequest',
          apiVersion: 'authentication.k8s.io/v1',
          spec,
          status: {
            token: `token-${++n}`,
            expirationTimestamp: new Date(clock.now() + spec.expirationSeconds * 1000).toISOString(),
          },
        },
      };
    });
    const vm = createVolumeManager({
      rootDir: root,
      rest: fakeRestClient(fake),
      tmpfs: opts.tmpfs ?? false,
      clock,
      tokenJitter: () => 0,
      nodeAllocatable: () => ({ cpu: '4', memory: '16Gi' }),
    });
    try {
      await fn({ root, fake, clock, vm, tokenRequests });
    } finally {
      await unmountBelow(root).catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    }
  };
}

test(
  'configMap, secret, downwardAPI and projected volumes are written under the pod directory',
  withEnv(async ({ root, fake, vm, tokenRequests }) => {
    fake.seed('', 'configmaps', { metadata: { name: 'cfg', namespace: 'ns1' }, data: { 'app.conf': 'v1' } });
    fake.seed('', 'configmaps', { metadata: { name: 'kube-root-ca.crt', namespace: 'ns1' }, data: { 'ca.crt': 'CA' } });
    fake.seed('', 'secrets', { metadata: { name: 'sec', namespace: 'ns1' }, data: { pw: b64('hunter2') } });
    const pod = podWith([
      { name: 'cfg', configMap: { name: 'cfg' } },
      { name: 'sec', secret: { secretName: 'sec', defaultMode: 0o400 } },
      { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
      {
        name: 'kube-api-access',
        projected: {
          defaultMode: 0o644,
          sources: [
            { serviceAccountToken: { path: 'token', expirationSeconds: 3607, audience: 'api' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
          ],
        },
      },
      { name: 'scratch', emptyDir: {} },
    ]);
    const uid = pod.metadata!.uid!;
    const vols = await vm.setUpPod(pod);
    const dir = (plugin: string, name: string) => join(root, 'pods', uid, 'volumes', plugin, name);
    assert.deepEqual(Object.fromEntries(vols), {
      cfg: { hostPath: dir('kubernetes.io~configmap', 'cfg'), readOnly: true },
      sec: { hostPath: dir('kubernetes.io~secret', 'sec'), readOnly: true },
      info: { hostPath: dir('kubernetes.io~downward-api', 'info'), readOnly: true },
      'kube-api-access': { hostPath: dir('kubernetes.io~projected', 'kube-api-access'), readOnly: true },
      scratch: { hostPath: dir('kubernetes.io~empty-dir', 'scratch'), readOnly: false },
    });
    assert.equal(readFileSync(join(vols.get('cfg')!.hostPath, 'app.conf'), 'utf8'), 'v1');
    assert.equal(readFileSync(join(vols.get('sec')!.hostPath, 'pw'), 'utf8'), 'hunter2');
    assert.equal(statSync(join(vols.get('sec')!.hostPath, 'pw')).mode & 0o777, 0o400);
    assert.equal(readFileSync(join(vols.get('info')!.hostPath, 'labels'), 'utf8'), 'app="web"');
    const access = vols.get('kube-api-access')!.hostPath;
    assert.equal(readFileSync(join(access, 'token'), 'utf8'), 'token-1');
    assert.equal(readFileSync(join(access, 'ca.crt'), 'utf8'), 'CA');
    assert.equal(readFileSync(join(access, 'namespace'), 'utf8'), 'ns1');
    assert.equal(statSync(vols.get('scratch')!.hostPath).mode & 0o777, 0o777);
    assert.deepEqual(tokenRequests, [
      {
        path: '/api/v1/namespaces/ns1/serviceaccounts/sa/token',
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: {
            audiences: ['api'],
            expirationSeconds: 3607,
            boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid },
          },
        },
      },
    ]);

    // Idempotent: a second setUp writes nothing new and requests no token.
    const before = readlinkSync(join(vols.get('cfg')!.hostPath, '..data'));
    await vm.setUpPod(pod);
    assert.equal(readlinkSync(join(vols.get('cfg')!.hostPath, '..data')), before);
    assert.equal(tokenRequests.length, 1);
    assert.deepEqual(await vm.podsOnDisk(), [uid]);

    await vm.tearDownPod(uid);
    assert.equal(existsSync(join(root, 'pods', uid)), false);
    assert.deepEqual(await vm.podsOnDisk(), []);
    await vm.tearDownPod(uid); // idempotent
    for (const bad of ['', '..', 'a/b']) await assert.rejects(vm.tearDownPod(bad), /invalid pod UID/);
    assert.ok(existsSync(join(root, 'pods')), 'nothing outside a pod directory was removed');
  }),
);

test(
  'resync swaps changed content atomically and rotates the token at 80% of its lifetime',
  withEnv(async ({ fake, clock, vm, tokenRequests }) => {
    fake.seed('', 'configmaps', { metadata: { name: 'cfg', namespace: 'ns1' }, data: { a: 'one' } });
    const pod = podWith([
      { name: 'cfg', configMap: { name: 'cfg' } },
      { name: 'tok', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 1000 } }] } },
    ]);
    const vols = await vm.setUpPod(pod);
    const cfg = vols.get('cfg')!.hostPath;
    const tok = vols.get('tok')!.hostPath;
    const oldData = readlinkSync(join(cfg, '..data'));

    const cm = fake.get('', 'configmaps', 'ns1', 'cfg')!;
    await fakeRestClient(fake).request({
      method: 'PUT',
      path: '/api/v1/namespaces/ns1/configmaps/cfg',
      body: { ...cm, data: { a: 'two', b: 'new' } },
    });
    await vm.resync(pod);
    assert.notEqual(readlinkSync(join(cfg, '..data')), oldData);
    assert.equal(readFileSync(join(cfg, 'a'), 'utf8'), 'two');
    assert.equal(readFileSync(join(cfg, 'b'), 'utf8'), 'new');
    assert.equal(existsSync(join(cfg, oldData)), false, 'the previous version is removed');

    await clock.advance(790_000);
    await vm.resync(pod);
    assert.equal(readFileSync(join(tok, 'token'), 'utf8'), 'token-1', 'not yet 80% of 1000 s');
    await clock.advance(20_000);
    await vm.resync(pod);
    assert.equal(readFileSync(join(tok, 'token'), 'utf8'), 'token-2');
    assert.equal(tokenRequests.length, 2);
  }),
);

test(
  'failures name each volume the way FailedMount events do; optional sources may be missing',
  withEnv(async ({ vm, root }) => {
    const file = join(root, 'plain-file');
    writeFileSync(file, '');
    const pod = podWith([
      { name: 'opt', configMap: { name: 'absent', optional: true } },
      { name: 'cfg', configMap: { name: 'absent' } },
      { name: 'sec', secret: { secretName: 'gone' } },
      { name: 'host', hostPath: { path: file, type: 'Directory' } },
      { name: 'nfs', nfs: { server: 'x', path: '/' } },
    ]);
    const err = await vm.setUpPod(pod).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof VolumeSetupError);
    assert.deepEqual(err.failures, [
      { volume: 'cfg', message: 'configmap "absent" not found' },
      { volume: 'sec', message: 'secret "gone" not found' },
      { volume: 'host', message: `hostPath type check failed: ${file} is not a directory` },
      { volume: 'nfs', message: 'volume type "nfs" is not supported by this kubelet' },
    ]);
    assert.match(err.message, /^MountVolume\.SetUp failed for volume "cfg" : configmap "absent" not found; /);
    const optDir = join(root, 'pods', pod.metadata!.uid!, 'volumes', 'kubernetes.io~configmap', 'opt');
    assert.ok(existsSync(join(optDir, '..data')), 'an optional missing configMap is an empty volume');
  }),
);

test(
  'persistentVolumeClaim volumes resolve to hostPath and local PVs; others are refused',
  withEnv(async ({ fake, vm, root }) => {
    const data = join(root, 'pv-data');
    fake.seed('', 'persistentvolumeclaims', {
      metadata: { name: 'claim', namespace: 'ns1' },
      spec: { volumeName: 'pv1' },
      status: { phase: 'Bound' },
    });
    const claimUid = fake.get('', 'persistentvolumeclaims', 'ns1', 'claim')!.metadata.uid;
    fake.seed('', 'persistentvolumes', {
      metadata: { name: 'pv1' },
      spec: { hostPath: { path: data, type: 'DirectoryOrCreate' }, claimRef: { uid: claimUid } },
    });
    fake.seed('', 'persistentvolumeclaims', {
      metadata: { name: 'nfs-claim', namespace: 'ns1' },
      spec: { volumeName: 'pv2' },
      status: { phase: 'Bound' },
    });
    fake.seed('', 'persistentvolumes', {
      metadata: { name: 'pv2' },
      spec: {
        nfs: { server: 's', path: '/' },
        claimRef: { uid: fake.get('', 'persistentvolumeclaims', 'ns1', 'nfs-claim')!.metadata.uid },
      },
    });
    fake.seed('', 'persistentvolumeclaims', {
      metadata: { name: 'pending', namespace: 'ns1' },
      spec: {},
      status: { phase: 'Pending' },
    });
    const ok = await vm.setUpPod(
      podWith([{ name: 'd', persistentVolumeClaim: { claimName: 'claim', readOnly: true } }]),
    );
    assert.deepEqual(ok.get('d'), { hostPath: data, readOnly: true });
    assert.ok(statSync(data).isDirectory(), 'DirectoryOrCreate made the PV directory');

    const err = (await vm
      .setUpPod(
        podWith([
          { name: 'n', persistentVolumeClaim: { claimName: 'nfs-claim' } },
          { name: 'p', persistentVolumeClaim: { claimName: 'pending' } },
        ]),
      )
      .catch((e: unknown) => e)) as VolumeSetupError;
    assert.deepEqual(err.failures, [
      {
        volume: 'n',
        message: 'persistent volume pv2 is of type nfs, which this kubelet cannot mount (supported: hostPath, local)',
      },
      {
        volume: 'p',
        message:
          'error processing PVC ns1/pending: PVC ns1/pending has non-bound phase ("Pending") or empty pvc.Spec.VolumeName ("")',
      },
    ]);
  }),
);

test(
  'fsGroup makes volume files group-owned and group-readable',
  withEnv(async ({ fake, vm }) => {
    fake.seed('', 'secrets', { metadata: { name: 'sec', namespace: 'ns1' }, data: { k: b64('v') } });
    const pod = podWith(
      [
        { name: 'sec', secret: { secretName: 'sec', defaultMode: 0o400 } },
        { name: 'e', emptyDir: {} },
      ],
      {
        securityContext: { fsGroup: 4321 },
      },
    );
    const vols = await vm.setUpPod(pod);
    const st = statSync(join(vols.get('sec')!.hostPath, 'k'));
    assert.equal(st.gid, 4321);
    assert.equal(st.mode & 0o777, 0o440);
    const e = statSync(vols.get('e')!.hostPath);
    assert.equal(e.gid, 4321);
    assert.equal(e.mode & 0o2000, 0o2000, 'setgid on directories');
  }),
);

const rootSkip = process.getuid?.() === 0 ? false : 'tmpfs mounts need root';

test(
  'memory-backed emptyDir and secrets are tmpfs mounts with the size limit, removed on teardown',
  { skip: rootSkip },
  withEnv(
    async ({ fake, vm, root }) => {
      fake.seed('', 'secrets', { metadata: { name: 'sec', namespace: 'ns1' }, data: { k: b64('v') } });
      const pod = podWith([
        { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
        { name: 'sec', secret: { secretName: 'sec' } },
      ]);
      const uid = pod.metadata!.uid!;
      const vols = await vm.setUpPod(pod);
      const mounts = await mountsBelow(join(root, 'pods', uid));
      assert.deepEqual(mounts.sort(), [vols.get('mem')!.hostPath, vols.get('sec')!.hostPath].sort());
      const df = readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .find((l) => l.split(' ')[4] === vols.get('mem')!.hostPath)!;
      assert.match(df, /size=16384k/);
      assert.equal(readFileSync(join(vols.get('sec')!.hostPath, 'k'), 'utf8'), 'v');
      await vm.setUpPod(pod); // idempotent: no second mount
      assert.equal((await mountsBelow(join(root, 'pods', uid))).length, 2);
      await vm.tearDownPod(uid);
      assert.deepEqual(await mountsBelow(root), []);
      assert.equal(existsSync(join(root, 'pods', uid)), false);
    },
    { tmpfs: true },
  ),
);
