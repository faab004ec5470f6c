import { createPrivateKey, createPublicKey, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { x509UsagesOf } from '../../../../../lib/pki/csr-usages.js';
import type { ParsedCsr } from '../../../../../lib/pki/csr.js';
import { certificateSubjectDER, createCertificate } from '../../../../../lib/pki/x509.js';
import type { SignerKeyPair } from '../../../types.js';

/**
 * A local CA that signs certificate requests under upstream's
 * PermissiveSigningPolicy (`controller/certificates/authority`): subject and
 * SANs copied from the request, usages from the CSR's spec, not a CA,
 * NotBefore backdated 5 minutes, NotAfter = now + TTL (minus the backdate
 * for lifetimes of 8 hours or more) and never past the CA's own expiry.
 */
const backdateMs = 5 * 60_000;
const shortMs = 8 * 3600_000;
const minDurationMs = 10 * 60_000;

export class CertificateAuthority {
  readonly certificate: X509Certificate;
  private readonly subjectDER: Buffer;
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;

  constructor(pair: SignerKeyPair) {
    this.certificate = new X509Certificate(pair.certPEM);
    this.subjectDER = certificateSubjectDER(pair.certPEM);
    this.privateKey = createPrivateKey(pair.keyPEM);
    this.publicKey = createPublicKey(this.privateKey);
    if (!this.certificate.publicKey.equals(this.publicKey))
      throw new Error('the signer certificate and private key do not match');
  }

  get notAfter(): number {
    return Date.parse(this.certificate.validTo);
  }

  /** Signs `req` (already parsed and signature-checked) for `ttlMs`; returns the certificate PEM. */
  sign(req: ParsedCsr, usages: readonly string[], ttlMs: number, now: number): string {
    const { keyUsage, extKeyUsage } = x509UsagesOf(usages);
    const notBefore = now - backdateMs;
    let notAfter = ttlMs < shortMs ? now + ttlMs : now + ttlMs - backdateMs;
    if (notAfter >= this.notAfter) notAfter = this.notAfter;
    if (notBefore >= this.notAfter) throw new Error(`the signer has expired: NotAfter=${this.certificate.validTo}`);
    if (now >= this.notAfter)
      throw new Error(`refusing to sign a certificate that expired in the past: NotAfter=${this.certificate.validTo}`);
    return createCertificate({
      subject: req.subject,
      subjectDER: req.subjectDER,
      publicKey: req.publicKey,
      issuer: {
        subject: { commonName: '' },
        subjectDER: this.subjectDER,
        privateKey: this.privateKey,
        publicKey: this.publicKey,
      },
      // 128-bit positive serial, as upstream draws below 2^128.
      serial: Buffer.concat([Buffer.from([0]), randomBytes(16)]),
      notBefore: new Date(notBefore),
      notAfter: new Date(notAfter),
      keyUsage,
      extKeyUsage,
      dnsNames: req.dnsNames,
      ipAddresses: req.ipAddresses,
      emailAddresses: req.emailAddresses,
      uris: req.uris,
    });
  }
}

/**
 * The lifetime to issue (upstream signer.duration): the configured maximum
 * unless the CSR asks for less via spec.expirationSeconds, never under 10 minutes.
 */
export function certificateDuration(expirationSeconds: number | undefined | null, maxMs: number): number {
  if (expirationSeconds === undefined || expirationSeconds === null) return maxMs;
  const requested = expirationSeconds * 1000;
  if (requested > maxMs) return maxMs;
  if (requested < minDurationMs) return minDurationMs;
  return requested;
}
