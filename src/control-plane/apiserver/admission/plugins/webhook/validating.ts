import type { ValidatingWebhookConfiguration } from 'kubernetes-types/admissionregistration/v1.js';
import { internalError } from '../../../../../api/errors/status-error.js';
import { addAuditAnnotation } from '../../../audit/annotations.js';
import type { AdmissionAttributes, ValidatingAdmissionPlugin } from '../../types.js';
import { webhooksOf } from './accessor.js';
import { CallingWebhookError } from './client.js';
import { callHook, matchConditionsWarning, shouldCallHook, type WebhookDispatchOptions } from './dispatcher.js';
import { isExemptFromWebhooks } from './rules.js';

export interface ValidatingWebhookOptions extends WebhookDispatchOptions {
  listConfigurations(): Promise<ValidatingWebhookConfiguration[]> | ValidatingWebhookConfiguration[];
}

/**
 * ValidatingAdmissionWebhook (upstream `webhook/validating/dispatcher.go`):
 * all matching webhooks are called in parallel with the final object; any
 * denial rejects the request (the first in webhook order is reported). Call
 * failures honour `failurePolicy` as for mutating webhooks.
 */
export class ValidatingWebhookPlugin implements ValidatingAdmissionPlugin {
  readonly name = 'ValidatingAdmissionWebhook';
  constructor(private readonly opts: ValidatingWebhookOptions) {}

  handles(a: AdmissionAttributes): boolean {
    return !isExemptFromWebhooks(a.resource.group, a.resource.plural);
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    const hooks = webhooksOf(await this.opts.listConfigurations(), false);
    if (!hooks.length) return;
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < hooks.length; i++) {
      const hook = hooks[i]!;
      const decision = await shouldCallHook(hook, a, this.opts);
      if ('skip' in decision) {
        if (decision.skip === 'matchConditions') a.ctx.warnings.push(matchConditionsWarning(hook));
        continue;
      }
      calls.push(
        callHook(hook, a, decision.call, this.opts.client).then(
          () => undefined,
          (err: unknown) => {
            if (err instanceof CallingWebhookError) {
              if (hook.failurePolicy === 'Ignore') {
                addAuditAnnotation(
                  a.ctx,
                  `failed-open.validating.webhook.admission.k8s.io/round_0_index_${i}`,
                  hook.name,
                );
                return undefined;
              }
              return internalError(err);
            }
            return err;
          },
        ),
      );
    }
    const errors = (await Promise.all(calls)).filter((e) => e !== undefined);
    if (errors.length) throw errors[0];
  }
}
