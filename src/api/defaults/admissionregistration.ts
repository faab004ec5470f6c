import { type DefaulterTable, type JsonObject, forEachObject, isNil, objectField, structField } from './util.js';

/**
 * admissionregistration.k8s.io/v1 defaulters (upstream
 * `pkg/apis/admissionregistration/v1/defaults.go`). `sideEffects` and
 * `admissionReviewVersions` are required in v1, not defaulted.
 */
export const admissionregistrationDefaulters: DefaulterTable = {
  ValidatingWebhookConfiguration: (cfg) => forEachObject(cfg.webhooks, (w) => defaultWebhook(w, false)),
  MutatingWebhookConfiguration: (cfg) => forEachObject(cfg.webhooks, (w) => defaultWebhook(w, true)),
  ValidatingAdmissionPolicy: (policy) => {
    const spec = structField(policy, 'spec');
    if (!spec) return;
    if (isNil(spec.failurePolicy)) spec.failurePolicy = 'Fail';
    const match = objectField(spec, 'matchConstraints');
    if (match) defaultMatchResources(match);
  },
  ValidatingAdmissionPolicyBinding: (binding) => {
    const match = objectField(binding, 'spec') && objectField(binding.spec, 'matchResources');
    if (match) defaultMatchResources(match);
  },
};

function defaultWebhook(w: JsonObject, mutating: boolean): void {
  if (isNil(w.failurePolicy)) w.failurePolicy = 'Fail';
  if (isNil(w.matchPolicy)) w.matchPolicy = 'Equivalent';
  if (isNil(w.namespaceSelector)) w.namespaceSelector = {};
  if (isNil(w.objectSelector)) w.objectSelector = {};
  if (isNil(w.timeoutSeconds)) w.timeoutSeconds = 10;
  if (mutating && isNil(w.reinvocationPolicy)) w.reinvocationPolicy = 'Never';
  forEachObject(w.rules, defaultRule);
  const service = objectField(w, 'clientConfig') && objectField(w.clientConfig, 'service');
  if (service && isNil(service.port)) service.port = 443;
}

function defaultMatchResources(match: JsonObject): void {
  if (isNil(match.matchPolicy)) match.matchPolicy = 'Equivalent';
  if (isNil(match.namespaceSelector)) match.namespaceSelector = {};
  if (isNil(match.objectSelector)) match.objectSelector = {};
  forEachObject(match.resourceRules, defaultRule);
  forEachObject(match.excludeResourceRules, defaultRule);
}

function defaultRule(rule: JsonObject): void {
  if (isNil(rule.scope)) rule.scope = '*';
}
