import type { KeyObject } from 'node:crypto';
import { createCsr } from '../../../../lib/pki/csr.js';
import { generateKey } from '../../../../lib/pki/x509.js';
import type { FakeApiServer } from '../../../../client/testing/fake-api-server.js';
import type { Csr } from './csr-helpers.js';

/** Test fixtures for the certificate controllers: CSR objects with real PKCS#10 requests. */
export interface CsrFixture {
  name: string;
  cn: string;
  orgs?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  signerName: string;
  usages: string[];
  username: string;
  groups?: string[];
  conditions?: NonNullable<Csr['status']>['conditions'];
  certificate?: string;
  expirationSeconds?: number;
  creationTimestamp?: string;
  key?: KeyObject;
}

export function csrObject(f: CsrFixture): Csr {
  const request = createCsr(
    f.key ?? generateKey().privateKey,
    { commonName: f.cn, organizations: f.orgs ?? ['system:nodes'] },
    { dnsNames: f.dnsNames, ipAddresses: f.ipAddresses },
  );
  const status: NonNullable<Csr['status']> = {};
  if (f.conditions) status.conditions = f.conditions;
  if (f.certificate) status.certificate = f.certificate;
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name: f.name, ...(f.creationTimestamp ? { creationTimestamp: f.creationTimestamp } : {}) },
    spec: {
      request: Buffer.from(request).toString('base64'),
      signerName: f.signerName,
      usages: f.usages,
      username: f.username,
      groups: f.groups ?? ['system:authenticated'],
      ...(f.expirationSeconds ? { expirationSeconds: f.expirationSeconds } : {}),
    },
    status,
  };
}

/**
 * Makes the fake server behave like the real one for the CSR subresources:
 * PUT /approval writes only conditions, PUT /status keeps them; SubjectAccessReviews
 * are answered by `allow`.
 */
export function fakeCsrSubresources(
  fake: FakeApiServer,
  allow: (spec: { user?: string; groups?: string[]; resourceAttributes?: { subresource?: string } }) => boolean,
): void {
  fake.intercept(async (req) => {
    if (req.method === 'POST' && req.path.endsWith('/subjectaccessreviews')) {
      const body = req.object as { spec: Parameters<typeof allow>[0] };
      return { type: 'object', status: 201, body: { ...body, status: { allowed: allow(body.spec) } } };
    }
    const m = /^(.*\/certificatesigningrequests\/[^/]+)\/approval$/.exec(req.path);
    if (req.method === 'PUT' && m) {
      const body = req.object as Csr;
      return fake.handle({
        ...req,
        method: 'PATCH',
        path: m[1]!,
        headers: { ...req.headers, 'content-type': 'application/merge-patch+json' },
        object: { status: { conditions: body.status?.conditions ?? [] } },
      });
    }
    return undefined;
  });
}
