/**
 * Server-side apply and managedFields tracking (the apiserver's field manager).
 * Pure functions over JSON objects: the write handlers call
 *
 * - `applyPatch` for `application/apply-patch+yaml` PATCHes (create or update),
 * - `trackUpdate` for every other create/update/patch, including subresources,
 *
 * with the resource's type from `typeForDefinition(loadDefinitions(), name)`
 * (built-ins), `typeForSchema(defs, crdSchema)` or `deducedType` (schema-less
 * custom resources).
 */
export { applyPatch, type ApplyOptions, type ApplyResult } from './apply.js';
export { trackUpdate, managerFromUserAgent, maxUpdateManagers, type TrackUpdateOptions } from './update-manager.js';
export { typeForDefinition, typeForSchema, deducedType, type TypeNode } from './type-schema.js';
export { FieldSet, FieldSetError } from './field-set.js';
export { fieldSetOf, ensureNamedFieldsAreMembers } from './to-field-set.js';
export { compareObjects, type Comparison } from './compare.js';
export { mergeValues } from './merge.js';
export { removeItems } from './remove-items.js';
export {
  type Path,
  type PathElement,
  fieldElement,
  keyElement,
  valueElement,
  indexElement,
  pathString,
  serializePathElement,
  deserializePathElement,
} from './path-element.js';
export {
  decodeManagedFields,
  encodeManagedFields,
  isResetManagedFields,
  managerIdentifier,
  validateFieldManager,
  validateManagedFields,
  fieldManagerMaxLength,
  formatTime,
  type Managed,
  type VersionedSet,
} from './managed-fields.js';
export { conflictError, type Conflict } from './conflicts.js';
export { defaultResetFields, strippedFields } from './ownership.js';
export { lastAppliedAnnotation } from './last-applied.js';
