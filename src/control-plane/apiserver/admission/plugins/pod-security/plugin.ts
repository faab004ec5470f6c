import type { Container, Namespace, Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { forbidden, invalid, type StatusError } from '../../../../../api/errors/status-error.js';
import { aggregateMessage } from '../../../../../api/validation/field-error.js';
import { addAuditAnnotation } from '../../../audit/annotations.js';
import type { AdmissionAttributes, ValidatingAdmissionPlugin } from '../../types.js';
import { aggregate, evaluatePod, forbiddenDetail, forbiddenReason, type AggregateResult } from './evaluator.js';
import { extractPodSpec, podControllerResources } from './pod-spec.js';
import {
  compareLevels,
  enforceLevelLabel,
  enforceVersionLabel,
  auditLevelLabel,
  auditVersionLabel,
  warnLevelLabel,
  warnVersionLabel,
  fullyPrivileged,
  levelVersionString,
  policyFromLabels,
  privilegedPolicy,
  sameLevelVersion,
  type LevelVersion,
  type Policy,
} from './policy.js';

export interface PodSecurityExemptions {
  usernames?: string[];
  namespaces?: string[];
  runtimeClasses?: string[];
}

export interface PodSecurityOptions {
  getNamespace(name: string): Promise<Namespace | undefined> | Namespace | undefined;
  /** Pods of a namespace, to warn about existing violators when its enforce level is raised. */
  listPods?(namespace: string): Promise<Pod[]> | Pod[];
  /** Policy for unlabelled namespaces (upstream default: privileged everywhere). */
  defaults?: Policy;
  exemptions?: PodSecurityExemptions;
  /** Existing pods checked on an enforce-level change (upstream: 3000). */
  maxPodsToCheck?: number;
}

/** The outcome of one request, as values; `validate` applies it. */
export interface PodSecurityDecision {
  /** Set when the request is rejected. */
  error?: StatusError;
  warnings: string[];
  /** Audit annotations, keys already prefixed with `pod-security.kubernetes.io/`. */
  auditAnnotations: Record<string, string>;
}

const annotationPrefix = 'pod-security.kubernetes.io/';
const ignoredPodSubresources = new Set([
  'exec',
  'attach',
  'binding',
  'eviction',
  'log',
  'portforward',
  'proxy',
  'status',
]);

const allow = (annotations: Record<string, string> = {}): PodSecurityDecision => ({
  warnings: [],
  auditAnnotations: prefixed(annotations),
});

function prefixed(a: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(a).map(([k, v]) => [annotationPrefix + k, v]));
}

/**
 * PodSecurity admission (upstream `pod-security-admission/admission`): pods
 * are checked against the Pod Security Standards level their namespace's
 * `pod-security.kubernetes.io/{enforce,audit,warn}[-version]` labels select.
 * `enforce` rejects with upstream's 403 (`violates PodSecurity
 * "restricted:latest": ...`), `warn` adds response warnings, `audit` adds
 * audit annotations. Workload templates get warnings and audit annotations
 * only. Namespace label changes are validated and, when the enforce level
 * tightens, warn about existing pods that would now be rejected.
 */
export class PodSecurityAdmission implements ValidatingAdmissionPlugin {
  readonly name = 'PodSecurity';
  readonly #opts: PodSecurityOptions;
  readonly #defaults: Policy;

  constructor(opts: PodSecurityOptions) {
    this.#opts = opts;
    this.#defaults = opts.defaults ?? privilegedPolicy;
  }

  handles(a: AdmissionAttributes): boolean {
    if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return false;
    const key = `${a.resource.group}/${a.resource.plural}`;
    if (key === '/pods') return !ignoredPodSubresources.has(a.subresource);
    if (key === '/namespaces') return a.subresource === '';
    return podControllerResources.has(key) && a.subresource === '';
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    const d = await this.evaluate(a);
    for (const [k, v] of Object.entries(d.auditAnnotations)) addAuditAnnotation(a.ctx, k, v);
    a.ctx.warnings.push(...d.warnings);
    if (d.error) throw d.error;
  }

  /** Decides the request without side effects. */
  async evaluate(a: AdmissionAttributes): Promise<PodSecurityDecision> {
    if (!a.object) return allow();
    const key = `${a.resource.group}/${a.resource.plural}`;
    if (key === '/namespaces') return this.#validateNamespace(a);
    if (this.#opts.exemptions?.namespaces?.includes(a.namespace)) return allow({ exempt: 'namespace' });
    if (this.#opts.exemptions?.usernames?.includes(a.ctx.user.username)) return allow({ exempt: 'user' });
    let ns: Namespace | undefined;
    try {
      ns = await this.#opts.getNamespace(a.namespace);
      if (!ns) throw new Error(`namespaces ${JSON.stringify(a.namespace)} not found`);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      return allow({ error: `failed to lookup namespace ${JSON.stringify(a.namespace)}: ${msg}` });
    }
    const { policy, errors } = policyFromLabels(ns.metadata?.labels, this.#defaults);
    const policyError = errors.length ? aggregateMessage(errors) : undefined;
    const extracted = extractPodSpec(a.resource.group, a.resource.plural, a.object);
    if (key === '/pods') {
      if (!policyError && fullyPrivileged(policy)) {
        return allow({ 'enforce-policy': levelVersionString({ level: 'privileged', version: 'latest' }) });
      }
      if (
        a.operation === 'UPDATE' &&
        a.oldObject &&
        !significantPodUpdate(a.object as unknown as Pod, a.oldObject as unknown as Pod)
      ) {
        return allow();
      }
      if (!extracted) return allow();
      return this.#evaluatePod(a, policy, policyError, extracted.meta, extracted.spec, true);
    }
    if (!policyError && policy.warn.level === 'privileged' && policy.audit.level === 'privileged') return allow();
    if (!extracted) return allow();
    return this.#evaluatePod(a, policy, policyError, extracted.meta, extracted.spec, false);
  }

  #evaluatePod(
    a: AdmissionAttributes,
    policy: Policy,
    policyError: string | undefined,
    meta: ObjectMeta,
    spec: PodSpec,
    enforce: boolean,
  ): PodSecurityDecision {
    if (spec.runtimeClassName && this.#opts.exemptions?.runtimeClasses?.includes(spec.runtimeClassName)) {
      return allow({ exempt: 'runtimeClass' });
    }
    const annotations: Record<string, string> = {};
    if (policyError) annotations.error = `Failed to parse policy: ${policyError}`;
    const results: { lv: LevelVersion; result: AggregateResult }[] = [];
    const resultFor = (lv: LevelVersion) => {
      let r = results.find((x) => sameLevelVersion(x.lv, lv))?.result;
      if (!r) {
        r = aggregate(evaluatePod(lv, meta, spec));
        results.push({ lv, result: r });
      }
      return r;
    };
    let error: StatusError | undefined;
    if (enforce) {
      annotations['enforce-policy'] = levelVersionString(policy.enforce);
      const r = resultFor(policy.enforce);
      if (!r.allowed) {
        error = forbidden(
          { group: a.resource.group, resource: a.resource.plural },
          a.name,
          `violates PodSecurity ${JSON.stringify(levelVersionString(policy.enforce))}: ${forbiddenDetail(r)}`,
        );
      }
    }
    const audit = resultFor(policy.audit);
    if (!audit.allowed) {
      annotations['audit-violations'] =
        `would violate PodSecurity ${JSON.stringify(levelVersionString(policy.audit))}: ${forbiddenDetail(audit)}`;
    }
    const warnings: string[] = [];
    // No warnings on a request that is rejected anyway.
    if (!error) {
      const warn = resultFor(policy.warn);
      if (!warn.allowed) {
        warnings.push(
          `would violate PodSecurity ${JSON.stringify(levelVersionString(policy.warn))}: ${forbiddenDetail(warn)}`,
        );
      }
    }
    return { error, warnings, auditAnnotations: prefixed(annotations) };
  }

  async #validateNamespace(a: AdmissionAttributes): Promise<PodSecurityDecision> {
    const ns = a.object as unknown as Namespace;
    const name = ns.metadata?.name ?? a.name;
    const { policy, errors } = policyFromLabels(ns.metadata?.labels, this.#defaults);
    const invalidLabels = () => invalid({ group: '', kind: 'Namespace' }, name, errors);
    const exempt = this.#opts.exemptions?.namespaces?.includes(name) ?? false;
    if (a.operation === 'CREATE') {
      if (errors.length) return { error: invalidLabels(), warnings: [], auditAnnotations: {} };
      return {
        warnings: exempt ? this.#exemptWarning(name, policy, ns.metadata?.labels ?? {}) : [],
        auditAnnotations: {},
      };
    }
    const old = a.oldObject as unknown as Namespace | undefined;
    const before = policyFromLabels(old?.metadata?.labels, this.#defaults);
    const errorText = (es: typeof errors) => JSON.stringify(es);
    if (errors.length && (!before.errors.length || errorText(errors) !== errorText(before.errors))) {
      return { error: invalidLabels(), warnings: [], auditAnnotations: {} };
    }
    // Existing pods are only dry-run when enforcement gets stricter.
    if (sameLevelVersion(policy.enforce, before.policy.enforce)) return allow();
    if (policy.enforce.level === 'privileged') return allow();
    if (
      policy.enforce.version === before.policy.enforce.version &&
      compareLevels(policy.enforce.level, before.policy.enforce.level) < 1
    ) {
      return allow();
    }
    if (exempt) return { warnings: this.#exemptWarning(name, policy, ns.metadata?.labels ?? {}), auditAnnotations: {} };
    return { warnings: await this.#checkExistingPods(name, policy.enforce), auditAnnotations: {} };
  }

  #exemptWarning(name: string, policy: Policy, labels: Record<string, string>): string[] {
    if (fullyPrivileged(policy) || equivalentPolicy(policy, this.#defaults)) return [];
    const parts: string[] = [];
    const add = (mode: string, lv: LevelVersion, levelKey: string, versionKey: string) => {
      if (lv.level !== 'privileged' && (levelKey in labels || versionKey in labels))
        parts.push(`${mode}=${levelVersionString(lv)}`);
    };
    add('enforce', policy.enforce, enforceLevelLabel, enforceVersionLabel);
    add('warn', policy.warn, warnLevelLabel, warnVersionLabel);
    add('audit', policy.audit, auditLevelLabel, auditVersionLabel);
    return [
      `namespace ${JSON.stringify(name)} is exempt from Pod Security, and the policy (${parts.join(', ')}) will be ignored`,
    ];
  }

  async #checkExistingPods(namespace: string, enforce: LevelVersion): Promise<string[]> {
    if (!this.#opts.listPods) return [];
    let pods: Pod[];
    try {
      pods = await this.#opts.listPods(namespace);
    } catch {
      return ['failed to list pods while checking new PodSecurity enforce level'];
    }
    const ordered = this.#prioritize(pods);
    const max = this.#opts.maxPodsToCheck ?? 3000;
    const checked = ordered.slice(0, max);
    const counts = new Map<string, { first: string; count: number }>();
    for (const pod of checked) {
      const r = aggregate(evaluatePod(enforce, pod.metadata ?? {}, pod.spec ?? { containers: [] }));
      if (r.allowed) continue;
      const warning = forbiddenReason(r);
      const podName = pod.metadata?.name ?? '';
      const c = counts.get(warning);
      if (!c) counts.set(warning, { first: podName, count: 1 });
      else {
        c.count++;
        if (podName < c.first) c.first = podName;
      }
    }
    const out: string[] = [];
    if (checked.length < ordered.length) {
      out.push(
        `new PodSecurity enforce level only checked against the first ${checked.length} of ${ordered.length} existing pods`,
      );
    }
    if (counts.size) {
      out.push(
        `existing pods in namespace ${JSON.stringify(namespace)} violate the new PodSecurity enforce level ${JSON.stringify(levelVersionString(enforce))}`,
      );
    }
    const podWarnings = [...counts].map(([warning, c]) => {
      if (c.count === 1) return `${c.first}: ${warning}`;
      if (c.count === 2) return `${c.first} (and 1 other pod): ${warning}`;
      return `${c.first} (and ${c.count - 1} other pods): ${warning}`;
    });
    return [...out, ...podWarnings.sort()];
  }

  /** Pods of distinct controllers first, replicas of an already-seen controller last; exempt runtime classes skipped. */
  #prioritize(pods: Pod[]): Pod[] {
    const first: Pod[] = [];
    const duplicates: Pod[] = [];
    const seen = new Set<string>();
    for (const pod of pods) {
      const rc = pod.spec?.runtimeClassName;
      if (rc && this.#opts.exemptions?.runtimeClasses?.includes(rc)) continue;
      const owner = pod.metadata?.ownerReferences?.find((r) => r.controller);
      if (!owner) first.push(pod);
      else if (seen.has(owner.uid)) duplicates.push(pod);
      else {
        seen.add(owner.uid);
        first.push(pod);
      }
    }
    return [...first, ...duplicates];
  }
}

function equivalentPolicy(a: Policy, b: Policy): boolean {
  const eq = (x: LevelVersion, y: LevelVersion) =>
    x.level === y.level && (x.level === 'privileged' || x.version === y.version);
  return eq(a.enforce, b.enforce) && eq(a.audit, b.audit) && eq(a.warn, b.warn);
}

/** Only image changes (and added ephemeral containers) can change a running pod's verdict. */
function significantPodUpdate(pod: Pod, old: Pod): boolean {
  const cs = pod.spec?.containers ?? [];
  const oldCs = old.spec?.containers ?? [];
  const inits = pod.spec?.initContainers ?? [];
  const oldInits = old.spec?.initContainers ?? [];
  if (cs.length !== oldCs.length || inits.length !== oldInits.length) return true;
  const ann = pod.metadata?.annotations ?? {};
  const oldAnn = old.metadata?.annotations ?? {};
  const changed = (c: Container, o: Container) => {
    if (c.image !== o.image) return true;
    const key = `container.seccomp.security.alpha.kubernetes.io/${c.name}`;
    return ann[key] !== oldAnn[key];
  };
  if (cs.some((c, i) => changed(c, oldCs[i]!))) return true;
  if (inits.some((c, i) => changed(c, oldInits[i]!))) return true;
  for (const e of pod.spec?.ephemeralContainers ?? []) {
    const o = (old.spec?.ephemeralContainers ?? []).find((x) => x.name === e.name);
    if (!o || changed(e as Container, o as Container)) return true;
  }
  return false;
}
