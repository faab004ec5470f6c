import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The server token (k3s format): `K10<sha256 of the server CA bundle>::server:<password>`.
 * The hash lets a joining server check it talks to the right cluster before
 * trusting anything it is sent; the password authenticates it to that
 * cluster. A bare string (no `K10` prefix) is a password without a CA hash.
 */
export interface ServerToken {
  /** Hex SHA-256 of the server CA certificate file, when the token carries it. */
  caHash?: string;
  username: string;
  password: string;
}

/** Hex SHA-256 of the server CA bundle as served at /cacerts (the file's exact bytes). */
export function caHash(caPEM: string | Buffer): string {
  return createHash('sha256').update(caPEM).digest('hex');
}

export function formatServerToken(caPEM: string | Buffer, password: string): string {
  return `K10${caHash(caPEM)}::server:${password}`;
}

/** Parses a token; throws a one-line explanation when it is malformed. */
export function parseServerToken(raw: string): ServerToken {
  const t = raw.trim();
  if (t === '') throw new Error('the server token is empty');
  if (!t.startsWith('K10')) return { username: 'server', password: t };
  const m = /^K10([0-9a-f]{64})::([^:]+):(.+)$/.exec(t);
  if (!m) throw new Error('malformed server token: expected K10<sha256 hex>::server:<password>');
  return { caHash: m[1], username: m[2]!, password: m[3]! };
}

/** Constant-time comparison of two secrets of any length (compares their digests). */
export function secretsEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

/**
 * The token of this server at `path` (`<data-dir>/server/token`, mode 0600):
 * kept once written. On first use it is `given` (re-issued with this cluster's
 * CA hash) or a new random password. A `given` token whose CA hash is for
 * another CA, or whose password differs from the stored one, is an error.
 */
export function ensureServerToken(path: string, caPEM: string, given?: string): string {
  const expectedHash = caHash(caPEM);
  const wanted = given === undefined ? undefined : parseServerToken(given);
  if (wanted?.caHash && wanted.caHash !== expectedHash) {
    throw new Error(
      `--token carries CA hash ${wanted.caHash.slice(0, 12)}…, but this cluster's CA hashes to ${expectedHash.slice(0, 12)}…; it is a token of another cluster`,
    );
  }
  if (existsSync(path)) {
    const stored = parseServerToken(readFileSync(path, 'utf8'));
    if (wanted && !secretsEqual(wanted.password, stored.password)) {
      throw new Error(`--token differs from the token this server already uses (${path}); pass that token or none`);
    }
    return formatServerToken(caPEM, stored.password);
  }
  const password = wanted?.password ?? randomBytes(16).toString('hex');
  const token = formatServerToken(caPEM, password);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return token;
}

/** `--token` or the contents of `--token-file` (trimmed); undefined when neither is given. */
export function tokenFromFlags(token: string | undefined, tokenFile: string | undefined): string | undefined {
  if (token !== undefined && tokenFile !== undefined) throw new Error('give either --token or --token-file, not both');
  if (tokenFile !== undefined) {
    try {
      return readFileSync(tokenFile, 'utf8').trim();
    } catch (err) {
      throw new Error(`cannot read --token-file ${tokenFile}: ${(err as Error).message}`);
    }
  }
  return token;
}
