import { createHash, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import * as der from './der.js';
import { encodeAltNames } from './general-names.js';
import { firstPEMBlock, toPEM } from './pem.js';
import { signerFor } from './signature.js';
import { encodeName, type Subject } from './x509-name.js';

/**
 * X.509 v3 certificates built with our DER encoder and node:crypto signatures,
 * as PEM. Enough for a cluster PKI and a CSR signer: CAs, serving certificates
 * with SANs, client certificates whose subject CN/O are the user and groups
 * Kubernetes authenticates. The issuer signs with SHA-256 (ECDSA, RSA) or
 * Ed25519, whatever its key is.
 */
export { encodeName, type Subject } from './x509-name.js';
export { toPEM } from './pem.js';

/** The RFC 5280 KeyUsage bits (names as in Go's x509.KeyUsage). */
export type KeyUsage =
  | 'digitalSignature'
  | 'contentCommitment'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'crlSign'
  | 'encipherOnly'
  | 'decipherOnly';

export type ExtKeyUsage =
  | 'any'
  | 'serverAuth'
  | 'clientAuth'
  | 'codeSigning'
  | 'emailProtection'
  | 'ipsecEndSystem'
  | 'ipsecTunnel'
  | 'ipsecUser'
  | 'timeStamping'
  | 'ocspSigning'
  | 'microsoftServerGatedCrypto'
  | 'netscapeServerGatedCrypto';

export interface Issuer {
  subject: Subject;
  /** The issuer certificate's subject Name exactly as encoded there (wins over `subject`). */
  subjectDER?: Buffer;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface CertificateSpec {
  subject: Subject;
  /** A subject Name to copy verbatim (a signed CSR's subject), instead of encoding `subject`. */
  subjectDER?: Buffer;
  publicKey: KeyObject;
  /** Omit for a self-signed certificate (then `selfSigningKey` is required). */
  issuer?: Issuer;
  selfSigningKey?: KeyObject;
  notBefore: Date;
  notAfter: Date;
  isCA?: boolean;
  keyUsage: KeyUsage[];
  extKeyUsage?: ExtKeyUsage[];
  dnsNames?: string[];
  ipAddresses?: string[];
  emailAddresses?: string[];
  uris?: string[];
  serial?: Buffer;
}

const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
};

/** Extended key usage OIDs, in Go's ExtKeyUsage enum order (certificates list them in that order). */
export const extKeyUsageOID: Record<ExtKeyUsage, string> = {
  any: '2.5.29.37.0',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  ipsecEndSystem: '1.3.6.1.5.5.7.3.5',
  ipsecTunnel: '1.3.6.1.5.5.7.3.6',
  ipsecUser: '1.3.6.1.5.5.7.3.7',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  microsoftServerGatedCrypto: '1.3.6.1.4.1.311.10.3.3',
  netscapeServerGatedCrypto: '2.16.840.1.113730.4.1',
};

const keyUsageBit: Record<KeyUsage, number> = {
  digitalSignature: 0,
  contentCommitment: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  crlSign: 6,
  encipherOnly: 7,
  decipherOnly: 8,
};

/** The KeyUsage BIT STRING: one or two bytes, trailing zero bits counted as unused (DER minimal form). */
function keyUsageBits(usages: KeyUsage[]): der.Der {
  let bits = 0;
  for (const u of usages) bits |= 0x8000 >> keyUsageBit[u];
  const bytes = bits & 0xff ? [bits >> 8, bits & 0xff] : [bits >> 8];
  const last = bytes[bytes.length - 1]!;
  let unused = 0;
  while (unused < 7 && last !== 0 && !(last & (1 << unused))) unused++;
  return der.tlv(0x03, Buffer.from([unused, ...bytes]));
}

function extension(id: string, critical: boolean, value: der.Der): der.Der {
  return critical
    ? der.sequence(der.oid(id), der.bool(true), der.octetString(value))
    : der.sequence(der.oid(id), der.octetString(value));
}

/** SHA-1 of the subjectPublicKey bits (RFC 5280 method 1). */
export function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = der.parse(publicKey.export({ type: 'spki', format: 'der' }));
  const bits = spki.children![1]!.content.subarray(1);
  return createHash('sha1').update(bits).digest();
}

export function createCertificate(spec: CertificateSpec): string {
  const issuerName = spec.issuer
    ? (spec.issuer.subjectDER ?? encodeName(spec.issuer.subject))
    : (spec.subjectDER ?? encodeName(spec.subject));
  const issuerPublic = spec.issuer?.publicKey ?? spec.publicKey;
  const signingKey = spec.issuer?.privateKey ?? spec.selfSigningKey;
  if (!signingKey) throw new Error('certificate needs an issuer or a self-signing key');
  const signer = signerFor(signingKey);
  const serial = spec.serial ?? Buffer.concat([Buffer.from([0x01]), randomBytes(15)]);
  const exts: der.Der[] = [];
  if (spec.keyUsage.length) exts.push(extension(OID.keyUsage, true, keyUsageBits(spec.keyUsage)));
  if (spec.extKeyUsage?.length) {
    const order = Object.keys(extKeyUsageOID) as ExtKeyUsage[];
    const sorted = [...new Set(spec.extKeyUsage)].sort((a, b) => order.indexOf(a) - order.indexOf(b));
    exts.push(extension(OID.extKeyUsage, false, der.sequence(...sorted.map((u) => der.oid(extKeyUsageOID[u])))));
  }
  exts.push(extension(OID.basicConstraints, true, spec.isCA ? der.sequence(der.bool(true)) : der.sequence()));
  exts.push(extension(OID.subjectKeyId, false, der.octetString(keyIdentifier(spec.publicKey))));
  if (spec.issuer)
    exts.push(extension(OID.authorityKeyId, false, der.sequence(der.implicit(0, keyIdentifier(issuerPublic)))));
  const sans = encodeAltNames(spec);
  if (sans) exts.push(extension(OID.subjectAltName, false, sans));
  const tbs = der.sequence(
    der.explicit(0, der.integer(2)),
    der.integer(serial),
    signer.algorithm,
    issuerName,
    der.sequence(der.time(spec.notBefore), der.time(spec.notAfter)),
    spec.subjectDER ?? encodeName(spec.subject),
    spec.publicKey.export({ type: 'spki', format: 'der' }),
    der.explicit(3, der.sequence(...exts)),
  );
  const cert = der.sequence(tbs, signer.algorithm, der.bitString(signer.sign(tbs)));
  return toPEM('CERTIFICATE', cert);
}

/** The subject Name DER of a certificate (PEM or DER), to name it as issuer byte for byte. */
export function certificateSubjectDER(cert: string | Buffer): Buffer {
  const bytes = typeof cert === 'string' ? firstPEMBlock(cert, 'CERTIFICATE') : cert;
  const tbs = der.parse(bytes).children?.[0];
  const fields = tbs?.children ?? [];
  // version [0] is optional (v1 certificates omit it).
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[offset + 4];
  if (!subject || subject.tag !== 0x30) throw new Error('x509: malformed certificate');
  return Buffer.from(subject.raw);
}

/** A fresh ECDSA P-256 key pair (Kubernetes' and kubelet's default key type). */
export function generateKey(): { privateKey: KeyObject; publicKey: KeyObject; privateKeyPEM: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, publicKey, privateKeyPEM: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

export function publicKeyOf(privateKey: KeyObject): KeyObject {
  return createPublicKey(privateKey);
}
