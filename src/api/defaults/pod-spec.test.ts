import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from './apply-defaults.js';

const containerDefaults = {
  resources: {},
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
};

function pod(spec: object): any {
  const p = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: structuredClone(spec) };
  applyDefaults('', 'Pod', p);
  return p;
}

function template(spec: object): any {
  const pt = {
    apiVersion: 'v1',
    kind: 'PodTemplate',
    metadata: { name: 't' },
    template: { spec: structuredClone(spec) },
  };
  applyDefaults('', 'PodTemplate', pt);
  return pt.template;
}

test('image pull policy by tag', () => {
  const cases: [string, string][] = [
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.27', 'IfNotPresent'],
    [`nginx@sha256:${'0'.repeat(64)}`, 'IfNotPresent'],
    ['registry.local:5000/app', 'Always'],
    ['', 'IfNotPresent'],
  ];
  for (const [image, policy] of cases) {
    assert.equal(pod({ containers: [{ name: 'c', image }] }).spec.containers[0].imagePullPolicy, policy, image);
  }
  const explicit = pod({ containers: [{ name: 'c', image: 'nginx', imagePullPolicy: 'Never' }] });
  assert.equal(explicit.spec.containers[0].imagePullPolicy, 'Never');
});

test('full container defaults: ports, env fieldRef, probes, lifecycle', () => {
  const p = pod({
    containers: [
      {
        name: 'c',
        image: 'app:1',
        ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }],
        env: [
          { name: 'A', value: 'x' },
          { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'K', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
        ],
        livenessProbe: { httpGet: { port: 8080 } },
        readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5 },
        startupProbe: { grpc: { port: 9000 } },
        lifecycle: { preStop: { httpGet: { port: 80, path: '/quit' } }, postStart: { exec: { command: ['true'] } } },
      },
    ],
  });
  assert.deepEqual(p.spec.containers[0], {
    name: 'c',
    image: 'app:1',
    imagePullPolicy: 'IfNotPresent',
    ...containerDefaults,
    ports: [
      { containerPort: 80, protocol: 'TCP' },
      { containerPort: 53, protocol: 'UDP' },
    ],
    env: [
      { name: 'A', value: 'x' },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName', apiVersion: 'v1' } } },
      { name: 'K', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
    ],
    livenessProbe: {
      httpGet: { port: 8080, path: '/', scheme: 'HTTP' },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    },
    readinessProbe: {
      tcpSocket: { port: 80 },
      timeoutSeconds: 1,
      periodSeconds: 5,
      successThreshold: 1,
      failureThreshold: 3,
    },
    startupProbe: {
      grpc: { port: 9000, service: '' },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    },
    lifecycle: {
      preStop: { httpGet: { port: 80, path: '/quit', scheme: 'HTTP' } },
      postStart: { exec: { command: ['true'] } },
    },
  });
});

test('init and ephemeral containers get container defaults', () => {
  const p = pod({
    initContainers: [{ name: 'i', image: 'busybox' }],
    containers: [{ name: 'c', image: 'app:1' }],
    ephemeralContainers: [{ name: 'debug', image: 'busybox:1.36', ports: [{ containerPort: 1 }] }],
  });
  assert.deepEqual(p.spec.initContainers[0], {
    name: 'i',
    image: 'busybox',
    imagePullPolicy: 'Always',
    ...containerDefaults,
  });
  assert.deepEqual(p.spec.ephemeralContainers[0], {
    name: 'debug',
    image: 'busybox:1.36',
    imagePullPolicy: 'IfNotPresent',
    ports: [{ containerPort: 1, protocol: 'TCP' }],
    ...containerDefaults,
  });
});

test('volume defaults', () => {
  const p = pod({
    containers: [{ name: 'c', image: 'a:1' }],
    volumes: [
      { name: 'scratch' },
      { name: 'cm', configMap: { name: 'x' } },
      { name: 'sec', secret: { secretName: 's', defaultMode: 256 } },
      { name: 'hp', hostPath: { path: '/var' } },
      { name: 'dapi', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
      {
        name: 'proj',
        projected: {
          sources: [
            { serviceAccountToken: { path: 'token' } },
            { downwardAPI: { items: [{ path: 'n', fieldRef: { fieldPath: 'metadata.name' } }] } },
            { configMap: { name: 'kube-root-ca.crt' } },
          ],
        },
      },
      { name: 'pvc', persistentVolumeClaim: { claimName: 'data' } },
      {
        name: 'eph',
        ephemeral: {
          volumeClaimTemplate: {
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        },
      },
      { name: 'disk', azureDisk: { diskName: 'd', diskURI: 'u' } },
      { name: 'rbd', rbd: { monitors: ['m'], image: 'i' } },
      { name: 'iscsi', iscsi: { targetPortal: 't', iqn: 'q', lun: 0 } },
      { name: 'sio', scaleIO: { gateway: 'g', system: 's', secretRef: { name: 'x' } } },
    ],
  });
  assert.deepEqual(p.spec.volumes, [
    { name: 'scratch', emptyDir: {} },
    { name: 'cm', configMap: { name: 'x', defaultMode: 420 } },
    { name: 'sec', secret: { secretName: 's', defaultMode: 256 } },
    { name: 'hp', hostPath: { path: '/var', type: '' } },
    {
      name: 'dapi',
      downwardAPI: {
        defaultMode: 420,
        items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels', apiVersion: 'v1' } }],
      },
    },
    {
      name: 'proj',
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { path: 'token', expirationSeconds: 3600 } },
          { downwardAPI: { items: [{ path: 'n', fieldRef: { fieldPath: 'metadata.name', apiVersion: 'v1' } }] } },
          { configMap: { name: 'kube-root-ca.crt' } },
        ],
      },
    },
    { name: 'pvc', persistentVolumeClaim: { claimName: 'data' } },
    {
      name: 'eph',
      ephemeral: {
        volumeClaimTemplate: {
          metadata: { creationTimestamp: null },
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: '1Gi' } },
            volumeMode: 'Filesystem',
          },
        },
      },
    },
    {
      name: 'disk',
      azureDisk: {
        diskName: 'd',
        diskURI: 'u',
        cachingMode: 'ReadWrite',
        kind: 'Shared',
        fsType: 'ext4',
        readOnly: false,
      },
    },
    { name: 'rbd', rbd: { monitors: ['m'], image: 'i', pool: 'rbd', user: 'admin', keyring: '/etc/ceph/keyring' } },
    { name: 'iscsi', iscsi: { targetPortal: 't', iqn: 'q', lun: 0, iscsiInterface: 'default' } },
    {
      name: 'sio',
      scaleIO: { gateway: 'g', system: 's', secretRef: { name: 'x' }, storageMode: 'ThinProvisioned', fsType: 'xfs' },
    },
  ]);
});

test('pod-only defaults: requests from limits, enableServiceLinks, host ports', () => {
  const spec = {
    hostNetwork: true,
    initContainers: [{ name: 'i', image: 'a:1', resources: { limits: { cpu: '1' } }, ports: [{ containerPort: 9 }] }],
    containers: [
      {
        name: 'c',
        image: 'a:1',
        resources: { limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '100m' } },
        ports: [{ containerPort: 80 }, { containerPort: 81, hostPort: 8081 }],
      },
    ],
    ephemeralContainers: [{ name: 'e', image: 'a:1', resources: { limits: { cpu: '1' } } }],
  };
  const p = pod(spec);
  assert.deepEqual(p.spec.containers[0].resources, {
    limits: { cpu: '500m', memory: '1Gi' },
    requests: { cpu: '100m', memory: '1Gi' },
  });
  assert.deepEqual(p.spec.initContainers[0].resources, { limits: { cpu: '1' }, requests: { cpu: '1' } });
  assert.deepEqual(p.spec.ephemeralContainers[0].resources, { limits: { cpu: '1' } });
  assert.deepEqual(p.spec.containers[0].ports, [
    { containerPort: 80, hostPort: 80, protocol: 'TCP' },
    { containerPort: 81, hostPort: 8081, protocol: 'TCP' },
  ]);
  assert.deepEqual(p.spec.initContainers[0].ports, [{ containerPort: 9, hostPort: 9, protocol: 'TCP' }]);
  assert.equal(p.spec.enableServiceLinks, true);
  // Templates get none of these.
  const t = template(spec);
  assert.deepEqual(t.spec.containers[0].resources, {
    limits: { cpu: '500m', memory: '1Gi' },
    requests: { cpu: '100m' },
  });
  assert.deepEqual(t.spec.containers[0].ports[0], { containerPort: 80, protocol: 'TCP' });
  assert.equal('enableServiceLinks' in t.spec, false);
  assert.deepEqual(t.metadata, { creationTimestamp: null });
  // Explicit values win.
  assert.equal(pod({ containers: [], enableServiceLinks: false }).spec.enableServiceLinks, false);
});

test('explicit pod spec values are kept', () => {
  const spec = {
    containers: [
      { name: 'c', image: 'a', terminationMessagePath: '/tmp/x', terminationMessagePolicy: 'FallbackToLogsOnError' },
    ],
    restartPolicy: 'Never',
    dnsPolicy: 'None',
    securityContext: { runAsUser: 1000 },
    terminationGracePeriodSeconds: 0,
    schedulerName: 'custom',
    volumes: [{ name: 'v', emptyDir: { medium: 'Memory' } }],
  };
  const p = pod(spec);
  assert.equal(p.spec.restartPolicy, 'Never');
  assert.equal(p.spec.dnsPolicy, 'None');
  assert.deepEqual(p.spec.securityContext, { runAsUser: 1000 });
  assert.equal(p.spec.terminationGracePeriodSeconds, 0);
  assert.equal(p.spec.schedulerName, 'custom');
  assert.equal(p.spec.containers[0].terminationMessagePath, '/tmp/x');
  assert.equal(p.spec.containers[0].terminationMessagePolicy, 'FallbackToLogsOnError');
  assert.deepEqual(p.spec.volumes, [{ name: 'v', emptyDir: { medium: 'Memory' } }]);
});
