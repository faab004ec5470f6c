import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Clock, realClock } from '../../../../lib/clock.js';
import {
  type ExtKeyUsage,
  type Issuer,
  createCertificate,
  generateKey,
  publicKeyOf,
} from '../../../../lib/pki/x509.js';

/** A certificate and key, as PEM and as the files they are kept in. */
export interface KeyPair {
  certPEM: string;
  keyPEM: string;
  certPath: string;
  keyPath: string;
}

/**
 * The managed etcd's certificates under `<tls-dir>/etcd` (k3s layout and file
 * names): two CAs shared by every server of the cluster — `server-ca` (client
 * connections) and `peer-ca` (member-to-member) — and this server's leaves:
 * `server-client` (serves clients; also a client cert, etcd's gRPC gateway
 * dials itself with it), `peer-server-client` (peer traffic is mutual TLS, so
 * both usages) and `client` (the API server's identity towards etcd).
 *
 * CAs are generated only when missing (a joining server receives them from the
 * cluster first); leaves are re-issued when missing, close to expiry, or
 * lacking a wanted SAN (the advertise address changed).
 */
export interface EtcdPKIOptions {
  /** The cluster TLS dir (`<data-dir>/server/tls`); files go to its `etcd/` subfolder. */
  dir: string;
  /** Names and IPs the member's serving and peer certificates must cover (advertise address, hostname). */
  sans: string[];
  clock?: Clock;
  renewBeforeMs?: number;
}

export interface EtcdPKI {
  serverCA: KeyPair;
  peerCA: KeyPair;
  /** Serving certificate for client URLs. */
  server: KeyPair;
  /** Certificate for peer URLs (server and client side). */
  peer: KeyPair;
  /** Client certificate of the API server (and of kubets' membership calls). */
  client: KeyPair;
}

/** Files of the etcd PKI every server of a cluster shares (relative to the cluster TLS dir). */
export const etcdSharedFiles = ['etcd/server-ca.crt', 'etcd/server-ca.key', 'etcd/peer-ca.crt', 'etcd/peer-ca.key'];

const year = 365 * 24 * 3600 * 1000;
const isIP = (s: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || s.includes(':');

function save(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function read(dir: string, base: string): KeyPair | undefined {
  const certPath = join(dir, `${base}.crt`);
  const keyPath = join(dir, `${base}.key`);
  if (!existsSync(certPath) || !existsSync(keyPath)) return undefined;
  return { certPEM: readFileSync(certPath, 'utf8'), keyPEM: readFileSync(keyPath, 'utf8'), certPath, keyPath };
}

export function ensureEtcdPKI(opts: EtcdPKIOptions): EtcdPKI {
  const clock = opts.clock ?? realClock;
  const renewBefore = opts.renewBeforeMs ?? 90 * 24 * 3600 * 1000;
  const dir = join(opts.dir, 'etcd');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const notBefore = () => new Date(clock.now() - 60_000);

  const usable = (kp: KeyPair | undefined, wantSans: string[] = []): kp is KeyPair => {
    if (!kp) return false;
    try {
      const c = new X509Certificate(kp.certPEM);
      if (Date.parse(c.validTo) - clock.now() < renewBefore) return false;
      const have = c.subjectAltName ?? '';
      return wantSans.every((s) => have.includes(isIP(s) ? `IP Address:${s}` : `DNS:${s}`));
    } catch {
      return false;
    }
  };

  const ca = (base: string, commonName: string): KeyPair => {
    const existing = read(dir, base);
    if (existing) return existing;
    const key = generateKey();
    const certPEM = createCertificate({
      subject: { commonName: `${commonName}@${Math.floor(clock.now() / 1000)}` },
      publicKey: key.publicKey,
      selfSigningKey: key.privateKey,
      notBefore: notBefore(),
      notAfter: new Date(clock.now() + 10 * year),
      isCA: true,
      keyUsage: ['digitalSignature', 'keyEncipherment', 'keyCertSign'],
    });
    const kp = {
      certPEM,
      keyPEM: key.privateKeyPEM,
      certPath: join(dir, `${base}.crt`),
      keyPath: join(dir, `${base}.key`),
    };
    save(kp.keyPath, kp.keyPEM);
    save(kp.certPath, kp.certPEM);
    return kp;
  };

  const issuerOf = (kp: KeyPair): Issuer => {
    const privateKey = createPrivateKey(kp.keyPEM);
    const cn = new X509Certificate(kp.certPEM).subject.replace(/^CN=/, '');
    return { subject: { commonName: cn }, privateKey, publicKey: publicKeyOf(privateKey) };
  };

  const leaf = (base: string, issuer: KeyPair, commonName: string, usages: ExtKeyUsage[], sans: string[]): KeyPair => {
    const existing = read(dir, base);
    if (usable(existing, sans)) return existing;
    const key = generateKey();
    const certPEM = createCertificate({
      subject: { commonName },
      publicKey: key.publicKey,
      issuer: issuerOf(issuer),
      notBefore: notBefore(),
      notAfter: new Date(clock.now() + year),
      keyUsage: ['digitalSignature', 'keyEncipherment'],
      extKeyUsage: usages,
      dnsNames: sans.filter((s) => !isIP(s)),
      ipAddresses: sans.filter(isIP),
    });
    const kp = {
      certPEM,
      keyPEM: key.privateKeyPEM,
      certPath: join(dir, `${base}.crt`),
      keyPath: join(dir, `${base}.key`),
    };
    save(kp.keyPath, kp.keyPEM);
    save(kp.certPath, kp.certPEM);
    return kp;
  };

  const serverCA = ca('server-ca', 'etcd-server-ca');
  const peerCA = ca('peer-ca', 'etcd-peer-ca');
  const sans = [...new Set(['localhost', '127.0.0.1', ...opts.sans])];
  return {
    serverCA,
    peerCA,
    server: leaf('server-client', serverCA, 'etcd-server', ['serverAuth', 'clientAuth'], sans),
    peer: leaf('peer-server-client', peerCA, 'etcd-peer', ['serverAuth', 'clientAuth'], sans),
    client: leaf('client', serverCA, 'etcd-client', ['clientAuth'], []),
  };
}
