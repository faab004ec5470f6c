import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints, Pod } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { inProcessRest } from '../../src/cmd/in-process.js';
import { ResourceClient, type KubeObject, type RestClient } from '../../src/client/index.js';
import { isNotFound } from '../../src/api/errors/status-error.js';

/** Polls `check` until it returns a value (bounded), for asserting converged state without fixed sleeps. */
async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

const gvr = (group: string, resource: string) => ({ group, version: 'v1', resource });

describe('endpoints, endpointslice and mirroring controllers', () => {
  let c: TestCluster;
  let rest: RestClient;
  let pods: ResourceClient<Pod & KubeObject>;
  let eps: ResourceClient<Endpoints & KubeObject>;
  let slices: ResourceClient<EndpointSlice & KubeObject>;

  before(async () => {
    c = await startTestCluster({
      controllers: ['endpoints', 'endpointslice', 'endpointslice-mirroring', 'serviceaccount'],
    });
    rest = inProcessRest(c.cp.apiserver, { username: 'test-admin', groups: ['system:masters'] }, 'test');
    pods = new ResourceClient(rest, gvr('', 'pods'), 'default');
    eps = new ResourceClient(rest, gvr('', 'endpoints'), 'default');
    slices = new ResourceClient(rest, gvr('discovery.k8s.io', 'endpointslices'), 'default');
    await new ResourceClient(rest, gvr('', 'nodes')).create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-a', labels: { 'topology.kubernetes.io/zone': 'zone-a' } },
    } as never);
    await eventually(
      () => new ResourceClient(rest, gvr('', 'serviceaccounts'), 'default').get('default').then(Boolean),
      'the default ServiceAccount',
    );
  });
  after(async () => {
    await c?.dispose();
  });

  /** Creates a pod on node-a and sets its IP and readiness the way a kubelet would. */
  async function runPod(
    name: string,
    labels: Record<string, string>,
    ip: string | undefined,
    ready: boolean,
    extra: Partial<Pod['spec']> = {},
  ) {
    await pods.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels },
      spec: {
        nodeName: 'node-a',
        automountServiceAccountToken: false,
        containers: [{ name: 'app', image: 'busybox', ports: [{ name: 'http', containerPort: 8080 }] }],
        ...extra,
      },
    } as never);
    await setPodStatus(name, ip, ready);
  }

  async function setPodStatus(name: string, ip: string | undefined, ready: boolean) {
    const p = await pods.get(name);
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await pods.updateStatus({
      ...p,
      status: {
        ...p.status,
        phase: 'Running',
        ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}),
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }],
      },
    } as never);
  }

  const kubectlJson = async <T>(args: string[]): Promise<T> => {
    const r = await c.kubectl([...args, '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as T;
  };

  const serviceSlices = async (svc: string) =>
    (await slices.list({ labelSelector: `kubernetes.io/service-name=${svc}` })).items;

  test('a selector Service gets Endpoints and an EndpointSlice from its pods', async () => {
    const manifest = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default', labels: { tier: 'front' } },
      spec: {
        selector: { app: 'web' },
        ports: [
          { name: 'http', port: 80, targetPort: 'http' },
          { name: 'metrics', port: 9090 },
        ],
      },
    };
    const r = await c.kubectl(['apply', '-f', '-'], { stdin: JSON.stringify(manifest) });
    assert.equal(r.code, 0, r.stderr);
    await runPod('web-0', { app: 'web' }, '10.42.0.10', true);
    await runPod('web-1', { app: 'web' }, '10.42.0.11', false);
    await runPod('web-2', { app: 'web' }, undefined, false);
    await runPod('other', { app: 'other' }, '10.42.0.99', true);

    const ep = await eventually(async () => {
      const e = await kubectlJson<Endpoints>(['get', 'endpoints', 'web']);
      return e.subsets?.[0]?.notReadyAddresses?.length === 1 ? e : undefined;
    }, 'endpoints of web');
    assert.equal(ep.subsets!.length, 1);
    const ss = ep.subsets![0]!;
    assert.deepEqual(
      ss.addresses!.map((a) => [a.ip, a.nodeName, a.targetRef?.kind, a.targetRef?.name]),
      [['10.42.0.10', 'node-a', 'Pod', 'web-0']],
    );
    assert.deepEqual(
      ss.notReadyAddresses!.map((a) => a.ip),
      ['10.42.0.11'],
    );
    assert.deepEqual(ss.ports!.map((p) => [p.name, p.port, p.protocol]).sort(), [
      ['http', 8080, 'TCP'],
      ['metrics', 9090, 'TCP'],
    ]);
    assert.equal(ep.metadata?.labels?.tier, 'front');
    assert.match(
      ep.metadata?.annotations?.['endpoints.kubernetes.io/last-change-trigger-time'] ?? '',
      /^\d{4}-\d\d-\d\dT/,
    );

    const table = await c.kubectl(['get', 'endpoints', 'web']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /10\.42\.0\.10:8080/);
    assert.doesNotMatch(table.stdout, /10\.42\.0\.11/);

    const list = await eventually(async () => {
      const s = await serviceSlices('web');
      return s.length === 1 && s[0]!.endpoints?.length === 2 ? s : undefined;
    }, 'endpointslice of web');
    const slice = list[0]!;
    assert.match(slice.metadata!.name!, /^web-[a-z0-9]{5}$/);
    assert.equal(slice.addressType, 'IPv4');
    assert.equal(slice.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.equal(slice.metadata?.labels?.tier, 'front');
    assert.deepEqual(
      slice.metadata?.ownerReferences?.map((o) => [o.kind, o.name, o.controller]),
      [['Service', 'web', true]],
    );
    const byIP = Object.fromEntries(slice.endpoints.map((e) => [e.addresses[0], e]));
    assert.deepEqual(byIP['10.42.0.10']!.conditions, { ready: true, serving: true, terminating: false });
    assert.deepEqual(byIP['10.42.0.11']!.conditions, { ready: false, serving: false, terminating: false });
    assert.equal(byIP['10.42.0.10']!.zone, 'zone-a');
    assert.equal(byIP['10.42.0.10']!.nodeName, 'node-a');
    assert.equal(byIP['10.42.0.10']!.targetRef?.name, 'web-0');
    assert.deepEqual(slice.ports!.map((p) => [p.name, p.port]).sort(), [
      ['http', 8080],
      ['metrics', 9090],
    ]);
    const wide = await c.kubectl(['get', 'endpointslices', '-o', 'wide']);
    assert.equal(wide.code, 0, wide.stderr);
    assert.match(
      wide.stdout,
      new RegExp(`${slice.metadata!.name}\\s+IPv4\\s+8080,9090\\s+10\\.42\\.0\\.10,10\\.42\\.0\\.11`),
    );

    // Readiness changes update the same slice in place.
    await setPodStatus('web-1', '10.42.0.11', true);
    await eventually(async () => {
      const e = await eps.get('web');
      return e.subsets?.[0]?.addresses?.length === 2 && !e.subsets[0].notReadyAddresses;
    }, 'web-1 to become a ready address');
    const after1 = await eventually(async () => {
      const s = await serviceSlices('web');
      return s.length === 1 && s[0]!.endpoints.every((e) => e.conditions?.ready) ? s : undefined;
    }, 'web-1 ready in the slice');
    assert.equal(after1[0]!.metadata!.name, slice.metadata!.name);

    // A deleted pod leaves both.
    await pods.delete('web-0', { gracePeriodSeconds: 0 });
    await eventually(async () => {
      const e = await eps.get('web');
      return e.subsets?.[0]?.addresses?.map((a) => a.ip).join() === '10.42.0.11';
    }, 'web-0 to leave the endpoints');
    await eventually(async () => {
      const s = await serviceSlices('web');
      return s.length === 1 && s[0]!.endpoints.map((e) => e.addresses[0]).join() === '10.42.0.11';
    }, 'web-0 to leave the slice');
  });

  test('headless Services publish hostnames; a Service with no pods gets a placeholder slice', async () => {
    const manifest = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'db', namespace: 'default' },
      spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] },
    };
    let r = await c.kubectl(['apply', '-f', '-'], { stdin: JSON.stringify(manifest) });
    assert.equal(r.code, 0, r.stderr);
    const placeholder = await eventually(async () => {
      const s = await serviceSlices('db');
      return s.length === 1 ? s[0] : undefined;
    }, 'placeholder slice of db');
    assert.equal((placeholder.endpoints ?? []).length, 0);
    assert.equal(placeholder.metadata?.labels?.['service.kubernetes.io/headless'], '');

    await runPod('db-0', { app: 'db' }, '10.42.0.20', true, { hostname: 'db-0', subdomain: 'db' });
    const ep = await eventually(async () => {
      const e = await eps.get('db');
      return e.subsets?.[0]?.addresses?.length ? e : undefined;
    }, 'endpoints of db');
    assert.equal(ep.subsets![0]!.addresses![0]!.hostname, 'db-0');
    assert.equal(ep.metadata?.labels?.['service.kubernetes.io/headless'], '');
    const s = await eventually(async () => {
      const l = await serviceSlices('db');
      return l.length === 1 && l[0]!.endpoints?.length === 1 ? l[0] : undefined;
    }, 'db slice with one endpoint');
    assert.equal(s.endpoints[0]!.hostname, 'db-0');
    // The placeholder was reused rather than replaced.
    assert.equal(s.metadata!.name, placeholder.metadata!.name);

    r = await c.kubectl(['delete', 'service', 'db']);
    assert.equal(r.code, 0, r.stderr);
    await eventually(async () => (await serviceSlices('db')).length === 0, 'slices of db to be deleted');
    await eventually(
      () =>
        eps.get('db').then(
          () => false,
          (err) => isNotFound(err),
        ),
      'endpoints of db to be deleted',
    );
  });

  test('more than 100 endpoints are split across slices', async () => {
    const manifest = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'big', namespace: 'default' },
      spec: { selector: { app: 'big' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    };
    const r = await c.kubectl(['apply', '-f', '-'], { stdin: JSON.stringify(manifest) });
    assert.equal(r.code, 0, r.stderr);
    const n = 130;
    for (let i = 0; i < n; i += 26)
      await Promise.all(
        Array.from({ length: 26 }, (_, j) => runPod(`big-${i + j}`, { app: 'big' }, `10.42.1.${i + j + 1}`, true)),
      );
    const list = await eventually(
      async () => {
        const s = await serviceSlices('big');
        const total = s.reduce((t, x) => t + (x.endpoints?.length ?? 0), 0);
        return total === n ? s : undefined;
      },
      `${n} endpoints in slices`,
      60_000,
    );
    assert.ok(list.every((s) => (s.endpoints?.length ?? 0) <= 100));
    assert.equal(list.length, 2);
    const ep = await eventually(async () => {
      const e = await eps.get('big');
      return e.subsets?.[0]?.addresses?.length === n ? e : undefined;
    }, `${n} addresses in endpoints`);
    assert.equal(ep.metadata?.annotations?.['endpoints.kubernetes.io/over-capacity'], undefined);
  });

  test('manually managed Endpoints of a selector-less Service are mirrored', async () => {
    let r = await c.kubectl(['apply', '-f', '-'], {
      stdin: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'ext', namespace: 'default' },
        spec: { ports: [{ name: 'db', port: 3306 }] },
      }),
    });
    assert.equal(r.code, 0, r.stderr);
    r = await c.kubectl(['apply', '-f', '-'], {
      stdin: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'ext', namespace: 'default' },
        subsets: [
          {
            addresses: [{ ip: '192.0.2.10' }],
            notReadyAddresses: [{ ip: '192.0.2.11' }],
            ports: [{ name: 'db', port: 3306 }],
          },
        ],
      }),
    });
    assert.equal(r.code, 0, r.stderr);
    const s = await eventually(async () => {
      const l = await serviceSlices('ext');
      return l.length === 1 && l[0]!.endpoints?.length === 2 ? l[0] : undefined;
    }, 'mirrored slice');
    assert.equal(
      s.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'],
      'endpointslicemirroring-controller.k8s.io',
    );
    assert.deepEqual(
      s.metadata?.ownerReferences?.map((o) => [o.kind, o.name]),
      [['Endpoints', 'ext']],
    );
    assert.deepEqual(s.endpoints.map((e) => [e.addresses[0], e.conditions?.ready]).sort(), [
      ['192.0.2.10', true],
      ['192.0.2.11', false],
    ]);
    // The endpoints controller leaves selector-less Services alone.
    const ep = await eps.get('ext');
    assert.equal(ep.subsets?.[0]?.addresses?.[0]?.ip, '192.0.2.10');

    r = await c.kubectl(['delete', 'endpoints', 'ext']);
    assert.equal(r.code, 0, r.stderr);
    await eventually(async () => (await serviceSlices('ext')).length === 0, 'mirrored slice to be deleted');
  });
});
