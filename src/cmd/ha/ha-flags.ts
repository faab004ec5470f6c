import { type FlagSpec, UsageError } from '../../cli/flags.js';
import { type HAConfig, hasManagedEtcd } from './ha-datastore.js';
import { parseServerToken, tokenFromFlags } from './server-token.js';

/** `kubets server` flags for an etcd-backed HA control plane (k3s names). */
export const haFlags: FlagSpec[] = [
  {
    name: 'cluster-init',
    type: 'boolean',
    description: 'Start a new HA cluster: run an etcd member managed by kubets (further servers join with --server)',
  },
  {
    name: 'server',
    type: 'string',
    description: 'Join the HA cluster of the server at this URL (https://<server>:6443); needs --token',
    placeholder: 'URL',
  },
  {
    name: 'token',
    type: 'string',
    description:
      'Server token (<data-dir>/server/token on a server of the cluster; generated when not given); servers join with it, and agents may use it as their --token',
    placeholder: 'TOKEN',
  },
  { name: 'token-file', type: 'string', description: 'Read the server token from this file', placeholder: 'FILE' },
  {
    name: 'etcd-client-port',
    type: 'number',
    description: 'Port of the managed etcd member for clients',
    default: 2379,
    placeholder: 'PORT',
  },
  {
    name: 'etcd-peer-port',
    type: 'number',
    description: 'Port of the managed etcd member for its peers',
    default: 2380,
    placeholder: 'PORT',
  },
  {
    name: 'etcd-arg',
    type: 'string',
    multiple: true,
    description: 'Extra flag for the managed etcd, as key=value (repeatable)',
    placeholder: 'KEY=VALUE',
  },
];

function port(flags: Record<string, unknown>, name: string, fallback: number): number {
  const v = Number(flags[name] ?? fallback);
  if (!Number.isInteger(v) || v < 1 || v > 65535) throw new UsageError(`--${name} must be a port number (1-65535)`);
  return v;
}

/**
 * `--token` / `--token-file` of any server, HA or not: the token it keeps in
 * `<data-dir>/server/token` (undefined = keep the stored one or generate one).
 */
export function compileServerToken(flags: Record<string, unknown>): string | undefined {
  try {
    const token = tokenFromFlags(flags.token as string | undefined, flags['token-file'] as string | undefined);
    if (token !== undefined) parseServerToken(token);
    return token;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * Flags -> HAConfig, or undefined when this server does not run managed etcd.
 * A data dir that already holds a managed member restarts it even without
 * `--cluster-init` (as k3s does).
 */
export function compileHAConfig(flags: Record<string, unknown>, dataDir: string): HAConfig | undefined {
  const clusterInit = flags['cluster-init'] === true;
  const server = (flags.server as string | undefined)?.trim() || undefined;
  const token = compileServerToken(flags);
  if (!clusterInit && !server && !hasManagedEtcd(dataDir)) return undefined;
  if (clusterInit && server)
    throw new UsageError('--cluster-init starts a new cluster and --server joins one: give one');
  if (flags['datastore-endpoint']) {
    throw new UsageError('--datastore-endpoint uses an external datastore; it cannot be combined with managed etcd');
  }
  const clientPort = port(flags, 'etcd-client-port', 2379);
  const peerPort = port(flags, 'etcd-peer-port', 2380);
  if (clientPort === peerPort) throw new UsageError('--etcd-client-port and --etcd-peer-port must differ');
  return {
    clusterInit,
    server,
    token,
    etcdClientPort: clientPort,
    etcdPeerPort: peerPort,
    etcdArgs: (flags['etcd-arg'] as string[] | undefined) ?? [],
  };
}
