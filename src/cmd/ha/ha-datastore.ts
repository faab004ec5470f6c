import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ClusterPKI } from '../../control-plane/apiserver/pki/cluster-pki.js';
import { ensureEtcdPKI } from '../../control-plane/storage/etcd/managed/etcd-pki.js';
import type { ApiRequest, ApiResponse } from '../../control-plane/apiserver/types.js';
import type { EtcdConfig } from '../../control-plane/storage/factory.js';
import { type ManagedEtcd, startManagedEtcd } from '../../control-plane/storage/etcd/managed/managed-etcd.js';
import { readMemberState } from '../../control-plane/storage/etcd/managed/member-state.js';
import type { MemberInfo } from '../../control-plane/storage/etcd/managed/membership.js';
import type { Clock } from '../../lib/clock.js';
import type { Disposable } from '../../lib/disposable.js';
import type { Logger } from '../../lib/log.js';
import {
  applyBootstrap,
  checkCriticalConfig,
  collectBootstrap,
  type CriticalConfig,
  joinedEncryptionConfig,
} from './bootstrap-data.js';
import { bootstrapRoutes } from './bootstrap-routes.js';
import { fetchServerBootstrap } from './join-client.js';
import { ensureServerToken, parseServerToken } from './server-token.js';

/** `kubets server` HA settings (k3s: `--cluster-init`, `--server`, `--token`, `--etcd-arg`). */
export interface HAConfig {
  /** Start a new etcd-backed cluster with this server as its first member. */
  clusterInit: boolean;
  /** Join the cluster of the server at this URL. */
  server?: string;
  /** The server token (from `--token` or `--token-file`). */
  token?: string;
  etcdClientPort: number;
  etcdPeerPort: number;
  /** `--etcd-arg key=value` passthrough. */
  etcdArgs: string[];
  etcdBinary?: string;
}

export interface HAServerSettings {
  dataDir: string;
  advertiseAddress: string;
  critical: CriticalConfig;
  encryptionConfigPath?: string;
}

/** Paths under the data dir (k3s layout). */
export const haPaths = (dataDir: string) => ({
  tls: join(dataDir, 'server', 'tls'),
  db: join(dataDir, 'server', 'db'),
  token: join(dataDir, 'server', 'token'),
  memberState: join(dataDir, 'server', 'db', 'etcd-member.json'),
});

/** Whether `dataDir` already runs a managed etcd member (then `kubets server` restarts it without HA flags). */
export function hasManagedEtcd(dataDir: string): boolean {
  return existsSync(haPaths(dataDir).memberState);
}

export interface JoinResult {
  /** Members of the cluster to join (absent: this server creates or restarts its member). */
  members?: MemberInfo[];
  /** The cluster's encryption config, when it has one and this server was given none. */
  encryptionConfigPath?: string;
}

/**
 * Runs before the cluster PKI is loaded: a server joining through `--server`
 * that is not yet a member fetches the cluster's bootstrap data and writes the
 * shared CAs and keys, so the PKI step issues this server's certificates from
 * them. A server that already is a member never needs the other server.
 */
export async function prepareJoin(
  s: HAServerSettings,
  ha: HAConfig,
  o: { progress: (step: string) => void; log: Logger },
): Promise<JoinResult> {
  const p = haPaths(s.dataDir);
  const joined = existsSync(joinedEncryptionConfig(s.dataDir)) ? joinedEncryptionConfig(s.dataDir) : undefined;
  const state = readMemberState(p.memberState);
  const sqlite = join(s.dataDir, 'db', 'state.db');
  if (!state && existsSync(sqlite)) {
    throw new Error(
      `${s.dataDir} holds a single-server cluster (${sqlite}); managed etcd cannot take over its data: use another --data-dir`,
    );
  }
  const isMember = state?.phase === 'member' && existsSync(join(p.db, 'etcd', 'member'));
  if (!ha.server || isMember) return { encryptionConfigPath: joined };
  if (!ha.token) throw new Error(`joining ${ha.server} needs the server token: pass --token or --token-file`);
  o.progress(`fetching cluster bootstrap data from ${ha.server}`);
  const { bootstrap } = await fetchServerBootstrap(ha.server, ha.token, { log: o.log });
  checkCriticalConfig(bootstrap.critical, s.critical);
  const written = applyBootstrap(bootstrap, p.tls, s.dataDir);
  return { members: bootstrap.etcdMembers, encryptionConfigPath: written.encryptionConfigPath ?? joined };
}

export interface HADatastore extends Disposable {
  etcd: ManagedEtcd;
  /** Storage config for the API server: this server's member first, the others as fallbacks. */
  storage: EtcdConfig;
  /** The token joining servers must present (`<data-dir>/server/token`). */
  token: string;
  /** `/cacerts` and `/v1-kubets/server-bootstrap`, tried before the API server's routes. */
  routes: (req: ApiRequest) => Promise<ApiResponse> | undefined;
}

/**
 * Runs after the PKI: issues this server's etcd certificates, settles the
 * server token, and starts (creates, joins or restarts) the local etcd member.
 */
export async function startHADatastore(
  s: HAServerSettings,
  ha: HAConfig,
  pki: ClusterPKI,
  joined: JoinResult,
  o: { progress: (step: string) => void; log: Logger; clock: Clock },
): Promise<HADatastore> {
  const p = haPaths(s.dataDir);
  const etcdPki = ensureEtcdPKI({ dir: p.tls, sans: [s.advertiseAddress, hostname()], clock: o.clock });
  const token = ensureServerToken(p.token, pki.serverCA.certPEM, ha.token);
  const etcd = await startManagedEtcd({
    dir: p.db,
    advertiseAddress: s.advertiseAddress,
    clientPort: ha.etcdClientPort,
    peerPort: ha.etcdPeerPort,
    tls: {
      serverCA: etcdPki.serverCA.certPath,
      serverCert: etcdPki.server.certPath,
      serverKey: etcdPki.server.keyPath,
      peerCA: etcdPki.peerCA.certPath,
      peerCert: etcdPki.peer.certPath,
      peerKey: etcdPki.peer.keyPath,
      clientCert: etcdPki.client.certPath,
      clientKey: etcdPki.client.keyPath,
    },
    mode: joined.members ? { type: 'join', members: joined.members } : { type: 'init' },
    extraArgs: ha.etcdArgs,
    binary: ha.etcdBinary,
    progress: o.progress,
    clock: o.clock,
    log: o.log.child('managed-etcd'),
  });
  const encryptionConfigPath = s.encryptionConfigPath ?? joined.encryptionConfigPath;
  return {
    etcd,
    token,
    storage: {
      type: 'etcd',
      endpoints: etcd.endpoints,
      tls: { ca: etcdPki.serverCA.certPath, cert: etcdPki.client.certPath, key: etcdPki.client.keyPath },
    },
    routes: bootstrapRoutes({
      caPEM: pki.serverCA.certPEM,
      password: parseServerToken(token).password,
      bootstrap: () =>
        collectBootstrap({ tlsDir: p.tls, critical: s.critical, encryptionConfigPath, members: () => etcd.members() }),
      log: o.log.child('bootstrap'),
    }),
    dispose: () => etcd.dispose(),
  };
}
