/**
 * The node flags of `kubets server` (k3s names) and their compilation into
 * LocalNodeOptions (DESIGN.md convention 10: flags -> defaulted, validated
 * options). Every value is checked before anything starts, so a typo fails
 * with one line instead of a half-started node.
 */
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import type { Taint } from 'kubernetes-types/core/v1.js';
import { type FlagSpec, UsageError } from '../cli/flags.js';
import { isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../api/validation/names.js';
import { parseKubeletArgs, type KubeletArgs } from './kubelet-args.js';

export const nodeFlags: FlagSpec[] = [
  {
    name: 'node-name',
    type: 'string',
    description: "Name of this machine's node (default: the hostname, lowercased)",
    placeholder: 'NAME',
  },
  {
    name: 'node-ip',
    type: 'string',
    description: "The node's InternalIP (default: the advertise address)",
    placeholder: 'IP',
  },
  {
    name: 'node-label',
    type: 'string',
    multiple: true,
    description: 'Label to register the node with (repeatable)',
    placeholder: 'KEY=VALUE',
  },
  {
    name: 'node-taint',
    type: 'string',
    multiple: true,
    description: 'Taint to register the node with (repeatable)',
    placeholder: 'KEY=VALUE:EFFECT',
  },
  {
    name: 'container-runtime-endpoint',
    type: 'string',
    description: 'Use this CRI socket instead of starting containerd',
    placeholder: 'ENDPOINT',
  },
  {
    name: 'pause-image',
    type: 'string',
    description: 'Pod sandbox image (default: the locally built kubets.local/pause:1)',
    placeholder: 'IMAGE',
  },
  {
    name: 'cluster-dns',
    type: 'string',
    description: 'Cluster DNS IP for pods (default: the 10th IP of the service CIDR)',
    placeholder: 'IP',
  },
  {
    name: 'kubelet-arg',
    type: 'string',
    multiple: true,
    description: 'Kubelet flag passed through, e.g. max-pods=50 (repeatable)',
    placeholder: 'KEY=VALUE',
  },
  {
    name: 'cni-bridge',
    type: 'string',
    description: 'Name of the pod network bridge',
    default: 'cni0',
    placeholder: 'NAME',
  },
];

export interface LocalNodeOptions {
  nodeName: string;
  nodeIP: string;
  labels: Record<string, string>;
  taints: Taint[];
  containerRuntimeEndpoint?: string;
  pauseImage?: string;
  clusterDNS: string[];
  cniBridge: string;
  kubeletArgs: KubeletArgs;
}

/** The `n`th address of an IPv4 CIDR (`10.43.0.0/16`, 10 -> `10.43.0.10`). */
export function nthIPv4(cidr: string, n: number): string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) throw new UsageError(`--service-cidr ${cidr} is not an IPv4 CIDR; set --cluster-dns explicitly`);
  const prefix = Number(m[5]);
  const base = m.slice(1, 5).reduce((acc, p) => acc * 256 + Number(p), 0);
  const size = 2 ** (32 - prefix);
  if (n >= size - 1) throw new UsageError(`--service-cidr ${cidr} is too small for a cluster DNS address`);
  const ip = Math.floor(base / size) * size + n;
  return [24, 16, 8, 0].map((s) => Math.floor(ip / 2 ** s) % 256).join('.');
}

export function parseNodeLabel(s: string): [string, string] {
  const eq = s.indexOf('=');
  const key = eq < 0 ? s : s.slice(0, eq);
  const value = eq < 0 ? '' : s.slice(eq + 1);
  const errs = [...isQualifiedName(key).map((e) => `key: ${e}`), ...isValidLabelValue(value).map((e) => `value: ${e}`)];
  if (eq < 0 || errs.length > 0) {
    throw new UsageError(
      `--node-label ${JSON.stringify(s)}: want KEY=VALUE${errs.length ? ` (${errs.join('; ')})` : ''}`,
    );
  }
  return [key, value];
}

const effects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** `key=value:Effect` or `key:Effect` (the kubelet's --register-with-taints syntax). */
export function parseNodeTaint(s: string): Taint {
  const colon = s.lastIndexOf(':');
  const effect = colon < 0 ? '' : s.slice(colon + 1);
  const kv = colon < 0 ? s : s.slice(0, colon);
  const eq = kv.indexOf('=');
  const key = eq < 0 ? kv : kv.slice(0, eq);
  const value = eq < 0 ? undefined : kv.slice(eq + 1);
  if (!effects.includes(effect)) {
    throw new UsageError(
      `--node-taint ${JSON.stringify(s)}: want KEY[=VALUE]:EFFECT with EFFECT one of ${effects.join(', ')}`,
    );
  }
  const errs = [...isQualifiedName(key), ...(value !== undefined ? isValidLabelValue(value) : [])];
  if (errs.length > 0) throw new UsageError(`--node-taint ${JSON.stringify(s)}: ${errs.join('; ')}`);
  return { key, ...(value ? { value } : {}), effect };
}

/** Flags -> LocalNodeOptions; `advertiseAddress` and `serviceCIDR` come from the compiled server config. */
export function compileNodeOptions(
  flags: Record<string, unknown>,
  server: { advertiseAddress: string; serviceCIDR: string },
): LocalNodeOptions {
  const nodeName = String(flags['node-name'] ?? hostname()).toLowerCase();
  const nameErrs = isDNS1123Subdomain(nodeName);
  if (nameErrs.length > 0) throw new UsageError(`--node-name ${JSON.stringify(nodeName)}: ${nameErrs.join('; ')}`);
  const nodeIP = String(flags['node-ip'] ?? server.advertiseAddress);
  if (!isIP(nodeIP)) throw new UsageError(`--node-ip takes an IP address, not ${JSON.stringify(nodeIP)}`);
  const dns = flags['cluster-dns'] as string | undefined;
  const clusterDNS = dns ? dns.split(',').map((s) => s.trim()) : [nthIPv4(server.serviceCIDR, 10)];
  for (const ip of clusterDNS) if (!isIP(ip)) throw new UsageError(`--cluster-dns takes IP addresses, not "${ip}"`);
  const bridge = String(flags['cni-bridge'] ?? 'cni0');
  if (!/^[\w.-]{1,15}$/.test(bridge)) throw new UsageError(`--cni-bridge "${bridge}": 1-15 of [A-Za-z0-9_.-]`);
  return {
    nodeName,
    nodeIP,
    labels: Object.fromEntries(((flags['node-label'] as string[] | undefined) ?? []).map(parseNodeLabel)),
    taints: ((flags['node-taint'] as string[] | undefined) ?? []).map(parseNodeTaint),
    containerRuntimeEndpoint: flags['container-runtime-endpoint'] as string | undefined,
    pauseImage: flags['pause-image'] as string | undefined,
    clusterDNS,
    cniBridge: bridge,
    kubeletArgs: parseKubeletArgs((flags['kubelet-arg'] as string[] | undefined) ?? []),
  };
}
