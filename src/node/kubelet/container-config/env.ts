/**
 * A container's environment as the kubelet builds it (kubelet_pods.go
 * makeEnvironmentVariables): `envFrom` sources in order, then `env` entries —
 * values with `$(VAR)` expanded against what is defined so far and the service
 * variables, or taken from fieldRef / resourceFieldRef / configMapKeyRef /
 * secretKeyRef — and finally the service variables not already set. A missing
 * required ConfigMap, Secret or key is a CreateContainerConfigError with the
 * upstream message.
 */
import type { ConfigMap, Container, EnvVar, Pod, Secret, Service } from 'kubernetes-types/core/v1.js';
import { Quantity } from '../../../api/quantity/quantity.js';
import { expandVars, lookupIn } from './expand.js';
import { serviceEnv } from './service-env.js';

/** The error the kubelet reports as waiting reason CreateContainerConfigError. */
export class ContainerConfigError extends Error {
  override name = 'ContainerConfigError';
  readonly reason = 'CreateContainerConfigError';
}

/** Reads ConfigMaps and Secrets (undefined: not found). */
export interface ObjectSource {
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
}

export interface NodeAllocatable {
  cpuMilli: number;
  memoryBytes: number;
  ephemeralStorageBytes: number;
}

export interface EnvContext {
  pod: Pod;
  container: Container;
  podIPs: string[];
  hostIPs: string[];
  allocatable: NodeAllocatable;
  services: Iterable<Service>;
  objects: ObjectSource;
  /** Non-fatal problems (event reason and message), e.g. skipped envFrom keys. */
  warn?(reason: string, message: string): void;
}

const decodeSecret = (v: string) => Buffer.from(v, 'base64').toString('utf8');

/** validation.IsEnvVarName: the names the kubelet takes from envFrom. */
function validEnvName(name: string): boolean {
  return /^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(name);
}

function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join('\n');
}

/** `metadata.labels['key']` -> ['metadata.labels', 'key']. */
function splitSubscript(path: string): [string, string] | undefined {
  const m = /^(.*)\['(.*)'\]$/.exec(path);
  return m ? [m[1]!, m[2]!] : undefined;
}

/** The value of a downward-API field path of the pod (also used for downwardAPI volumes by others). */
export function podFieldValue(pod: Pod, fieldPath: string, podIPs: string[], hostIPs: string[]): string {
  const meta = pod.metadata ?? {};
  const sub = splitSubscript(fieldPath);
  if (sub) {
    if (sub[0] === 'metadata.labels') return meta.labels?.[sub[1]] ?? '';
    if (sub[0] === 'metadata.annotations') return meta.annotations?.[sub[1]] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'metadata.labels':
      return formatMap(meta.labels);
    case 'metadata.annotations':
      return formatMap(meta.annotations);
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
      return hostIPs[0] ?? '';
    case 'status.hostIPs':
      return hostIPs.join(',');
    case 'status.podIP':
      return podIPs[0] ?? '';
    case 'status.podIPs':
      return podIPs.join(',');
    default:
      throw new ContainerConfigError(`unsupported fieldPath: ${fieldPath}`);
  }
}

/**
 * A resourceFieldRef's value: the container's request or limit (a missing
 * limit is the node's allocatable), divided by the divisor and rounded up.
 */
export function resourceFieldValue(
  container: Container,
  resource: string,
  divisor: string | number | undefined,
  allocatable: NodeAllocatable,
): string {
  const [kind, name] = resource.split(/\.(.*)/s) as [string, string | undefined];
  const source = kind === 'limits' ? container.resources?.limits : container.resources?.requests;
  let q = name === undefined ? undefined : source?.[name];
  if (q === undefined && kind === 'limits') {
    if (name === 'cpu') q = `${allocatable.cpuMilli}m`;
    else if (name === 'memory') q = String(allocatable.memoryBytes);
    else if (name === 'ephemeral-storage') q = String(allocatable.ephemeralStorageBytes);
  }
  if (kind !== 'limits' && kind !== 'requests')
    throw new ContainerConfigError(`unsupported container resource : ${resource}`);
  const value = Quantity.tryParse(q ?? 0) ?? Quantity.parse(0);
  const div = Quantity.tryParse(divisor ?? 1) ?? Quantity.parse(1);
  if (name === 'cpu') {
    const d = div.milliValue() === 0n ? 1n : div.milliValue();
    return String((value.milliValue() + d - 1n) / d);
  }
  const d = div.value() === 0n ? 1n : div.value();
  return String((value.value() + d - 1n) / d);
}

/** Fetches each named ConfigMap/Secret once per container. */
class Fetcher {
  private readonly cms = new Map<string, Promise<ConfigMap | undefined>>();
  private readonly secrets = new Map<string, Promise<Secret | undefined>>();
  constructor(
    private readonly ns: string,
    private readonly src: ObjectSource,
  ) {}
  configMap(name: string) {
    if (!this.cms.has(name)) this.cms.set(name, this.src.configMap(this.ns, name));
    return this.cms.get(name)!;
  }
  secret(name: string) {
    if (!this.secrets.has(name)) this.secrets.set(name, this.src.secret(this.ns, name));
    return this.secrets.get(name)!;
  }
}

/** The container's environment, in the order the kubelet builds it. */
export async function makeEnvironment(ctx: EnvContext): Promise<{ name: string; value: string }[]> {
  const { pod, container } = ctx;
  const ns = pod.metadata?.namespace ?? '';
  const fetch = new Fetcher(ns, ctx.objects);
  const env = new Map<string, string>();
  const services = serviceEnv(ctx.services, ns, pod.spec?.enableServiceLinks ?? true);

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    let data: Record<string, string> = {};
    let kind: string;
    let name: string;
    if (from.configMapRef) {
      kind = 'configMap';
      name = from.configMapRef.name ?? '';
      const cm = await fetch.configMap(name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${name}" not found`);
      }
      data = cm.data ?? {};
    } else if (from.secretRef) {
      kind = 'secret';
      name = from.secretRef.name ?? '';
      const s = await fetch.secret(name);
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${name}" not found`);
      }
      data = Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, decodeSecret(v)]));
    } else {
      continue;
    }
    const invalid: string[] = [];
    for (const [k, v] of Object.entries(data)) {
      const key = prefix + k;
      if (!validEnvName(key)) {
        invalid.push(key);
        continue;
      }
      env.set(key, v);
    }
    if (invalid.length > 0) {
      invalid.sort();
      ctx.warn?.(
        'InvalidEnvironmentVariableNames',
        `Keys [${invalid.join(', ')}] from the EnvFrom ${kind} ${ns}/${name} were skipped since they are considered invalid environment variable names.`,
      );
    }
  }

  for (const e of container.env ?? []) {
    const v = await envValue(e, env, services, fetch, ctx);
    // An optional reference that resolves to nothing leaves the variable unset.
    if (v !== undefined) env.set(e.name, v);
  }

  const out = [...env].map(([name, value]) => ({ name, value }));
  for (const [name, value] of services) if (!env.has(name)) out.push({ name, value });
  return out;
}

async function envValue(
  e: EnvVar,
  env: Map<string, string>,
  services: Map<string, string>,
  fetch: Fetcher,
  ctx: EnvContext,
): Promise<string | undefined> {
  if (e.value) return expandVars(e.value, lookupIn(env, services));
  const from = e.valueFrom;
  if (!from) return '';
  if (from.fieldRef) return podFieldValue(ctx.pod, from.fieldRef.fieldPath, ctx.podIPs, ctx.hostIPs);
  if (from.resourceFieldRef) {
    const ref = from.resourceFieldRef;
    const target = ref.containerName
      ? [...(ctx.pod.spec?.containers ?? []), ...(ctx.pod.spec?.initContainers ?? [])].find(
          (c) => c.name === ref.containerName,
        )
      : ctx.container;
    if (!target) throw new ContainerConfigError(`container ${ref.containerName} not found`);
    return resourceFieldValue(target, ref.resource, ref.divisor, ctx.allocatable);
  }
  const ns = ctx.pod.metadata?.namespace ?? '';
  if (from.configMapKeyRef) {
    const { name = '', key, optional } = from.configMapKeyRef;
    const cm = await fetch.configMap(name);
    if (!cm) {
      if (optional) return undefined;
      throw new ContainerConfigError(`configmap "${name}" not found`);
    }
    const v = cm.data?.[key];
    if (v === undefined) {
      if (optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${key} in ConfigMap ${ns}/${name}`);
    }
    return v;
  }
  if (from.secretKeyRef) {
    const { name = '', key, optional } = from.secretKeyRef;
    const s = await fetch.secret(name);
    if (!s) {
      if (optional) return undefined;
      throw new ContainerConfigError(`secret "${name}" not found`);
    }
    const v = s.data?.[key];
    if (v === undefined) {
      if (optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${key} in Secret ${ns}/${name}`);
    }
    return decodeSecret(v);
  }
  return '';
}
