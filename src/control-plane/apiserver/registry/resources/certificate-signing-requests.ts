import type {
  CertificateSigningRequest,
  CertificateSigningRequestCondition,
} from 'kubernetes-types/certificates/v1.js';
import type { ResourceInfo } from '../../../../api/scheme/types.js';
import type { KubeObject } from '../../watch-cache/types.js';
import { defaultStrategy, statusStrategy } from '../default-strategy.js';
import type { ResourceStrategy, SubresourceStrategy } from '../strategy.js';
import { validateCsrCreate, validateCsrUpdate } from './csr-validation.js';

/**
 * CertificateSigningRequests (upstream `registry/certificates/certificates/strategy.go`):
 * - create records who asked (spec.username/uid/groups/extra from the
 *   authenticated user, never from the body) and starts with an empty status;
 * - the main resource never changes spec or status after creation;
 * - `/status` may set the certificate (once) and Failed-style conditions, but
 *   keeps the Approved/Denied conditions as stored;
 * - `/approval` may change only the conditions.
 * Conditions written without timestamps get lastUpdateTime/lastTransitionTime.
 */
type Csr = CertificateSigningRequest & KubeObject;

const asCsr = (o: KubeObject) => o as unknown as Csr;

export function csrStrategy(info: ResourceInfo): ResourceStrategy {
  return defaultStrategy(info, {
    afterPrepareCreate(ctx, obj) {
      const csr = asCsr(obj);
      const spec = { ...(csr.spec ?? {}) } as Csr['spec'];
      delete spec.username;
      delete spec.uid;
      delete spec.groups;
      delete spec.extra;
      const u = ctx.user;
      if (u.username) spec.username = u.username;
      if (u.uid) spec.uid = u.uid;
      if (u.groups.length) spec.groups = [...u.groups];
      if (u.extra && Object.keys(u.extra).length) spec.extra = structuredClone(u.extra);
      csr.spec = spec;
      csr.status = {};
    },
    afterPrepareUpdate(_ctx, obj, old) {
      obj.spec = old.spec;
      if (old.status === undefined) delete obj.status;
      else obj.status = old.status;
    },
    validate: (obj) => validateCsrCreate(asCsr(obj)),
    validateUpdate: (obj, old) => validateCsrUpdate(asCsr(obj), asCsr(old)),
  });
}

/** Fills missing condition timestamps; a condition whose type and status are unchanged keeps its transition time. */
export function populateConditionTimestamps(
  conditions: CertificateSigningRequestCondition[],
  old: CertificateSigningRequestCondition[],
  now: string,
): void {
  for (const c of conditions) {
    if (!c.lastUpdateTime) c.lastUpdateTime = now;
    if (!c.lastTransitionTime) {
      const prev = old.find((o) => o.type === c.type && o.status === c.status && o.lastTransitionTime);
      c.lastTransitionTime = prev?.lastTransitionTime ?? now;
    }
  }
}

/** The instances of `type` in `next` are replaced by the stored ones, unless their count changed (validation reports that). */
function preserveConditionInstances(
  next: CertificateSigningRequestCondition[],
  old: CertificateSigningRequestCondition[],
  type: string,
): void {
  const oldIdx = old.flatMap((c, i) => (c.type === type ? [i] : []));
  const newIdx = next.flatMap((c, i) => (c.type === type ? [i] : []));
  if (oldIdx.length !== newIdx.length) return;
  newIdx.forEach((n, k) => (next[n] = old[oldIdx[k]!]!));
}

export function csrStatusStrategy(info: ResourceInfo, now: () => string): SubresourceStrategy {
  const base = statusStrategy(info);
  return {
    async prepareForUpdate(ctx, obj, old) {
      await base.prepareForUpdate(ctx, obj, old);
      const csr = asCsr(obj);
      const stored = asCsr(old);
      const status = { ...(csr.status ?? {}) };
      const conditions = structuredClone(status.conditions ?? []);
      const oldConditions = stored.status?.conditions ?? [];
      preserveConditionInstances(conditions, oldConditions, 'Approved');
      preserveConditionInstances(conditions, oldConditions, 'Denied');
      populateConditionTimestamps(conditions, oldConditions, now());
      if (conditions.length) status.conditions = conditions;
      else delete status.conditions;
      csr.status = status;
    },
    validateUpdate: (obj, old) => validateCsrUpdate(asCsr(obj), asCsr(old), { allowSettingCertificate: true }),
  };
}

export function csrApprovalStrategy(info: ResourceInfo, now: () => string): SubresourceStrategy {
  const base = statusStrategy(info);
  return {
    async prepareForUpdate(ctx, obj, old) {
      const conditions = structuredClone(asCsr(obj).status?.conditions ?? []);
      await base.prepareForUpdate(ctx, obj, old);
      const stored = asCsr(old);
      populateConditionTimestamps(conditions, stored.status?.conditions ?? [], now());
      const status = { ...(stored.status ?? {}) };
      if (conditions.length) status.conditions = conditions;
      else delete status.conditions;
      asCsr(obj).status = status;
    },
    validateUpdate: (obj, old) => validateCsrUpdate(asCsr(obj), asCsr(old), { allowSettingApprovalConditions: true }),
  };
}
