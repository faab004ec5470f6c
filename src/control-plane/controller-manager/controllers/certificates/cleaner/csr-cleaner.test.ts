import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTime } from '../../../../../api/values/time.js';
import { FakeApiServer, fakeRestClient } from '../../../../../client/testing/fake-api-server.js';
import { FakeClock } from '../../../../../lib/clock.js';
import { createCertificate, generateKey } from '../../../../../lib/pki/x509.js';
import { startControllerManager } from '../../../controller-manager.js';
import { signerNames } from '../csr-helpers.js';
import { csrObject, type CsrFixture } from '../testing.js';
import { cleanupDeadline, csrCleanerController } from './csr-cleaner.js';

const hour = 3600_000;
const t0 = Date.UTC(2026, 0, 1);
const at = (ms: number) => formatTime(ms);

function cert(notAfter: number): string {
  const k = generateKey();
  const pem = createCertificate({
    subject: { commonName: 'x' },
    publicKey: k.publicKey,
    selfSigningKey: k.privateKey,
    notBefore: new Date(t0 - hour),
    notAfter: new Date(notAfter),
    keyUsage: ['digitalSignature'],
  });
  return Buffer.from(pem).toString('base64');
}

const fx = (name: string, over: Partial<CsrFixture>): CsrFixture => ({
  name,
  cn: 'system:node:n1',
  signerName: signerNames.kubeAPIServerClientKubelet,
  usages: ['digital signature', 'client auth'],
  username: 'u',
  creationTimestamp: at(t0),
  ...over,
});

const approvedAt = (ms: number) => [{ type: 'Approved', status: 'True', lastUpdateTime: at(ms) }];

test('cleanupDeadline follows upstream: issued +1h, denied/failed +1h, pending +24h, expired certificates', () => {
  const cases: [string, Partial<CsrFixture>, number | undefined][] = [
    ['pending', {}, t0 + 24 * hour],
    ['approved, not issued', { conditions: approvedAt(t0) }, undefined],
    ['issued', { conditions: approvedAt(t0 + hour), certificate: cert(t0 + 100 * hour) }, t0 + 2 * hour],
    [
      'issued, cert expires first',
      { conditions: approvedAt(t0), certificate: cert(t0 + 30 * 60_000) },
      t0 + 30 * 60_000,
    ],
    ['denied', { conditions: [{ type: 'Denied', status: 'True', lastUpdateTime: at(t0 + 5 * hour) }] }, t0 + 6 * hour],
    ['failed', { conditions: [{ type: 'Failed', status: 'True', lastUpdateTime: at(t0) }] }, t0 + hour],
    ['denied without a time', { conditions: [{ type: 'Denied', status: 'True' }] }, undefined],
  ];
  for (const [name, over, want] of cases) assert.equal(cleanupDeadline(csrObject(fx(name, over))), want, name);
});

test('the cleaner deletes each CSR once its deadline has passed, not before', async () => {
  // The fake server stamps creationTimestamp from the clock: seed at t0.
  const clock = new FakeClock(t0);
  const fake = new FakeApiServer(clock);
  const seed = (f: CsrFixture) => fake.seed('certificates.k8s.io', 'certificatesigningrequests', csrObject(f));
  seed(fx('pending', {}));
  seed(fx('issued', { conditions: approvedAt(t0), certificate: cert(t0 + 100 * hour) }));
  seed(fx('denied', { conditions: [{ type: 'Denied', status: 'True', lastUpdateTime: at(t0 + 2 * hour) }] }));
  seed(fx('approved-unsigned', { conditions: approvedAt(t0) }));
  await clock.advance(10 * 60_000);
  const cm = await startControllerManager({
    rest: fakeRestClient(fake, { clock }),
    controllers: [csrCleanerController],
    clock,
  });
  const names = () =>
    fake
      .list('certificates.k8s.io', 'certificatesigningrequests')
      .map((c) => c.metadata.name as string)
      .sort();
  const settle = async () => {
    for (let i = 0; i < 20; i++) await clock.advance(0);
  };
  try {
    await settle();
    assert.deepEqual(names(), ['approved-unsigned', 'denied', 'issued', 'pending']);
    await clock.advance(50 * 60_000 + 1); // t0 + 1h: "older than" is strict
    await settle();
    assert.deepEqual(names(), ['approved-unsigned', 'denied', 'pending']);
    await clock.advance(2 * hour + 1000);
    await settle();
    assert.deepEqual(names(), ['approved-unsigned', 'pending']);
    await clock.advance(21 * hour);
    await settle();
    assert.deepEqual(names(), ['approved-unsigned']);
  } finally {
    await cm.stop();
  }
});
