import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { notFound, type StatusError } from '../../../api/errors/status-error.js';
import { nodeProxyTarget, podProxyTarget, serviceProxyTarget, type ProxyObjects } from './proxy-target.js';
import type { KubeletLocation } from './kubelet-proxy.js';

function pod(name: string, ip: string | undefined, ports: { name?: string; containerPort: number }[][] = []): Pod {
  return {
    metadata: { name, namespace: 'ns' },
    spec: { nodeName: 'n1', containers: ports.map((p, i) => ({ name: `c${i}`, ports: p })) },
    status: ip ? { podIP: ip, podIPs: [{ ip }] } : {},
  };
}

function slice(
  service: string,
  ports: { name?: string; port: number }[],
  endpoints: { ip: string; pod?: string; ready?: boolean }[],
): EndpointSlice {
  return {
    addressType: 'IPv4',
    metadata: { name: `${service}-x`, namespace: 'ns', labels: { 'kubernetes.io/service-name': service } },
    ports,
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: e.ready === undefined ? {} : { ready: e.ready },
      targetRef: e.pod ? { kind: 'Pod', namespace: 'ns', name: e.pod } : undefined,
    })),
  };
}

function objects(o: {
  pods?: Pod[];
  services?: Service[];
  slices?: EndpointSlice[];
  nodes?: Record<string, KubeletLocation>;
}): ProxyObjects {
  const pods = new Map((o.pods ?? []).map((p) => [p.metadata!.name!, p]));
  const svcs = new Map((o.services ?? []).map((s) => [s.metadata!.name!, s]));
  return {
    async pod(_ns, name) {
      const p = pods.get(name);
      if (!p) throw notFound({ group: '', resource: 'pods' }, name);
      return p;
    },
    async podIfExists(_ns, name) {
      return pods.get(name);
    },
    async service(_ns, name) {
      const s = svcs.get(name);
      if (!s) throw notFound({ group: '', resource: 'services' }, name);
      return s;
    },
    async endpointSlices(_ns, svc) {
      return (o.slices ?? []).filter((s) => s.metadata?.labels?.['kubernetes.io/service-name'] === svc);
    },
    async kubelet(name) {
      const k = o.nodes?.[name];
      if (!k) throw notFound({ group: '', resource: 'nodes' }, name);
      return k;
    },
  };
}

async function statusOf(p: Promise<unknown>): Promise<{ code: number; reason: string; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as StatusError;
    return { code: e.code, reason: e.reason, message: e.message };
  }
  assert.fail('expected an error');
}

test('pod targets: port by number, by name, first declared port, scheme default', async () => {
  const objs = objects({
    pods: [
      pod('web', '10.42.0.7', [[], [{ name: 'metrics', containerPort: 9100 }, { containerPort: 8080 }]]),
      pod('bare', '10.42.0.8'),
    ],
  });
  const cases: [string, unknown][] = [
    ['web', { scheme: 'http', host: '10.42.0.7', port: 9100 }],
    ['web:8080', { scheme: 'http', host: '10.42.0.7', port: 8080 }],
    ['web:metrics', { scheme: 'http', host: '10.42.0.7', port: 9100 }],
    ['https:web:8443', { scheme: 'https', host: '10.42.0.7', port: 8443 }],
    ['bare', { scheme: 'http', host: '10.42.0.8', port: undefined }],
  ];
  for (const [id, want] of cases) assert.deepEqual(await podProxyTarget(objs, 'ns', id, {}), want, id);
});

test('pod target errors match upstream', async () => {
  const objs = objects({ pods: [pod('noip', undefined), pod('lo', '127.0.0.1'), pod('web', '10.42.0.7')] });
  const cases: [string, { code: number; reason: string; message: string }][] = [
    ['a:b:c:d', { code: 400, reason: 'BadRequest', message: 'invalid pod request "a:b:c:d"' }],
    ['missing', { code: 404, reason: 'NotFound', message: 'pods "missing" not found' }],
    ['noip', { code: 400, reason: 'BadRequest', message: 'address not allowed' }],
    ['lo:80', { code: 400, reason: 'BadRequest', message: 'address not allowed' }],
    [
      'web:nope',
      {
        code: 503,
        reason: 'ServiceUnavailable',
        message: 'error trying to reach service: dial tcp: lookup tcp/nope: unknown port',
      },
    ],
    [
      'web:70000',
      {
        code: 503,
        reason: 'ServiceUnavailable',
        message: 'error trying to reach service: dial tcp: address 70000: invalid port',
      },
    ],
  ];
  for (const [id, want] of cases) assert.deepEqual(await statusOf(podProxyTarget(objs, 'ns', id, {})), want, id);
  assert.deepEqual(await podProxyTarget(objs, 'ns', 'lo:80', { allowLoopback: true }), {
    scheme: 'http',
    host: '127.0.0.1',
    port: 80,
  });
});

const svc: Service = {
  metadata: { name: 'web', namespace: 'ns' },
  spec: {
    ports: [
      { name: 'http', port: 80, targetPort: 8080 },
      { name: 'admin', port: 81, targetPort: 'admin' },
    ],
  },
};

test('service targets: port number maps to the port name, endpoint port is the resolved target port', async () => {
  const objs = objects({
    services: [svc],
    pods: [pod('p1', '10.42.0.5')],
    slices: [
      slice(
        'web',
        [
          { name: 'http', port: 8080 },
          { name: 'admin', port: 9000 },
        ],
        [{ ip: '10.42.0.5', pod: 'p1' }],
      ),
    ],
  });
  const cases: [string, unknown][] = [
    ['web:80', { scheme: 'http', host: '10.42.0.5', port: 8080 }],
    ['web:http', { scheme: 'http', host: '10.42.0.5', port: 8080 }],
    ['web:81', { scheme: 'http', host: '10.42.0.5', port: 9000 }],
    ['https:web:admin', { scheme: 'https', host: '10.42.0.5', port: 9000 }],
  ];
  for (const [id, want] of cases) assert.deepEqual(await serviceProxyTarget(objs, 'ns', id), want, id);
});

test('service targets skip not-ready, unreferenced and stale endpoints', async () => {
  const single: Service = { metadata: { name: 'one', namespace: 'ns' }, spec: { ports: [{ port: 80 }] } };
  const objs = objects({
    services: [single],
    pods: [pod('good', '10.42.0.9'), pod('moved', '10.42.0.99')],
    slices: [
      slice(
        'one',
        [{ port: 8080 }],
        [
          { ip: '10.42.0.1', pod: 'good', ready: false },
          { ip: '10.42.0.2' },
          { ip: '10.42.0.3', pod: 'moved' },
          { ip: '10.42.0.4', pod: 'gone' },
          { ip: '10.42.0.9', pod: 'good' },
        ],
      ),
    ],
  });
  for (const r of [0, 0.3, 0.99]) {
    assert.deepEqual(
      await serviceProxyTarget(objs, 'ns', 'one', () => r),
      { scheme: 'http', host: '10.42.0.9', port: 8080 },
      `random ${r}`,
    );
  }
});

test('service target errors match upstream', async () => {
  const objs = objects({
    services: [svc, { metadata: { name: 'empty', namespace: 'ns' }, spec: { ports: [{ name: 'http', port: 80 }] } }],
    pods: [pod('p1', '10.42.0.5')],
    slices: [
      slice('web', [{ name: 'http', port: 8080 }], [{ ip: '10.42.0.5', pod: 'p1', ready: false }]),
      slice('empty', [{ name: 'http', port: 8080 }], []),
    ],
  });
  const cases: [string, { code: number; reason: string; message: string }][] = [
    ['x:y:z:w', { code: 400, reason: 'BadRequest', message: 'invalid service request "x:y:z:w"' }],
    ['nosvc', { code: 404, reason: 'NotFound', message: 'services "nosvc" not found' }],
    ['web:99', { code: 503, reason: 'ServiceUnavailable', message: 'no service port 99 found for service "web"' }],
    ['empty', { code: 503, reason: 'ServiceUnavailable', message: 'no endpoints available for service "empty"' }],
    ['web:http', { code: 503, reason: 'ServiceUnavailable', message: 'no endpoints available for service "web:http"' }],
  ];
  for (const [id, want] of cases) assert.deepEqual(await statusOf(serviceProxyTarget(objs, 'ns', id)), want, id);
});

test('node targets: kubelet over HTTPS by default, other ports plain', async () => {
  const k = { host: '10.0.0.4', port: 10250, nodeName: 'n1' };
  const objs = objects({ nodes: { n1: k, lo: { host: '127.0.0.1', port: 10250, nodeName: 'lo' } } });
  const cases: [string, unknown][] = [
    ['n1', { scheme: 'https', host: '10.0.0.4', port: 10250, kubelet: k }],
    ['n1:10250', { scheme: 'https', host: '10.0.0.4', port: 10250, kubelet: k }],
    ['http:n1:10250', { scheme: 'https', host: '10.0.0.4', port: 10250, kubelet: k }],
    ['n1:9100', { scheme: 'http', host: '10.0.0.4', port: 9100 }],
    ['https:n1:9100', { scheme: 'https', host: '10.0.0.4', port: 9100 }],
  ];
  for (const [id, want] of cases) assert.deepEqual(await nodeProxyTarget(objs, id, {}), want, id);
  assert.deepEqual(await statusOf(nodeProxyTarget(objs, 'lo', {})), {
    code: 400,
    reason: 'BadRequest',
    message: 'address not allowed',
  });
  assert.deepEqual(await statusOf(nodeProxyTarget(objs, 'n2', {})), {
    code: 404,
    reason: 'NotFound',
    message: 'nodes "n2" not found',
  });
  assert.equal((await nodeProxyTarget(objs, 'lo', { allowLoopback: true })).host, '127.0.0.1');
});
