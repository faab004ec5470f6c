/**
 * Schema tools the apiserver uses for `fieldValidation=Strict|Warn|Ignore` and
 * CustomResourceDefinitions: unknown-field detection for built-in kinds, the
 * strict-decoding messages, and the structural-schema algorithms for custom
 * resources (validation of the schema itself, validation of objects, defaulting,
 * pruning). All pure; the object-mutating ones say so.
 */
export {
  dropUnknownFields,
  findUnknownFields,
  strictFieldIssues,
  type StrictIssueOptions,
  type UnknownFieldOptions,
} from './unknown-fields.js';
export {
  applyFieldValidation,
  customResourceStrictIssues,
  duplicateFieldMessage,
  strictDecodingError,
  strictDecodingErrorText,
  unknownFieldMessage,
  type CustomResourceStrictParts,
  type FieldValidationDirective,
} from './strict-decoding.js';
export { type SchemaProps } from './structural/schema-props.js';
export { validateStructuralSchema } from './structural/validate-structural.js';
export { validateAgainstSchema } from './structural/validate.js';
export { applyDefaults, pruneNonNullableNullsWithoutDefaults } from './structural/defaults.js';
export { prune } from './structural/prune.js';
export { embeddedObjectMetas, type EmbeddedObjectMeta } from './structural/embedded-resource.js';
