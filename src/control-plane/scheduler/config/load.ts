import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { aggregateMessage, type FieldError } from '../../../api/validation/field-error.js';
import { defaultConfiguration } from './defaults.js';
import {
  ConfigGroupVersion,
  ConfigKind,
  type KubeSchedulerConfiguration,
  type ResolvedConfiguration,
} from './types.js';
import { validateConfiguration } from './validate.js';

/** A configuration that cannot be used; `message` lists every problem. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

const topLevel = new Set([
  'apiVersion',
  'kind',
  'parallelism',
  'percentageOfNodesToScore',
  'podInitialBackoffSeconds',
  'podMaxBackoffSeconds',
  'profiles',
  'extenders',
  'leaderElection',
  'clientConnection',
  'delayCacheUntilActive',
  'enableProfiling',
  'enableContentionProfiling',
  'healthzBindAddress',
  'metricsBindAddress',
]);
const profileFields = new Set(['schedulerName', 'percentageOfNodesToScore', 'plugins', 'pluginConfig']);
const pluginsFields = new Set([
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
  'multiPoint',
]);

function unknownFields(obj: Record<string, unknown>, known: Set<string>, prefix: string, out: string[]): void {
  for (const k of Object.keys(obj)) if (!known.has(k)) out.push(`unknown field "${prefix}${k}"`);
}

/**
 * Decodes a KubeSchedulerConfiguration document (YAML or JSON) strictly, as
 * kube-scheduler's --config does: only kubescheduler.config.k8s.io/v1, and
 * unknown fields are errors.
 */
export function decodeConfiguration(text: string): KubeSchedulerConfiguration {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ConfigError(`couldn't decode as KubeSchedulerConfiguration: ${(e as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError("couldn't decode as KubeSchedulerConfiguration: not an object");
  }
  const obj = doc as Record<string, unknown>;
  if (obj.kind !== ConfigKind)
    throw new ConfigError(`Object 'Kind' is missing or not ${ConfigKind}: ${JSON.stringify(obj.kind ?? '')}`);
  if (obj.apiVersion !== ConfigGroupVersion) {
    throw new ConfigError(`no kind "${ConfigKind}" is registered for version "${String(obj.apiVersion ?? '')}"`);
  }
  const unknown: string[] = [];
  unknownFields(obj, topLevel, '', unknown);
  const profiles = Array.isArray(obj.profiles) ? obj.profiles : [];
  profiles.forEach((p: unknown, i: number) => {
    if (p === null || typeof p !== 'object') return;
    unknownFields(p as Record<string, unknown>, profileFields, `profiles[${i}].`, unknown);
    const plugins = (p as Record<string, unknown>).plugins;
    if (plugins && typeof plugins === 'object')
      unknownFields(plugins as Record<string, unknown>, pluginsFields, `profiles[${i}].plugins.`, unknown);
  });
  if (unknown.length) throw new ConfigError(`strict decoding error: ${unknown.join(', ')}`);
  return obj as KubeSchedulerConfiguration;
}

/** Decodes, defaults and validates; throws ConfigError listing all field errors. */
export function loadConfiguration(text: string): ResolvedConfiguration {
  const raw = decodeConfiguration(text);
  const cfg = defaultConfiguration(raw);
  const errs = validateConfiguration(cfg, raw);
  if (errs.length) throw new ConfigError(aggregateMessage(errs), errs);
  return cfg;
}

/** Reads a --config file. */
export async function loadConfigurationFile(path: string): Promise<ResolvedConfiguration> {
  return loadConfiguration(await readFile(path, 'utf8'));
}
