import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { findPort, podIPsOfFamily, primaryFamily, serviceKeysForPod, shouldPodBeInEndpoints } from './pod-endpoints.js';

const pod = (o: Partial<Pod['spec']> = {}, status: Pod['status'] = {}, deleting = false): Pod => ({
  metadata: { name: 'p', namespace: 'ns', ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  spec: {
    containers: [
      {
        name: 'a',
        ports: [
          { name: 'http', containerPort: 8080 },
          { name: 'dns', containerPort: 53, protocol: 'UDP' },
        ],
      },
    ],
    ...o,
  },
  status,
});

test('findPort resolves numbers, names with matching protocol, and sidecar ports', () => {
  const sidecar = pod({
    initContainers: [{ name: 's', restartPolicy: 'Always', ports: [{ name: 'side', containerPort: 9000 }] } as never],
  });
  const cases: [ServicePort, Pod, number | undefined][] = [
    [{ port: 80 }, pod(), 80],
    [{ port: 80, targetPort: 8081 }, pod(), 8081],
    [{ port: 80, targetPort: 'http' }, pod(), 8080],
    [{ port: 53, targetPort: 'dns' }, pod(), undefined],
    [{ port: 53, targetPort: 'dns', protocol: 'UDP' }, pod(), 53],
    [{ port: 80, targetPort: 'missing' }, pod(), undefined],
    [{ port: 80, targetPort: 'side' }, sidecar, 9000],
  ];
  for (const [sp, p, want] of cases) assert.equal(findPort(p, sp), want, JSON.stringify(sp));
});

test('shouldPodBeInEndpoints: needs an IP, not terminal, terminating only when tolerated', () => {
  const ip = { podIP: '10.0.0.1' };
  assert.equal(shouldPodBeInEndpoints(pod({}, {}), false), false);
  assert.equal(shouldPodBeInEndpoints(pod({}, ip), false), true);
  assert.equal(shouldPodBeInEndpoints(pod({}, { ...ip, phase: 'Succeeded' }), true), false);
  assert.equal(shouldPodBeInEndpoints(pod({}, ip, true), false), false);
  assert.equal(shouldPodBeInEndpoints(pod({}, ip, true), true), true);
});

test('address family selection and selector matching', () => {
  const p = pod({}, { podIPs: [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }] });
  assert.deepEqual(podIPsOfFamily(p, 'IPv6'), ['fd00::1']);
  assert.equal(primaryFamily({ spec: { ipFamilies: ['IPv6', 'IPv4'] } }), 'IPv6');
  assert.equal(primaryFamily({ spec: { clusterIP: 'fd00::10' } }), 'IPv6');
  assert.equal(primaryFamily({ spec: { clusterIP: 'None' } }, p), 'IPv4');
  const svcs: Service[] = [
    { metadata: { name: 'a', namespace: 'ns' }, spec: { selector: { app: 'x' } } },
    { metadata: { name: 'b', namespace: 'ns' }, spec: {} },
    { metadata: { name: 'c', namespace: 'other' }, spec: { selector: { app: 'x' } } },
    { metadata: { name: 'd', namespace: 'ns' }, spec: { selector: {} } },
  ];
  assert.deepEqual(serviceKeysForPod(svcs, 'ns', { app: 'x' }), ['ns/a', 'ns/d']);
  assert.deepEqual(serviceKeysForPod(svcs, 'ns', { app: 'y' }, { app: 'x' }), ['ns/a', 'ns/d']);
});
