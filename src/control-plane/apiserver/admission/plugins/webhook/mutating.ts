import { isDeepStrictEqual } from 'node:util';
import type { MutatingWebhookConfiguration } from 'kubernetes-types/admissionregistration/v1.js';
import { internalError } from '../../../../../api/errors/status-error.js';
import { applyJsonPatch, type JsonValue } from '../../../../../api/patch/index.js';
import { addAuditAnnotation } from '../../../audit/annotations.js';
import type { AdmissionAttributes, MutatingAdmissionPlugin } from '../../types.js';
import { replaceContents } from '../plugin-util.js';
import { webhooksOf, type WebhookAccessor } from './accessor.js';
import { CallingWebhookError } from './client.js';
import { callHook, matchConditionsWarning, shouldCallHook, type WebhookDispatchOptions } from './dispatcher.js';
import type { Invocation } from './review.js';
import { isExemptFromWebhooks } from './rules.js';

export interface MutatingWebhookOptions extends WebhookDispatchOptions {
  listConfigurations(): Promise<MutatingWebhookConfiguration[]> | MutatingWebhookConfiguration[];
  /** Re-applies API defaulting after a patch (upstream defaults the patched object). */
  defaulter?(a: AdmissionAttributes): void;
}

/**
 * MutatingAdmissionWebhook (upstream `webhook/mutating/dispatcher.go`):
 * matching webhooks are called one after another in configuration-name
 * order, each seeing the previous one's changes; JSONPatch answers are
 * applied to the request object in place. If a later webhook changes the
 * object, webhooks with `reinvocationPolicy: IfNeeded` that already ran are
 * called once more. Call failures honour `failurePolicy` (Ignore fails open
 * with an audit note; Fail is a 500); denials carry the webhook's status.
 */
export class MutatingWebhookPlugin implements MutatingAdmissionPlugin {
  readonly name = 'MutatingAdmissionWebhook';
  constructor(private readonly opts: MutatingWebhookOptions) {}

  handles(a: AdmissionAttributes): boolean {
    return !isExemptFromWebhooks(a.resource.group, a.resource.plural);
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    const hooks = webhooksOf(await this.opts.listConfigurations(), true);
    if (!hooks.length) return;
    const invokedReinvocable = new Set<string>();
    const reinvoke = new Set<string>();
    for (let i = 0; i < hooks.length; i++) {
      const hook = hooks[i]!;
      const decision = await shouldCallHook(hook, a, this.opts);
      if ('skip' in decision) {
        if (decision.skip === 'matchConditions') a.ctx.warnings.push(matchConditionsWarning(hook));
        continue;
      }
      const changed = await this.#invoke(hook, a, decision.call, 0, i);
      if (changed) {
        // Webhooks that asked to see later changes get another call.
        for (const uid of invokedReinvocable) reinvoke.add(uid);
        invokedReinvocable.clear();
      }
      if (hook.reinvocationPolicy === 'IfNeeded') invokedReinvocable.add(hook.uid);
    }
    if (!reinvoke.size) return;
    for (let i = 0; i < hooks.length; i++) {
      const hook = hooks[i]!;
      if (!reinvoke.has(hook.uid)) continue;
      const decision = await shouldCallHook(hook, a, this.opts);
      if ('call' in decision) await this.#invoke(hook, a, decision.call, 1, i);
    }
  }

  /** Calls one webhook and applies its patch; returns whether the object changed. */
  async #invoke(
    hook: WebhookAccessor,
    a: AdmissionAttributes,
    inv: Invocation,
    round: number,
    index: number,
  ): Promise<boolean> {
    const key = `round_${round}_index_${index}`;
    let changed = false;
    try {
      const result = await callHook(hook, a, inv, this.opts.client);
      if (result.patch?.length) changed = this.#applyPatch(hook, a, result.patch);
    } catch (err) {
      if (err instanceof CallingWebhookError) {
        if (hook.failurePolicy === 'Ignore') {
          addAuditAnnotation(a.ctx, `failed-open.mutation.webhook.admission.k8s.io/${key}`, hook.name);
          return false;
        }
        throw internalError(err);
      }
      throw err;
    }
    addAuditAnnotation(
      a.ctx,
      `mutation.webhook.admission.k8s.io/${key}`,
      JSON.stringify({ configuration: hook.configurationName, webhook: hook.name, mutated: changed }),
    );
    return changed;
  }

  #applyPatch(hook: WebhookAccessor, a: AdmissionAttributes, patchBytes: Uint8Array): boolean {
    let ops: unknown;
    try {
      ops = JSON.parse(Buffer.from(patchBytes).toString('utf8'));
    } catch (err) {
      throw internalError(err);
    }
    if (!Array.isArray(ops))
      throw internalError(new Error('json: cannot unmarshal object into Go value of type jsonpatch.Patch'));
    if (!ops.length) return false;
    if (!a.object) {
      throw internalError(
        new Error(
          `admission webhook ${JSON.stringify(hook.name)} attempted to modify the object, which is not supported for this operation`,
        ),
      );
    }
    let patched: JsonValue;
    try {
      patched = applyJsonPatch(a.object as unknown as JsonValue, ops as JsonValue);
    } catch (err) {
      throw internalError(err);
    }
    if (patched === null || typeof patched !== 'object' || Array.isArray(patched)) {
      throw internalError(new Error('the patched object is not a JSON object'));
    }
    const changed = !isDeepStrictEqual(a.object, patched);
    replaceContents(a.object as Record<string, unknown>, patched as Record<string, unknown>);
    this.opts.defaulter?.(a);
    return changed;
  }
}
