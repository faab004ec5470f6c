import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import { isConflict, type StatusError } from '../../../../../api/errors/status-error.js';
import type { AdmissionAttributes, ValidatingAdmissionPlugin } from '../../types.js';
import { admissionForbidden } from '../plugin-util.js';
import {
  addLists,
  equalLists,
  formatResourceList,
  isZeroList,
  lessThanOrEqual,
  maskList,
  negativeNames,
  parseResourceList,
  prettyPrint,
  resourceNames,
  subtractNonNegative,
  type ResourceList,
} from '../resource-list.js';
import { evaluatorFor, isIgnoredResource, type GroupResourceRef } from './evaluators.js';

export interface ResourceQuotaAdmissionOptions {
  /** The quotas of a namespace (from the cache; may lag behind this plugin's own writes). */
  listQuotas(namespace: string): Promise<ResourceQuota[]> | ResourceQuota[];
  /**
   * Writes `status.used` of `quota` with compare-and-swap on its
   * `metadata.resourceVersion`. Must throw a Conflict StatusError when the
   * stored quota changed; returns the stored quota (with its new
   * resourceVersion) on success.
   */
  updateQuotaStatus(quota: ResourceQuota, newUsed: Record<string, string>): Promise<ResourceQuota | void>;
  /** Wall clock for pod usage (ms). */
  now?: () => number;
  /** Attempts after a conflict (upstream: 3 retries). */
  retries?: number;
}

interface WorkingQuota {
  quota: ResourceQuota;
  hard: ResourceList;
  used: ResourceList;
}

const maxRemembered = 1000;

/**
 * ResourceQuota admission (upstream `apiserver/pkg/admission/plugin/resourcequota`):
 * charges each namespaced create/update against every quota of the namespace
 * whose tracked resources and scopes match, rejecting with upstream's
 * `exceeded quota: ...` 403 when a hard limit would be passed, and recording
 * the new usage in the quota's status before the object is stored. Requests
 * of one namespace are evaluated one at a time; a conflicting status write is
 * re-evaluated against the fresh quota (up to `retries` times), as upstream.
 * Dry-run requests are checked but not charged.
 */
export class ResourceQuotaAdmission implements ValidatingAdmissionPlugin {
  readonly name = 'ResourceQuota';
  readonly #opts: ResourceQuotaAdmissionOptions;
  /** Namespace -> tail of its evaluation chain. */
  readonly #queues = new Map<string, Promise<void>>();
  /** Quotas this plugin wrote, newer than what the cache may show (upstream's updatedQuotas LRU). */
  readonly #written = new Map<string, ResourceQuota>();

  constructor(opts: ResourceQuotaAdmissionOptions) {
    this.#opts = opts;
  }

  handles(a: AdmissionAttributes): boolean {
    if (a.subresource !== '' || !a.namespace) return false;
    if (a.resource.group === '' && a.resource.plural === 'namespaces') return false;
    const gr = groupResource(a);
    return !isIgnoredResource(gr) && evaluatorFor(gr).handles(a.operation);
  }

  validate(a: AdmissionAttributes): Promise<void> {
    const prev = this.#queues.get(a.namespace) ?? Promise.resolve();
    const run = prev.then(() => this.#evaluate(a));
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#queues.set(a.namespace, tail);
    void tail.then(() => {
      if (this.#queues.get(a.namespace) === tail) this.#queues.delete(a.namespace);
    });
    return run;
  }

  async #evaluate(a: AdmissionAttributes): Promise<void> {
    let quotas = await this.#quotas(a.namespace);
    if (!quotas.length) return;
    let lastErr: unknown;
    for (let attempt = 0; attempt <= (this.#opts.retries ?? 3); attempt++) {
      const working = this.#check(quotas, a);
      const changed = working.filter((w) => !equalLists(parseResourceList(w.quota.status?.used), w.used));
      if (!changed.length || a.dryRun) return;
      const failed: string[] = [];
      for (const w of changed) {
        try {
          const stored = await this.#opts.updateQuotaStatus(w.quota, formatResourceList(w.used));
          if (stored) this.#remember(stored);
        } catch (err) {
          if (!isConflict(err)) throw err;
          failed.push(w.quota.metadata?.name ?? '');
          lastErr = err;
        }
      }
      if (!failed.length) return;
      // Only the quotas whose write conflicted are evaluated again (their fresh versions).
      quotas = (await this.#quotas(a.namespace)).filter((q) => failed.includes(q.metadata?.name ?? ''));
      if (!quotas.length) return;
    }
    throw lastErr;
  }

  /** The new usage of every matching quota if the request is admitted; throws the 403 when it is not. */
  #check(quotas: ResourceQuota[], a: AdmissionAttributes): WorkingQuota[] {
    const gr = groupResource(a);
    const ev = evaluatorFor(gr);
    const obj = a.object ? { ...a.object, metadata: { ...a.object.metadata } } : undefined;
    if (obj && !obj.metadata.namespace) obj.metadata.namespace = a.namespace;
    const interesting: WorkingQuota[] = [];
    for (const quota of quotas) {
      const hard = parseResourceList(quota.status?.hard);
      const restricted = ev.matchingResources(resourceNames(hard));
      if (!restricted.length || !ev.matchesScopes(quota, obj)) continue;
      const name = quota.metadata?.name ?? '';
      const constraint = ev.constraints(restricted, obj);
      if (constraint) throw admissionForbidden(a, `failed quota: ${name}: ${constraint}`);
      const used = parseResourceList(quota.status?.used);
      if (restricted.some((r) => !used[r])) {
        throw admissionForbidden(
          a,
          `status unknown for quota: ${name}, resources: ${[...restricted].sort().join(',')}`,
        );
      }
      interesting.push({ quota, hard, used });
    }
    if (!interesting.length) return [];

    const now = this.#opts.now?.() ?? Date.now();
    let delta = ev.usage(obj, { now });
    const negative = negativeNames(delta);
    if (negative.length) {
      throw admissionForbidden(a, `quota usage is negative for resource(s): ${negative.sort().join(',')}`);
    }
    if (a.operation === 'UPDATE') {
      if (!a.oldObject) {
        throw admissionForbidden(a, 'unable to get previous usage since prior version of object was not found');
      }
      // An old object without a resourceVersion is a create-on-update: charge it fully.
      if (a.oldObject.metadata?.resourceVersion) delta = subtractNonNegative(delta, ev.usage(a.oldObject, { now }));
    }
    if (isZeroList(delta)) return [];

    for (const w of interesting) {
      const requested = maskList(delta, Object.keys(w.hard));
      const newUsage = addLists(w.used, requested);
      const { allowed, exceeded } = lessThanOrEqual(maskList(newUsage, Object.keys(requested)), w.hard);
      if (!allowed) {
        throw quotaExceeded(a, w.quota.metadata?.name ?? '', requested, w.used, w.hard, exceeded);
      }
      w.used = newUsage;
    }
    return interesting;
  }

  async #quotas(namespace: string): Promise<ResourceQuota[]> {
    const listed = await this.#opts.listQuotas(namespace);
    return listed.map((q) => {
      const mine = this.#written.get(quotaKey(q));
      return mine && rvNumber(mine) > rvNumber(q) ? mine : q;
    });
  }

  #remember(q: ResourceQuota): void {
    const key = quotaKey(q);
    this.#written.delete(key);
    this.#written.set(key, q);
    if (this.#written.size > maxRemembered) this.#written.delete(this.#written.keys().next().value!);
  }
}

function groupResource(a: AdmissionAttributes): GroupResourceRef {
  return { group: a.resource.group, resource: a.resource.plural };
}

function quotaKey(q: ResourceQuota): string {
  return `${q.metadata?.namespace ?? ''}/${q.metadata?.name ?? ''}`;
}

function rvNumber(q: ResourceQuota): number {
  const n = Number(q.metadata?.resourceVersion);
  return Number.isFinite(n) ? n : 0;
}

function quotaExceeded(
  a: AdmissionAttributes,
  name: string,
  requested: ResourceList,
  used: ResourceList,
  hard: ResourceList,
  exceeded: string[],
): StatusError {
  return admissionForbidden(
    a,
    `exceeded quota: ${name}, requested: ${prettyPrint(maskList(requested, exceeded))}, used: ${prettyPrint(
      maskList(used, exceeded),
    )}, limited: ${prettyPrint(maskList(hard, exceeded))}`,
  );
}
