import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { FakeClock } from '../../lib/clock.js';
import { nullLogger } from '../../lib/log.js';
import { HealthzServer, ProxierHealth } from './healthz-server.js';
import { ServiceHealthServer } from './service-health.js';
import { httpGet } from './testing/kernel-suite.js';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('/healthz, /livez and /metrics; unhealthy when an update waits longer than the timeout', async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const health = new ProxierHealth(clock, 60_000);
  const server = new HealthzServer(health, () => 'kubeproxy_x 1\n');
  const port = await server.listen('127.0.0.1', 0);
  try {
    health.updated();
    const ok = await httpGet(`http://127.0.0.1:${port}/healthz`);
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.body), {
      lastUpdated: '2026-01-01T00:00:00.000Z',
      currentTime: '2026-01-01T00:00:00.000Z',
      nodeEligible: true,
    });
    health.queued();
    await clock.advance(60_001);
    assert.equal((await httpGet(`http://127.0.0.1:${port}/healthz`)).status, 503);
    assert.equal((await httpGet(`http://127.0.0.1:${port}/livez`)).status, 503);
    health.updated();
    assert.equal((await httpGet(`http://127.0.0.1:${port}/livez`)).status, 200);
    assert.equal((await httpGet(`http://127.0.0.1:${port}/metrics`)).body, 'kubeproxy_x 1\n');
    assert.equal((await httpGet(`http://127.0.0.1:${port}/nope`)).status, 404);
  } finally {
    await server.close();
  }
});

test('service health check ports: 200 with local endpoints, 503 without, closed when no longer wanted', async () => {
  let proxyHealthy = true;
  const s = new ServiceHealthServer('127.0.0.1', () => proxyHealthy, nullLogger);
  const port = await freePort();
  try {
    await s.sync(new Map([[port, { namespace: 'ns', name: 'lb', localEndpoints: 2 }]]));
    const res = await httpGet(`http://127.0.0.1:${port}/`);
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), {
      service: { namespace: 'ns', name: 'lb' },
      localEndpoints: 2,
      serviceProxyHealthy: true,
    });
    await s.sync(new Map([[port, { namespace: 'ns', name: 'lb', localEndpoints: 0 }]]));
    assert.equal((await httpGet(`http://127.0.0.1:${port}/`)).status, 503);
    await s.sync(new Map([[port, { namespace: 'ns', name: 'lb', localEndpoints: 1 }]]));
    proxyHealthy = false;
    assert.equal((await httpGet(`http://127.0.0.1:${port}/`)).status, 503, 'an unhealthy proxy fails every check');
    await s.sync(new Map());
    await assert.rejects(httpGet(`http://127.0.0.1:${port}/`), /ECONNREFUSED/);
  } finally {
    await s.close();
  }
});
