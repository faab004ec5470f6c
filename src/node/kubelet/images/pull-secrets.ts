/**
 * Registry credentials for image pulls, as the kubelet's credentialprovider
 * builds them (pkg/credentialprovider keyring.go, config.go, secrets/secrets.go):
 * a keyring made from the pod's `spec.imagePullSecrets` — secrets of type
 * `kubernetes.io/dockerconfigjson` (`.dockerconfigjson`: `{"auths": {...}}`) or
 * the legacy `kubernetes.io/dockercfg` (`.dockercfg`: the map itself).
 *
 * Matching (keyring.go Add/Lookup): a registry key is `host[:port][/path]`
 * after dropping an `http(s)://` scheme and a `/v1/` or `/v2/` path prefix. A key
 * matches an image repository when the ports are equal, the host has as many
 * dot-separated segments and each segment matches as a glob (`*.example.com`),
 * and the repository path starts with the key's path. Keys are tried in
 * reverse-sorted order, so more specific paths come first; credentials for
 * `index.docker.io` also serve Docker Hub images when nothing else matched.
 * The puller tries every matching credential in order until one pull succeeds.
 */
import type { Secret } from 'kubernetes-types/core/v1.js';
import type { AuthConfig, CriInput } from '../../runtime/index.js';

/** One credential, as sent in the CRI PullImage `auth`. */
export type RegistryAuth = CriInput<AuthConfig>;

/** An entry of a docker config: `auth` (base64 `user:password`) wins over username/password. */
export interface DockerConfigEntry {
  username?: string;
  password?: string;
  auth?: string;
  email?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** Registry key -> entry (the content of `.dockercfg`, or `auths` of `.dockerconfigjson`). */
export type DockerConfig = Record<string, DockerConfigEntry>;

export const dockerConfigJsonType = 'kubernetes.io/dockerconfigjson';
export const dockerConfigJsonKey = '.dockerconfigjson';
export const dockercfgType = 'kubernetes.io/dockercfg';
export const dockercfgKey = '.dockercfg';

const defaultRegistryHost = 'index.docker.io';

/** base64(`user:password`) -> [user, password] (config.go decodeDockerConfigFieldAuth). */
export function decodeAuthField(field: string): [string, string] {
  const decoded = Buffer.from(field, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) throw new Error('unable to parse auth field, must be formatted as base64(username:password)');
  return [decoded.slice(0, i), decoded.slice(i + 1)];
}

function toAuth(e: DockerConfigEntry): RegistryAuth {
  const [username, password] = e.auth ? decodeAuthField(e.auth) : [e.username ?? '', e.password ?? ''];
  const out: RegistryAuth = { username, password };
  if (e.identitytoken) out.identityToken = e.identitytoken;
  if (e.registrytoken) out.registryToken = e.registrytoken;
  return out;
}

/** A schemeless `host[:port][/path]` split into its parts. */
function splitLocation(loc: string): { host: string; port: string; path: string } {
  const slash = loc.indexOf('/');
  const hostPort = slash < 0 ? loc : loc.slice(0, slash);
  const path = slash < 0 ? '' : loc.slice(slash);
  const m = /^(.*):(\d*)$/.exec(hostPort);
  return m && !hostPort.startsWith('[') ? { host: m[1]!, port: m[2]!, path } : { host: hostPort, port: '', path };
}

/** The key a config location is stored under (keyring.go Add). */
export function registryKey(location: string): string {
  const schemeless = location.replace(/^https?:\/\//, '');
  const { host, port, path } = splitLocation(schemeless.replace(/[?#].*$/, ''));
  let effective = path;
  if (effective.startsWith('/v2/') || effective.startsWith('/v1/')) effective = effective.slice(3);
  const hostPort = port ? `${host}:${port}` : host;
  return effective.length > 0 && effective !== '/' ? hostPort + effective : hostPort;
}

/** One host segment as a glob (`*` any run, `?` one character, `[...]` a class), like Go's filepath.Match. */
function segmentMatches(glob: string, target: string): boolean {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else if (ch === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) return false;
      re += `[${glob.slice(i + 1, end)}]`;
      i = end;
    } else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`).test(target);
}

/** Whether registry key `glob` covers the schemeless image repository `target` (URLsMatch). */
export function keyMatches(glob: string, target: string): boolean {
  const g = splitLocation(glob);
  const t = splitLocation(target);
  if (g.port !== t.port) return false;
  const gParts = g.host.split('.');
  const tParts = t.host.split('.');
  if (gParts.length !== tParts.length) return false;
  if (!t.path.startsWith(g.path)) return false;
  return gParts.every((p, i) => segmentMatches(p, tParts[i]!));
}

/** A repository Docker Hub serves (keyring.go isDefaultRegistryMatch). */
function isDefaultRegistryMatch(repo: string): boolean {
  const slash = repo.indexOf('/');
  const first = slash < 0 ? repo : repo.slice(0, slash);
  if (first.length === 0) return false;
  if (slash < 0) return true;
  if (first === 'docker.io' || first === defaultRegistryHost) return true;
  return !/[.:]/.test(first);
}

/**
 * The fully qualified repository of an image reference, without tag or digest
 * (`busybox:1` -> `docker.io/library/busybox`), as the kubelet looks it up.
 */
export function imageRepository(image: string): string {
  let ref = image;
  const at = ref.indexOf('@');
  if (at >= 0) ref = ref.slice(0, at);
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > lastSlash) ref = ref.slice(0, colon);
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  let domain: string;
  let rest: string;
  if (slash < 0 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = 'docker.io';
    rest = ref;
  } else {
    domain = first;
    rest = ref.slice(slash + 1);
  }
  if (domain === defaultRegistryHost) domain = 'docker.io';
  if (domain === 'docker.io' && !rest.includes('/')) rest = `library/${rest}`;
  return `${domain}/${rest}`;
}

export class DockerKeyring {
  private readonly creds = new Map<string, RegistryAuth[]>();
  private index: string[] = [];

  /** Adds every entry of a docker config; throws on a malformed `auth` field. */
  add(config: DockerConfig): void {
    for (const [location, entry] of Object.entries(config)) {
      const key = registryKey(location);
      const list = this.creds.get(key) ?? [];
      list.push(toAuth(entry ?? {}));
      this.creds.set(key, list);
    }
    // Reverse-sorted: `quay.io/coreos` is tried before `quay.io`.
    this.index = [...this.creds.keys()].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  }

  /** The credentials for an image reference, most specific first; empty when none applies. */
  lookup(image: string): RegistryAuth[] {
    const repo = imageRepository(image);
    const out: RegistryAuth[] = [];
    for (const key of this.index) if (keyMatches(key, repo)) out.push(...this.creds.get(key)!);
    if (out.length > 0) return out;
    if (isDefaultRegistryMatch(repo)) return [...(this.creds.get(defaultRegistryHost) ?? [])];
    return [];
  }

  get size(): number {
    return this.creds.size;
  }
}

function secretValue(s: Secret, key: string): string | undefined {
  const b64 = s.data?.[key];
  if (b64 !== undefined && b64.length > 0) return Buffer.from(b64, 'base64').toString('utf8');
  const plain = s.stringData?.[key];
  return plain !== undefined && plain.length > 0 ? plain : undefined;
}

/**
 * One keyring from all the pod's pull secrets (secrets.go MakeDockerKeyring).
 * Secrets of other types, or without their key, add nothing; malformed JSON
 * throws (the pull then fails with that error, as upstream).
 */
export function keyringFromSecrets(secrets: Secret[]): DockerKeyring {
  const keyring = new DockerKeyring();
  for (const s of secrets) {
    const json = s.type === dockerConfigJsonType ? secretValue(s, dockerConfigJsonKey) : undefined;
    const cfg = s.type === dockercfgType ? secretValue(s, dockercfgKey) : undefined;
    if (json !== undefined) {
      const parsed = JSON.parse(json) as { auths?: DockerConfig } | null;
      keyring.add(parsed?.auths ?? {});
    } else if (cfg !== undefined) {
      keyring.add((JSON.parse(cfg) as DockerConfig | null) ?? {});
    }
  }
  return keyring;
}

/** The warning event the kubelet records when some pull secrets cannot be read. */
export const failedPullSecretReason = 'FailedToRetrieveImagePullSecret';
export function failedPullSecretMessage(names: string[]): string {
  return `Unable to retrieve some image pull secrets (${names.join(', ')}); attempting to pull the image may not succeed.`;
}

/**
 * The pod's pull secrets that exist, and the names that could not be read
 * (kubelet_pods.go getPullSecretsForPod; entries with empty names are skipped).
 */
export async function podPullSecrets(
  namespace: string,
  refs: { name?: string }[] | undefined,
  get: (namespace: string, name: string) => Promise<Secret | undefined>,
): Promise<{ secrets: Secret[]; missing: string[] }> {
  const secrets: Secret[] = [];
  const missing: string[] = [];
  for (const ref of refs ?? []) {
    if (!ref.name) continue;
    const s = await get(namespace, ref.name).catch(() => undefined);
    if (s) secrets.push(s);
    else missing.push(ref.name);
  }
  return { secrets, missing };
}
