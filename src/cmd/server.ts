import { homedir, networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from '../cli/command.js';
import { type FlagSpec, UsageError } from '../cli/flags.js';
import { configFlag } from '../cli/config-file.js';
import { createLogger, parseLevel } from '../lib/log.js';
import { startControlPlane, type ControlPlaneConfig } from './control-plane.js';
import { explainStartupError } from './startup-errors.js';
import { compileHAConfig, compileServerToken, haFlags } from './ha/ha-flags.js';
import { ensureNodeToken } from './node-token.js';
import { inProcessRest } from './in-process.js';
import { compileNodeOptions, nodeFlags } from './node-flags.js';
import { startLocalNode, startLocalNodeRuntime, type LocalNode } from './local-node.js';
import { acquirePidFile } from './pid-file.js';
import { pidFileOf } from './agent-paths.js';
import { addonNames, startAddons } from './addons.js';
import { nthIPv4 } from './node-flags.js';
import { kubeProxySlot, parseKubeProxyArgs } from './kube-proxy-slot.js';
import { compileSchedulerArgs } from './scheduler-args.js';
import { compileSecurePorts } from './component-endpoints.js';
import type { Disposable } from '../lib/disposable.js';
import { compileClusterReset, resetDoneMessage, runClusterReset } from './cluster-reset.js';
import { joinedEncryptionConfig } from './ha/bootstrap-data.js';
import { existsSync } from 'node:fs';

/** The first non-loopback IPv4 address of this host (what k3s advertises by default). */
export function primaryIPv4(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

export const serverFlags: FlagSpec[] = [
  {
    name: 'data-dir',
    type: 'string',
    description: 'Folder for state (default /var/lib/kubets as root, ~/.kubets otherwise)',
    placeholder: 'DIR',
  },
  {
    name: 'https-listen-port',
    type: 'number',
    description: 'HTTPS port of the API server',
    default: 6443,
    placeholder: 'PORT',
  },
  {
    name: 'bind-address',
    type: 'string',
    description: 'Address the API server listens on',
    default: '0.0.0.0',
    placeholder: 'IP',
  },
  {
    name: 'advertise-address',
    type: 'string',
    description: "Address nodes and pods use to reach this server (default: this host's primary IPv4)",
    placeholder: 'IP',
  },
  {
    name: 'write-kubeconfig',
    type: 'string',
    description: 'Where to write the admin kubeconfig (default <data-dir>/kubeconfig.yaml)',
    placeholder: 'FILE',
  },
  {
    name: 'write-kubeconfig-mode',
    type: 'string',
    description: 'File mode of the kubeconfig',
    default: '600',
    placeholder: 'MODE',
  },
  {
    name: 'datastore-endpoint',
    type: 'string',
    description: 'Datastore: empty = embedded SQLite; etcd://host:port,... or https://... = etcd',
    placeholder: 'URL',
  },
  {
    name: 'tls-san',
    type: 'string',
    multiple: true,
    description: 'Extra hostname or IP for the serving certificate (repeatable)',
    placeholder: 'NAME',
  },
  {
    name: 'service-cidr',
    type: 'string',
    description: 'Service IP range',
    default: '10.43.0.0/16',
    placeholder: 'CIDR',
  },
  { name: 'cluster-cidr', type: 'string', description: 'Pod IP range', default: '10.42.0.0/16', placeholder: 'CIDR' },
  {
    name: 'cluster-domain',
    type: 'string',
    description: 'Cluster DNS domain',
    default: 'cluster.local',
    placeholder: 'DOMAIN',
  },
  { name: 'disable-agent', type: 'boolean', description: 'Run only the control plane (no node on this machine)' },
  { name: 'disable-kube-proxy', type: 'boolean', description: 'Do not run kube-proxy on this node' },
  {
    name: 'kube-proxy-arg',
    type: 'string',
    multiple: true,
    description: 'kube-proxy flag passed through, e.g. proxy-mode=iptables (repeatable)',
    placeholder: 'KEY=VALUE',
  },
  {
    name: 'disable',
    type: 'string',
    multiple: true,
    description: `Do not run this addon (repeatable): ${[...new Set(Object.values(addonNames))].join(', ')}, servicelb`,
    placeholder: 'ADDON',
  },
  {
    name: 'disable-cloud-controller',
    type: 'boolean',
    description: 'Do not run the embedded cloud-controller-manager (node initialization, LoadBalancer Services)',
  },
  {
    name: 'controllers',
    type: 'string',
    description: 'Controllers to run: * (defaults), name, -name; comma-separated',
    default: '*',
    placeholder: 'LIST',
  },
  {
    name: 'kube-scheduler-arg',
    type: 'string',
    multiple: true,
    description: 'kube-scheduler flag passed through, e.g. config=/etc/kubets/scheduler.yaml (repeatable)',
    placeholder: 'KEY=VALUE',
  },
  {
    name: 'kube-controller-manager-arg',
    type: 'string',
    multiple: true,
    description: 'kube-controller-manager flag passed through, e.g. secure-port=10257 (repeatable)',
    placeholder: 'KEY=VALUE',
  },
  {
    name: 'token-auth-file',
    type: 'string',
    description: 'Static bearer tokens (CSV: token,user,uid,"group1,group2")',
    placeholder: 'FILE',
  },
  {
    name: 'encryption-provider-config',
    type: 'string',
    description: 'EncryptionConfiguration for encrypting resources (e.g. secrets) at rest',
    placeholder: 'FILE',
  },
  {
    name: 'audit-policy-file',
    type: 'string',
    description: 'Audit policy (audit.k8s.io/v1 Policy); enables audit logging with --audit-log-path',
    placeholder: 'FILE',
  },
  {
    name: 'audit-log-path',
    type: 'string',
    description: 'Where audit events are written (JSON lines)',
    placeholder: 'FILE',
  },
  {
    name: 'audit-log-maxsize',
    type: 'number',
    description: 'Rotate the audit log at this size (MB)',
    default: 100,
    placeholder: 'MB',
  },
  {
    name: 'audit-log-maxbackup',
    type: 'number',
    description: 'Rotated audit logs to keep',
    default: 10,
    placeholder: 'N',
  },
  {
    name: 'audit-log-maxage',
    type: 'number',
    description: 'Days to keep rotated audit logs (0 = forever)',
    default: 0,
    placeholder: 'DAYS',
  },
  {
    name: 'disable-admission-plugins',
    type: 'string',
    description: 'Admission plugins to turn off, comma-separated',
    placeholder: 'LIST',
  },
  {
    name: 'max-requests-inflight',
    type: 'number',
    description:
      'With --max-mutating-requests-inflight, the API server concurrency shared by priority levels (upstream 400; unset: kubets keeps 8 workload + 50 system seats, sized for 2 cores)',
    placeholder: 'N',
  },
  {
    name: 'max-mutating-requests-inflight',
    type: 'number',
    description: 'Added to --max-requests-inflight for the total API server concurrency (upstream 200)',
    placeholder: 'N',
  },
  {
    name: 'log-level',
    type: 'string',
    description: 'debug, info, warn or error',
    default: 'info',
    placeholder: 'LEVEL',
  },
  { name: 'log-format', type: 'string', description: 'text or json', default: 'text', placeholder: 'FORMAT' },
  ...haFlags,
  {
    name: 'cluster-reset',
    type: 'boolean',
    description:
      "Forget all etcd peers and become the only member of a new cluster keeping this server's data, then exit",
  },
  {
    name: 'cluster-reset-restore-path',
    type: 'string',
    description: 'With --cluster-reset: restore this snapshot (and the bootstrap data beside it; needs --token) first',
    placeholder: 'FILE',
  },
  ...nodeFlags,
  configFlag,
];

/** Flags -> defaulted, validated ControlPlaneConfig. */
export function compileServerConfig(flags: Record<string, unknown>): ControlPlaneConfig {
  const dataDir = resolve(
    (flags['data-dir'] as string | undefined) ?? (isRoot() ? '/var/lib/kubets' : join(homedir(), '.kubets')),
  );
  const mode = String(flags['write-kubeconfig-mode'] ?? '600');
  if (!/^[0-7]{3,4}$/.test(mode))
    throw new UsageError(`--write-kubeconfig-mode takes an octal mode like 600 or 644, not "${mode}"`);
  const port = Number(flags['https-listen-port'] ?? 6443);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--https-listen-port must be a port number (0-65535), not ${port}`);
  const ha = compileHAConfig(flags, dataDir);
  return {
    ha,
    // Leader election whenever another server can share the datastore (SQLite has a single server).
    leaderElect: ha !== undefined || /^(etcd|https?):\/\//i.test(String(flags['datastore-endpoint'] ?? '')),
    dataDir,
    bindAddress: String(flags['bind-address'] ?? '0.0.0.0'),
    httpsPort: port,
    advertiseAddress: String(flags['advertise-address'] ?? primaryIPv4()),
    datastoreEndpoint: flags['datastore-endpoint'] as string | undefined,
    kubeconfigPath: resolve((flags['write-kubeconfig'] as string | undefined) ?? join(dataDir, 'kubeconfig.yaml')),
    kubeconfigMode: parseInt(mode, 8),
    tlsSans: (flags['tls-san'] as string[] | undefined) ?? [],
    serviceCIDR: String(flags['service-cidr'] ?? '10.43.0.0/16'),
    clusterCIDR: String(flags['cluster-cidr'] ?? '10.42.0.0/16'),
    clusterDomain: String(flags['cluster-domain'] ?? 'cluster.local'),
    controllers: String(flags.controllers ?? '*')
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean),
    tokenAuthFile: flags['token-auth-file'] as string | undefined,
    securePorts: compileSecurePorts(flags),
    schedulerConfig: compileSchedulerArgs((flags['kube-scheduler-arg'] as string[] | undefined) ?? []).config,
    // A restored snapshot leaves the cluster's encryption config in the data dir (etcd-snapshot restore, --cluster-reset).
    encryptionConfigPath:
      (flags['encryption-provider-config'] as string | undefined) ??
      (existsSync(joinedEncryptionConfig(dataDir)) ? joinedEncryptionConfig(dataDir) : undefined),
    audit: auditConfig(flags),
    inflight: compileInflight(flags),
    cloudController: compileCloudController(flags),
    disabledAdmissionPlugins: flags['disable-admission-plugins']
      ? String(flags['disable-admission-plugins'])
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean)
      : undefined,
  };
}

/** `--disable` names -> canonical addon names; unknown names are a usage error. */
export function compileDisabledAddons(flags: Record<string, unknown>): Set<string> {
  const out = new Set<string>();
  for (const raw of (flags.disable as string[] | undefined) ?? []) {
    for (const name of raw
      .split(',')
      .map((n) => n.trim().toLowerCase())
      .filter(Boolean)) {
      // Not an addon here: the load balancer part of the cloud-controller-manager (compileCloudController).
      if (name === 'servicelb') continue;
      const canonical = addonNames[name];
      if (!canonical)
        throw new UsageError(
          `--disable ${name}: unknown addon; choose from ${[...new Set(Object.values(addonNames))].join(', ')}`,
        );
      out.add(canonical);
    }
  }
  return out;
}

/** `--disable-cloud-controller` and `--disable servicelb` (k3s names) -> the embedded cloud-controller-manager. */
export function compileCloudController(flags: Record<string, unknown>): ControlPlaneConfig['cloudController'] {
  if (flags['disable-cloud-controller']) return undefined;
  const disabled = ((flags.disable as string[] | undefined) ?? []).flatMap((d) =>
    d.split(',').map((n) => n.trim().toLowerCase()),
  );
  return { loadBalancer: !disabled.includes('servicelb') };
}

/** `--max-requests-inflight` / `--max-mutating-requests-inflight` (upstream defaults 400 and 200 when one is given). */
function compileInflight(flags: Record<string, unknown>): ControlPlaneConfig['inflight'] {
  // Unset: the flow-control levels kubets tunes for small machines (a flooder cannot take every seat).
  if (flags['max-requests-inflight'] === undefined && flags['max-mutating-requests-inflight'] === undefined)
    return undefined;
  const max = Number(flags['max-requests-inflight'] ?? 400);
  const mutating = Number(flags['max-mutating-requests-inflight'] ?? 200);
  for (const [name, v] of [
    ['--max-requests-inflight', max],
    ['--max-mutating-requests-inflight', mutating],
  ] as const)
    if (!Number.isInteger(v) || v < 0) throw new UsageError(`${name} must be a non-negative integer, not ${v}`);
  if (max + mutating === 0)
    throw new UsageError('--max-requests-inflight and --max-mutating-requests-inflight cannot both be 0');
  return { maxRequestsInflight: max, maxMutatingRequestsInflight: mutating };
}

function auditConfig(flags: Record<string, unknown>): ControlPlaneConfig['audit'] {
  const policy = flags['audit-policy-file'] as string | undefined;
  const path = flags['audit-log-path'] as string | undefined;
  if (!policy && !path) return undefined;
  if (!policy || !path) throw new UsageError('audit logging needs both --audit-policy-file and --audit-log-path');
  return {
    policyPath: resolve(policy),
    logPath: resolve(path),
    maxSizeMB: Number(flags['audit-log-maxsize'] ?? 100),
    maxBackups: Number(flags['audit-log-maxbackup'] ?? 10),
    maxAgeDays: Number(flags['audit-log-maxage'] ?? 0),
  };
}

export const serverCommand: Command = {
  name: 'server',
  summary: 'Run a Kubernetes control plane and a node on this machine',
  usage: 'server [flags]',
  flags: serverFlags,
  async run({ flags, stdout, stderr }) {
    const config = compileServerConfig(flags);
    const reset = compileClusterReset(flags, config.dataDir);
    const nodeOptions = flags['disable-agent'] ? undefined : compileNodeOptions(flags, config);
    const disabledAddons = compileDisabledAddons(flags);
    const serverToken = compileServerToken(flags);
    const kubeProxy =
      nodeOptions && !flags['disable-kube-proxy']
        ? kubeProxySlot(parseKubeProxyArgs((flags['kube-proxy-arg'] as string[] | undefined) ?? []))
        : undefined;
    const log = createLogger('kubets', {
      level: parseLevel(flags['log-level'] as string),
      format: flags['log-format'] === 'json' ? 'json' : 'text',
    });
    config.log = log;
    const step = (s: string) => stdout.write(`kubets: ${s}\n`);
    // Signals are handled from the start, so a stop during startup still shuts down in order.
    let stopSignal: string | undefined;
    const stopped = new Promise<void>((resolveStop) => {
      const stop = (sig: string) => {
        stopSignal ??= sig;
        resolveStop();
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
    let releasePidFile: () => void;
    try {
      releasePidFile = acquirePidFile(pidFileOf(config.dataDir));
    } catch (err) {
      stderr.write(`kubets server: ${explainStartupError(err, config)}\n`);
      return 1;
    }
    if (reset) {
      try {
        await runClusterReset(config, { ...reset, progress: step, log });
        step(resetDoneMessage(config.dataDir));
        return 0;
      } catch (err) {
        stderr.write(`kubets server: ${explainStartupError(err, config)}\n`);
        return 1;
      } finally {
        releasePidFile();
      }
    }
    let cp;
    let node: LocalNode | undefined;
    let addons: Disposable | undefined;
    // containerd and the image imports need no API server: they run while the control plane starts.
    let runtime = nodeOptions ? startLocalNodeRuntime(config, nodeOptions, step, kubeProxy) : undefined;
    runtime?.catch(() => undefined);
    try {
      cp = await startControlPlane(config, step);
      step(`API server ready at ${cp.url} ${Math.round(performance.now())} ms after launch`);
      step(`kubeconfig written to ${config.kubeconfigPath}`);
      const nodeToken = await ensureNodeToken({
        rest: inProcessRest(
          cp.apiserver,
          { username: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] },
          'kubets-server',
        ),
        dataDir: config.dataDir,
        caPEM: cp.pki.serverCA.certPEM,
        given: serverToken,
        settled: cp.ha?.token,
      });
      const adv = config.advertiseAddress.includes(':') ? `[${config.advertiseAddress}]` : config.advertiseAddress;
      step(
        `server token in ${nodeToken.path}; agents join with: kubets agent --server https://${adv}:${cp.https.port} --token "$(cat ${nodeToken.path})"`,
      );
      if (nodeOptions && runtime && !stopSignal) {
        const handedOver = runtime;
        runtime = undefined;
        node = await startLocalNode(cp, nodeOptions, step, { runtime: handedOver, kubeProxy });
        const name = nodeOptions.nodeName;
        // performance.now() counts from process start: this is launch -> Ready.
        node.ready.then(
          () => step(`node ${name} Ready ${Math.round(performance.now())} ms after launch`),
          () => undefined,
        );
      }
      if (!stopSignal) {
        addons = await startAddons(
          cp,
          {
            disabled: disabledAddons,
            listenIP: nodeOptions?.nodeIP ?? config.advertiseAddress,
            nodeName: nodeOptions?.nodeName,
            clusterDNS: nodeOptions?.clusterDNS[0] ?? nthIPv4(config.serviceCIDR, 10),
            clusterDomain: config.clusterDomain,
          },
          step,
          log,
        );
      }
    } catch (err) {
      stderr.write(`kubets server: ${explainStartupError(err, config)}\n`);
      await Promise.resolve(addons?.dispose()).catch(() => undefined);
      await runtime?.then((r) => r.dispose()).catch(() => undefined);
      await node?.dispose().catch(() => undefined);
      await cp?.dispose().catch(() => undefined);
      releasePidFile();
      return 1;
    }
    step(`try: KUBECONFIG=${config.kubeconfigPath} kubectl get ${nodeOptions ? 'nodes' : 'namespaces'}`);
    await stopped;
    step(`received ${stopSignal}, shutting down`);
    try {
      await Promise.resolve(addons?.dispose()).catch(() => undefined);
      await runtime?.then((r) => r.dispose()).catch(() => undefined);
      await node?.dispose();
    } finally {
      await cp.dispose();
      releasePidFile();
    }
    return 0;
  },
};
