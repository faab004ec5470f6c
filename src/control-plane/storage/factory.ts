import { isAbsolute, join, resolve } from 'node:path';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import { EtcdStorage, type EtcdTls } from './etcd/backend.js';
import { type Storage, StorageError } from './interface.js';
import type { Durability } from './sqlite/schema.js';
import { SqliteStorage } from './sqlite/backend.js';

interface Common {
  clock?: Clock;
  logger?: Logger;
  /** Auto-compaction period in ms (0 disables; default 5 minutes). */
  compactionIntervalMs?: number;
}

export interface SqliteConfig extends Common {
  type: 'sqlite';
  /** Datastore file, or `:memory:`. */
  path: string;
  durability?: Durability;
  ttlSweepIntervalMs?: number;
}

export interface EtcdConfig extends Common {
  type: 'etcd';
  endpoints: string[];
  tls?: EtcdTls;
  /** Namespace prepended to every key. */
  prefix?: string;
  /** How long operations retry transient failures (default 15 s). */
  retryTimeoutMs?: number;
}

export type StorageConfig = SqliteConfig | EtcdConfig;

/** Where the embedded datastore lives under the data dir (as k3s: `<data-dir>/db/state.db`). */
export const DEFAULT_SQLITE_FILE = join('db', 'state.db');

/**
 * Opens the configured backend. For etcd it waits until the cluster answers
 * (retrying transient failures), so a wrong endpoint fails here with a clear
 * error instead of on the first request.
 */
export async function openStorage(config: StorageConfig): Promise<Storage> {
  if (config.type === 'sqlite') {
    return SqliteStorage.open({
      path: config.path,
      durability: config.durability,
      clock: config.clock,
      logger: config.logger,
      compactionIntervalMs: config.compactionIntervalMs,
      ttlSweepIntervalMs: config.ttlSweepIntervalMs,
    });
  }
  const storage = new EtcdStorage({
    endpoints: config.endpoints,
    tls: config.tls,
    prefix: config.prefix,
    clock: config.clock,
    logger: config.logger,
    compactionIntervalMs: config.compactionIntervalMs,
    retryTimeoutMs: config.retryTimeoutMs,
  });
  try {
    await storage.currentRevision();
  } catch (err) {
    await storage.dispose();
    const why = err instanceof Error ? err.message : String(err);
    throw new StorageError('Unavailable', `cannot reach etcd at ${config.endpoints.join(', ')}: ${why}`);
  }
  return storage;
}

export interface DatastoreFlags {
  /** The server's data directory (default datastore: `<dataDir>/db/state.db`). */
  dataDir: string;
  /** k3s `--datastore-cafile`, `--datastore-certfile`, `--datastore-keyfile`. */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** Key namespace for etcd. */
  prefix?: string;
}

function invalid(endpoint: string, why: string): StorageError {
  return new StorageError('InvalidArgument', `invalid --datastore-endpoint ${JSON.stringify(endpoint)}: ${why}`);
}

/**
 * Parses a k3s-style `--datastore-endpoint`:
 * - empty or `sqlite://` -> SQLite at `<dataDir>/db/state.db`;
 * - `sqlite:///abs/file.db`, `sqlite://relative/file.db` (relative to the data dir), `sqlite://:memory:`;
 * - `etcd://h1:2379,h2:2379` -> etcd over http (https when TLS files are given);
 * - `http(s)://h1:2379,https://h2:2379` (or `https://h1:2379,h2:2379`) -> etcd.
 * Query strings (`?_journal=WAL`, as kine accepts) are ignored.
 */
export function parseDatastoreEndpoint(endpoint: string | undefined, flags: DatastoreFlags): StorageConfig {
  const e = (endpoint ?? '').trim();
  const tls = flags.caFile || flags.certFile || flags.keyFile;
  if (e === '' || e === 'sqlite' || e === 'sqlite://') {
    return { type: 'sqlite', path: join(flags.dataDir, DEFAULT_SQLITE_FILE) };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(e)?.[1]?.toLowerCase();
  if (scheme === 'sqlite') {
    const rest = e.slice('sqlite://'.length).split('?')[0];
    if (rest === '') return { type: 'sqlite', path: join(flags.dataDir, DEFAULT_SQLITE_FILE) };
    if (rest === ':memory:') return { type: 'sqlite', path: ':memory:' };
    return { type: 'sqlite', path: isAbsolute(rest) ? rest : resolve(flags.dataDir, rest) };
  }
  if (scheme === 'etcd' || scheme === 'http' || scheme === 'https') {
    const defaultScheme = scheme === 'etcd' ? (tls ? 'https' : 'http') : scheme;
    const endpoints = e
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '')
      .map((part) => {
        const m = /^(?:([a-z]+):\/\/)?([^/?#]+)\/?(?:\?.*)?$/i.exec(part);
        if (!m) throw invalid(e, `cannot parse ${JSON.stringify(part)}`);
        const s = !m[1] || m[1].toLowerCase() === 'etcd' ? defaultScheme : m[1].toLowerCase();
        if (s !== 'http' && s !== 'https') throw invalid(e, `unsupported scheme ${m[1]}`);
        if (!/^(\[[0-9a-f:.]+\]|[^:[\]]+):\d{1,5}$/i.test(m[2])) throw invalid(e, `${m[2]} is not host:port`);
        return `${s}://${m[2]}`;
      });
    if (endpoints.length === 0) throw invalid(e, 'no etcd endpoints');
    const schemes = new Set(endpoints.map((x) => x.split(':')[0]));
    if (schemes.size > 1) throw invalid(e, 'mixes http and https endpoints');
    const config: EtcdConfig = { type: 'etcd', endpoints };
    if (tls) config.tls = { ca: flags.caFile, cert: flags.certFile, key: flags.keyFile };
    if (flags.prefix) config.prefix = flags.prefix;
    return config;
  }
  throw invalid(e, `unsupported datastore ${scheme ?? '(no scheme)'}; use sqlite://, etcd:// or http(s)://`);
}
