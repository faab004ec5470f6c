import type {
  MatchCondition,
  MutatingWebhook,
  MutatingWebhookConfiguration,
  ValidatingWebhook,
  ValidatingWebhookConfiguration,
  WebhookClientConfig,
} from 'kubernetes-types/admissionregistration/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { WebhookRule } from './rules.js';

/**
 * Webhooks flattened out of their configurations with the v1 defaults
 * applied (failurePolicy Fail, matchPolicy Equivalent, timeout 10 s, empty
 * selectors, reinvocation Never). Configurations are visited in name order
 * and webhooks in list order, as upstream's configuration managers sort them.
 */
export interface WebhookAccessor {
  /** `<configuration>/<name>/<index>`: identifies a webhook for reinvocation bookkeeping. */
  uid: string;
  configurationName: string;
  name: string;
  mutating: boolean;
  clientConfig: WebhookClientConfig;
  rules: WebhookRule[];
  failurePolicy: 'Fail' | 'Ignore';
  matchPolicy: 'Exact' | 'Equivalent';
  namespaceSelector: LabelSelector;
  objectSelector: LabelSelector;
  sideEffects: string;
  timeoutSeconds: number;
  admissionReviewVersions: string[];
  matchConditions: MatchCondition[];
  reinvocationPolicy: 'Never' | 'IfNeeded';
}

type Config = MutatingWebhookConfiguration | ValidatingWebhookConfiguration;

function byName(a: Config, b: Config): number {
  const x = a.metadata?.name ?? '';
  const y = b.metadata?.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

function accessor(
  config: Config,
  hook: MutatingWebhook | ValidatingWebhook,
  index: number,
  mutating: boolean,
): WebhookAccessor {
  const configurationName = config.metadata?.name ?? '';
  return {
    uid: `${configurationName}/${hook.name}/${index}`,
    configurationName,
    name: hook.name,
    mutating,
    clientConfig: hook.clientConfig,
    rules: hook.rules ?? [],
    failurePolicy: hook.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
    matchPolicy: hook.matchPolicy === 'Exact' ? 'Exact' : 'Equivalent',
    namespaceSelector: hook.namespaceSelector ?? {},
    objectSelector: hook.objectSelector ?? {},
    sideEffects: hook.sideEffects,
    timeoutSeconds: hook.timeoutSeconds ?? 10,
    admissionReviewVersions: hook.admissionReviewVersions ?? [],
    matchConditions: hook.matchConditions ?? [],
    reinvocationPolicy: (hook as MutatingWebhook).reinvocationPolicy === 'IfNeeded' ? 'IfNeeded' : 'Never',
  };
}

export function webhooksOf(configs: Config[], mutating: boolean): WebhookAccessor[] {
  return [...configs]
    .sort(byName)
    .flatMap((c) =>
      (c.webhooks ?? []).map((h, i) => accessor(c, h as MutatingWebhook | ValidatingWebhook, i, mutating)),
    );
}
