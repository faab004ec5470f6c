import type { Container, LimitRange, LimitRangeItem, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { Quantity } from '../../../../api/quantity/quantity.js';
import type { AdmissionAttributes, MutatingAdmissionPlugin, ValidatingAdmissionPlugin } from '../types.js';
import { admissionForbidden, isResource } from './plugin-util.js';
import { parseResourceList, podResources, type ResourceList } from './resource-list.js';

export const limitRangerAnnotation = 'kubernetes.io/limit-ranger';

export interface LimitRangerOptions {
  /** The LimitRanges of a namespace (from the cache). */
  listLimitRanges(namespace: string): Promise<LimitRange[]> | LimitRange[];
}

/** Largest value whose thousandths fit an int64 (resource.MaxMilliValue). */
const maxMilliValue = ((1n << 63n) - 1n) / 1000n;

/**
 * LimitRanger (upstream `plugin/pkg/admission/limitranger`): on pod creation
 * fills in container requests/limits from the namespace's `Container`
 * LimitRange defaults (recording what it set in the `kubernetes.io/limit-ranger`
 * annotation), then enforces min / max / maxLimitRequestRatio for the
 * `Container`, `Pod` and `PersistentVolumeClaim` limit types. Pod updates are
 * not checked (containers are immutable), nor objects being deleted.
 */
export class LimitRanger implements MutatingAdmissionPlugin, ValidatingAdmissionPlugin {
  readonly name = 'LimitRanger';
  constructor(private readonly opts: LimitRangerOptions) {}

  handles(a: AdmissionAttributes): boolean {
    if (a.subresource !== '' || !a.object) return false;
    if (isResource(a, '', 'pods')) return a.operation === 'CREATE';
    return isResource(a, '', 'persistentvolumeclaims') && (a.operation === 'CREATE' || a.operation === 'UPDATE');
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    if (!isResource(a, '', 'pods')) return;
    for (const lr of await this.#limitRanges(a)) mutatePod(lr, a.object as unknown as Pod);
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    for (const lr of await this.#limitRanges(a)) {
      const errs = isResource(a, '', 'pods')
        ? validatePod(lr, a.object as unknown as Pod)
        : validateClaim(lr, a.object as unknown as PersistentVolumeClaim);
      if (errs.length === 1) throw admissionForbidden(a, errs[0]!);
      if (errs.length > 1) throw admissionForbidden(a, `[${errs.join(', ')}]`);
    }
  }

  async #limitRanges(a: AdmissionAttributes): Promise<LimitRange[]> {
    if (a.oldObject?.metadata?.deletionTimestamp) return [];
    return await this.opts.listLimitRanges(a.namespace);
  }
}

/** LimitRange API defaulting for Container items (default <- max, defaultRequest <- default, then <- min). */
function containerDefaults(item: LimitRangeItem): { limits: ResourceList; requests: ResourceList } {
  const max = parseResourceList(item.max);
  const limits = { ...max, ...parseResourceList(item.default) };
  const requests = { ...parseResourceList(item.min), ...limits, ...parseResourceList(item.defaultRequest) };
  return { limits, requests };
}

/** The defaults a LimitRange gives containers; later Container items override earlier ones. */
function defaultRequirements(lr: LimitRange): { limits: ResourceList; requests: ResourceList } {
  const out = { limits: {} as ResourceList, requests: {} as ResourceList };
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== 'Container') continue;
    const d = containerDefaults(item);
    Object.assign(out.limits, d.limits);
    Object.assign(out.requests, d.requests);
  }
  return out;
}

function mergeContainer(
  c: Container,
  defaults: { limits: ResourceList; requests: ResourceList },
  prefix: string,
  notes: string[],
) {
  const set = { requests: [] as string[], limits: [] as string[] };
  for (const which of ['limits', 'requests'] as const) {
    for (const [k, v] of Object.entries(defaults[which])) {
      const list = (c.resources ??= {})[which];
      if (list && k in list) continue;
      ((c.resources[which] ??= {}) as Record<string, string>)[k] = v.toString();
      set[which].push(k);
    }
  }
  if (set.requests.length) notes.push(`${set.requests.sort().join(', ')} request for ${prefix} ${c.name}`);
  if (set.limits.length) notes.push(`${set.limits.sort().join(', ')} limit for ${prefix} ${c.name}`);
}

function mutatePod(lr: LimitRange, pod: Pod): void {
  const defaults = defaultRequirements(lr);
  if (!Object.keys(defaults.limits).length && !Object.keys(defaults.requests).length) return;
  const notes: string[] = [];
  for (const c of pod.spec?.containers ?? []) mergeContainer(c, defaults, 'container', notes);
  for (const c of pod.spec?.initContainers ?? []) mergeContainer(c, defaults, 'init container', notes);
  if (notes.length) {
    const meta = (pod.metadata ??= {});
    (meta.annotations ??= {})[limitRangerAnnotation] = `LimitRanger plugin set: ${notes.join('; ')}`;
  }
}

/** The values to compare, in thousandths when nothing overflows (requestLimitEnforcedValues). */
function comparable(...qs: (Quantity | undefined)[]): bigint[] {
  const whole = qs.map((q) => q?.value() ?? 0n);
  if (whole.every((v) => v <= maxMilliValue)) return qs.map((q) => q?.milliValue() ?? 0n);
  return whole;
}

type Check = (
  type: string,
  name: string,
  enforced: Quantity,
  requests: ResourceList,
  limits: ResourceList,
) => string | undefined;

const minConstraint: Check = (type, name, enforced, requests, limits) => {
  const req = requests[name];
  const lim = limits[name];
  const [r, l, e] = comparable(req, lim, enforced);
  if (!req) return `minimum ${name} usage per ${type} is ${enforced}.  No request is specified`;
  if (r! < e!) return `minimum ${name} usage per ${type} is ${enforced}, but request is ${req}`;
  if (lim && l! < e!) return `minimum ${name} usage per ${type} is ${enforced}, but limit is ${lim}`;
  return undefined;
};

const maxConstraint: Check = (type, name, enforced, requests, limits) => {
  const req = requests[name];
  const lim = limits[name];
  const [r, l, e] = comparable(req, lim, enforced);
  if (!lim) return `maximum ${name} usage per ${type} is ${enforced}.  No limit is specified`;
  if (l! > e!) return `maximum ${name} usage per ${type} is ${enforced}, but limit is ${lim}`;
  if (req && r! > e!) return `maximum ${name} usage per ${type} is ${enforced}, but request is ${req}`;
  return undefined;
};

/** Max on requests only, for kinds that have no limits (PVCs). */
const maxRequestConstraint: Check = (type, name, enforced, requests) => {
  const req = requests[name];
  const [r, , e] = comparable(req, undefined, enforced);
  if (!req) return `maximum ${name} usage per ${type} is ${enforced}.  No request is specified`;
  if (r! > e!) return `maximum ${name} usage per ${type} is ${enforced}, but request is ${req}`;
  return undefined;
};

const ratioConstraint: Check = (type, name, enforced, requests, limits) => {
  const req = requests[name];
  const lim = limits[name];
  const [r, l] = comparable(req, lim, enforced);
  if (!req || r === 0n) {
    return `${name} max limit to request ratio per ${type} is ${enforced}, but no request is specified or request is 0`;
  }
  if (!lim || l === 0n) {
    return `${name} max limit to request ratio per ${type} is ${enforced}, but no limit is specified or limit is 0`;
  }
  const observed = Number(l) / Number(r);
  const useMilli = enforced.value() <= maxMilliValue;
  const compared = useMilli ? observed * 1000 : observed;
  const allowed = Number(useMilli ? enforced.milliValue() : enforced.value());
  if (compared > allowed) {
    return `${name} max limit to request ratio per ${type} is ${enforced}, but provided ratio is ${observed.toFixed(6)}`;
  }
  return undefined;
};

function applyChecks(
  item: LimitRangeItem,
  requests: ResourceList,
  limits: ResourceList,
  maxCheck: Check,
  errs: string[],
  withRatio = true,
): void {
  const type = item.type;
  const run = (list: Record<string, unknown> | undefined, check: Check) => {
    for (const [name, q] of Object.entries(parseResourceList(list))) {
      const err = check(type, name, q, requests, limits);
      if (err) errs.push(err);
    }
  };
  run(item.min, minConstraint);
  run(item.max, maxCheck);
  if (withRatio) run(item.maxLimitRequestRatio, ratioConstraint);
}

function containerLists(c: Container): [ResourceList, ResourceList] {
  return [parseResourceList(c.resources?.requests), parseResourceList(c.resources?.limits)];
}

/** Every violated constraint of one LimitRange, in upstream's order (PodValidateLimitFunc). */
export function validatePod(lr: LimitRange, pod: Pod): string[] {
  const errs: string[] = [];
  for (const item of lr.spec?.limits ?? []) {
    if (item.type === 'Container') {
      for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
        const [requests, limits] = containerLists(c);
        applyChecks(item, requests, limits, maxConstraint, errs);
      }
    } else if (item.type === 'Pod') {
      applyChecks(item, podResources(pod.spec, 'requests'), podResources(pod.spec, 'limits'), maxConstraint, errs);
    }
  }
  return errs;
}

/** Storage min/max on `spec.resources.requests` (PersistentVolumeClaimValidateLimitFunc). */
export function validateClaim(lr: LimitRange, pvc: PersistentVolumeClaim): string[] {
  const errs: string[] = [];
  const requests = parseResourceList(pvc.spec?.resources?.requests);
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== 'PersistentVolumeClaim') continue;
    applyChecks(item, requests, {}, maxRequestConstraint, errs, false);
  }
  return errs;
}
