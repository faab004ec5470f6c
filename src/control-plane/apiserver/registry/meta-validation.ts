import type { ResourceInfo } from '../../../api/scheme/types.js';
import type { FieldError } from '../../../api/validation/field-error.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../../api/validation/object-meta.js';
import { nameValidatorFor, validatorFor } from '../../../api/validation/validators.js';
import type { KubeObject } from '../watch-cache/types.js';

/**
 * Validation entry points for the generic store: the kind's validator when
 * the api layer has one (it includes ObjectMeta checks, as upstream's
 * ValidateX functions do), otherwise ObjectMeta validation alone.
 */
export function validateCreate(info: ResourceInfo, obj: KubeObject): FieldError[] {
  const v = validatorFor(info.group, info.kind);
  if (v) return v.validate(obj);
  return validateObjectMeta(obj.metadata as never, info.namespaced, nameValidatorFor(info.group, info.kind));
}

export function validateUpdate(info: ResourceInfo, obj: KubeObject, old: KubeObject): FieldError[] {
  const v = validatorFor(info.group, info.kind);
  if (v) return v.validateUpdate(obj, old);
  return validateObjectMetaUpdate(obj.metadata as never, old.metadata as never);
}

export function validateStatusUpdate(info: ResourceInfo, obj: KubeObject, old: KubeObject): FieldError[] {
  const v = validatorFor(info.group, info.kind);
  if (v?.validateStatusUpdate) return v.validateStatusUpdate(obj, old);
  return validateObjectMetaUpdate(obj.metadata as never, old.metadata as never);
}
