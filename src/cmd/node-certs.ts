/**
 * Credentials of the node `kubets server` runs itself: its client identity
 * (`system:node:<name>` in `system:nodes`, issued by the cluster client CA, so
 * the Node authorizer and NodeRestriction treat it like any kubelet) and the
 * kubelet's serving certificate, signed by the cluster server CA for the
 * node's IP and names (what a kubelet gets through a serving CSR upstream).
 * Both are kept on disk and reused while fresh and still matching.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { ClusterPKI, KeyPair } from '../control-plane/apiserver/pki/cluster-pki.js';
import { certificateSubjectDER, createCertificate, generateKey, publicKeyOf } from '../lib/pki/x509.js';

const day = 24 * 3600 * 1000;

/** The identity a node's kubelet authenticates as. */
export function nodeUser(nodeName: string): { username: string; groups: string[] } {
  return { username: `system:node:${nodeName}`, groups: ['system:nodes', 'system:authenticated'] };
}

/** The node's client certificate (`<pki dir>/client-kubelet-<name>.{crt,key}`). */
export function nodeClientCert(pki: ClusterPKI, nodeName: string): KeyPair {
  return pki.clientCert(`client-kubelet-${nodeName}`, {
    commonName: `system:node:${nodeName}`,
    organizations: ['system:nodes'],
  });
}

export interface ServingCertOptions {
  /** Folder for `serving-kubelet.{crt,key}`. */
  dir: string;
  nodeName: string;
  /** IPs and DNS names the certificate must cover. */
  sans: string[];
  now?: number;
}

function covers(cert: X509Certificate, sans: string[]): boolean {
  const have = cert.subjectAltName ?? '';
  return sans.every((s) => have.includes(isIP(s) ? `IP Address:${s}` : `DNS:${s}`));
}

/** The kubelet's serving certificate, reused unless missing, expiring within 30 days, or lacking a SAN. */
export function kubeletServingCert(pki: ClusterPKI, o: ServingCertOptions): KeyPair {
  const now = o.now ?? Date.now();
  const certPath = join(o.dir, 'serving-kubelet.crt');
  const keyPath = join(o.dir, 'serving-kubelet.key');
  const sans = [...new Set(o.sans)];
  if (existsSync(certPath) && existsSync(keyPath)) {
    try {
      const kp = { certPEM: readFileSync(certPath, 'utf8'), keyPEM: readFileSync(keyPath, 'utf8'), certPath, keyPath };
      const cert = new X509Certificate(kp.certPEM);
      const ca = new X509Certificate(pki.serverCA.certPEM);
      if (Date.parse(cert.validTo) - now > 30 * day && covers(cert, sans) && cert.verify(ca.publicKey)) return kp;
    } catch {
      // Unreadable: issue a new one.
    }
  }
  const caKey = createPrivateKey(pki.serverCA.keyPEM);
  const caCN = new X509Certificate(pki.serverCA.certPEM).subject.replace(/^CN=/, '');
  const key = generateKey();
  const certPEM = createCertificate({
    subject: { commonName: `system:node:${o.nodeName}`, organizations: ['system:nodes'] },
    publicKey: key.publicKey,
    issuer: {
      subject: { commonName: caCN },
      subjectDER: certificateSubjectDER(pki.serverCA.certPEM),
      privateKey: caKey,
      publicKey: publicKeyOf(caKey),
    },
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 365 * day),
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    extKeyUsage: ['serverAuth'],
    dnsNames: sans.filter((s) => !isIP(s)),
    ipAddresses: sans.filter((s) => isIP(s)),
  });
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  writeFileSync(keyPath, key.privateKeyPEM, { mode: 0o600 });
  writeFileSync(certPath, certPEM, { mode: 0o644 });
  return { certPEM, keyPEM: key.privateKeyPEM, certPath, keyPath };
}
