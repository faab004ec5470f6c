import type { ResourceRequirements } from 'kubernetes-types/core/v1.js';
import { Quantity } from '../quantity/quantity.js';
import { isNegativeErrorMsg, list, mapKeys, obj, str } from './common.js';
import type { FieldError, FieldPath } from './field-error.js';
import { isQualifiedName } from './names.js';

/**
 * Resource names and quantities (core `helper` and the resource parts of
 * core validation): which names are standard, which must be integers, which may
 * not be overcommitted, and container resource requirements (requests <= limits).
 */
export const quantityParseError =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const standardResources = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'resourcequotas',
  'services',
  'replicationcontrollers',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'storage',
  'requests.storage',
  'services.nodeports',
  'services.loadbalancers',
]);
const standardContainerResources = new Set(['cpu', 'memory', 'ephemeral-storage']);
const standardQuotaResources = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.storage',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'resourcequotas',
  'services',
  'replicationcontrollers',
  'secrets',
  'persistentvolumeclaims',
  'configmaps',
  'services.nodeports',
  'services.loadbalancers',
]);
const integerResources = new Set([
  'pods',
  'resourcequotas',
  'services',
  'replicationcontrollers',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
]);

export const isHugePageResourceName = (name: string) => name.startsWith('hugepages-');
const isQuotaHugePageResourceName = (name: string) =>
  name.startsWith('hugepages-') || name.startsWith('requests.hugepages-');
export const isStandardResourceName = (name: string) =>
  standardResources.has(name) || isQuotaHugePageResourceName(name);
export const isStandardContainerResourceName = (name: string) =>
  standardContainerResources.has(name) || isHugePageResourceName(name);
export const isStandardQuotaResourceName = (name: string) =>
  standardQuotaResources.has(name) || isQuotaHugePageResourceName(name);
/** Unprefixed names and `*kubernetes.io/` names belong to Kubernetes. */
export const isNativeResource = (name: string) => !name.includes('/') || name.includes('kubernetes.io/');
export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith('requests.')) return false;
  return isQualifiedName(`requests.${name}`).length === 0;
}
/** Hugepages and extended resources must have requests equal to limits. */
export const isOvercommitAllowed = (name: string) => isNativeResource(name) && !isHugePageResourceName(name);
export const isIntegerResourceName = (name: string) => integerResources.has(name) || isExtendedResourceName(name);

/** A quantity-typed field's value as a Quantity, if it parses. */
export function toQuantity(value: unknown): Quantity | undefined {
  return typeof value === 'string' || typeof value === 'number' ? Quantity.tryParse(value) : undefined;
}

/** Parses a quantity field; a string that does not parse is reported as upstream's decoder would. */
export function parseQuantity(value: unknown, path: FieldPath): { q?: Quantity; errs: FieldError[] } {
  const q = toQuantity(value);
  return q ? { q, errs: [] } : { errs: [path.invalid(value ?? null, quantityParseError)] };
}

/** ValidateResourceQuantityValue: non-negative, and whole for integer resources. */
export function validateResourceQuantityValue(resource: string, value: unknown, path: FieldPath): FieldError[] {
  const { q, errs } = parseQuantity(value, path);
  if (!q) return errs;
  if (q.sign() < 0) errs.push(path.invalid(q.toString(), isNegativeErrorMsg));
  if (isIntegerResourceName(resource) && q.milliValue() % 1000n !== 0n)
    errs.push(path.invalid(q.toString(), 'must be an integer'));
  return errs;
}

/** ValidatePositiveQuantityValue. */
export function validatePositiveQuantity(value: unknown, path: FieldPath): FieldError[] {
  const { q, errs } = parseQuantity(value, path);
  if (q && q.sign() <= 0) errs.push(path.invalid(q.toString(), 'must be greater than zero'));
  return errs;
}

/** validateResourceName: qualified, and standard when unprefixed. */
export function validateResourceName(name: string, path: FieldPath): FieldError[] {
  const errs = isQualifiedName(name).map((m) => path.invalid(name, m));
  if (errs.length) return errs;
  if (!name.includes('/') && !isStandardResourceName(name))
    return [path.invalid(name, 'must be a standard resource type or fully qualified')];
  return [];
}

export function validateContainerResourceName(name: string, path: FieldPath): FieldError[] {
  const errs = validateResourceName(name, path);
  if (!name.includes('/')) {
    if (!isStandardContainerResourceName(name))
      return [...errs, path.invalid(name, 'must be a standard resource for containers')];
  } else if (!isNativeResource(name) && !isExtendedResourceName(name)) {
    return [...errs, path.invalid(name, "doesn't follow extended resource name standard")];
  }
  return errs;
}

export function validateQuotaResourceName(name: string, path: FieldPath): FieldError[] {
  const errs = validateResourceName(name, path);
  if (!name.includes('/') && !isStandardQuotaResourceName(name))
    return [...errs, path.invalid(name, 'must be a standard resource for quota')];
  return errs;
}

/**
 * Container (and overhead) resource requirements: valid names and quantities,
 * requests <= limits (== for resources that cannot be overcommitted), hugepages
 * only alongside cpu or memory, and claims naming pod resource claims.
 */
export function validateResourceRequirements(
  req: ResourceRequirements | undefined | null,
  path: FieldPath,
  podClaimNames: ReadonlySet<string> = new Set(),
): FieldError[] {
  const errs: FieldError[] = [];
  const limits = obj(req?.limits);
  const requests = obj(req?.requests);
  const limPath = path.child('limits');
  const reqPath = path.child('requests');
  let cpuOrMemory = false;
  let hugePages = false;
  for (const name of mapKeys(limits)) {
    const p = limPath.key(name);
    errs.push(...validateContainerResourceName(name, p));
    errs.push(...validateResourceQuantityValue(name, limits[name], p));
    if (isHugePageResourceName(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
  }
  for (const name of mapKeys(requests)) {
    const p = reqPath.key(name);
    errs.push(...validateContainerResourceName(name, p));
    errs.push(...validateResourceQuantityValue(name, requests[name], p));
    const rq = toQuantity(requests[name]);
    if (name in limits) {
      const lq = toQuantity(limits[name]);
      if (rq && lq) {
        if (rq.cmp(lq) !== 0 && !isOvercommitAllowed(name))
          errs.push(reqPath.invalid(rq.toString(), `must be equal to ${name} limit of ${lq.toString()}`));
        else if (rq.cmp(lq) > 0)
          errs.push(reqPath.invalid(rq.toString(), `must be less than or equal to ${name} limit of ${lq.toString()}`));
      }
    } else if (!isOvercommitAllowed(name)) {
      errs.push(limPath.required('Limit must be set for non overcommitable resources'));
    }
    if (isHugePageResourceName(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
  }
  if (!cpuOrMemory && hugePages) errs.push(path.forbidden('HugePages require cpu or memory'));

  const seen = new Set<string>();
  list(req?.claims).forEach((claim, i) => {
    const p = path.child('claims').index(i);
    const name = str(claim?.name);
    if (!name) {
      errs.push(p.required());
      return;
    }
    if (seen.has(name)) errs.push(p.duplicate(name));
    seen.add(name);
    if (!podClaimNames.has(name)) {
      const known = [...podClaimNames].sort();
      const e = p.notFound(name);
      e.detail = `must be one of the names in pod.spec.resourceClaims${known.length ? `: ${known.join(', ')}` : ' which is empty'}`;
      errs.push(e);
    }
  });
  return errs;
}
