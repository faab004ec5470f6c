import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

/**
 * Kubeconfig files (client-go `tools/clientcmd`): clusters, users and contexts
 * by name, resolved to the one connection a client needs. Paths inside a file
 * are relative to that file; `*-data` fields are base64 and win over paths.
 * Exec/auth-provider plugins are not supported.
 */
export interface KubeconfigCluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}

export interface KubeconfigUser {
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  as?: string;
  'as-uid'?: string;
  'as-groups'?: string[];
}

export interface KubeconfigContext {
  cluster?: string;
  user?: string;
  namespace?: string;
}

export interface Kubeconfig {
  clusters: Map<string, KubeconfigCluster & { baseDir: string }>;
  users: Map<string, KubeconfigUser & { baseDir: string }>;
  contexts: Map<string, KubeconfigContext>;
  currentContext: string;
}

/** Everything needed to open a connection as one user (PEM strings, not paths). */
export interface ClientConnectionConfig {
  server: string;
  ca?: string;
  insecureSkipTLSVerify: boolean;
  tlsServerName?: string;
  cert?: string;
  key?: string;
  token?: string;
  /** Re-read periodically (rotated service-account tokens). */
  tokenFile?: string;
  username?: string;
  password?: string;
  impersonate?: { user: string; uid?: string; groups: string[] };
  /** The context's namespace, `default` when unset. */
  namespace: string;
}

type NamedEntry = Record<string, unknown> & { name?: unknown };

function entries<T>(list: unknown, field: string): [string, T][] {
  if (!Array.isArray(list)) return [];
  const out: [string, T][] = [];
  for (const item of list as NamedEntry[]) {
    if (!item || typeof item.name !== 'string') continue;
    out.push([item.name, (item[field] ?? {}) as T]);
  }
  return out;
}

/** Parses one kubeconfig document; `baseDir` resolves relative file references. */
export function parseKubeconfig(text: string, baseDir = process.cwd()): Kubeconfig {
  const doc = (parseYaml(text) ?? {}) as Record<string, unknown>;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error('kubeconfig: not a mapping');
  const kc: Kubeconfig = { clusters: new Map(), users: new Map(), contexts: new Map(), currentContext: '' };
  for (const [n, c] of entries<KubeconfigCluster>(doc.clusters, 'cluster')) kc.clusters.set(n, { ...c, baseDir });
  for (const [n, u] of entries<KubeconfigUser>(doc.users, 'user')) kc.users.set(n, { ...u, baseDir });
  for (const [n, c] of entries<KubeconfigContext>(doc.contexts, 'context')) kc.contexts.set(n, c);
  kc.currentContext = typeof doc['current-context'] === 'string' ? doc['current-context'] : '';
  return kc;
}

/** Loads and merges kubeconfig files; the first file to define a name (or current-context) wins, as client-go. */
export function loadKubeconfig(paths: string | string[]): Kubeconfig {
  const list = (Array.isArray(paths) ? paths : [paths]).filter((p) => p !== '');
  const merged: Kubeconfig = { clusters: new Map(), users: new Map(), contexts: new Map(), currentContext: '' };
  for (const p of list) {
    const abs = resolve(p);
    const kc = parseKubeconfig(readFileSync(abs, 'utf8'), dirname(abs));
    for (const [n, v] of kc.clusters) if (!merged.clusters.has(n)) merged.clusters.set(n, v);
    for (const [n, v] of kc.users) if (!merged.users.has(n)) merged.users.set(n, v);
    for (const [n, v] of kc.contexts) if (!merged.contexts.has(n)) merged.contexts.set(n, v);
    merged.currentContext ||= kc.currentContext;
  }
  return merged;
}

/** `$KUBECONFIG` (colon-separated) or `~/.kube/config`. */
export function defaultKubeconfigPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const v = env.KUBECONFIG;
  if (v) return v.split(':').filter((p) => p !== '');
  return [join(homedir(), '.kube', 'config')];
}

function readRef(data: string | undefined, path: string | undefined, baseDir: string): string | undefined {
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  if (path) return readFileSync(isAbsolute(path) ? path : join(baseDir, path), 'utf8');
  return undefined;
}

/**
 * Resolves a context (the current one by default) to a connection config,
 * reading referenced certificate files. Throws client-go's messages for a
 * missing context or server.
 */
export function resolveKubeconfig(kc: Kubeconfig, contextName?: string): ClientConnectionConfig {
  const name = contextName ?? kc.currentContext;
  if (!name) throw new Error('invalid configuration: no configuration has been provided');
  const ctx = kc.contexts.get(name);
  if (!ctx) throw new Error(`context was not found for specified context: ${name}`);
  const cluster = ctx.cluster !== undefined ? kc.clusters.get(ctx.cluster) : undefined;
  if (!cluster) throw new Error(`cluster has no server defined`);
  if (!cluster.server) throw new Error(`no server found for cluster ${JSON.stringify(ctx.cluster)}`);
  const user = (ctx.user !== undefined ? kc.users.get(ctx.user) : undefined) ?? { baseDir: cluster.baseDir };
  const out: ClientConnectionConfig = {
    server: cluster.server,
    ca: readRef(cluster['certificate-authority-data'], cluster['certificate-authority'], cluster.baseDir),
    insecureSkipTLSVerify: cluster['insecure-skip-tls-verify'] === true,
    tlsServerName: cluster['tls-server-name'],
    cert: readRef(user['client-certificate-data'], user['client-certificate'], user.baseDir),
    key: readRef(user['client-key-data'], user['client-key'], user.baseDir),
    token: user.token,
    tokenFile: user.tokenFile
      ? isAbsolute(user.tokenFile)
        ? user.tokenFile
        : join(user.baseDir, user.tokenFile)
      : undefined,
    username: user.username,
    password: user.password,
    namespace: ctx.namespace || 'default',
  };
  if (user.as) out.impersonate = { user: user.as, uid: user['as-uid'], groups: user['as-groups'] ?? [] };
  return out;
}
