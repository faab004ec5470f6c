import type { Container, EphemeralContainer, PodSpec } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';

/**
 * The shapes of Pod Security Standards checks (upstream
 * `k8s.io/pod-security-admission/policy/checks.go`). A check has one
 * implementation per policy version it changed in; the newest implementation
 * whose minimum version is not above the evaluated version applies.
 */
export type Level = 'privileged' | 'baseline' | 'restricted';

/** A policy version: `latest` or `v1.<minor>`; only minor versions of 1.x exist. */
export type PolicyVersion = 'latest' | number;

export interface CheckResult {
  allowed: boolean;
  /** Short reason, e.g. `allowPrivilegeEscalation != false`. */
  forbiddenReason?: string;
  /** Detail, e.g. `container "c" must set securityContext.allowPrivilegeEscalation=false`. */
  forbiddenDetail?: string;
}

export type CheckPod = (meta: ObjectMeta, spec: PodSpec) => CheckResult;

export interface VersionedCheck {
  /** Minor version of 1.x from which this implementation applies. */
  minimumVersion: number;
  checkPod: CheckPod;
  /** Baseline check IDs this restricted check replaces (it enforces a superset). */
  overrideCheckIDs?: string[];
}

export interface Check {
  id: string;
  level: 'baseline' | 'restricted';
  /** Strictly increasing minimum versions. */
  versions: VersionedCheck[];
}

export const allowed: CheckResult = { allowed: true };

export function forbidden(reason: string, detail: string): CheckResult {
  return { allowed: false, forbiddenReason: reason, forbiddenDetail: detail };
}

export function pluralize(singular: string, plural: string, count: number): string {
  return count === 1 ? singular : plural;
}

/** `"a", "b"` */
export function joinQuote(items: string[]): string {
  return items.length ? `"${items.join('", "')}"` : '';
}

/** Sorted, de-duplicated (Go `sets.String.List()`). */
export function sortedSet(items: Iterable<string>): string[] {
  return [...new Set(items)].sort();
}

type AnyContainer = Container | EphemeralContainer;

/** Every container of the pod: init, regular, then ephemeral (upstream visitContainers). */
export function visitContainers(spec: PodSpec, fn: (c: AnyContainer) => void): void {
  for (const c of spec.initContainers ?? []) fn(c);
  for (const c of spec.containers ?? []) fn(c);
  for (const c of spec.ephemeralContainers ?? []) fn(c);
}

/** `containers "a", "b"` */
export function containerList(names: string[]): string {
  return `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;
}

/** From 1.25 Windows pods (spec.os.name=windows) are exempt from Linux-only restricted checks. */
export function exemptWindows(check: CheckPod): CheckPod {
  return (meta, spec) => (spec.os?.name === 'windows' ? allowed : check(meta, spec));
}
