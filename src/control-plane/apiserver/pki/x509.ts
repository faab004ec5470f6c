import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIPv4 } from 'node:net';
import * as der from './der.js';

/**
 * X.509 v3 certificates built with our DER encoder and node:crypto signatures
 * (ECDSA P-256 / SHA-256), as PEM. Enough for a cluster PKI: CAs, serving
 * certificates with SANs, client certificates whose subject CN/O are the user
 * and groups Kubernetes authenticates.
 */
export interface Subject {
  commonName: string;
  organizations?: string[];
}

export type KeyUsage = 'digitalSignature' | 'keyEncipherment' | 'keyCertSign' | 'crlSign';
export type ExtKeyUsage = 'serverAuth' | 'clientAuth';

export interface Issuer {
  subject: Subject;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface CertificateSpec {
  subject: Subject;
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
  serial?: Buffer;
}

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

const keyUsageBit: Record<KeyUsage, number> = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, crlSign: 6 };

export function encodeName(s: Subject): der.Der {
  const rdns: der.Der[] = [];
  for (const o of s.organizations ?? []) rdns.push(der.set(der.sequence(der.oid(OID.organization), der.utf8String(o))));
  rdns.push(der.set(der.sequence(der.oid(OID.commonName), der.utf8String(s.commonName))));
  return der.sequence(...rdns);
}

function keyUsageBits(usages: KeyUsage[]): der.Der {
  let bits = 0;
  for (const u of usages) bits |= 0x80 >> keyUsageBit[u];
  const bytes = bits > 0xff ? [bits >> 8, bits & 0xff] : [bits];
  const last = bytes[bytes.length - 1]!;
  let unused = 0;
  while (unused < 7 && last !== 0 && !(last & (1 << unused))) unused++;
  return der.tlv(0x03, Buffer.from([unused, ...bytes]));
}

function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  const [head, tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
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

const algorithm = () => der.sequence(der.oid(OID.ecdsaWithSHA256));

export function createCertificate(spec: CertificateSpec): string {
  const issuerSubject = spec.issuer?.subject ?? spec.subject;
  const issuerPublic = spec.issuer?.publicKey ?? spec.publicKey;
  const signingKey = spec.issuer?.privateKey ?? spec.selfSigningKey;
  if (!signingKey) throw new Error('certificate needs an issuer or a self-signing key');
  const serial = spec.serial ?? Buffer.concat([Buffer.from([0x01]), randomBytes(15)]);
  const exts: der.Der[] = [
    extension(OID.keyUsage, true, keyUsageBits(spec.keyUsage)),
    extension(OID.basicConstraints, true, spec.isCA ? der.sequence(der.bool(true)) : der.sequence()),
    extension(OID.subjectKeyId, false, der.octetString(keyIdentifier(spec.publicKey))),
  ];
  if (spec.issuer)
    exts.push(extension(OID.authorityKeyId, false, der.sequence(der.implicit(0, keyIdentifier(issuerPublic)))));
  if (spec.extKeyUsage?.length)
    exts.push(extension(OID.extKeyUsage, false, der.sequence(...spec.extKeyUsage.map((u) => der.oid(OID[u])))));
  const sans = [
    ...(spec.dnsNames ?? []).map((n) => der.implicit(2, Buffer.from(n, 'ascii'))),
    ...(spec.ipAddresses ?? []).map((ip) => der.implicit(7, ipBytes(ip))),
  ];
  if (sans.length) exts.push(extension(OID.subjectAltName, false, der.sequence(...sans)));
  const tbs = der.sequence(
    der.explicit(0, der.integer(2)),
    der.integer(serial),
    algorithm(),
    encodeName(issuerSubject),
    der.sequence(der.time(spec.notBefore), der.time(spec.notAfter)),
    encodeName(spec.subject),
    spec.publicKey.export({ type: 'spki', format: 'der' }),
    der.explicit(3, der.sequence(...exts)),
  );
  const signature = sign('sha256', tbs, { key: signingKey, dsaEncoding: 'der' });
  const cert = der.sequence(tbs, algorithm(), der.bitString(signature));
  return toPEM('CERTIFICATE', cert);
}

export function toPEM(label: string, body: Buffer): string {
  const b64 = body
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

export function generateKey(): { privateKey: KeyObject; publicKey: KeyObject; privateKeyPEM: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, publicKey, privateKeyPEM: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

export function publicKeyOf(privateKey: KeyObject): KeyObject {
  return createPublicKey(privateKey);
}
