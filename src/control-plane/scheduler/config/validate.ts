import { FieldPath, type FieldError } from '../../../api/validation/field-error.js';
import { pluginArgsValidators } from './plugin-args.js';
import type { KubeSchedulerConfiguration, PluginSet, ResolvedConfiguration } from './types.js';

function validPercentage(path: FieldPath, v: number | null | undefined): FieldError[] {
  if (v === null || v === undefined) return [];
  return v >= 0 && v <= 100 ? [] : [path.invalid(v, 'not in valid range [0-100]')];
}

function sameSet(a: PluginSet | undefined, b: PluginSet | undefined): boolean {
  return JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
}

/**
 * Upstream ValidateKubeSchedulerConfiguration on the defaulted
 * configuration; `raw` supplies the profiles' pluginConfig lists (for
 * duplicate detection) and their queueSort sets as written.
 */
export function validateConfiguration(cfg: ResolvedConfiguration, raw: KubeSchedulerConfiguration = {}): FieldError[] {
  const errs: FieldError[] = [];
  const le = cfg.leaderElection;
  if (le.leaderElect && le.resourceLock !== 'leases') {
    errs.push(
      FieldPath.of('leaderElection', 'resourceLock').invalid(le.resourceLock, 'resourceLock value must be "leases"'),
    );
  }
  if (cfg.clientConnection.burst < 0)
    errs.push(FieldPath.of('clientConnection', 'burst').invalid(cfg.clientConnection.burst, 'must be non-negative'));
  if (!(cfg.parallelism > 0))
    errs.push(FieldPath.of('parallelism').invalid(cfg.parallelism, 'should be an integer value greater than zero'));
  const profilesPath = FieldPath.of('profiles');
  if (cfg.profiles.length === 0) errs.push(profilesPath.required());
  const seen = new Map<string, number>();
  cfg.profiles.forEach((p, i) => {
    const path = profilesPath.index(i);
    if (!p.schedulerName) errs.push(path.child('schedulerName').required());
    errs.push(...validPercentage(path.child('percentageOfNodesToScore'), p.percentageOfNodesToScore));
    const rawCfg = raw.profiles?.[i]?.pluginConfig ?? [];
    const names = new Set<string>();
    rawCfg.forEach((pc, j) => {
      const pcPath = path.child('pluginConfig').index(j);
      if (names.has(pc.name)) errs.push(pcPath.duplicate(pc.name));
      names.add(pc.name);
      const v = pluginArgsValidators.get(pc.name);
      if (v) {
        if (pc.args !== undefined && (pc.args === null || typeof pc.args !== 'object' || Array.isArray(pc.args))) {
          errs.push(pcPath.child('args').invalid(pc.args, 'has to match plugin args'));
        } else {
          errs.push(...v(pc.args ?? {}, pcPath.child('args')));
        }
      }
    });
    const prev = seen.get(p.schedulerName);
    if (prev !== undefined)
      errs.push(path.child('schedulerName').duplicate(profilesPath.index(prev).child('schedulerName').toString()));
    seen.set(p.schedulerName, i);
  });
  if (cfg.profiles.length) {
    const canon = cfg.profiles[0]!.plugins.queueSort;
    const n = canon.enabled?.length ?? 0;
    if (n > 1)
      errs.push(
        profilesPath
          .index(0)
          .child('plugins', 'queueSort', 'Enabled')
          .invalid(n, 'only one queue sort plugin can be enabled'),
      );
    const qsName = canon.enabled?.[0]?.name;
    const qsArgs = qsName ? JSON.stringify(cfg.profiles[0]!.pluginConfig.get(qsName) ?? null) : undefined;
    for (let i = 1; i < cfg.profiles.length; i++) {
      const cur = cfg.profiles[i]!;
      if (!sameSet(canon, cur.plugins.queueSort)) {
        errs.push(
          profilesPath
            .index(i)
            .child('plugins', 'queueSort')
            .invalid(cur.plugins.queueSort, 'must be the same for all profiles'),
        );
      }
      if (qsName && cur.pluginConfig.has(qsName) && JSON.stringify(cur.pluginConfig.get(qsName)) !== qsArgs) {
        errs.push(
          profilesPath
            .index(i)
            .child('pluginConfig', 'args')
            .invalid(cur.pluginConfig.get(qsName), 'must be the same for all profiles'),
        );
      }
    }
  }
  errs.push(...validPercentage(FieldPath.of('percentageOfNodesToScore'), cfg.percentageOfNodesToScore));
  if (!(cfg.podInitialBackoffSeconds > 0)) {
    errs.push(FieldPath.of('podInitialBackoffSeconds').invalid(cfg.podInitialBackoffSeconds, 'must be greater than 0'));
  }
  if (cfg.podMaxBackoffSeconds < cfg.podInitialBackoffSeconds) {
    errs.push(
      FieldPath.of('podMaxBackoffSeconds').invalid(
        cfg.podMaxBackoffSeconds,
        'must be greater than or equal to PodInitialBackoffSeconds',
      ),
    );
  }
  if ((raw.extenders?.length ?? 0) > 0)
    errs.push(FieldPath.of('extenders').forbidden('scheduler extenders are not supported by kubets'));
  return errs;
}
