import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type CriticalConfig, joinedEncryptionConfig, sharedTlsFiles } from './bootstrap-data.js';
import { formatServerToken, parseServerToken } from './server-token.js';

/**
 * The cluster's bootstrap material as a snapshot carries it (k3s keeps the
 * same material in the datastore, encrypted with the server token): the
 * shared CAs and keys, the ServiceAccount signing key, the encryption config
 * and the server token. Restoring it with the keyspace makes a new data dir
 * the same cluster: old kubeconfigs, node credentials and ServiceAccount
 * tokens keep working.
 */
export interface SnapshotBootstrap {
  version: 1;
  /** PEM files relative to `<data-dir>/server/tls`; the etcd CAs only when the cluster ran managed etcd. */
  files: Record<string, string>;
  encryptionConfig?: string;
  /** The full server token (`K10<ca hash>::server:<password>`). */
  token: string;
  critical?: CriticalConfig;
}

/** Files without which a restored data dir would not be the same cluster. */
export const requiredBootstrapFiles = [
  'server-ca.crt',
  'server-ca.key',
  'client-ca.crt',
  'client-ca.key',
  'service.key',
];

/** The sealed file beside a snapshot (`<snapshot>.bootstrap`; `ls`/`prune` ignore it by name). */
export const bootstrapSidecarOf = (snapshotPath: string) => `${snapshotPath}.bootstrap`;

interface SealedFile {
  kind: 'kubets-sealed-bootstrap';
  version: 1;
  /** Key derivation: scrypt(token password, salt), N=2^15, r=8, p=1, 32 bytes. */
  kdf: 'scrypt';
  salt: string;
  /** AES-256-GCM: 12-byte nonce, 16-byte tag, all base64. */
  nonce: string;
  tag: string;
  data: string;
}

const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const AAD = Buffer.from('kubets-bootstrap-v1');

/** The key comes from the token's password only, so the full `K10…` token and the bare password both open it. */
function keyOf(token: string, salt: Buffer): Buffer {
  return scryptSync(parseServerToken(token).password, salt, 32, SCRYPT);
}

export function sealBootstrap(b: SnapshotBootstrap, token: string): string {
  const salt = randomBytes(16);
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(token, salt), nonce);
  cipher.setAAD(AAD);
  const data = Buffer.concat([cipher.update(JSON.stringify(b), 'utf8'), cipher.final()]);
  const out: SealedFile = {
    kind: 'kubets-sealed-bootstrap',
    version: 1,
    kdf: 'scrypt',
    salt: salt.toString('base64'),
    nonce: nonce.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
  return `${JSON.stringify(out)}\n`;
}

/** Decrypts and checks a sealed document; a wrong token or a damaged file is a one-line error. */
export function openBootstrap(sealed: string, token: string, source = 'the bootstrap data'): SnapshotBootstrap {
  let f: Partial<SealedFile>;
  try {
    f = JSON.parse(sealed) as Partial<SealedFile>;
  } catch {
    throw new Error(`${source} is not a kubets sealed bootstrap file`);
  }
  if (f.kind !== 'kubets-sealed-bootstrap' || f.version !== 1 || f.kdf !== 'scrypt') {
    throw new Error(`${source} is not a kubets sealed bootstrap file (or a newer version)`);
  }
  let plain: string;
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      keyOf(token, Buffer.from(f.salt ?? '', 'base64')),
      Buffer.from(f.nonce ?? '', 'base64'),
    );
    decipher.setAAD(AAD);
    decipher.setAuthTag(Buffer.from(f.tag ?? '', 'base64'));
    plain = Buffer.concat([decipher.update(Buffer.from(f.data ?? '', 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new Error(`cannot decrypt ${source}: the token is not the server token of the cluster that saved it`);
  }
  const b = JSON.parse(plain) as Partial<SnapshotBootstrap>;
  if (b.version !== 1 || typeof b.files !== 'object' || b.files === null || typeof b.token !== 'string') {
    throw new Error(`${source} decrypted to an unusable document`);
  }
  for (const f of requiredBootstrapFiles) {
    if (typeof b.files[f] !== 'string' || !b.files[f].includes('-----BEGIN')) throw new Error(`${source} lacks ${f}`);
  }
  return b as SnapshotBootstrap;
}

/**
 * Reads a data dir's bootstrap material for a snapshot. `token` is the server
 * token to seal with (its CA hash must match this cluster's CA). Returns
 * undefined when the data dir holds no cluster CA (nothing to capture).
 */
export function collectSnapshotBootstrap(o: {
  dataDir: string;
  token: string;
  encryptionConfigPath?: string;
  critical?: CriticalConfig;
}): SnapshotBootstrap | undefined {
  const tls = join(o.dataDir, 'server', 'tls');
  if (!existsSync(join(tls, 'server-ca.crt'))) return undefined;
  const files: Record<string, string> = {};
  for (const f of sharedTlsFiles) {
    const path = join(tls, f);
    if (existsSync(path)) files[f] = readFileSync(path, 'utf8');
    else if (requiredBootstrapFiles.includes(f))
      throw new Error(`${path} is missing: the data dir's PKI is incomplete`);
  }
  const caPEM = files['server-ca.crt']!;
  const given = parseServerToken(o.token);
  const ownHash = parseServerToken(formatServerToken(caPEM, given.password)).caHash;
  if (given.caHash && given.caHash !== ownHash) {
    throw new Error(`the token carries the CA hash of another cluster than ${o.dataDir}'s`);
  }
  const encryption = o.encryptionConfigPath ?? existingFile(joinedEncryptionConfig(o.dataDir));
  return {
    version: 1,
    files,
    token: formatServerToken(caPEM, given.password),
    ...(encryption ? { encryptionConfig: readFileSync(encryption, 'utf8') } : {}),
    ...(o.critical ? { critical: o.critical } : {}),
  };
}

const existingFile = (p: string) => (existsSync(p) ? p : undefined);

export interface AppliedBootstrap {
  /** Where the cluster's encryption config was written (the server picks it up from there). */
  encryptionConfigPath?: string;
  tokenPath: string;
}

/**
 * Checks that `dataDir` can take the material: refuses a data dir whose CA is
 * another cluster's. Call before writing anything (keyspace included).
 */
export function checkBootstrapTarget(b: SnapshotBootstrap, dataDir: string): void {
  const ca = join(dataDir, 'server', 'tls', 'server-ca.crt');
  if (existsSync(ca) && readFileSync(ca, 'utf8') !== b.files['server-ca.crt']) {
    throw new Error(
      `${ca} is the CA of another cluster; restore into an empty --data-dir (or remove ${join(dataDir, 'server')})`,
    );
  }
}

/**
 * Writes the material into `dataDir` (files 0600): shared TLS files, the
 * server token (`server/token`) and the encryption config. Leaf certificates
 * are left to the server, which issues them from these CAs on start.
 */
export function applySnapshotBootstrap(b: SnapshotBootstrap, dataDir: string): AppliedBootstrap {
  checkBootstrapTarget(b, dataDir);
  const tls = join(dataDir, 'server', 'tls');
  for (const [f, pem] of Object.entries(b.files)) {
    if (!sharedTlsFiles.includes(f)) continue; // never write outside the known set
    writeSecret(join(tls, f), pem);
  }
  const tokenPath = join(dataDir, 'server', 'token');
  writeSecret(tokenPath, `${b.token}\n`);
  if (b.encryptionConfig === undefined) return { tokenPath };
  const encryptionConfigPath = joinedEncryptionConfig(dataDir);
  writeSecret(encryptionConfigPath, b.encryptionConfig);
  return { tokenPath, encryptionConfigPath };
}

/** Writes a secret file atomically with mode 0600 (directories 0700). */
export function writeSecret(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** Seals `b` with `token` beside the snapshot; returns the sidecar's path. */
export function writeBootstrapSidecar(snapshotPath: string, b: SnapshotBootstrap, token: string): string {
  const path = bootstrapSidecarOf(snapshotPath);
  writeSecret(path, sealBootstrap(b, token));
  return path;
}

export interface BootstrapRestorePlan {
  /** The material to write after the keyspace (absent: the data dir keeps or creates its own PKI). */
  bootstrap?: SnapshotBootstrap;
  /** Something the operator should know (printed, not fatal). */
  warning?: string;
}

/**
 * Decides, before anything is written, what a restore of `snapshotPath` into
 * `dataDir` does with the bootstrap material. With a sidecar, a data dir that
 * already holds this cluster's CA needs no token; any other needs the server
 * token (k3s: `--token` on `--cluster-reset-restore-path`), since without the
 * CAs every credential the old cluster issued would be refused.
 */
export function planBootstrapRestore(snapshotPath: string, dataDir: string, token?: string): BootstrapRestorePlan {
  const sidecar = bootstrapSidecarOf(snapshotPath);
  const ownCA = join(dataDir, 'server', 'tls', 'server-ca.crt');
  if (!existsSync(sidecar)) {
    return existsSync(ownCA)
      ? {}
      : {
          warning: `${sidecar} not found: only the keyspace is restored; the new data dir gets new CAs, so old kubeconfigs, node credentials and ServiceAccount tokens will be refused`,
        };
  }
  if (token === undefined) {
    if (existsSync(ownCA)) return {};
    throw new Error(
      `${sidecar} holds the cluster's CAs and keys, sealed with the server token: pass --token or --token-file to restore them`,
    );
  }
  const bootstrap = openBootstrap(readFileSync(sidecar, 'utf8'), token, sidecar);
  checkBootstrapTarget(bootstrap, dataDir);
  return { bootstrap };
}
