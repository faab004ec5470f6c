import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.js';
import { byteLength, list, mapKeys, num, obj, str, validateImmutable, validateNonnegative } from './common.js';
import { FieldPath, type FieldError } from './field-error.js';
import { validateLabels } from './label-selector.js';
import { isQualifiedName, nameIsDNSLabel, type NameValidator } from './names.js';

/**
 * ObjectMeta on create and update (apimachinery `api/validation/objectmeta.go`
 * plus the kube finalizer rule core's ValidateObjectMeta adds). Kind validators
 * call these with their NameValidator; the result is what kube-apiserver reports
 * for `metadata.*`.
 */
export const totalAnnotationSizeLimit = 256 * 1024;

/** Namespaces are DNS-1123 labels everywhere they are referenced. */
export const validateNamespaceName: NameValidator = nameIsDNSLabel;

export interface ObjectMetaOptions {
  /**
   * Reject unqualified finalizer names other than `kubernetes`, `orphan` and
   * `foregroundDeletion` (core's validateKubeFinalizerName). True for every kind
   * validated through core's ValidateObjectMeta; false for the few that use
   * apimachinery's directly (CRDs, Leases).
   */
  kubeFinalizers?: boolean;
}

const standardFinalizers = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

export function validateAnnotations(
  annotations: Record<string, string> | undefined | null,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const m = obj<string>(annotations);
  let size = 0;
  for (const k of mapKeys(m)) {
    // Annotation keys are qualified names in any case.
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(path.invalid(k, msg));
    size += byteLength(k) + byteLength(str(m[k]));
  }
  if (size > totalAnnotationSizeLimit) errs.push(path.tooLong('', totalAnnotationSizeLimit));
  return errs;
}

function validateOwnerReference(ref: OwnerReference, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const apiVersion = str(ref.apiVersion);
  const parts = apiVersion.split('/');
  // schema.ParseGroupVersion: "" and "/" are the empty version; more than one "/" does not parse.
  const version = apiVersion === '' || apiVersion === '/' || parts.length > 2 ? '' : (parts[parts.length - 1] ?? '');
  const group = parts.length === 2 ? parts[0]! : '';
  if (!version) errs.push(path.child('apiVersion').invalid(apiVersion, 'version must not be empty'));
  if (!str(ref.kind)) errs.push(path.child('kind').invalid(str(ref.kind), 'must not be empty'));
  if (!str(ref.name)) errs.push(path.child('name').invalid(str(ref.name), 'must not be empty'));
  if (!str(ref.uid)) errs.push(path.child('uid').invalid(str(ref.uid), 'must not be empty'));
  if (group === '' && version === 'v1' && ref.kind === 'Event')
    errs.push(path.invalid(ref, '/v1, Kind=Event is disallowed from being an owner'));
  return errs;
}

export function validateOwnerReferences(refs: OwnerReference[] | undefined | null, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of list(refs)) {
    errs.push(...validateOwnerReference(ref, path));
    if (ref.controller === true) {
      const cur = `${str(ref.kind)}/${str(ref.name)}`;
      if (firstController) {
        errs.push(
          path.invalid(
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`,
          ),
        );
      } else {
        firstController = cur;
      }
    }
  }
  return errs;
}

/** ValidateFinalizers (apimachinery): qualified names, reported at the list's path, and no orphan+foreground. */
export function validateFinalizers(finalizers: string[] | undefined | null, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const fs = list(finalizers).map(str);
  for (const f of fs) for (const msg of isQualifiedName(f)) errs.push(path.invalid(f, msg));
  if (fs.includes('orphan') && fs.includes('foregroundDeletion'))
    errs.push(path.invalid(fs, 'finalizer orphan and foregroundDeletion cannot be both set'));
  return errs;
}

/** core's validateKubeFinalizerName: an unqualified name must be one of the standard ones. */
export function validateKubeFinalizerName(name: string, path: FieldPath): FieldError[] {
  if (!name.includes('/') && !standardFinalizers.has(name))
    return [path.invalid(name, 'name is neither a standard finalizer name nor is it fully qualified')];
  return [];
}

function validateManagedFields(meta: ObjectMeta, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  list(meta.managedFields).forEach((mf, i) => {
    const p = path.index(i);
    if (mf.operation !== 'Apply' && mf.operation !== 'Update')
      errs.push(p.child('operation').invalid(str(mf.operation), 'must be `Apply` or `Update`'));
    if (mf.fieldsType && mf.fieldsType !== 'FieldsV1')
      errs.push(p.child('fieldsType').invalid(mf.fieldsType, 'must be `FieldsV1`'));
    if (str(mf.manager).length > 128) errs.push(p.child('manager').tooLong(mf.manager, 128));
  });
  return errs;
}

function validateCommonMeta(meta: ObjectMeta, path: FieldPath, opts: ObjectMetaOptions): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateLabels(meta.labels, path.child('labels')));
  errs.push(...validateAnnotations(meta.annotations, path.child('annotations')));
  errs.push(...validateOwnerReferences(meta.ownerReferences, path.child('ownerReferences')));
  errs.push(...validateFinalizers(meta.finalizers, path.child('finalizers')));
  errs.push(...validateManagedFields(meta, path.child('managedFields')));
  if (opts.kubeFinalizers ?? true) {
    list(meta.finalizers).forEach((f, i) =>
      errs.push(...validateKubeFinalizerName(str(f), path.child('finalizers').index(i))),
    );
  }
  return errs;
}

/**
 * Metadata of an object being created. Name generation has already happened,
 * so `name` is required; `generateName` is still checked as a prefix.
 */
export function validateObjectMeta(
  meta: ObjectMeta | undefined | null,
  namespaced: boolean,
  nameFn: NameValidator,
  path: FieldPath = FieldPath.of('metadata'),
  opts: ObjectMetaOptions = {},
): FieldError[] {
  const m: ObjectMeta = meta ?? {};
  const errs: FieldError[] = [];
  const generateName = str(m.generateName);
  if (generateName)
    for (const msg of nameFn(generateName, true)) errs.push(path.child('generateName').invalid(generateName, msg));
  const name = str(m.name);
  if (!name) errs.push(path.child('name').required('name or generateName is required'));
  else for (const msg of nameFn(name, false)) errs.push(path.child('name').invalid(name, msg));

  const namespace = str(m.namespace);
  if (namespaced) {
    if (!namespace) errs.push(path.child('namespace').required());
    else
      for (const msg of validateNamespaceName(namespace, false))
        errs.push(path.child('namespace').invalid(namespace, msg));
  } else if (namespace) {
    errs.push(path.child('namespace').forbidden('not allowed on this type'));
  }
  errs.push(...validateNonnegative(m.generation, path.child('generation')));
  errs.push(...validateCommonMeta(m, path, opts));
  return errs;
}

/**
 * Metadata of an update. The caller (the generic store) must have filled in the
 * stored resourceVersion for unconditional updates before validating, as
 * upstream's store does, or the update is rejected here.
 */
export function validateObjectMetaUpdate(
  meta: ObjectMeta | undefined | null,
  oldMeta: ObjectMeta | undefined | null,
  path: FieldPath = FieldPath.of('metadata'),
  opts: ObjectMetaOptions = {},
): FieldError[] {
  const m: ObjectMeta = meta ?? {};
  const o: ObjectMeta = oldMeta ?? {};
  const errs: FieldError[] = [];
  if (o.deletionTimestamp) {
    const old = new Set(list(o.finalizers));
    const extra = [...new Set(list(m.finalizers))].filter((f) => !old.has(f)).sort();
    if (extra.length)
      errs.push(
        path
          .child('finalizers')
          .forbidden(
            `no new finalizers can be added if the object is being deleted, found new finalizers []string{${extra.map((f) => JSON.stringify(f)).join(', ')}}`,
          ),
      );
  }
  if (!str(m.resourceVersion)) errs.push(path.child('resourceVersion').invalid('', 'must be specified for an update'));
  if (num(m.generation) < num(o.generation))
    errs.push(path.child('generation').invalid(num(m.generation), 'must not be decremented'));
  errs.push(...validateImmutable(str(m.name), str(o.name), path.child('name')));
  errs.push(...validateImmutable(str(m.namespace), str(o.namespace), path.child('namespace')));
  errs.push(...validateImmutable(str(m.uid), str(o.uid), path.child('uid')));
  errs.push(...validateImmutable(m.creationTimestamp, o.creationTimestamp, path.child('creationTimestamp')));
  errs.push(...validateImmutable(m.deletionTimestamp, o.deletionTimestamp, path.child('deletionTimestamp')));
  errs.push(
    ...validateImmutable(
      m.deletionGracePeriodSeconds,
      o.deletionGracePeriodSeconds,
      path.child('deletionGracePeriodSeconds'),
    ),
  );
  errs.push(...validateCommonMetaForUpdate(m, path, opts));
  return errs;
}

/** On update upstream re-checks labels, annotations, owner refs and managed fields, but not finalizer names. */
function validateCommonMetaForUpdate(meta: ObjectMeta, path: FieldPath, opts: ObjectMetaOptions): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateLabels(meta.labels, path.child('labels')));
  errs.push(...validateAnnotations(meta.annotations, path.child('annotations')));
  errs.push(...validateOwnerReferences(meta.ownerReferences, path.child('ownerReferences')));
  errs.push(...validateManagedFields(meta, path.child('managedFields')));
  if (opts.kubeFinalizers ?? true) {
    list(meta.finalizers).forEach((f, i) =>
      errs.push(...validateKubeFinalizerName(str(f), path.child('finalizers').index(i))),
    );
  }
  return errs;
}

/** Template metadata (PVC templates in ephemeral volumes): only labels and annotations may be set. */
export function validateTemplateObjectMeta(meta: ObjectMeta | undefined | null, path: FieldPath): FieldError[] {
  const m: ObjectMeta = meta ?? {};
  const errs = [
    ...validateAnnotations(m.annotations, path.child('annotations')),
    ...validateLabels(m.labels, path.child('labels')),
  ];
  for (const k of Object.keys(m).sort()) {
    if (k === 'labels' || k === 'annotations') continue;
    const v = (m as Record<string, unknown>)[k];
    if (v !== undefined && v !== null && v !== '' && v !== 0) errs.push(path.child(k).forbidden('cannot be set'));
  }
  return errs;
}
