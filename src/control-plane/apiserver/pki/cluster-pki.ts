import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { type Clock, realClock } from '../../../lib/clock.js';
import {
  certificateSubjectDER,
  createCertificate,
  encodeName,
  generateKey,
  publicKeyOf,
  type Issuer,
  type Subject,
} from '../../../lib/pki/x509.js';

/**
 * The cluster's certificates under `<data-dir>/tls`, generated on first start and
 * reused afterwards (files 0600, directory 0700). A CA is regenerated when it is
 * missing, unreadable or expires within `renewBefore`. A leaf certificate is
 * re-issued when it is missing, expires within `renewBefore`, was not signed by
 * the current CA (so a regenerated CA never leaves leaves that no longer
 * verify), has another subject, or (serving certificate) lacks a wanted SAN.
 */
export interface ClusterPKIOptions {
  dir: string;
  /** Extra names/IPs the serving certificate must cover (`--tls-san`, node IPs). */
  sans?: string[];
  clusterDomain?: string;
  /** First IP of the service CIDR (the `kubernetes` Service). */
  kubernetesServiceIP?: string;
  clock?: Clock;
  /** Re-issue leaf certificates this close to expiry (default 90 days). */
  renewBeforeMs?: number;
}

export interface KeyPair {
  certPEM: string;
  keyPEM: string;
  certPath: string;
  keyPath: string;
}

export interface ClusterPKI {
  serverCA: KeyPair;
  clientCA: KeyPair;
  serving: KeyPair;
  admin: KeyPair;
  /** The API server's client certificate towards kubelets (logs, exec, port-forward). */
  kubeletClient: KeyPair;
  /**
   * The request-header (front-proxy) CA: only it signs certificates whose
   * holders may assert a user in X-Remote-* headers (aggregated API servers trust it).
   */
  requestHeaderCA: KeyPair;
  /** The API server's client certificate towards aggregated API servers (CN `front-proxy-client`). */
  frontProxyClient: KeyPair;
  /** Issues (or reuses) a client certificate for a component identity. */
  clientCert(fileBase: string, subject: Subject): KeyPair;
  /** Signs ServiceAccount tokens (`service.key`, EC P-256), generated once and kept. */
  serviceAccountKey: KeyObject;
}

const year = 365 * 24 * 3600 * 1000;

function write(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function load(dir: string, base: string): KeyPair | undefined {
  const certPath = join(dir, `${base}.crt`);
  const keyPath = join(dir, `${base}.key`);
  if (!existsSync(certPath) || !existsSync(keyPath)) return undefined;
  return { certPEM: readFileSync(certPath, 'utf8'), keyPEM: readFileSync(keyPath, 'utf8'), certPath, keyPath };
}

function issuerOf(kp: KeyPair, commonName: string): Issuer {
  const privateKey: KeyObject = createPrivateKey(kp.keyPEM);
  return { subject: { commonName }, privateKey, publicKey: publicKeyOf(privateKey) };
}

/** A check that a certificate was issued by `ca`: issuer name and signature (a same-named new CA has another key). */
function signedBy(ca: KeyPair): (c: X509Certificate) => boolean {
  const caCert = new X509Certificate(ca.certPEM);
  return (c) => c.issuer === caCert.subject && c.verify(caCert.publicKey);
}

function isIP(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || s.includes(':');
}

export function ensureClusterPKI(opts: ClusterPKIOptions): ClusterPKI {
  const clock = opts.clock ?? realClock;
  const renewBefore = opts.renewBeforeMs ?? 90 * 24 * 3600 * 1000;
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const domain = opts.clusterDomain ?? 'cluster.local';

  const fresh = (kp: KeyPair | undefined, check?: (c: X509Certificate) => boolean): kp is KeyPair => {
    if (!kp) return false;
    try {
      const c = new X509Certificate(kp.certPEM);
      if (Date.parse(c.validTo) - clock.now() < renewBefore) return false;
      return check ? check(c) : true;
    } catch {
      return false;
    }
  };

  function ensureCA(base: string, commonName: string): KeyPair {
    const existing = load(opts.dir, base);
    // CAs are long-lived; only a missing or unreadable CA is regenerated.
    if (existing && fresh(existing)) return existing;
    const key = generateKey();
    const certPEM = createCertificate({
      subject: { commonName },
      publicKey: key.publicKey,
      selfSigningKey: key.privateKey,
      notBefore: new Date(clock.now() - 60_000),
      notAfter: new Date(clock.now() + 10 * year),
      isCA: true,
      keyUsage: ['digitalSignature', 'keyEncipherment', 'keyCertSign'],
    });
    const kp = {
      certPEM,
      keyPEM: key.privateKeyPEM,
      certPath: join(opts.dir, `${base}.crt`),
      keyPath: join(opts.dir, `${base}.key`),
    };
    write(kp.keyPath, kp.keyPEM);
    write(kp.certPath, kp.certPEM);
    return kp;
  }

  const serverCA = ensureCA('server-ca', `kubets-server-ca@${Math.floor(clock.now() / 1000)}`);
  const clientCA = ensureCA('client-ca', `kubets-client-ca@${Math.floor(clock.now() / 1000)}`);
  const serverIssuer = issuerOf(serverCA, new X509Certificate(serverCA.certPEM).subject.replace(/^CN=/, ''));
  const clientIssuer = issuerOf(clientCA, new X509Certificate(clientCA.certPEM).subject.replace(/^CN=/, ''));
  const signedByServerCA = signedBy(serverCA);
  const signedByClientCA = signedBy(clientCA);
  const requestHeaderCA = ensureCA('request-header-ca', `kubets-request-header-ca@${Math.floor(clock.now() / 1000)}`);
  const requestHeaderIssuer = issuerOf(
    requestHeaderCA,
    new X509Certificate(requestHeaderCA.certPEM).subject.replace(/^CN=/, ''),
  );
  const signedByRequestHeaderCA = signedBy(requestHeaderCA);

  function issue(base: string, build: (key: ReturnType<typeof generateKey>) => string): KeyPair {
    const key = generateKey();
    const kp = {
      certPEM: build(key),
      keyPEM: key.privateKeyPEM,
      certPath: join(opts.dir, `${base}.crt`),
      keyPath: join(opts.dir, `${base}.key`),
    };
    write(kp.keyPath, kp.keyPEM);
    write(kp.certPath, kp.certPEM);
    return kp;
  }

  const names = new Set([
    'localhost',
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    `kubernetes.default.svc.${domain}`,
  ]);
  const ips = new Set(['127.0.0.1', '::1']);
  if (opts.kubernetesServiceIP) ips.add(opts.kubernetesServiceIP);
  for (const s of opts.sans ?? []) (isIP(s) ? ips : names).add(s);
  const wantSans = (c: X509Certificate) => {
    const have = c.subjectAltName ?? '';
    return (
      [...names].every((n) => have.includes(`DNS:${n}`)) &&
      [...ips].filter((i) => !i.includes(':')).every((i) => have.includes(`IP Address:${i}`))
    );
  };
  let serving = load(opts.dir, 'serving-kube-apiserver');
  if (!fresh(serving, (c) => signedByServerCA(c) && wantSans(c))) {
    serving = issue('serving-kube-apiserver', (key) =>
      createCertificate({
        subject: { commonName: 'kube-apiserver' },
        publicKey: key.publicKey,
        issuer: serverIssuer,
        notBefore: new Date(clock.now() - 60_000),
        notAfter: new Date(clock.now() + year),
        keyUsage: ['digitalSignature', 'keyEncipherment'],
        extKeyUsage: ['serverAuth'],
        dnsNames: [...names],
        ipAddresses: [...ips],
      }),
    );
  }

  function clientCertFrom(
    issuer: Issuer,
    signedByCA: (c: X509Certificate) => boolean,
    base: string,
    subject: Subject,
  ): KeyPair {
    const existing = load(opts.dir, base);
    const wanted = encodeName(subject);
    const sameSubject = (c: X509Certificate) => certificateSubjectDER(c.raw).equals(wanted);
    if (fresh(existing, (c) => signedByCA(c) && sameSubject(c))) return existing;
    return issue(base, (key) =>
      createCertificate({
        subject,
        publicKey: key.publicKey,
        issuer,
        notBefore: new Date(clock.now() - 60_000),
        notAfter: new Date(clock.now() + year),
        keyUsage: ['digitalSignature', 'keyEncipherment'],
        extKeyUsage: ['clientAuth'],
      }),
    );
  }

  const clientCert = (base: string, subject: Subject) => clientCertFrom(clientIssuer, signedByClientCA, base, subject);
  const admin = clientCert('client-admin', { commonName: 'admin', organizations: ['system:masters'] });
  const kubeletClient = clientCert('client-kube-apiserver', {
    commonName: 'kube-apiserver-kubelet-client',
    organizations: ['system:masters'],
  });
  // k3s's file name for the front-proxy client certificate.
  const frontProxyClient = clientCertFrom(requestHeaderIssuer, signedByRequestHeaderCA, 'client-auth-proxy', {
    commonName: 'front-proxy-client',
  });
  const saKeyPath = join(opts.dir, 'service.key');
  if (!existsSync(saKeyPath)) write(saKeyPath, generateKey().privateKeyPEM);
  const serviceAccountKey = createPrivateKey(readFileSync(saKeyPath, 'utf8'));
  return {
    serverCA,
    clientCA,
    serving,
    admin,
    kubeletClient,
    requestHeaderCA,
    frontProxyClient,
    clientCert,
    serviceAccountKey,
  };
}
