import type { Namespace, Node, Taint } from 'kubernetes-types/core/v1.js';
import { list, mapKeys, obj, str } from './common.js';
import { FieldPath, type FieldError } from './field-error.js';
import { isDualStackCIDRPair, validateCIDR } from './formats.js';
import { validateLabelName } from './label-selector.js';
import { isQualifiedName, isValidLabelValue, nameIsDNSLabel, nameIsDNSSubdomain } from './names.js';
import { validateKubeFinalizerName, validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { validateTaintEffect } from './pod-scheduling.js';
import { validateResourceQuantityValue } from './resources.js';

/** Cluster-scoped core kinds: Namespaces and Nodes. */

function validateFinalizerName(name: string, path: FieldPath): FieldError[] {
  return [...isQualifiedName(name).map((m) => path.invalid(name, m)), ...validateKubeFinalizerName(name, path)];
}

export function validateNamespace(ns: Namespace): FieldError[] {
  const errs = validateObjectMeta(ns.metadata, false, nameIsDNSLabel);
  // Upstream reports namespace finalizers at the list's path, without an index.
  for (const f of list(ns.spec?.finalizers))
    errs.push(...validateFinalizerName(str(f), FieldPath.of('spec', 'finalizers')));
  return errs;
}

export function validateNamespaceUpdate(ns: Namespace, old: Namespace): FieldError[] {
  return validateObjectMetaUpdate(ns.metadata, old.metadata);
}

export function validateNamespaceStatusUpdate(ns: Namespace, old: Namespace): FieldError[] {
  const errs = validateObjectMetaUpdate(ns.metadata, old.metadata);
  const phase = str(ns.status?.phase);
  const p = FieldPath.of('status', 'Phase');
  if (!ns.metadata?.deletionTimestamp) {
    if (phase !== 'Active') errs.push(p.invalid(phase, "may only be 'Active' if `deletionTimestamp` is empty"));
  } else if (phase !== 'Terminating') {
    errs.push(p.invalid(phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"));
  }
  return errs;
}

/** The `finalize` subresource: spec.finalizers may change, each must be a valid finalizer name. */
export function validateNamespaceFinalizeUpdate(ns: Namespace, old: Namespace): FieldError[] {
  const errs = validateObjectMetaUpdate(ns.metadata, old.metadata);
  list(ns.spec?.finalizers).forEach((f, i) =>
    errs.push(...validateFinalizerName(str(f), FieldPath.of('spec', 'finalizers').index(i))),
  );
  return errs;
}

function validateTaints(taints: Taint[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  list(taints).forEach((t, i) => {
    const p = path.index(i);
    const key = str(t.key);
    const effect = str(t.effect);
    errs.push(...validateLabelName(key, p.child('key')));
    const msgs = isValidLabelValue(str(t.value));
    if (msgs.length) errs.push(p.child('value').invalid(str(t.value), msgs.join(';')));
    errs.push(...validateTaintEffect(effect, false, p.child('effect')));
    const k = `${effect}\u0000${key}`;
    if (seen.has(k)) {
      const e = p.duplicate(t);
      e.detail = 'taints must be unique by key and effect pair';
      errs.push(e);
      return;
    }
    seen.add(k);
  });
  return errs;
}

function podCIDRs(node: Node): string[] {
  const cidrs = list(node.spec?.podCIDRs).map(str);
  return cidrs.length ? cidrs : node.spec?.podCIDR ? [node.spec.podCIDR] : [];
}

function validateNodeResources(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  for (const field of ['capacity', 'allocatable'] as const) {
    const m = obj(node.status?.[field]);
    for (const k of mapKeys(m)) errs.push(...validateResourceQuantityValue(k, m[k], FieldPath.of('status', field, k)));
  }
  return errs;
}

export function validateNode(node: Node): FieldError[] {
  const meta = FieldPath.of('metadata');
  const errs = validateObjectMeta(node.metadata, false, nameIsDNSSubdomain, meta);
  // Upstream validates spec.taints under the metadata path (`metadata.taints[0].effect`).
  errs.push(...validateTaints(node.spec?.taints, meta.child('taints')));
  errs.push(...validateNodeResources(node));
  const cidrs = podCIDRs(node);
  const p = FieldPath.of('spec', 'podCIDRs');
  cidrs.forEach((c, i) => errs.push(...validateCIDR(p.index(i), c)));
  if (cidrs.length > 1) {
    if (cidrs.length > 2 || !isDualStackCIDRPair(cidrs[0]!, cidrs[1]!))
      errs.push(p.invalid(cidrs, 'may specify no more than one CIDR for each IP family'));
    const seen = new Set<string>();
    cidrs.forEach((c, i) => {
      if (seen.has(c)) errs.push(p.index(i).duplicate(c));
      seen.add(c);
    });
  }
  return errs;
}

/** Node updates: podCIDRs and providerID are write-once; everything else in spec may change. */
export function validateNodeUpdate(node: Node, old: Node): FieldError[] {
  const errs = validateObjectMetaUpdate(node.metadata, old.metadata);
  errs.push(...validateNodeResources(node));
  const seen = new Set<string>();
  list(node.status?.addresses).forEach((a, i) => {
    const k = `${str(a.type)}\u0000${str(a.address)}`;
    if (seen.has(k)) errs.push(FieldPath.of('status', 'addresses').index(i).duplicate(a));
    seen.add(k);
  });
  const oc = podCIDRs(old);
  const nc = podCIDRs(node);
  const cidrMsg = 'node updates may not change podCIDR except from "" to valid';
  if (oc.length && (oc.length !== nc.length || oc.some((c, i) => c !== nc[i])))
    errs.push(FieldPath.of('spec', 'podCIDRs').forbidden(cidrMsg));
  const oldProvider = str(old.spec?.providerID);
  if (oldProvider && oldProvider !== str(node.spec?.providerID))
    errs.push(
      FieldPath.of('spec', 'providerID').forbidden('node updates may not change providerID except from "" to valid'),
    );
  if (str(node.spec?.externalID) !== str(old.spec?.externalID))
    errs.push(FieldPath.of('spec', 'externalID').forbidden('may not be updated'));
  return errs;
}
