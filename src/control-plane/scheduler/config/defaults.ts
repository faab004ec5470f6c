import { Names } from '../plugins/names.js';
import {
  DefaultSchedulerName,
  ExtensionPoints,
  type KubeSchedulerConfiguration,
  type KubeSchedulerProfile,
  type PluginRef,
  type PluginSet,
  type Plugins,
  type ResolvedConfiguration,
  type ResolvedProfile,
} from './types.js';

/** Upstream getDefaultPlugins (v1): every default plugin through multiPoint, with score weights. */
export function defaultPlugins(): Plugins {
  const enabled: PluginRef[] = [
    { name: Names.SchedulingGates },
    { name: Names.PrioritySort },
    { name: Names.NodeUnschedulable },
    { name: Names.NodeName },
    { name: Names.TaintToleration, weight: 3 },
    { name: Names.NodeAffinity, weight: 2 },
    { name: Names.NodePorts },
    { name: Names.NodeResourcesFit, weight: 1 },
    { name: Names.VolumeRestrictions },
    { name: Names.NodeVolumeLimits },
    { name: Names.VolumeBinding },
    { name: Names.VolumeZone },
    { name: Names.PodTopologySpread, weight: 2 },
    { name: Names.InterPodAffinity, weight: 2 },
    { name: Names.DefaultPreemption },
    { name: Names.NodeResourcesBalancedAllocation, weight: 1 },
    { name: Names.ImageLocality, weight: 1 },
    { name: Names.DefaultBinder },
  ];
  return { multiPoint: { enabled } };
}

/**
 * Upstream mergePluginSet: the defaults minus those disabled ("*" disables
 * all), a re-configured default replaced in place, then the custom ones
 * that replaced nothing (duplicates are kept for the framework to reject).
 */
export function mergePluginSet(defaults: PluginSet | undefined, custom: PluginSet | undefined): PluginSet {
  const disabledNames = new Set<string>();
  const disabled: { name: string }[] = [];
  for (const d of custom?.disabled ?? []) {
    disabled.push({ name: d.name });
    disabledNames.add(d.name);
  }
  for (const d of defaults?.disabled ?? []) {
    disabled.push({ name: d.name });
    disabledNames.add(d.name);
  }
  const customEnabled = custom?.enabled ?? [];
  const byName = new Map<string, number>();
  customEnabled.forEach((p, i) => byName.set(p.name, i));
  const replaced = new Set<number>();
  const enabled: PluginRef[] = [];
  if (!disabledNames.has('*')) {
    for (const d of defaults?.enabled ?? []) {
      if (disabledNames.has(d.name)) continue;
      const i = byName.get(d.name);
      if (i !== undefined) {
        enabled.push({ ...customEnabled[i]! });
        replaced.add(i);
      } else {
        enabled.push({ ...d });
      }
    }
  }
  customEnabled.forEach((p, i) => {
    if (!replaced.has(i)) enabled.push({ ...p });
  });
  return { enabled, disabled };
}

export function mergePlugins(defaults: Plugins, custom: Plugins | undefined): Required<Plugins> {
  const out = { multiPoint: mergePluginSet(defaults.multiPoint, custom?.multiPoint) } as Required<Plugins>;
  for (const p of ExtensionPoints) out[p] = mergePluginSet(defaults[p], custom?.[p]);
  return out;
}

function resolveProfile(p: KubeSchedulerProfile): ResolvedProfile {
  const pluginConfig = new Map<string, Record<string, unknown>>();
  for (const c of p.pluginConfig ?? []) if (!pluginConfig.has(c.name)) pluginConfig.set(c.name, c.args ?? {});
  return {
    schedulerName: p.schedulerName ?? '',
    percentageOfNodesToScore: p.percentageOfNodesToScore ?? null,
    plugins: mergePlugins(defaultPlugins(), p.plugins),
    pluginConfig,
  };
}

/** Upstream SetDefaults_KubeSchedulerConfiguration (v1). Does not validate. */
export function defaultConfiguration(cfg: KubeSchedulerConfiguration = {}): ResolvedConfiguration {
  const profiles = cfg.profiles?.length ? cfg.profiles : [{}];
  const withNames =
    profiles.length === 1 && profiles[0]!.schedulerName === undefined
      ? [{ ...profiles[0], schedulerName: DefaultSchedulerName }]
      : profiles;
  const le = cfg.leaderElection ?? {};
  const cc = cfg.clientConnection ?? {};
  return {
    parallelism: cfg.parallelism ?? 16,
    percentageOfNodesToScore: cfg.percentageOfNodesToScore ?? 0,
    podInitialBackoffSeconds: cfg.podInitialBackoffSeconds ?? 1,
    podMaxBackoffSeconds: cfg.podMaxBackoffSeconds ?? 10,
    profiles: withNames.map(resolveProfile),
    leaderElection: {
      leaderElect: le.leaderElect ?? true,
      leaseDuration: le.leaseDuration ?? '15s',
      renewDeadline: le.renewDeadline ?? '10s',
      retryPeriod: le.retryPeriod ?? '2s',
      resourceLock: le.resourceLock || 'leases',
      resourceName: le.resourceName || 'kube-scheduler',
      resourceNamespace: le.resourceNamespace || 'kube-system',
    },
    clientConnection: {
      kubeconfig: cc.kubeconfig ?? '',
      acceptContentTypes: cc.acceptContentTypes ?? '',
      contentType: cc.contentType || 'application/vnd.kubernetes.protobuf',
      qps: cc.qps || 50,
      burst: cc.burst || 100,
    },
    delayCacheUntilActive: cfg.delayCacheUntilActive ?? false,
  };
}
