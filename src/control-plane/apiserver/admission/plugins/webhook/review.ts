import { randomUUID } from 'node:crypto';
import { StatusError, type Status, type StatusReason } from '../../../../../api/errors/status-error.js';
import type { GroupVersionKind } from '../../../../../api/scheme/types.js';
import type { AdmissionAttributes } from '../../types.js';

/**
 * AdmissionReview requests and responses (upstream
 * `apiserver/pkg/admission/plugin/webhook/request/admissionreview.go`,
 * `errors/statuserror.go`). Both `admission.k8s.io/v1` and `v1beta1` share
 * this shape; the webhook's `admissionReviewVersions` picks the first one we
 * speak.
 */
export interface GVR {
  group: string;
  version: string;
  resource: string;
}

export interface Invocation {
  /** The resource and kind sent to the webhook (an equivalent one under matchPolicy Equivalent). */
  resource: GVR;
  subresource: string;
  kind: GroupVersionKind;
}

export interface AdmissionResponseResult {
  allowed: boolean;
  patch?: Uint8Array;
  patchType?: string;
  result?: Partial<Status>;
  auditAnnotations: Record<string, string>;
  warnings: string[];
}

export const supportedReviewVersions = ['v1', 'v1beta1'];

export function reviewVersion(accepted: string[]): string | undefined {
  return accepted.find((v) => supportedReviewVersions.includes(v));
}

const optionKinds: Record<string, string> = {
  CREATE: 'CreateOptions',
  UPDATE: 'UpdateOptions',
  DELETE: 'DeleteOptions',
};

/** Options as the wire carries them: typed meta.k8s.io/v1 objects (CONNECT options as given). */
function wireOptions(a: AdmissionAttributes): unknown {
  if (a.options == null) return null;
  const kind = optionKinds[a.operation];
  if (!kind || typeof a.options !== 'object') return a.options;
  return { apiVersion: 'meta.k8s.io/v1', kind, ...(a.options as Record<string, unknown>) };
}

/** The kind the request's own resource/subresource speaks (Pod, Scale, Binding, ...). */
export function requestKind(a: AdmissionAttributes): GroupVersionKind {
  const r = a.resource;
  if (a.subresource) {
    const sub = r.subresources.find((s) => s.name === a.subresource);
    if (sub?.kind?.kind) return sub.kind;
  }
  return { group: r.group, version: r.version, kind: r.kind };
}

export function createAdmissionReview(
  version: string,
  a: AdmissionAttributes,
  inv: Invocation,
  uid: string = randomUUID(),
): { uid: string; review: Record<string, unknown> } {
  const reqKind = requestKind(a);
  const user = a.ctx.user;
  const review = {
    apiVersion: `admission.k8s.io/${version}`,
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: inv.kind,
      resource: inv.resource,
      ...(inv.subresource ? { subResource: inv.subresource } : {}),
      requestKind: reqKind,
      requestResource: { group: a.resource.group, version: a.resource.version, resource: a.resource.plural },
      ...(a.subresource ? { requestSubResource: a.subresource } : {}),
      ...(a.name ? { name: a.name } : {}),
      ...(a.namespace ? { namespace: a.namespace } : {}),
      operation: a.operation,
      userInfo: {
        username: user.username,
        ...(user.uid ? { uid: user.uid } : {}),
        groups: user.groups,
        ...(user.extra && Object.keys(user.extra).length ? { extra: user.extra } : {}),
      },
      object: a.operation === 'DELETE' ? null : (a.object ?? null),
      oldObject: a.oldObject ?? null,
      dryRun: a.dryRun,
      options: wireOptions(a),
    },
  };
  return { uid, review };
}

/** Checks the webhook's answer (VerifyAdmissionResponse); throws an Error with upstream's text. */
export function verifyAdmissionResponse(
  uid: string,
  version: string,
  mutating: boolean,
  body: unknown,
): AdmissionResponseResult {
  const review = body as { apiVersion?: string; kind?: string; response?: Record<string, unknown> } | null;
  const response = review?.response as
    | {
        uid?: string;
        allowed?: boolean;
        status?: Partial<Status>;
        patch?: string;
        patchType?: string;
        auditAnnotations?: Record<string, string>;
        warnings?: string[];
      }
    | undefined;
  if (!response) throw new Error('webhook response was absent');
  if (response.uid !== uid)
    throw new Error(`expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(response.uid ?? '')}`);
  if (version === 'v1') {
    const gv = review?.apiVersion ?? '';
    const kind = review?.kind ?? '';
    if (gv !== 'admission.k8s.io/v1' || kind !== 'AdmissionReview') {
      const got = gv.includes('/') ? `${gv}, Kind=${kind}` : `/${gv}, Kind=${kind}`;
      throw new Error(`expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${got}`);
    }
  }
  const patchType = response.patchType ?? '';
  const hasPatch = typeof response.patch === 'string' && response.patch.length > 0;
  if (version === 'v1') {
    if (hasPatch && !patchType) throw new Error('webhook returned response.patch but not response.patchType');
    if (hasPatch && !mutating) throw new Error('validating webhook may not return response.patch');
    if (patchType && !mutating) throw new Error('validating webhook may not return response.patchType');
    if (patchType && patchType !== 'JSONPatch')
      throw new Error(`webhook returned invalid response.patchType of ${JSON.stringify(patchType)}`);
  }
  return {
    allowed: response.allowed === true,
    patch: hasPatch ? Buffer.from(response.patch!, 'base64') : undefined,
    patchType: patchType || (hasPatch ? 'JSONPatch' : undefined),
    result: response.status,
    auditAnnotations: response.auditAnnotations ?? {},
    warnings: response.warnings ?? [],
  };
}

/** A webhook's denial as the request's error (webhookerrors.ToStatusErr). */
export function deniedError(webhookName: string, result: Partial<Status> | undefined): StatusError {
  const deniedBy = `admission webhook ${JSON.stringify(webhookName)} denied the request`;
  const r = result ?? {};
  const code = r.code && r.code >= 400 ? r.code : 400;
  let message: string;
  if (r.message) message = `${deniedBy}: ${r.message}`;
  else if (r.reason) message = `${deniedBy}: ${r.reason}`;
  else message = `${deniedBy} without explanation`;
  return new StatusError(code, (r.reason ?? '') as StatusReason, message, r.details);
}
