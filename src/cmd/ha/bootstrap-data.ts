import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { etcdSharedFiles } from '../../control-plane/storage/etcd/managed/etcd-pki.js';
import type { MemberInfo } from '../../control-plane/storage/etcd/managed/membership.js';

/**
 * Everything a second server needs to be the same cluster (k3s' "bootstrap
 * data"): the CAs with their keys, the ServiceAccount signing key, the
 * encryption-at-rest configuration, the settings that must agree across
 * servers, and the etcd members to join. Sent once, over TLS pinned by the
 * token's CA hash, to a server that presented the server token's password.
 */
export interface ServerBootstrap {
  version: 1;
  /** PEM files, keyed by path relative to the cluster TLS dir (`<data-dir>/server/tls`). */
  files: Record<string, string>;
  /** EncryptionConfiguration the cluster encrypts with (every server must use the same keys). */
  encryptionConfig?: string;
  /** Settings whose values must be identical on every server. */
  critical: CriticalConfig;
  etcdMembers: MemberInfo[];
}

export interface CriticalConfig {
  serviceCIDR: string;
  clusterCIDR: string;
  clusterDomain: string;
}

/** Shared secrets, relative to the cluster TLS dir; everything else a server issues itself from these CAs. */
export const sharedTlsFiles = [
  'server-ca.crt',
  'server-ca.key',
  'client-ca.crt',
  'client-ca.key',
  'service.key',
  ...etcdSharedFiles,
];

/** Where a joined server keeps the cluster's encryption config when it was not given one itself. */
export const joinedEncryptionConfig = (dataDir: string) => join(dataDir, 'server', 'cred', 'encryption-config.yaml');

export async function collectBootstrap(o: {
  tlsDir: string;
  critical: CriticalConfig;
  encryptionConfigPath?: string;
  members: () => Promise<MemberInfo[]>;
}): Promise<ServerBootstrap> {
  const files: Record<string, string> = {};
  for (const f of sharedTlsFiles) files[f] = readFileSync(join(o.tlsDir, f), 'utf8');
  const out: ServerBootstrap = { version: 1, files, critical: o.critical, etcdMembers: await o.members() };
  if (o.encryptionConfigPath) out.encryptionConfig = readFileSync(o.encryptionConfigPath, 'utf8');
  return out;
}

/** Checks a received document before anything is written (a truncated or foreign answer is rejected). */
export function validateBootstrap(b: unknown): ServerBootstrap {
  const d = b as Partial<ServerBootstrap> | undefined;
  if (!d || d.version !== 1 || typeof d.files !== 'object' || !d.critical || !Array.isArray(d.etcdMembers)) {
    throw new Error('the server sent no usable bootstrap data (is it a kubets server started with --cluster-init?)');
  }
  for (const f of sharedTlsFiles) {
    if (typeof d.files![f] !== 'string' || !d.files![f]!.includes('-----BEGIN')) {
      throw new Error(`the server's bootstrap data lacks ${f}`);
    }
  }
  return d as ServerBootstrap;
}

/** One-line error naming the first setting that differs from the cluster's (k3s: "critical configuration value mismatch"). */
export function checkCriticalConfig(cluster: CriticalConfig, mine: CriticalConfig): void {
  const flags: Record<keyof CriticalConfig, string> = {
    serviceCIDR: '--service-cidr',
    clusterCIDR: '--cluster-cidr',
    clusterDomain: '--cluster-domain',
  };
  for (const k of Object.keys(flags) as (keyof CriticalConfig)[]) {
    if (cluster[k] !== mine[k]) {
      throw new Error(
        `critical configuration mismatch: the cluster uses ${flags[k]} ${cluster[k]}, this server ${mine[k]}; start it with ${flags[k]} ${cluster[k]}`,
      );
    }
  }
}

/**
 * Writes the shared files (0600) under `tlsDir`. Refuses to overwrite a
 * different CA already there: that data dir belongs to another cluster.
 * Returns where the cluster's encryption config was written, if it has one.
 */
export function applyBootstrap(b: ServerBootstrap, tlsDir: string, dataDir: string): { encryptionConfigPath?: string } {
  const existingCA = join(tlsDir, 'server-ca.crt');
  if (existsSync(existingCA) && readFileSync(existingCA, 'utf8') !== b.files['server-ca.crt']) {
    throw new Error(
      `${existingCA} is the CA of another cluster; use an empty --data-dir to join this one (or remove ${dirname(tlsDir)})`,
    );
  }
  for (const f of sharedTlsFiles) writeSecret(join(tlsDir, f), b.files[f]!);
  if (b.encryptionConfig === undefined) return {};
  const path = joinedEncryptionConfig(dataDir);
  writeSecret(path, b.encryptionConfig);
  return { encryptionConfigPath: path };
}

function writeSecret(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}
