import { type FieldError, FieldPath } from '../../../../../api/validation/field-error.js';
import type { Level, PolicyVersion } from './check-types.js';

/**
 * Namespace labels -> the policy to evaluate (upstream
 * `pod-security-admission/api/helpers.go` PolicyToEvaluate). Invalid levels
 * fail closed to `restricted`, invalid versions to `latest`; the errors are
 * reported (namespace writes with bad labels are rejected).
 */
export const labelPrefix = 'pod-security.kubernetes.io/';
export const enforceLevelLabel = `${labelPrefix}enforce`;
export const enforceVersionLabel = `${labelPrefix}enforce-version`;
export const auditLevelLabel = `${labelPrefix}audit`;
export const auditVersionLabel = `${labelPrefix}audit-version`;
export const warnLevelLabel = `${labelPrefix}warn`;
export const warnVersionLabel = `${labelPrefix}warn-version`;

export interface LevelVersion {
  level: Level;
  version: PolicyVersion;
}

export interface Policy {
  enforce: LevelVersion;
  audit: LevelVersion;
  warn: LevelVersion;
}

export const privilegedPolicy: Policy = {
  enforce: { level: 'privileged', version: 'latest' },
  audit: { level: 'privileged', version: 'latest' },
  warn: { level: 'privileged', version: 'latest' },
};

const levels: Level[] = ['privileged', 'baseline', 'restricted'];
const levelRank = (l: Level) => levels.indexOf(l);

export function compareLevels(a: Level, b: Level): number {
  return levelRank(a) - levelRank(b);
}

/** `restricted:latest`, `baseline:v1.29`. */
export function levelVersionString(lv: LevelVersion): string {
  return `${lv.level}:${lv.version === 'latest' ? 'latest' : `v1.${lv.version}`}`;
}

export function sameLevelVersion(a: LevelVersion, b: LevelVersion): boolean {
  return a.level === b.level && a.version === b.version;
}

export function parseLevel(s: string): { level: Level; error?: string } {
  if ((levels as string[]).includes(s)) return { level: s as Level };
  return { level: 'restricted', error: `must be one of ${levels.join(', ')}` };
}

export function parseVersion(s: string): { version: PolicyVersion; error?: string } {
  if (s === 'latest') return { version: 'latest' };
  const m = /^v1\.(0|[1-9][0-9]*)$/.exec(s);
  if (m) return { version: Number(m[1]) };
  return { version: 'latest', error: 'must be "latest" or "v1.x"' };
}

export function policyFromLabels(
  labels: Record<string, string> | undefined,
  defaults: Policy = privilegedPolicy,
): { policy: Policy; errors: FieldError[] } {
  const policy: Policy = { enforce: { ...defaults.enforce }, audit: { ...defaults.audit }, warn: { ...defaults.warn } };
  const errors: FieldError[] = [];
  if (!labels) return { policy, errors };
  const labelsPath = FieldPath.of('metadata', 'labels');
  const note = (key: string, value: string, error: string | undefined) => {
    if (error) errors.push(labelsPath.key(key).invalid(value, error));
  };
  let hasEnforceLevel = false;
  let hasWarnLevel = false;
  let hasWarnVersion = false;
  const read = (mode: keyof Policy, levelKey: string, versionKey: string) => {
    const level = labels[levelKey];
    if (level !== undefined) {
      const p = parseLevel(level);
      policy[mode].level = p.level;
      note(levelKey, level, p.error);
      if (mode === 'enforce') hasEnforceLevel = !p.error;
      if (mode === 'warn') hasWarnLevel = true;
    }
    const version = labels[versionKey];
    if (version !== undefined) {
      const p = parseVersion(version);
      policy[mode].version = p.version;
      note(versionKey, version, p.error);
      if (mode === 'warn') hasWarnVersion = true;
    }
  };
  read('enforce', enforceLevelLabel, enforceVersionLabel);
  read('audit', auditLevelLabel, auditVersionLabel);
  read('warn', warnLevelLabel, warnVersionLabel);
  // Warn at least at an explicitly stricter enforce level, so users see what will be rejected.
  if (!hasWarnLevel && hasEnforceLevel && compareLevels(policy.enforce.level, policy.warn.level) > 0) {
    policy.warn.level = policy.enforce.level;
    if (!hasWarnVersion) policy.warn.version = policy.enforce.version;
  }
  return { policy, errors };
}

export function fullyPrivileged(p: Policy): boolean {
  return p.enforce.level === 'privileged' && p.audit.level === 'privileged' && p.warn.level === 'privileged';
}
