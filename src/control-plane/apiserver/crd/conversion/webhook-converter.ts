import { randomUUID } from 'node:crypto';
import type { WebhookClientConfig as CrdWebhookClientConfig } from 'kubernetes-types/apiextensions/v1.js';
import { StatusError } from '../../../../api/errors/status-error.js';
import type { WebhookClient } from '../../admission/plugins/webhook/client.js';
import type { KubeObject } from '../../watch-cache/types.js';
import type { CrConverter } from './converter.js';
import {
  buildConversionReview,
  chooseReviewVersion,
  convertedObjectsOf,
  gvkString,
  restoreObjectMeta,
  validateConvertedObject,
} from './review.js';

/** Upstream sends conversion requests with client-go's default webhook timeout. */
export const defaultConversionTimeoutMs = 30_000;

export interface WebhookConverterOptions {
  /** The HTTPS client shared with admission webhooks (caBundle, service resolution). */
  client: Pick<WebhookClient, 'post'>;
  clientConfig: CrdWebhookClientConfig;
  conversionReviewVersions: readonly string[];
  timeoutMs?: number;
  /** Request uid source (tests pin it). */
  uid?: () => string;
}

const fail = (message: string) => new StatusError(500, '', message);

/**
 * Strategy Webhook: every object not yet at the desired version goes to the
 * webhook in one ConversionReview; the answer is checked as upstream checks
 * it (uid, result, count, groupVersion, kind, identity) and each converted
 * object keeps the original metadata except labels and annotations.
 */
export function webhookConverter(opts: WebhookConverterOptions): CrConverter {
  const timeoutMs = opts.timeoutMs ?? defaultConversionTimeoutMs;
  const newUID = opts.uid ?? randomUUID;
  return {
    async convert(objects, apiVersion, o = {}) {
      const pending: number[] = [];
      objects.forEach((obj, i) => {
        if (obj.apiVersion !== apiVersion) pending.push(i);
      });
      if (pending.length === 0) return [...objects];
      const first = objects[pending[0]!]!;
      const kind = String(first.kind ?? '');
      // Upstream names the GVK of what it was asked to convert: the object, or the list holding it.
      const what = gvkString(String(first.apiVersion ?? ''), o.list ? `${kind}List` : kind);
      const version = chooseReviewVersion(opts.conversionReviewVersions);
      if (!version) throw fail('no supported conversion review versions');
      const uid = newUID();
      const sent = pending.map((i) => objects[i]!);
      let answer: unknown;
      try {
        answer = await opts.client.post(
          opts.clientConfig as never,
          buildConversionReview(version, uid, apiVersion, sent),
          timeoutMs,
        );
      } catch (err) {
        throw fail(`conversion webhook for ${what} failed: ${(err as Error).message}`);
      }
      let converted: unknown[];
      try {
        converted = convertedObjectsOf(answer, version, uid);
      } catch (err) {
        throw fail(`conversion webhook for ${what} failed: ${(err as Error).message}`);
      }
      if (converted.length !== sent.length)
        throw fail(`conversion webhook for ${what} returned ${converted.length} objects, expected ${sent.length}`);
      const out = [...objects];
      pending.forEach((at, n) => {
        out[at] = checked(sent[n]!, converted[n], apiVersion, what, o.list ? n : undefined);
      });
      return out;
    },
  };
}

/**
 * One converted object, checked against what was sent. `index` is the
 * position in a list conversion (undefined for a single object); upstream's
 * list messages print it one past the position for the later checks.
 */
function checked(original: KubeObject, raw: unknown, apiVersion: string, what: string, index?: number): KubeObject {
  const single = index === undefined;
  const invalid = (n: number, msg: string) =>
    fail(
      single
        ? `conversion webhook for ${what} returned invalid object${msg.startsWith('invalid ') ? ' at index 0' : ''}: ${msg}`
        : `conversion webhook for ${what} returned invalid converted object at index ${n}: ${msg}`,
    );
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw invalid(index ?? 0, `json: cannot unmarshal ${jsonKind(raw)} into Go value of type map[string]interface {}`);
  const obj = raw as KubeObject;
  const got = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const n = (index ?? 0) + 1;
  if (got !== apiVersion) throw invalid(n, `invalid groupVersion (expected ${apiVersion}, received ${got})`);
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  if (kind !== (original.kind ?? ''))
    throw invalid(n, `invalid kind (expected ${original.kind ?? ''}, received ${kind})`);
  try {
    validateConvertedObject(original, obj);
  } catch (err) {
    throw invalid(n, (err as Error).message);
  }
  try {
    return restoreObjectMeta(original, raw as Record<string, unknown>);
  } catch (err) {
    const msg = (err as Error).message;
    throw fail(
      single
        ? `conversion webhook for ${what} returned invalid metadata: ${msg}`
        : `conversion webhook for ${what} returned invalid metadata in object at index ${n}: ${msg}`,
    );
  }
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v === 'string' ? 'string' : typeof v === 'number' ? 'number' : typeof v;
}
