/**
 * KubeSchedulerConfiguration, kubescheduler.config.k8s.io/v1 (the fields
 * kubets honours). Plugin args stay plain JSON objects here; each plugin
 * defaults and validates its own args (see plugins/<name>/args.ts).
 */
export const ConfigGroupVersion = 'kubescheduler.config.k8s.io/v1';
export const ConfigKind = 'KubeSchedulerConfiguration';
export const DefaultSchedulerName = 'default-scheduler';

export interface PluginRef {
  name: string;
  /** Score weight (score and multiPoint only). */
  weight?: number;
}

export interface PluginSet {
  enabled?: PluginRef[];
  disabled?: { name: string }[];
}

export const ExtensionPoints = [
  'preEnqueue',
  'queueSort',
  'preFilter',
  'filter',
  'postFilter',
  'preScore',
  'score',
  'reserve',
  'permit',
  'preBind',
  'bind',
  'postBind',
] as const;
export type ExtensionPoint = (typeof ExtensionPoints)[number];

export type Plugins = { [K in ExtensionPoint | 'multiPoint']?: PluginSet };

export interface PluginConfig {
  name: string;
  args?: Record<string, unknown>;
}

export interface KubeSchedulerProfile {
  schedulerName?: string;
  percentageOfNodesToScore?: number | null;
  plugins?: Plugins;
  pluginConfig?: PluginConfig[];
}

export interface LeaderElectionConfiguration {
  leaderElect?: boolean;
  leaseDuration?: string;
  renewDeadline?: string;
  retryPeriod?: string;
  resourceLock?: string;
  resourceName?: string;
  resourceNamespace?: string;
}

export interface ClientConnectionConfiguration {
  kubeconfig?: string;
  acceptContentTypes?: string;
  contentType?: string;
  qps?: number;
  burst?: number;
}

export interface KubeSchedulerConfiguration {
  apiVersion?: string;
  kind?: string;
  parallelism?: number;
  percentageOfNodesToScore?: number | null;
  podInitialBackoffSeconds?: number;
  podMaxBackoffSeconds?: number;
  profiles?: KubeSchedulerProfile[];
  extenders?: unknown[];
  leaderElection?: LeaderElectionConfiguration;
  clientConnection?: ClientConnectionConfiguration;
  delayCacheUntilActive?: boolean;
}

/** A profile after defaulting: every field present. */
export interface ResolvedProfile {
  schedulerName: string;
  percentageOfNodesToScore: number | null;
  plugins: Required<Plugins>;
  /** Plugin name -> args (defaulted by the plugins themselves at construction). */
  pluginConfig: Map<string, Record<string, unknown>>;
}

/** The configuration after defaulting and validation. */
export interface ResolvedConfiguration {
  parallelism: number;
  percentageOfNodesToScore: number;
  podInitialBackoffSeconds: number;
  podMaxBackoffSeconds: number;
  profiles: ResolvedProfile[];
  leaderElection: Required<LeaderElectionConfiguration>;
  clientConnection: Required<Omit<ClientConnectionConfiguration, 'kubeconfig'>> & { kubeconfig: string };
  delayCacheUntilActive: boolean;
}
