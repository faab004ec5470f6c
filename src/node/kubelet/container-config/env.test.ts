import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Container, Pod, Secret, Service } from 'kubernetes-types/core/v1.js';
import {
  ContainerConfigError,
  makeEnvironment,
  resourceFieldValue,
  type EnvContext,
  type ObjectSource,
} from './env.js';
import { serviceEnv } from './service-env.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const objects = (cms: ConfigMap[], secrets: Secret[]): ObjectSource => ({
  configMap: async (ns, name) => cms.find((c) => c.metadata?.namespace === ns && c.metadata?.name === name),
  secret: async (ns, name) => secrets.find((s) => s.metadata?.namespace === ns && s.metadata?.name === name),
});
const cm: ConfigMap = {
  metadata: { name: 'cfg', namespace: 'ns' },
  data: { color: 'blue', 'bad key': 'x', size: 'L' },
};
const secret: Secret = { metadata: { name: 'sec', namespace: 'ns' }, data: { password: b64('s3cr3t') } };
const kubernetesSvc: Service = {
  metadata: { name: 'kubernetes', namespace: 'default' },
  spec: { clusterIP: '10.43.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] },
};
const nsSvc: Service = {
  metadata: { name: 'my-db', namespace: 'ns' },
  spec: { clusterIP: '10.43.5.6', ports: [{ port: 5432 }] },
};

function ctx(container: Container, extra: Partial<EnvContext> = {}): EnvContext {
  const pod: Pod = {
    metadata: { name: 'p1', namespace: 'ns', uid: 'u-1', labels: { app: 'web', tier: 'front' } },
    spec: { nodeName: 'node-a', serviceAccountName: 'sa', containers: [container] },
  };
  return {
    pod,
    container,
    podIPs: ['10.244.1.7'],
    hostIPs: ['192.0.2.10'],
    allocatable: { cpuMilli: 4000, memoryBytes: 8 * 2 ** 30, ephemeralStorageBytes: 10 ** 10 },
    services: [kubernetesSvc, nsSvc],
    objects: objects([cm], [secret]),
    ...extra,
  };
}

test('makeEnvironment: envFrom, env with expansion, downward API, refs, then service variables', async () => {
  const warnings: string[] = [];
  const c: Container = {
    name: 'main',
    resources: { limits: { memory: '64Mi' }, requests: { cpu: '250m' } },
    envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }, { secretRef: { name: 'sec' } }],
    env: [
      { name: 'GREETING', value: 'hello $(POD_NAME) $(CFG_color) $(MY_DB_SERVICE_HOST) $(UNDEFINED) $$(POD_NAME)' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'LATE', value: '$(POD_NAME)' },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'HOST_IPS', valueFrom: { fieldRef: { fieldPath: 'status.hostIPs' } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'LABELS', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } },
      { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      { name: 'CPU_REQ_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
      { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'color' } } },
      { name: 'PASS', valueFrom: { secretKeyRef: { name: 'sec', key: 'password' } } },
      { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'missing', key: 'k', optional: true } } },
      { name: 'KUBERNETES_SERVICE_HOST', value: 'overridden' },
    ],
  };
  const env = await makeEnvironment(ctx(c, { warn: (_r, m) => warnings.push(m) }));
  const get = (n: string) => env.find((e) => e.name === n)?.value;
  assert.equal(get('CFG_color'), 'blue');
  assert.equal(get('CFG_size'), 'L');
  assert.equal(get('password'), 's3cr3t');
  assert.equal(get('GREETING'), 'hello $(POD_NAME) blue 10.43.5.6 $(UNDEFINED) $(POD_NAME)');
  assert.equal(get('LATE'), 'p1');
  assert.equal(get('NODE'), 'node-a');
  assert.equal(get('IP'), '10.244.1.7');
  assert.equal(get('HOST_IPS'), '192.0.2.10');
  assert.equal(get('APP'), 'web');
  assert.equal(get('LABELS'), 'app="web"\ntier="front"');
  assert.equal(get('MEM_MI'), '64');
  assert.equal(get('CPU_LIMIT'), '4', 'no limit: node allocatable, whole cores rounded up');
  assert.equal(get('CPU_REQ_M'), '250');
  assert.equal(get('COLOR'), 'blue');
  assert.equal(get('PASS'), 's3cr3t');
  assert.equal(get('OPT'), undefined, 'a missing optional reference leaves the variable unset');
  assert.equal(get('KUBERNETES_SERVICE_HOST'), 'overridden');
  assert.equal(get('KUBERNETES_PORT'), 'tcp://10.43.0.1:443');
  assert.equal(get('MY_DB_PORT_5432_TCP_ADDR'), '10.43.5.6');
  assert.equal(env.filter((e) => e.name === 'KUBERNETES_SERVICE_HOST').length, 1);
  assert.deepEqual(warnings, [
    'Keys [CFG_bad key] from the EnvFrom configMap ns/cfg were skipped since they are considered invalid environment variable names.',
  ]);
});

test('makeEnvironment: missing required objects and keys are CreateContainerConfigError', async () => {
  const cases: [Container['env'] | undefined, Container['envFrom'] | undefined, string][] = [
    [
      [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }],
      undefined,
      'configmap "nope" not found',
    ],
    [
      [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }],
      undefined,
      "couldn't find key k in ConfigMap ns/cfg",
    ],
    [[{ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }], undefined, 'secret "nope" not found'],
    [
      [{ name: 'X', valueFrom: { secretKeyRef: { name: 'sec', key: 'k' } } }],
      undefined,
      "couldn't find key k in Secret ns/sec",
    ],
    [undefined, [{ configMapRef: { name: 'gone' } }], 'configmap "gone" not found'],
    [undefined, [{ secretRef: { name: 'gone' } }], 'secret "gone" not found'],
  ];
  for (const [env, envFrom, message] of cases) {
    await assert.rejects(makeEnvironment(ctx({ name: 'c', env, envFrom })), (err: unknown) => {
      assert.ok(err instanceof ContainerConfigError);
      assert.equal(err.message, message);
      assert.equal(err.reason, 'CreateContainerConfigError');
      return true;
    });
  }
  const optional = await makeEnvironment(
    ctx({ name: 'c', envFrom: [{ secretRef: { name: 'gone', optional: true } }] }),
  );
  assert.equal(
    optional.some((e) => e.name === 'password'),
    false,
  );
});

test('resourceFieldValue rounds up by the divisor', () => {
  const alloc = { cpuMilli: 2500, memoryBytes: 1000, ephemeralStorageBytes: 0 };
  const c: Container = {
    name: 'c',
    resources: { limits: { cpu: '1500m', memory: '1Gi' }, requests: { memory: '100M' } },
  };
  assert.equal(resourceFieldValue(c, 'limits.cpu', undefined, alloc), '2');
  assert.equal(resourceFieldValue(c, 'limits.cpu', '1m', alloc), '1500');
  assert.equal(resourceFieldValue(c, 'limits.memory', '1Mi', alloc), '1024');
  assert.equal(resourceFieldValue(c, 'requests.memory', '1Mi', alloc), '96');
  assert.equal(resourceFieldValue({ name: 'x' }, 'limits.cpu', '1', alloc), '3');
  assert.equal(resourceFieldValue({ name: 'x' }, 'requests.cpu', '1', alloc), '0');
});

test('serviceEnv: namespace services only with service links; the master service always', () => {
  const withLinks = serviceEnv(
    [kubernetesSvc, nsSvc, { metadata: { name: 'headless', namespace: 'ns' }, spec: { clusterIP: 'None' } }],
    'ns',
    true,
  );
  assert.deepEqual(Object.fromEntries(withLinks), {
    KUBERNETES_SERVICE_HOST: '10.43.0.1',
    KUBERNETES_SERVICE_PORT: '443',
    KUBERNETES_SERVICE_PORT_HTTPS: '443',
    KUBERNETES_PORT: 'tcp://10.43.0.1:443',
    KUBERNETES_PORT_443_TCP: 'tcp://10.43.0.1:443',
    KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
    KUBERNETES_PORT_443_TCP_PORT: '443',
    KUBERNETES_PORT_443_TCP_ADDR: '10.43.0.1',
    MY_DB_SERVICE_HOST: '10.43.5.6',
    MY_DB_SERVICE_PORT: '5432',
    MY_DB_PORT: 'tcp://10.43.5.6:5432',
    MY_DB_PORT_5432_TCP: 'tcp://10.43.5.6:5432',
    MY_DB_PORT_5432_TCP_PROTO: 'tcp',
    MY_DB_PORT_5432_TCP_PORT: '5432',
    MY_DB_PORT_5432_TCP_ADDR: '10.43.5.6',
  });
  const noLinks = serviceEnv([kubernetesSvc, nsSvc], 'ns', false);
  assert.equal(noLinks.has('MY_DB_SERVICE_HOST'), false);
  assert.equal(noLinks.get('KUBERNETES_SERVICE_HOST'), '10.43.0.1');
});
