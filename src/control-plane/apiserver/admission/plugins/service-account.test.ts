import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { ServiceAccountAdmission, tokenVolume } from './service-account.js';
import { attrs, rejection } from './testing.js';

function accounts(...list: ServiceAccount[]) {
  const byKey = new Map(list.map((sa) => [`${sa.metadata!.namespace}/${sa.metadata!.name}`, sa]));
  return (ns: string, name: string) => byKey.get(`${ns}/${name}`);
}

const defaultSA: ServiceAccount = { metadata: { name: 'default', namespace: 'default' } };

function plugin(...list: ServiceAccount[]) {
  return new ServiceAccountAdmission({
    getServiceAccount: accounts(...list),
    defaultAccountAttempts: 1,
    generateSuffix: () => 'x7b2q',
  });
}

function pod(spec: Partial<Pod['spec']> = {}, meta: Pod['metadata'] = { name: 'web' }): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta,
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
  };
}

test('defaults the account and mounts the projected token volume into every container', async () => {
  const p = pod({ initContainers: [{ name: 'init', image: 'busybox' }] });
  const a = attrs({ resource: 'pods', object: p });
  assert.ok(plugin(defaultSA).handles(a));
  await plugin(defaultSA).admit(a);
  assert.equal(p.spec!.serviceAccountName, 'default');
  const mount = {
    name: 'kube-api-access-x7b2q',
    readOnly: true,
    mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
  };
  assert.deepEqual(p.spec!.containers[0]!.volumeMounts, [mount]);
  assert.deepEqual(p.spec!.initContainers![0]!.volumeMounts, [mount]);
  assert.deepEqual(p.spec!.volumes, [tokenVolume('kube-api-access-x7b2q')]);
  assert.deepEqual(p.spec!.volumes![0]!.projected, {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      {
        downwardAPI: {
          items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
        },
      },
    ],
  });
});

test('automount opt-outs: the pod wins over the account', async () => {
  const cases: { pod?: boolean; sa?: boolean; mounted: boolean }[] = [
    { mounted: true },
    { sa: false, mounted: false },
    { pod: false, mounted: false },
    { pod: true, sa: false, mounted: true },
    { pod: false, sa: true, mounted: false },
  ];
  for (const c of cases) {
    const sa: ServiceAccount = { ...defaultSA, automountServiceAccountToken: c.sa };
    const p = pod(c.pod === undefined ? {} : { automountServiceAccountToken: c.pod });
    await plugin(sa).admit(attrs({ resource: 'pods', object: p }));
    assert.equal((p.spec!.volumes ?? []).length === 1, c.mounted, JSON.stringify(c));
  }
});

test('keeps an existing mount at the token path and an existing kube-api-access volume', async () => {
  const p = pod({
    containers: [
      {
        name: 'a',
        image: 'x',
        volumeMounts: [{ name: 'own', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }],
      },
      { name: 'b', image: 'x' },
    ],
    volumes: [{ name: 'kube-api-access-abcde', emptyDir: {} }],
  });
  await plugin(defaultSA).admit(attrs({ resource: 'pods', object: p }));
  assert.equal(p.spec!.containers[0]!.volumeMounts!.length, 1);
  assert.equal(p.spec!.containers[1]!.volumeMounts![0]!.name, 'kube-api-access-abcde');
  assert.equal(p.spec!.volumes!.length, 1);
});

test('copies imagePullSecrets from the account only when the pod has none', async () => {
  const sa: ServiceAccount = { ...defaultSA, imagePullSecrets: [{ name: 'reg' }] };
  const p1 = pod();
  await plugin(sa).admit(attrs({ resource: 'pods', object: p1 }));
  assert.deepEqual(p1.spec!.imagePullSecrets, [{ name: 'reg' }]);
  const p2 = pod({ imagePullSecrets: [{ name: 'mine' }] });
  await plugin(sa).admit(attrs({ resource: 'pods', object: p2 }));
  assert.deepEqual(p2.spec!.imagePullSecrets, [{ name: 'mine' }]);
});

test('a missing account is forbidden with upstream message', async () => {
  const e = await rejection(() =>
    plugin().admit(attrs({ resource: 'pods', object: pod({ serviceAccountName: 'builder' }) })),
  );
  assert.equal(e.code, 403);
  assert.equal(
    e.message,
    'pods "web" is forbidden: error looking up service account default/builder: serviceaccount "builder" not found',
  );
  const g = await rejection(() =>
    plugin().admit(attrs({ resource: 'pods', object: pod({}, { generateName: 'web-' }) })),
  );
  assert.equal(
    g.message,
    'pods "web-" is forbidden: error looking up service account default/default: serviceaccount "default" not found',
  );
});

test('the default account is retried through the live lookup', async () => {
  let calls = 0;
  const p = new ServiceAccountAdmission({
    getServiceAccount: () => undefined,
    getServiceAccountLive: async () => (++calls >= 3 ? defaultSA : undefined),
    retryIntervalMs: 0,
  });
  const obj = pod();
  await p.admit(attrs({ resource: 'pods', object: obj }));
  // Three attempts during mutation, then one more (found at once) in the validation pass.
  assert.equal(calls, 4);
  assert.equal(obj.spec!.serviceAccountName, 'default');
});

test('mirror pods are not mutated and may not reference accounts or secrets', async () => {
  const mirror = { name: 'static', annotations: { 'kubernetes.io/config.mirror': 'hash' } };
  const plain = pod({}, mirror);
  await plugin(defaultSA).admit(attrs({ resource: 'pods', object: plain }));
  assert.equal(plain.spec!.serviceAccountName, undefined);
  assert.equal(plain.spec!.volumes, undefined);
  const cases: [Partial<Pod['spec']>, string][] = [
    [{ serviceAccountName: 'default' }, 'a mirror pod may not reference service accounts'],
    [{ volumes: [{ name: 's', secret: { secretName: 'x' } }] }, 'a mirror pod may not reference secrets'],
    [
      { containers: [{ name: 'c', envFrom: [{ secretRef: { name: 'x' } }] }] },
      'a mirror pod may not reference secrets',
    ],
    [
      { volumes: [{ name: 't', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }] },
      'a mirror pod may not use ServiceAccountToken volume projections',
    ],
  ];
  for (const [spec, msg] of cases) {
    const e = await rejection(() => plugin(defaultSA).validate(attrs({ resource: 'pods', object: pod(spec, mirror) })));
    assert.equal(e.message, `pods "static" is forbidden: ${msg}`);
  }
});

test('enforce-mountable-secrets limits secret references', async () => {
  const sa: ServiceAccount = {
    metadata: {
      name: 'default',
      namespace: 'default',
      annotations: { 'kubernetes.io/enforce-mountable-secrets': 'true' },
    },
    secrets: [{ name: 'allowed' }],
    imagePullSecrets: [{ name: 'pull' }],
  };
  await plugin(sa).validate(
    attrs({
      resource: 'pods',
      object: pod({ serviceAccountName: 'default', volumes: [{ name: 'v', secret: { secretName: 'allowed' } }] }),
    }),
  );
  const cases: [Partial<Pod['spec']>, string][] = [
    [
      { volumes: [{ name: 'v', secret: { secretName: 'other' } }] },
      'volume with secret.secretName="other" is not allowed because service account default does not reference that secret',
    ],
    [
      {
        containers: [{ name: 'app', env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'other', key: 'k' } } }] }],
      },
      'container app with envVar PW referencing secret.secretName="other" is not allowed because service account default does not reference that secret',
    ],
    [
      { initContainers: [{ name: 'init', envFrom: [{ secretRef: { name: 'other' } }] }] },
      'init container init with envFrom referencing secret.secretName="other" is not allowed because service account default does not reference that secret',
    ],
    [
      { imagePullSecrets: [{ name: 'pull' }, { name: 'x' }] },
      'imagePullSecrets[1].name="x" is not allowed because service account default does not reference that imagePullSecret',
    ],
  ];
  for (const [spec, msg] of cases) {
    const e = await rejection(() =>
      plugin(sa).validate(attrs({ resource: 'pods', object: pod({ serviceAccountName: 'default', ...spec }) })),
    );
    assert.equal(e.message, `pods "web" is forbidden: ${msg}`);
  }
});

test('ignores other resources, other subresources and updates of the pod itself', async () => {
  const p = plugin(defaultSA);
  assert.equal(p.handles(attrs({ resource: 'configmaps', object: { metadata: { name: 'x' } } })), false);
  assert.equal(
    p.handles(attrs({ resource: 'pods', subresource: 'status', operation: 'UPDATE', object: pod() })),
    false,
  );
  const upd = pod();
  await p.admit(attrs({ resource: 'pods', operation: 'UPDATE', name: 'web', object: upd, oldObject: pod() }));
  assert.equal(upd.spec!.serviceAccountName, undefined);
});
