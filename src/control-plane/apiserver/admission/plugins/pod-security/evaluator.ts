import type { PodSpec } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { baselineChecks } from './checks-baseline.js';
import { restrictedChecks } from './checks-restricted.js';
import type { Check, CheckPod, CheckResult } from './check-types.js';
import type { LevelVersion } from './policy.js';

/**
 * Evaluates a pod against a level and version (upstream `policy/registry.go`):
 * baseline checks for `baseline`; restricted checks plus the baseline checks
 * they do not override for `restricted`. Checks run in a fixed order —
 * baseline IDs sorted, then restricted IDs sorted — so messages are stable.
 * Versions newer than the newest check collapse to `latest`.
 */
export interface AggregateResult {
  allowed: boolean;
  forbiddenReasons: string[];
  forbiddenDetails: string[];
}

const allChecks: Check[] = [...baselineChecks, ...restrictedChecks];
const order = [...baselineChecks.map((c) => c.id).sort(), ...restrictedChecks.map((c) => c.id).sort()];
const maxVersion = Math.max(...allChecks.flatMap((c) => c.versions.map((v) => v.minimumVersion)));

function versionOf(check: Check, version: number) {
  let found;
  for (const v of check.versions) if (v.minimumVersion <= version) found = v;
  return found;
}

const cache = new Map<string, CheckPod[]>();

function checksFor(level: 'baseline' | 'restricted', version: number): CheckPod[] {
  const key = `${level}:${version}`;
  let fns = cache.get(key);
  if (fns) return fns;
  const chosen = new Map<string, CheckPod>();
  const overridden = new Set<string>();
  if (level === 'restricted') {
    for (const c of restrictedChecks) {
      const v = versionOf(c, version);
      if (!v) continue;
      chosen.set(c.id, v.checkPod);
      for (const o of v.overrideCheckIDs ?? []) overridden.add(o);
    }
  }
  for (const c of baselineChecks) {
    const v = versionOf(c, version);
    if (v && !overridden.has(c.id)) chosen.set(c.id, v.checkPod);
  }
  fns = order.filter((id) => chosen.has(id)).map((id) => chosen.get(id)!);
  cache.set(key, fns);
  return fns;
}

export function evaluatePod(lv: LevelVersion, meta: ObjectMeta, spec: PodSpec): CheckResult[] {
  if (lv.level === 'privileged') return [];
  const version = lv.version === 'latest' ? maxVersion : Math.min(lv.version, maxVersion);
  return checksFor(lv.level, version).map((check) => check(meta, spec));
}

export function aggregate(results: CheckResult[]): AggregateResult {
  const out: AggregateResult = { allowed: true, forbiddenReasons: [], forbiddenDetails: [] };
  for (const r of results) {
    if (r.allowed) continue;
    out.allowed = false;
    out.forbiddenReasons.push(r.forbiddenReason ?? '');
    out.forbiddenDetails.push(r.forbiddenDetail ?? '');
  }
  return out;
}

/** `reason (detail), reason (detail)` (AggregateCheckResult.ForbiddenDetail). */
export function forbiddenDetail(r: AggregateResult): string {
  return r.forbiddenReasons
    .map((reason, i) => (r.forbiddenDetails[i] ? `${reason} (${r.forbiddenDetails[i]})` : reason))
    .join(', ');
}

/** `reason, reason` (AggregateCheckResult.ForbiddenReason). */
export function forbiddenReason(r: AggregateResult): string {
  return r.forbiddenReasons.join(', ');
}
