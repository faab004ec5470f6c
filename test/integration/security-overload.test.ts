import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminIdentity, mapLimit, ok } from './fixtures/security/identities.js';
import { RawH2, rawAgent, rawRequest, type RawResponse } from './fixtures/security/raw-client.js';

/**
 * Issue 5 acceptance, functional part of the overload criterion (latency is
 * measured in bench/overload.ts, never in a timed test): while one user floods
 * LISTs of 1,000 ConfigMaps with 16 in flight, another user's GETs all
 * succeed; the flooder only ever sees 200 or 429 (with Retry-After), never an
 * error.
 */
const flooderToken = 'overload-flooder-token-7c1d2e3f4a5b';
const quietToken = 'overload-quiet-token-9e8d7c6b5a41';
const objects = 1000;
const floodMs = Number(process.env.KUBETS_OVERLOAD_MS ?? 5000);

describe('security: a LIST flood does not starve another user', () => {
  let c: TestCluster;
  let tmp: string;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'kubets-sec-overload-'));
    const tokenFile = join(tmp, 'tokens.csv');
    writeFileSync(tokenFile, `${flooderToken},flooder,uid-flooder,""\n${quietToken},quiet,uid-quiet,""\n`);
    c = await startTestCluster({ tokenAuthFile: tokenFile });
    const admin = adminIdentity(c);
    ok(await admin.kubectl(['create', 'namespace', 'flood']), 'ns');
    ok(
      await admin.kubectl([
        'create',
        'rolebinding',
        'flood-view',
        '-n',
        'flood',
        '--clusterrole=view',
        '--user=flooder',
        '--user=quiet',
      ]),
      'rb',
    );
    const agent = rawAgent({
      ca: c.cp.pki.serverCA.certPEM,
      certPEM: c.cp.pki.admin.certPEM,
      keyPEM: c.cp.pki.admin.keyPEM,
    });
    try {
      const payload = 'x'.repeat(256);
      const codes = await mapLimit(
        Array.from({ length: objects }, (_, i) => i),
        32,
        async (i) =>
          (
            await rawRequest(c.url, agent, {
              method: 'POST',
              path: '/api/v1/namespaces/flood/configmaps',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({
                apiVersion: 'v1',
                kind: 'ConfigMap',
                metadata: { name: `cm-${i}` },
                data: { payload },
              }),
            })
          ).status,
      );
      assert.deepEqual([...new Set(codes)], [201]);
    } finally {
      agent.destroy();
    }
  });

  after(async () => {
    await c?.dispose();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test("the quiet user's GETs all succeed during the flood; the flooder gets only 200 or 429 + Retry-After", async (t) => {
    const ca = c.cp.pki.serverCA.certPEM;
    const flooder = await RawH2.connect(c.url, { ca });
    const quiet = await RawH2.connect(c.url, { ca });
    const floodCodes = new Map<number, number>();
    const bad429: string[] = [];
    let stop = false;
    try {
      // Baseline: both users can do their thing.
      const list = await flooder.request('/api/v1/namespaces/flood/configmaps', {
        authorization: `Bearer ${flooderToken}`,
      });
      assert.equal(list.status, 200, list.body.slice(0, 200));
      // The 1,000 objects plus kube-root-ca.crt.
      assert.equal((list.json?.items as unknown[]).length, objects + 1);

      const flood = Array.from({ length: 16 }, async () => {
        while (!stop) {
          let r: RawResponse;
          try {
            r = await flooder.request(
              '/api/v1/namespaces/flood/configmaps',
              { authorization: `Bearer ${flooderToken}` },
              60_000,
            );
          } catch (err) {
            floodCodes.set(-1, (floodCodes.get(-1) ?? 0) + 1);
            void err;
            continue;
          }
          floodCodes.set(r.status, (floodCodes.get(r.status) ?? 0) + 1);
          if (r.status === 429) {
            const retry = Number(r.headers['retry-after']);
            if (!(retry >= 1) || r.json?.reason !== 'TooManyRequests')
              bad429.push(`${String(r.headers['retry-after'])} ${r.body.slice(0, 120)}`);
            await new Promise((res) => setTimeout(res, 50));
          }
        }
      });

      const quietResults: { status: number; ms: number }[] = [];
      const quietCalls: Promise<void>[] = [];
      const t0 = Date.now();
      for (let i = 0; Date.now() - t0 < floodMs; i++) {
        const due = t0 + i * 50;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((res) => setTimeout(res, wait));
        const s = Date.now();
        quietCalls.push(
          quiet
            .request(
              `/api/v1/namespaces/flood/configmaps/cm-${i % objects}`,
              { authorization: `Bearer ${quietToken}` },
              30_000,
            )
            .then(
              (r) => void quietResults.push({ status: r.status, ms: Date.now() - s }),
              () => void quietResults.push({ status: -1, ms: Date.now() - s }),
            ),
        );
      }
      await Promise.all(quietCalls);
      stop = true;
      await Promise.all(flood);

      const quietCodes = [...new Set(quietResults.map((r) => r.status))];
      assert.ok(quietResults.length >= (floodMs / 50) * 0.8, `only ${quietResults.length} quiet GETs were sent`);
      assert.deepEqual(
        quietCodes,
        [200],
        `quiet GET statuses: ${JSON.stringify(quietResults.filter((r) => r.status !== 200).slice(0, 5))}`,
      );
      const codes = Object.fromEntries(floodCodes);
      assert.ok((floodCodes.get(200) ?? 0) > 0, `flooder got no LIST through: ${JSON.stringify(codes)}`);
      assert.deepEqual(
        [...floodCodes.keys()].filter((k) => k !== 200 && k !== 429),
        [],
        `flooder statuses: ${JSON.stringify(codes)}`,
      );
      assert.deepEqual(bad429, []);
      const lat = quietResults.map((r) => r.ms).sort((a, b) => a - b);
      // Informational only (DESIGN.md §6: no timing assertions in tests).
      t.diagnostic(
        `overload: quiet GETs ${lat.length}, p50 ${lat[Math.floor(lat.length / 2)]} ms, max ${lat[lat.length - 1]} ms; flooder ${JSON.stringify(codes)}`,
      );
    } finally {
      stop = true;
      flooder.close();
      quiet.close();
    }
  });
});
