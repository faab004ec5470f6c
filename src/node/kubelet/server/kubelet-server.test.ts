import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { caCert, clientCert, clientKey, serverCert, serverKey } from '../../../client/testdata/certs.js';
import type { ContainerRuntime } from '../../runtime/index.js';
import { parseStreamingPath, startKubeletServer, type RunningKubeletServer } from './kubelet-server.js';
import { requestAttributes } from './auth.js';
import type { Summary } from './stats/summary-types.js';
import type { KubeletServerDeps } from './types.js';

interface Res {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

function get(
  s: RunningKubeletServer,
  path: string,
  o: { cert?: boolean; method?: string; headers?: Record<string, string> } = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: s.port,
        path,
        method: o.method ?? 'GET',
        ca: caCert,
        headers: o.headers,
        ...(o.cert === false ? {} : { cert: clientCert, key: clientKey }),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const pod = (name: string, status: Pod['status']): Pod => ({
  metadata: { name, namespace: 'ns', uid: `uid-${name}` },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
  status,
});

test('kubelet server: authentication, routes and container log errors', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kbt-ks-'));
  const logPath = join(dir, '0.log');
  writeFileSync(
    logPath,
    [
      '2026-01-01T00:00:01Z stdout F one',
      '2026-01-01T00:00:02Z stderr F two',
      '2026-01-01T00:00:03Z stdout F three',
      '',
    ].join('\n'),
  );
  const pods: Pod[] = [
    pod('running', {
      containerStatuses: [
        {
          name: 'c',
          ready: true,
          restartCount: 0,
          image: 'b',
          imageID: '',
          containerID: 'containerd://abc',
          state: { running: {} },
        },
      ],
    }),
    pod('creating', {
      containerStatuses: [
        {
          name: 'c',
          ready: false,
          restartCount: 0,
          image: 'b',
          imageID: '',
          state: { waiting: { reason: 'ContainerCreating' } },
        },
      ],
    }),
  ];
  const runtime = {
    containerStatus: async (id: string) => {
      if (id !== 'abc') throw new Error(`no container ${id}`);
      return { id, state: 'CONTAINER_EXITED', logPath };
    },
    listContainers: async () => [{ id: 'abc', state: 'CONTAINER_RUNNING' }],
  } as unknown as ContainerRuntime;
  const deps: KubeletServerDeps = {
    nodeName: 'node-1',
    runtime,
    pods: () => pods,
    getPod: (ns, name) => pods.find((p) => p.metadata?.namespace === ns && p.metadata?.name === name),
    containerId: (uid, c) => (uid === 'uid-running' && c === 'c' ? 'abc' : undefined),
    podIP: () => undefined,
    sandboxId: () => undefined,
    authorize: async () => false,
  };
  const summary: Summary = {
    node: {
      nodeName: 'node-1',
      startTime: '2026-01-01T00:00:00Z',
      cpu: { time: 't', usageNanoCores: 5, usageCoreNanoSeconds: 7 },
    },
    pods: [],
  };
  const s = await startKubeletServer({
    deps,
    host: '127.0.0.1',
    port: 0,
    tls: { certPEM: serverCert, keyPEM: serverKey },
    clientCAPEM: caCert,
    stats: { summary: async () => summary },
  });
  try {
    await t.test('no client certificate: 401', async () => {
      const r = await get(s, '/healthz', { cert: false });
      assert.deepEqual([r.status, r.body], [401, 'Unauthorized\n']);
    });

    await t.test('simple routes for a system:masters client', async () => {
      assert.deepEqual([(await get(s, '/healthz')).status, (await get(s, '/healthz')).body], [200, 'ok\n']);
      const list = JSON.parse((await get(s, '/pods')).body) as { kind: string; items: Pod[] };
      assert.equal(list.kind, 'PodList');
      assert.deepEqual(
        list.items.map((p) => p.metadata?.name),
        ['running', 'creating'],
      );
      assert.deepEqual(JSON.parse((await get(s, '/stats/summary')).body), summary);
      const metrics = await get(s, '/metrics');
      assert.match(String(metrics.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      assert.match(metrics.body, /^kubelet_node_name\{node="node-1"\} 1$/m);
      assert.match(metrics.body, /^kubelet_running_containers\{container_state="running"\} 1$/m);
      assert.match((await get(s, '/metrics/resource')).body, /^node_cpu_usage_seconds_total 7e-9 /m);
      assert.deepEqual([(await get(s, '/nope')).status, (await get(s, '/nope')).body], [404, '404 page not found\n']);
      assert.equal((await get(s, '/exec/ns/running/c')).status, 400, 'exec needs an upgrade');
    });

    await t.test('container logs', async () => {
      const cases: [string, number, string][] = [
        ['/containerLogs/ns/running/c', 200, 'one\ntwo\nthree\n'],
        ['/containerLogs/ns/running/c?tailLines=1&timestamps=true', 200, '2026-01-01T00:00:03.000000000Z three\n'],
        ['/containerLogs/ns/running/c?tail=all', 200, 'one\ntwo\nthree\n'],
        ['/containerLogs/ns/running/c?limitBytes=5', 200, 'one\nt'],
        ['/containerLogs/ns/running/c?sinceTime=2026-01-01T00:00:02Z', 200, 'two\nthree\n'],
        ['/containerLogs/ns/running/c?follow=true', 200, 'one\ntwo\nthree\n'],
        ['/containerLogs/ns/missing/c', 404, 'pod "missing" does not exist\n'],
        ['/containerLogs/ns/running/other', 404, 'container "other" not found in pod "running"\n'],
        [
          '/containerLogs/ns/creating/c',
          400,
          'container "c" in pod "creating" is waiting to start: ContainerCreating\n',
        ],
        [
          '/containerLogs/ns/running/c?previous=true',
          400,
          'previous terminated container "c" in pod "running" not found\n',
        ],
        ['/containerLogs/ns/running/c?tailLines=-1', 422, '{"message": "Invalid request."}\n'],
        [
          '/containerLogs/ns/running/c?sinceSeconds=5&sinceTime=2026-01-01T00:00:02Z',
          422,
          '{"message": "Invalid request."}\n',
        ],
        ['/containerLogs/ns/running/c?tailLines=x', 400, '{"message": "Unable to decode query."}\n'],
      ];
      for (const [path, status, body] of cases) {
        const r = await get(s, path);
        assert.deepEqual([r.status, r.body], [status, body], path);
      }
    });
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('streaming paths', () => {
  const cases: [string, ReturnType<typeof parseStreamingPath>][] = [
    ['/exec/ns/p/c', { kind: 'exec', ns: 'ns', pod: 'p', container: 'c' }],
    ['/exec/ns/p/u/c', { kind: 'exec', ns: 'ns', pod: 'p', uid: 'u', container: 'c' }],
    ['/attach/ns/p/c', { kind: 'attach', ns: 'ns', pod: 'p', container: 'c' }],
    ['/portForward/ns/p', { kind: 'portForward', ns: 'ns', pod: 'p' }],
    ['/portForward/ns/p/u', { kind: 'portForward', ns: 'ns', pod: 'p', uid: 'u' }],
    ['/containerLogs/ns/p/c', { kind: 'containerLogs', ns: 'ns', pod: 'p', container: 'c' }],
    ['/containerLogs/ns/p/u/c', undefined],
    ['/exec/ns/p', undefined],
    ['/other/ns/p/c', undefined],
  ];
  for (const [p, want] of cases) assert.deepEqual(parseStreamingPath(p), want, p);
});

test('authorization attributes follow the kubelet', () => {
  const cases: [string, string, string, string][] = [
    ['GET', '/stats/summary', 'get', 'stats'],
    ['GET', '/metrics/resource', 'get', 'metrics'],
    ['GET', '/metrics', 'get', 'metrics'],
    ['GET', '/logs/syslog', 'get', 'log'],
    ['GET', '/spec/', 'get', 'spec'],
    ['GET', '/pods', 'get', 'proxy'],
    ['GET', '/containerLogs/ns/p/c', 'get', 'proxy'],
    ['POST', '/exec/ns/p/c', 'create', 'proxy'],
    ['GET', '/healthz', 'get', 'proxy'],
    ['GET', '/statsx', 'get', 'proxy'],
  ];
  for (const [method, path, verb, subresource] of cases) {
    assert.deepEqual(
      requestAttributes(method, path, 'n1'),
      { verb, resource: 'nodes', subresource, namespace: '', name: 'n1' },
      path,
    );
  }
});
