import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import * as der from './der.js';
import { decodeAltNames, encodeAltNames, type AltNames } from './general-names.js';
import { decodePEM, toPEM } from './pem.js';
import { signerFor, verifySignature } from './signature.js';
import { decodeName, encodeName, type Subject } from './x509-name.js';

/**
 * PKCS#10 certificate signing requests (RFC 2986), as kubelets send them in
 * CertificateSigningRequest.spec.request: subject, public key, and the
 * subjectAltName carried in an extensionRequest attribute.
 */
const extensionRequestOID = '1.2.840.113549.1.9.14';
const subjectAltNameOID = '2.5.29.17';

export const csrPEMLabel = 'CERTIFICATE REQUEST';

/**
 * A PEM `CERTIFICATE REQUEST` for `subject` signed with `key` (a private key
 * object or PEM). SANs go into an extensionRequest, as Go's
 * x509.CreateCertificateRequest puts them.
 */
export function createCsr(
  key: KeyObject | string,
  subject: Subject,
  sans: Partial<Pick<AltNames, 'dnsNames' | 'ipAddresses' | 'emailAddresses' | 'uris'>> = {},
): string {
  const privateKey = typeof key === 'string' ? createPrivateKey(key) : key;
  const publicKey = createPublicKey(privateKey);
  const altNames = encodeAltNames(sans);
  const attributes: der.Der[] = [];
  if (altNames) {
    const ext = der.sequence(der.oid(subjectAltNameOID), der.octetString(altNames));
    attributes.push(der.sequence(der.oid(extensionRequestOID), der.set(der.sequence(ext))));
  }
  const info = der.sequence(
    der.integer(0),
    encodeName(subject),
    publicKey.export({ type: 'spki', format: 'der' }),
    der.tlv(0xa0, Buffer.concat(attributes)),
  );
  const signer = signerFor(privateKey);
  return toPEM(csrPEMLabel, der.sequence(info, signer.algorithm, der.bitString(signer.sign(info))));
}

export interface ParsedCsr extends AltNames {
  /** The whole request, DER. */
  der: Buffer;
  subject: Subject & { organizations: string[] };
  /** The subject Name as encoded in the request (a signer copies it verbatim). */
  subjectDER: Buffer;
  publicKey: KeyObject;
  /** node:crypto's key type: 'ec', 'rsa', 'ed25519', ... */
  publicKeyAlgorithm: string;
  signatureAlgorithm: string;
}

/**
 * Parses a PEM certificate request and checks its self-signature. Errors
 * carry the texts upstream validation reports in `spec.request`.
 */
export function parseCsr(pem: string | Buffer, opts: { verify?: boolean } = {}): ParsedCsr {
  const text = typeof pem === 'string' ? pem : pem.toString('latin1');
  const block = decodePEM(text)[0];
  if (!block || block.label !== csrPEMLabel) throw new Error('PEM block type must be CERTIFICATE REQUEST');
  const parsed = parseCsrDER(block.der);
  if (opts.verify !== false) checkCsrSignature(parsed.der);
  return parsed;
}

function parseCsrDER(bytes: Buffer): ParsedCsr {
  let root: der.Node;
  try {
    root = der.parse(bytes);
  } catch (err) {
    throw new Error(`asn1: ${(err as Error).message}`);
  }
  const [info, alg, sig] = root.children ?? [];
  const fields = info?.children ?? [];
  if (root.tag !== 0x30 || !info || !alg || !sig || sig.tag !== 0x03 || fields.length < 3)
    throw new Error('x509: malformed certificate request');
  const [, name, spki, attrs] = fields;
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(spki!.raw), format: 'der', type: 'spki' });
  } catch {
    throw new Error('x509: failed to parse public key');
  }
  const out: ParsedCsr = {
    der: Buffer.from(root.raw),
    subject: decodeName(name!),
    subjectDER: Buffer.from(name!.raw),
    publicKey,
    publicKeyAlgorithm: publicKey.asymmetricKeyType ?? 'unknown',
    signatureAlgorithm: der.readOid(alg.children![0]!),
    dnsNames: [],
    ipAddresses: [],
    emailAddresses: [],
    uris: [],
  };
  for (const attr of attrs?.tag === 0xa0 ? (attrs.children ?? []) : []) {
    const [type, values] = attr.children ?? [];
    if (!type || der.readOid(type) !== extensionRequestOID) continue;
    for (const exts of values?.children ?? []) {
      for (const ext of exts.children ?? []) {
        const parts = ext.children ?? [];
        if (!parts[0] || der.readOid(parts[0]) !== subjectAltNameOID) continue;
        const value = parts[parts.length - 1]!;
        Object.assign(out, decodeAltNames(value.content));
      }
    }
  }
  return out;
}

/** Throws unless the request's signature verifies with its own public key (Go's CheckSignature). */
export function checkCsrSignature(csrDER: Buffer): void {
  const root = der.parse(csrDER);
  const [info, alg, sig] = root.children ?? [];
  const spki = info?.children?.[2];
  if (!info || !alg || !sig || !spki) throw new Error('x509: malformed certificate request');
  const publicKey = createPublicKey({ key: Buffer.from(spki.raw), format: 'der', type: 'spki' });
  const algorithm = der.readOid(alg.children![0]!);
  const ok = verifySignature(algorithm, publicKey, Buffer.from(info.raw), sig.content.subarray(1));
  if (!ok) {
    const type = publicKey.asymmetricKeyType;
    throw new Error(
      type === 'ec'
        ? 'x509: ECDSA verification failure'
        : type === 'ed25519'
          ? 'x509: Ed25519 verification failure'
          : 'crypto/rsa: verification error',
    );
  }
}
