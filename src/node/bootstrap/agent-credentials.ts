import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';

/**
 * The joined node's credentials on disk, under `<data-dir>/agent` with k3s's
 * file names, every file mode 0600 and replaced atomically (a crash never
 * leaves half a key). A certificate is reused while it chains to the stored
 * CA, matches its key and identity, and has used less than 80% of its
 * lifetime; past that it is renewed (still usable until it expires).
 */
export interface AgentCredentialPaths {
  dir: string;
  /** The server CA (verifies API servers). */
  serverCA: string;
  /** The client CA (verifies the API server's kubelet client certificate). */
  clientCA: string;
  clientCert: string;
  clientKey: string;
  /** The key of a client certificate request still waiting for approval. */
  pendingClientKey: string;
  servingCert: string;
  servingKey: string;
  /** A kubeconfig for the node identity (debugging: `kubectl --kubeconfig`). */
  kubeconfig: string;
}

export function agentCredentialPaths(dataDir: string): AgentCredentialPaths {
  const dir = join(dataDir, 'agent');
  return {
    dir,
    serverCA: join(dir, 'server-ca.crt'),
    clientCA: join(dir, 'client-ca.crt'),
    clientCert: join(dir, 'client-kubelet.crt'),
    clientKey: join(dir, 'client-kubelet.key'),
    pendingClientKey: join(dir, 'client-kubelet.key.pending'),
    servingCert: join(dir, 'serving-kubelet.crt'),
    servingKey: join(dir, 'serving-kubelet.key'),
    kubeconfig: join(dir, 'kubelet.kubeconfig'),
  };
}

export function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** Writes `content` with mode 0600 through a temp file and rename. */
export function writeSecretFile(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

export function removeFile(path: string): void {
  rmSync(path, { force: true });
}

export type CertificateState = 'valid' | 'renew' | 'invalid';

export interface CertificateCheck {
  /** The certificate must chain to this CA. */
  caPEM: string;
  /** Subject must be `CN=<commonName>` with organization `system:nodes`. */
  commonName: string;
  /** DNS names and IPs the certificate must cover (serving certificates). */
  sans?: string[];
  now: number;
  /** Fraction of the lifetime after which the certificate is renewed (default 0.8). */
  renewAfter?: number;
}

/** Whether a stored certificate can be used as is, should be renewed, or must be replaced. */
export function certificateState(
  certPEM: string | undefined,
  keyPEM: string | undefined,
  c: CertificateCheck,
): CertificateState {
  if (!certPEM || !keyPEM) return 'invalid';
  try {
    const cert = new X509Certificate(certPEM);
    const ca = new X509Certificate(c.caPEM);
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return 'invalid';
    if (!cert.publicKey.equals(createPublicKey(createPrivateKey(keyPEM)))) return 'invalid';
    const subject = cert.subject.split('\n');
    if (!subject.includes(`CN=${c.commonName}`) || !subject.includes('O=system:nodes')) return 'invalid';
    const have = cert.subjectAltName ?? '';
    const covers = (s: string) => (isIP(s) ? ipListed(have, s) : have.split(', ').includes(`DNS:${s}`));
    if (!(c.sans ?? []).every(covers)) return 'invalid';
    const from = Date.parse(cert.validFrom);
    const to = Date.parse(cert.validTo);
    if (c.now >= to || c.now < from - 5 * 60_000) return 'invalid';
    return (c.now - from) / (to - from) >= (c.renewAfter ?? 0.8) ? 'renew' : 'valid';
  } catch {
    return 'invalid';
  }
}

/** node:crypto prints IPv6 SANs expanded and upper-case (`IP Address:FD00:0:0:0:0:0:0:1`). */
function ipListed(sanText: string, ip: string): boolean {
  const want = isIP(ip) === 6 ? expand6(ip) : ip;
  return sanText
    .split(', ')
    .filter((s) => s.startsWith('IP Address:'))
    .some((s) => {
      const v = s.slice('IP Address:'.length);
      return (v.includes(':') ? expand6(v) : v) === want;
    });
}

function expand6(ip: string): string {
  const [head, tail] = ip.toLowerCase().split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.map((g) => parseInt(g, 16).toString(16)).join(':');
}

/** A kubeconfig with the node's credentials by path (k3s's `kubelet.kubeconfig`). */
export function nodeKubeconfig(server: string, p: AgentCredentialPaths): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server, 'certificate-authority': p.serverCA } }],
    users: [{ name: 'node', user: { 'client-certificate': p.clientCert, 'client-key': p.clientKey } }],
    contexts: [{ name: 'local', context: { cluster: 'local', user: 'node' } }],
    'current-context': 'local',
  });
}
