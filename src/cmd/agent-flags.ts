/**
 * The flags of `kubets agent` (k3s agent names) and their compilation into an
 * AgentConfig (DESIGN.md convention 10). Everything is checked before
 * anything starts: a bad URL, an unreadable token file or a malformed token
 * fails with one line and exit code 2.
 */
import { readFileSync } from 'node:fs';
import { configFlag } from '../cli/config-file.js';
import { type FlagSpec, UsageError } from '../cli/flags.js';
import { parseJoinToken } from '../node/bootstrap/join-token.js';
import { type KubeProxyArgs, parseKubeProxyArgs } from './kube-proxy-slot.js';
import { dataDirFlag, dataDirOf } from './local-paths.js';
import { compileNodeOptions, nodeFlags, type LocalNodeOptions } from './node-flags.js';
import { primaryIPv4 } from './server.js';

export const agentFlags: FlagSpec[] = [
  {
    name: 'server',
    type: 'string',
    description: 'URL of a kubets server to join (https://<server>:6443)',
    placeholder: 'URL',
  },
  {
    name: 'token',
    type: 'string',
    description:
      'Join token: the server token (<data-dir>/server/token on the server) or a bootstrap token from `kubets token create` (<id>.<secret>, optionally K10<ca-hash>::<id>.<secret>)',
    placeholder: 'TOKEN',
  },
  { name: 'token-file', type: 'string', description: 'Read the join token from this file', placeholder: 'FILE' },
  dataDirFlag,
  ...nodeFlags,
  {
    name: 'cluster-cidr',
    type: 'string',
    description: "Pod IP range (the server's --cluster-cidr)",
    default: '10.42.0.0/16',
    placeholder: 'CIDR',
  },
  {
    name: 'service-cidr',
    type: 'string',
    description: "Service IP range (the server's --service-cidr)",
    default: '10.43.0.0/16',
    placeholder: 'CIDR',
  },
  {
    name: 'cluster-domain',
    type: 'string',
    description: 'Cluster DNS domain',
    default: 'cluster.local',
    placeholder: 'DOMAIN',
  },
  { name: 'disable-kube-proxy', type: 'boolean', description: 'Do not run kube-proxy on this node' },
  {
    name: 'kube-proxy-arg',
    type: 'string',
    multiple: true,
    description: 'kube-proxy flag passed through, e.g. proxy-mode=iptables (repeatable)',
    placeholder: 'KEY=VALUE',
  },
  {
    name: 'disable-pod-routes',
    type: 'boolean',
    description: "Do not route other nodes' pod CIDRs through their InternalIPs (another CNI does it)",
  },
  {
    name: 'log-level',
    type: 'string',
    description: 'debug, info, warn or error',
    default: 'info',
    placeholder: 'LEVEL',
  },
  { name: 'log-format', type: 'string', description: 'text or json', default: 'text', placeholder: 'FORMAT' },
  configFlag,
];

export interface AgentConfig {
  /** The server the node joins through (more are discovered from `default/kubernetes`). */
  serverURL: string;
  /** Undefined when the data dir's credentials are reused (joinCluster explains a missing one). */
  token?: string;
  dataDir: string;
  node: LocalNodeOptions;
  clusterCIDR: string;
  serviceCIDR: string;
  clusterDomain: string;
  /** kube-proxy's arguments; undefined with `--disable-kube-proxy`. */
  kubeProxy?: KubeProxyArgs;
  podRoutes: boolean;
  logLevel: string;
  logFormat: 'text' | 'json';
}

const cidrPattern = /^[0-9a-fA-F.:]+\/\d{1,3}$/;

function serverURLOf(raw: unknown): string {
  const s = typeof raw === 'string' ? raw.trim() : '';
  if (!s) throw new UsageError('--server is required: the URL of a kubets server, e.g. https://10.0.0.1:6443');
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new UsageError(`--server ${JSON.stringify(s)} is not a URL; want https://<server>:6443`);
  }
  if (url.protocol !== 'https:')
    throw new UsageError(`--server ${s}: the API server speaks HTTPS only; want https://<server>:6443`);
  if (url.pathname !== '/' || url.search || url.hash)
    throw new UsageError(`--server ${s}: want just scheme, host and port, e.g. https://10.0.0.1:6443`);
  return `https://${url.host}`;
}

function tokenOf(flags: Record<string, unknown>): string | undefined {
  const inline = (flags.token as string | undefined)?.trim();
  const file = flags['token-file'] as string | undefined;
  if (inline && file) throw new UsageError('give either --token or --token-file, not both');
  let token = inline;
  if (file) {
    try {
      token = readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new UsageError(`--token-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (!token) throw new UsageError(`--token-file ${file} is empty`);
  }
  if (token) {
    try {
      parseJoinToken(token);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  return token || undefined;
}

/** Flags -> AgentConfig; every problem is a UsageError. */
export function compileAgentConfig(flags: Record<string, unknown>): AgentConfig {
  const serverURL = serverURLOf(flags.server);
  const token = tokenOf(flags);
  const clusterCIDR = String(flags['cluster-cidr'] ?? '10.42.0.0/16');
  const serviceCIDR = String(flags['service-cidr'] ?? '10.43.0.0/16');
  for (const [name, v] of [
    ['cluster-cidr', clusterCIDR],
    ['service-cidr', serviceCIDR],
  ] as const) {
    if (!cidrPattern.test(v)) throw new UsageError(`--${name} takes a CIDR like 10.42.0.0/16, not "${v}"`);
  }
  const level = String(flags['log-level'] ?? 'info');
  if (!['debug', 'info', 'warn', 'error'].includes(level))
    throw new UsageError(`--log-level takes debug, info, warn or error, not "${level}"`);
  return {
    serverURL,
    token,
    dataDir: dataDirOf(flags),
    node: compileNodeOptions(flags, { advertiseAddress: primaryIPv4(), serviceCIDR }),
    clusterCIDR,
    serviceCIDR,
    clusterDomain: String(flags['cluster-domain'] ?? 'cluster.local'),
    kubeProxy: flags['disable-kube-proxy']
      ? undefined
      : parseKubeProxyArgs((flags['kube-proxy-arg'] as string[] | undefined) ?? []),
    podRoutes: flags['disable-pod-routes'] !== true,
    logLevel: level,
    logFormat: flags['log-format'] === 'json' ? 'json' : 'text',
  };
}
