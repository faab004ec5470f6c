import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { isInvalid, type StatusError } from '../../../../api/errors/status-error.js';
import { InProcessTransport, ResourceClient, RestClient, type InProcessHandler } from '../../../../client/index.js';
import { FakeClock } from '../../../../lib/clock.js';
import { createCsr } from '../../../../lib/pki/csr.js';
import { createCertificate, generateKey } from '../../../../lib/pki/x509.js';
import { SqliteStorage } from '../../../storage/sqlite/backend.js';
import { ApiServer } from '../../server.js';

type Csr = CertificateSigningRequest & { metadata: { name: string } };
const gvr = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' };
const b64 = (s: string) => Buffer.from(s).toString('base64');

async function withServer(fn: (as: (user: string, groups?: string[]) => ResourceClient<Csr>) => Promise<void>) {
  const clock = new FakeClock(Date.UTC(2026, 2, 1, 12));
  const storage = SqliteStorage.open({ path: ':memory:', clock });
  const server = new ApiServer({ storage, clock, advertiseAddress: '127.0.0.1', securePort: 6443 });
  await server.start();
  const as = (username: string, groups = ['system:authenticated']) =>
    new ResourceClient<Csr>(
      new RestClient({
        transport: new InProcessTransport({
          handler: ((req) => server.handle(req as never)) as InProcessHandler,
          user: { username, groups },
        }),
        rateLimiter: null,
        maxRetries: 0,
      }),
      gvr,
    );
  try {
    await fn(as);
  } finally {
    await server.dispose();
    await storage.dispose();
  }
}

function csrBody(name: string, over: Partial<Csr['spec']> = {}): Csr {
  const request = createCsr(generateKey().privateKey, {
    commonName: 'system:node:n1',
    organizations: ['system:nodes'],
  });
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: {
      request: b64(request),
      signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
      usages: ['digital signature', 'client auth'],
      ...over,
    },
  };
}

function certPEM(cn: string): string {
  const k = generateKey();
  return createCertificate({
    subject: { commonName: cn },
    publicKey: k.publicKey,
    selfSigningKey: k.privateKey,
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2027-01-01T00:00:00Z'),
    keyUsage: ['digitalSignature'],
  });
}

const rejects = async (p: Promise<unknown>, message: RegExp) =>
  assert.rejects(p, (err: StatusError) => {
    assert.ok(isInvalid(err), `want 422 Invalid, got ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });

test('create records the requesting user and drops any status the client sent', async () => {
  await withServer(async (as) => {
    const body = csrBody('c1', { username: 'mallory', groups: ['system:masters'] });
    (body as Csr).status = { conditions: [{ type: 'Approved', status: 'True', reason: 'Self' }] };
    const created = await as('alice', ['devs', 'system:authenticated']).create(body);
    assert.equal(created.spec.username, 'alice');
    assert.deepEqual(created.spec.groups, ['devs', 'system:authenticated']);
    assert.equal(created.status?.conditions, undefined);
  });
});

test('create validation: request, usages, signerName, expirationSeconds', async () => {
  await withServer(async (as) => {
    const c = as('alice');
    await rejects(
      c.create(csrBody('bad1', { request: b64('junk') })),
      /spec\.request: Invalid value: .*PEM block type must be CERTIFICATE REQUEST/,
    );
    await rejects(c.create(csrBody('bad2', { usages: [] })), /spec\.usages: Required value/);
    await rejects(
      c.create(csrBody('bad3', { usages: ['client auth', 'flying'] })),
      /spec\.usages\[1\]: Unsupported value: "flying": supported values: "any", "cert sign"/,
    );
    await rejects(
      c.create(csrBody('bad4', { usages: ['client auth', 'client auth'] })),
      /spec\.usages\[1\]: Duplicate value: "client auth"/,
    );
    await rejects(
      c.create(csrBody('bad5', { signerName: 'no-slash' })),
      /spec\.signerName: Invalid value: "no-slash": must be a fully qualified domain and path of the form 'example.com\/signer-name'/,
    );
    await rejects(
      c.create(csrBody('bad6', { signerName: 'example/x' })),
      /should be a domain with at least two segments separated by dots/,
    );
    await rejects(
      c.create(csrBody('bad7', { signerName: 'kubernetes.io/legacy-unknown' })),
      /the legacy signerName is not allowed via this API version/,
    );
    await rejects(
      c.create(csrBody('bad8', { expirationSeconds: 599 })),
      /may not specify a duration less than 600 seconds \(10 minutes\)/,
    );
  });
});

test('spec and status only change through the main resource never; approval only via /approval; certificate only via /status', async () => {
  await withServer(async (as) => {
    const c = as('alice');
    const admin = as('kcm');
    const created = await c.create(csrBody('c1'));

    // The main resource ignores spec and status changes (labels still apply).
    const upd = await c.update({
      ...created,
      metadata: { ...created.metadata, labels: { a: 'b' } },
      spec: { ...created.spec, usages: ['server auth'] },
      status: { certificate: b64(certPEM('x')) },
    });
    assert.deepEqual(upd.spec.usages, ['digital signature', 'client auth']);
    assert.equal(upd.status?.certificate, undefined);
    assert.deepEqual(upd.metadata.labels, { a: 'b' });

    // /status may not approve.
    const approved = { type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'ok' };
    await rejects(
      admin.updateSubresource<Csr, Csr>('c1', 'status', { ...upd, status: { conditions: [approved] } }),
      /status\.conditions: Forbidden: updates may not add a condition of type "Approved"/,
    );

    // /approval approves; a certificate in the body is ignored; timestamps are filled in.
    const cert = b64(certPEM('leaf'));
    const ap = await admin.updateSubresource<Csr, Csr>('c1', 'approval', {
      ...upd,
      status: { conditions: [approved], certificate: cert },
    });
    assert.equal(ap.status?.certificate, undefined);
    assert.equal(ap.status?.conditions?.[0]?.type, 'Approved');
    assert.equal(ap.status?.conditions?.[0]?.lastUpdateTime, '2026-03-01T12:00:00Z');
    assert.equal(ap.status?.conditions?.[0]?.lastTransitionTime, '2026-03-01T12:00:00Z');

    // /status sets the certificate and keeps the stored Approved condition even if the body changed it.
    const signed = await admin.updateSubresource<Csr, Csr>('c1', 'status', {
      ...ap,
      status: { certificate: cert, conditions: [{ ...approved, message: 'rewritten' }] },
    });
    assert.equal(signed.status?.certificate, cert);
    assert.equal(signed.status?.conditions?.[0]?.message, 'ok');

    // The certificate is set once; garbage is refused; approvals cannot be removed.
    await rejects(
      admin.updateSubresource<Csr, Csr>('c1', 'status', {
        ...signed,
        status: { ...signed.status, certificate: b64(certPEM('other')) },
      }),
      /status\.certificate: Forbidden: updates may not modify existing certificate content/,
    );
    await rejects(
      admin.updateSubresource<Csr, Csr>('c1', 'approval', { ...signed, status: { ...signed.status, conditions: [] } }),
      /updates may not remove a condition of type "Approved"/,
    );
    await rejects(
      admin.updateSubresource<Csr, Csr>('c1', 'approval', {
        ...signed,
        status: { conditions: [approved, { type: 'Denied', status: 'True' }] },
      }),
      /status\.conditions\[1\]\.type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive/,
    );
    const other = await c.create(csrBody('c2'));
    await rejects(
      admin.updateSubresource<Csr, Csr>('c2', 'status', {
        ...other,
        status: { certificate: b64('-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n') },
      }),
      /status\.certificate: Invalid value: "<certificate data>": only CERTIFICATE PEM blocks are allowed, found "FOO"/,
    );
    await rejects(
      admin.updateSubresource<Csr, Csr>('c2', 'approval', {
        ...other,
        status: { conditions: [{ type: 'Approved', status: 'False' }] },
      }),
      /status\.conditions\[0\]\.status: Unsupported value: "False": supported values: "True"/,
    );
  });
});
