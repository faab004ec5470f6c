/**
 * ValidatingAdmissionPolicy (upstream `admission/plugin/policy/validating`):
 * for every policy whose matchConstraints select the request, every binding
 * naming it whose matchResources also select it is evaluated once per param.
 * Failed validations act per the binding's validationActions — Deny rejects
 * (the first denial is reported), Warn adds a `299` warning, Audit records
 * `validation.policy.admission.k8s.io/validation_failure`. Configuration
 * errors (missing params with Deny, unknown paramKind) follow the policy's
 * failurePolicy. `status.typeChecking` is not maintained.
 */
import type {
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
} from 'kubernetes-types/admissionregistration/v1.js';
import type { Namespace } from 'kubernetes-types/core/v1.js';
import { toCelValue } from '../../../../../api/cel/index.js';
import { forbidden, StatusError, type StatusReason } from '../../../../../api/errors/status-error.js';
import type { GroupVersionKind } from '../../../../../api/scheme/types.js';
import { addAuditAnnotation } from '../../../audit/annotations.js';
import type { AdmissionAttributes, ValidatingAdmissionPlugin } from '../../types.js';
import type { GVR } from '../webhook/review.js';
import { isExemptFromWebhooks } from '../webhook/rules.js';
import { baseActivation } from './activation.js';
import { compilePolicy } from './compile.js';
import { matchInvocation, type MatchContext } from './matching.js';
import { collectParams } from './params.js';
import type { PolicySource } from './source.js';
import { validatePolicy, type Decision } from './validator.js';

export interface ValidatingAdmissionPolicyOptions {
  source: PolicySource;
  /** Other served versions of the request's group-resource, for `matchPolicy: Equivalent`. */
  equivalentResources?(a: AdmissionAttributes): { resource: GVR; kind: GroupVersionKind }[];
}

interface Denial {
  policy: string;
  binding: string;
  message: string;
  reason: string;
}

const FAILURE_KEY = 'validation.policy.admission.k8s.io/validation_failure';

const codeFor: Record<string, number> = {
  Forbidden: 403,
  Unauthorized: 401,
  RequestEntityTooLarge: 413,
  Invalid: 422,
};

const byName = (x: { metadata?: { name?: string } }, y: { metadata?: { name?: string } }) =>
  (x.metadata?.name ?? '') < (y.metadata?.name ?? '')
    ? -1
    : (x.metadata?.name ?? '') > (y.metadata?.name ?? '')
      ? 1
      : 0;

/** admission.NewForbidden with the denial's reason and code, and the message as the single cause. */
function denialError(a: AdmissionAttributes, d: Denial): StatusError {
  const message = `ValidatingAdmissionPolicy '${d.policy}' with binding '${d.binding}' denied request: ${d.message}`;
  const name = a.name || String(a.object?.metadata?.name ?? '');
  const base = forbidden({ group: a.resource.group, resource: a.resource.plural }, name, message);
  const reason = (d.reason || 'Invalid') as StatusReason;
  return new StatusError(codeFor[reason] ?? 422, reason, base.message, {
    ...base.details,
    causes: [{ message }],
  });
}

export class ValidatingAdmissionPolicyPlugin implements ValidatingAdmissionPlugin {
  readonly name = 'ValidatingAdmissionPolicy';
  constructor(private readonly opts: ValidatingAdmissionPolicyOptions) {}

  handles(a: AdmissionAttributes): boolean {
    return !isExemptFromWebhooks(a.resource.group, a.resource.plural);
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    const policies = await this.opts.source.listPolicies();
    if (!policies.length) return;
    const bindings = await this.opts.source.listBindings();
    if (!bindings.length) return;
    const byPolicy = new Map<string, ValidatingAdmissionPolicyBinding[]>();
    for (const b of [...bindings].sort(byName)) {
      const p = b.spec?.policyName ?? '';
      byPolicy.set(p, [...(byPolicy.get(p) ?? []), b]);
    }
    const namespace = a.namespace ? await this.opts.source.getNamespace(a.namespace) : undefined;
    const m: MatchContext = { a, namespace, equivalents: () => this.opts.equivalentResources?.(a) ?? [] };
    const denials: Denial[] = [];
    for (const policy of [...policies].sort(byName)) {
      const policyBindings = byPolicy.get(policy.metadata?.name ?? '');
      if (!policyBindings) continue;
      await this.evaluatePolicy(a, m, policy, policyBindings, namespace, denials);
    }
    if (denials.length) throw denialError(a, denials[0]!);
  }

  private async evaluatePolicy(
    a: AdmissionAttributes,
    m: MatchContext,
    policy: ValidatingAdmissionPolicy,
    bindings: ValidatingAdmissionPolicyBinding[],
    namespace: Namespace | undefined,
    denials: Denial[],
  ): Promise<void> {
    const inv = matchInvocation(policy.spec?.matchConstraints, m);
    if (!inv) return;
    const compiled = compilePolicy(policy);
    const policyName = compiled.name;
    const base = baseActivation(a, inv);
    base.namespaceObject = namespace ? toCelValue(namespace) : null;
    const annotations = new Map<string, string[]>();
    for (const binding of bindings) {
      const bindingName = binding.metadata?.name ?? '';
      if (binding.spec?.matchResources && !matchInvocation(binding.spec.matchResources, m)) continue;
      const configError = (err: string) => {
        if (compiled.failurePolicy === 'Ignore') return;
        denials.push({
          policy: policyName,
          binding: bindingName,
          message: `failed to configure binding: ${err}`,
          reason: '',
        });
      };
      const paramKind = policy.spec?.paramKind;
      const paramRef = binding.spec?.paramRef;
      const store =
        paramKind && paramRef
          ? await this.opts.source.paramStore(paramKind.apiVersion ?? '', paramKind.kind ?? '')
          : undefined;
      const collected = collectParams(paramKind, paramRef, a.namespace, store);
      if ('configError' in collected) {
        configError(collected.configError);
        continue;
      }
      const actions = binding.spec?.validationActions ?? [];
      for (const param of collected.params) {
        const result = validatePolicy(compiled, { ...base, params: param === null ? null : toCelValue(param) });
        for (const d of result.decisions) {
          if (d.action === 'deny') this.act(a, actions, policyName, bindingName, d, denials);
        }
        for (const an of result.auditAnnotations) {
          const values = annotations.get(an.key) ?? [];
          if (!values.includes(an.value)) values.push(an.value);
          annotations.set(an.key, values);
        }
      }
    }
    for (const [key, values] of annotations) addAuditAnnotation(a.ctx, `${policyName}/${key}`, values.join(', '));
  }

  private act(
    a: AdmissionAttributes,
    actions: string[],
    policy: string,
    binding: string,
    d: Decision,
    denials: Denial[],
  ): void {
    for (const action of actions) {
      if (action === 'Deny') denials.push({ policy, binding, message: d.message, reason: d.reason });
      else if (action === 'Warn')
        a.ctx.warnings.push(
          `Validation failed for ValidatingAdmissionPolicy '${policy}' with binding '${binding}': ${d.message}`,
        );
      else if (action === 'Audit')
        addAuditAnnotation(
          a.ctx,
          FAILURE_KEY,
          JSON.stringify([
            { message: d.message, policy, binding, expressionIndex: d.index ?? 0, validationActions: actions },
          ]),
        );
    }
  }
}
