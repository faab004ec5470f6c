import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { inProcessRest } from '../../src/cmd/in-process.js';
import { ResourceClient, type KubeObject } from '../../src/client/index.js';
import { StatusError } from '../../src/api/errors/status-error.js';

/**
 * Service allocations through the real apiserver: NodePorts and the
 * healthCheckNodePort of LoadBalancer Services with externalTrafficPolicy
 * Local (allocated when needed, immutable while needed, released after).
 */
describe('service port allocation', () => {
  let c: TestCluster;
  let services: ResourceClient<Service & KubeObject>;

  before(async () => {
    c = await startTestCluster({ controllers: [] });
    const rest = inProcessRest(c.cp.apiserver, { username: 'test-admin', groups: ['system:masters'] }, 'test');
    services = new ResourceClient(rest, { group: '', version: 'v1', resource: 'services' }, 'default');
  });
  after(async () => {
    await c?.dispose();
  });

  const lb = (name: string, etp: 'Local' | 'Cluster', hc?: number): Service & KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: {
      type: 'LoadBalancer',
      externalTrafficPolicy: etp,
      ...(hc ? { healthCheckNodePort: hc } : {}),
      selector: { app: name },
      ports: [{ port: 80, targetPort: 8080 }],
    },
  });

  test('LoadBalancer with externalTrafficPolicy Local gets a healthCheckNodePort in the NodePort range', async () => {
    const s = await services.create(lb('local-lb', 'Local'));
    const hc = s.spec?.healthCheckNodePort;
    assert.ok(hc && hc >= 30000 && hc <= 32767, `healthCheckNodePort ${String(hc)}`);
    const nodePort = s.spec?.ports?.[0]?.nodePort;
    assert.ok(nodePort && nodePort !== hc, 'a node port distinct from the health check port');
    const again = await services.update({ ...s, spec: { ...s.spec, healthCheckNodePort: undefined } });
    assert.equal(again.spec?.healthCheckNodePort, hc, 'an update omitting it keeps it');
  });

  test('a requested healthCheckNodePort is honoured and cannot be taken twice', async () => {
    const s = await services.create(lb('asked-lb', 'Local', 31999));
    assert.equal(s.spec?.healthCheckNodePort, 31999);
    await assert.rejects(
      services.create(lb('clash-lb', 'Local', 31999)),
      (err: unknown) =>
        err instanceof StatusError && err.code === 422 && /provided port is already allocated/.test(err.message),
    );
  });

  test('switching to externalTrafficPolicy Cluster drops the port and frees it for others', async () => {
    const s = await services.create(lb('switch-lb', 'Local', 31998));
    const cluster = await services.update({ ...s, spec: { ...s.spec, externalTrafficPolicy: 'Cluster' } });
    assert.equal(cluster.spec?.healthCheckNodePort, undefined);
    const other = await services.create(lb('reuse-lb', 'Local', 31998));
    assert.equal(other.spec?.healthCheckNodePort, 31998, 'the released port can be allocated again');
  });

  test('deleting the Service releases its healthCheckNodePort', async () => {
    await services.create(lb('gone-lb', 'Local', 31997));
    await services.delete('gone-lb');
    const next = await services.create(lb('next-lb', 'Local', 31997));
    assert.equal(next.spec?.healthCheckNodePort, 31997);
  });

  test('externalTrafficPolicy Cluster never gets one, and asking for one is refused', async () => {
    const s = await services.create(lb('cluster-lb', 'Cluster'));
    assert.equal(s.spec?.healthCheckNodePort, undefined);
    await assert.rejects(
      services.create(lb('bad-lb', 'Cluster', 31996)),
      (err: unknown) => err instanceof StatusError && err.code === 422 && /may only be set when/.test(err.message),
    );
  });
});
