import { parse } from 'yaml';
import { aggregateMessage, FieldPath, type FieldError } from '../../../api/validation/field-error.js';
import { isDNS1123Subdomain } from '../../../api/validation/names.js';

/**
 * The audit policy file (`--audit-policy-file`, `audit.k8s.io/v1` Policy):
 * an ordered list of rules, the first matching rule decides how much of a
 * request is recorded. Parsing validates like upstream
 * (`apiserver/pkg/apis/audit/validation`).
 */
export type AuditLevel = 'None' | 'Metadata' | 'Request' | 'RequestResponse';
export type AuditStage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';

export const auditLevels: readonly AuditLevel[] = ['None', 'Metadata', 'Request', 'RequestResponse'];
export const auditStages: readonly AuditStage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];

/** Whether `a` records less than `b`. */
export function levelLess(a: AuditLevel, b: AuditLevel): boolean {
  return auditLevels.indexOf(a) < auditLevels.indexOf(b);
}

export interface GroupResources {
  /** '' is the core group. */
  group?: string;
  /** `pods`, `pods/log`, `*\/status`, `deployments/*`, `*`. */
  resources?: string[];
  resourceNames?: string[];
}

export interface PolicyRule {
  level: AuditLevel;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  /** '' matches cluster-scoped requests. */
  namespaces?: string[];
  /** `/healthz`, `/apis/*`, `*`. */
  nonResourceURLs?: string[];
  omitStages?: AuditStage[];
  omitManagedFields?: boolean;
}

export interface AuditPolicy {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
  rules: PolicyRule[];
  omitStages?: AuditStage[];
  omitManagedFields?: boolean;
}

function validateStages(stages: unknown[] | undefined, path: FieldPath, errs: FieldError[]) {
  (stages ?? []).forEach((s, i) => {
    if (!(auditStages as unknown[]).includes(s)) errs.push(path.index(i).notSupported(s, auditStages));
  });
}

export function validatePolicy(p: AuditPolicy): FieldError[] {
  const errs: FieldError[] = [];
  const rulesPath = FieldPath.root('rules');
  (p.rules ?? []).forEach((rule, i) => {
    const path = rulesPath.index(i);
    if (!rule.level) errs.push(path.child('level').required());
    else if (!auditLevels.includes(rule.level)) errs.push(path.child('level').notSupported(rule.level, auditLevels));
    (rule.nonResourceURLs ?? []).forEach((url, j) => {
      if (url === '*') return;
      if (!url.startsWith('/')) {
        errs.push(
          path.child('nonResourceURLs').index(j).invalid(url, "non-resource URL rules must begin with a '/' character"),
        );
      }
      if (url !== '' && url.slice(0, -1).includes('*')) {
        errs.push(
          path
            .child('nonResourceURLs')
            .index(j)
            .invalid(url, "non-resource URL wildcards '*' must be the final character of the rule"),
        );
      }
    });
    for (const gr of rule.resources ?? []) {
      if (gr.group) {
        const msgs = isDNS1123Subdomain(gr.group);
        if (msgs.length) errs.push(path.child('resources', 'group').invalid(gr.group, msgs.join(',')));
      }
      if (gr.resourceNames?.length && !gr.resources?.length) {
        errs.push(
          path
            .child('resources', 'resourceNames')
            .invalid(gr.resourceNames, 'using resourceNames requires at least one resource'),
        );
      }
    }
    validateStages(rule.omitStages, path.child('omitStages'), errs);
    if (rule.nonResourceURLs?.length && (rule.resources?.length || rule.namespaces?.length)) {
      errs.push(
        path
          .child('nonResourceURLs')
          .invalid(rule.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'),
      );
    }
  });
  validateStages(p.omitStages, FieldPath.root('omitStages'), errs);
  return errs;
}

const acceptedVersions = ['audit.k8s.io/v1', 'audit.k8s.io/v1beta1'];

/** Parses and validates a policy document (YAML or JSON); throws an Error with upstream-style text. */
export function parsePolicy(text: string, source = 'policy'): AuditPolicy {
  const doc = parse(text) as Partial<AuditPolicy> | null;
  if (!doc || typeof doc !== 'object') throw new Error(`failed decoding ${source}: empty policy document`);
  if (doc.kind !== 'Policy' || !acceptedVersions.includes(doc.apiVersion ?? '')) {
    throw new Error(
      `failed decoding ${source}: no kind "${doc.kind ?? ''}" is registered for version "${doc.apiVersion ?? ''}"`,
    );
  }
  const policy: AuditPolicy = { ...doc, rules: doc.rules ?? [] };
  const errs = validatePolicy(policy);
  if (errs.length) throw new Error(`${source}: ${aggregateMessage(errs)}`);
  if (!policy.rules.length) throw new Error(`loaded illegal policy with 0 rules from file ${source}`);
  return policy;
}
