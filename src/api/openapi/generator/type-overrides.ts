/**
 * What the declarations cannot say. kubernetes-types erases Go's numeric widths,
 * `[]byte` and the custom-marshalled types, so these tables restore upstream's
 * schema for them. Entries name upstream definitions; the generator fails on an
 * entry that matches no property, so the table cannot silently go stale.
 */
import type { SchemaObject } from '../schema-types.js';

/** A numeric or byte format differing from the default (`integer`/`int32` for numbers). */
export type FormatOverride = 'int64' | 'double' | 'byte';

const core = 'io.k8s.api.core.v1';
const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const apiext = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';

/**
 * definition -> property -> format. Applies to the property's scalar schema, or to
 * its array items / map values (e.g. `supplementalGroups`, `Secret.data`).
 */
export const formatOverrides: Record<string, Record<string, FormatOverride>> = {
  [`${meta}.Condition`]: { observedGeneration: 'int64' },
  [`${meta}.DeleteOptions`]: { gracePeriodSeconds: 'int64' },
  [`${meta}.ListMeta`]: { remainingItemCount: 'int64' },
  [`${meta}.ObjectMeta`]: { deletionGracePeriodSeconds: 'int64', generation: 'int64' },
  [`${core}.ConfigMap`]: { binaryData: 'byte' },
  [`${core}.ContainerImage`]: { sizeBytes: 'int64' },
  [`${core}.LinuxContainerUser`]: { gid: 'int64', supplementalGroups: 'int64', uid: 'int64' },
  [`${core}.NodeSwapStatus`]: { capacity: 'int64' },
  [`${core}.PodSecurityContext`]: {
    fsGroup: 'int64',
    runAsGroup: 'int64',
    runAsUser: 'int64',
    supplementalGroups: 'int64',
  },
  [`${core}.PodSpec`]: { activeDeadlineSeconds: 'int64', terminationGracePeriodSeconds: 'int64' },
  [`${core}.Probe`]: { terminationGracePeriodSeconds: 'int64' },
  [`${core}.ReplicationControllerStatus`]: { observedGeneration: 'int64' },
  [`${core}.Secret`]: { data: 'byte' },
  [`${core}.SecurityContext`]: { runAsGroup: 'int64', runAsUser: 'int64' },
  [`${core}.ServiceAccountTokenProjection`]: { expirationSeconds: 'int64' },
  [`${core}.SleepAction`]: { seconds: 'int64' },
  [`${core}.Toleration`]: { tolerationSeconds: 'int64' },
  'io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicyStatus': { observedGeneration: 'int64' },
  'io.k8s.api.admissionregistration.v1beta1.ValidatingAdmissionPolicyStatus': { observedGeneration: 'int64' },
  'io.k8s.api.admissionregistration.v1alpha1.ValidatingAdmissionPolicyStatus': { observedGeneration: 'int64' },
  'io.k8s.api.admissionregistration.v1.WebhookClientConfig': { caBundle: 'byte' },
  'io.k8s.api.apiserverinternal.v1alpha1.StorageVersionCondition': { observedGeneration: 'int64' },
  'io.k8s.api.apps.v1.ControllerRevision': { revision: 'int64' },
  'io.k8s.api.apps.v1.DaemonSetStatus': { observedGeneration: 'int64' },
  'io.k8s.api.apps.v1.DeploymentStatus': { observedGeneration: 'int64' },
  'io.k8s.api.apps.v1.ReplicaSetStatus': { observedGeneration: 'int64' },
  'io.k8s.api.apps.v1.StatefulSetStatus': { observedGeneration: 'int64' },
  'io.k8s.api.authentication.v1.TokenRequestSpec': { expirationSeconds: 'int64' },
  'io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerStatus': { observedGeneration: 'int64' },
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus': { observedGeneration: 'int64' },
  'io.k8s.api.batch.v1.CronJobSpec': { startingDeadlineSeconds: 'int64' },
  'io.k8s.api.batch.v1.JobSpec': { activeDeadlineSeconds: 'int64' },
  'io.k8s.api.certificates.v1.CertificateSigningRequestSpec': { request: 'byte' },
  'io.k8s.api.certificates.v1.CertificateSigningRequestStatus': { certificate: 'byte' },
  'io.k8s.api.policy.v1.PodDisruptionBudgetStatus': { observedGeneration: 'int64' },
  'io.k8s.api.resource.v1alpha2.NamedResourcesAttribute': { int: 'int64' },
  'io.k8s.api.resource.v1alpha2.NamedResourcesIntSlice': { ints: 'int64' },
  'io.k8s.api.storage.v1.TokenRequest': { expirationSeconds: 'int64' },
  [`${apiext}.JSONSchemaProps`]: {
    maxItems: 'int64',
    maxLength: 'int64',
    maxProperties: 'int64',
    minItems: 'int64',
    minLength: 'int64',
    minProperties: 'int64',
    maximum: 'double',
    minimum: 'double',
    multipleOf: 'double',
  },
  [`${apiext}.WebhookClientConfig`]: { caBundle: 'byte' },
};

/**
 * Definitions whose upstream schema comes from custom (un)marshalling rather than
 * from their Go struct; the declaration supplies only the description.
 */
export const specialDefinitions: Record<string, Omit<SchemaObject, 'description'>> = {
  [`${meta}.Time`]: { type: 'string', format: 'date-time' },
  [`${meta}.MicroTime`]: { type: 'string', format: 'date-time' },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string' },
  'io.k8s.apimachinery.pkg.runtime.RawExtension': { type: 'object' },
  [`${apiext}.JSON`]: { 'x-kubernetes-preserve-unknown-fields': true },
  // The `...Or...` wrappers accept either shape, so upstream gives them no type.
  [`${apiext}.JSONSchemaPropsOrArray`]: {},
  [`${apiext}.JSONSchemaPropsOrBool`]: {},
  [`${apiext}.JSONSchemaPropsOrStringArray`]: {},
};

/** Upstream text of `intstr.IntOrString` (not declared by kubernetes-types). */
export const intOrStringDescription =
  'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.';

/**
 * Kinds whose `apiVersion`/`kind` are plain strings in the declarations but that
 * upstream registers under fixed GVKs. `everyGroupVersion` ones are registered
 * in every API group (the generator expands them to all group-versions it saw).
 */
export const extraGVKs: Record<string, 'everyGroupVersion' | { group: string; version: string; kind: string }[]> = {
  [`${meta}.Status`]: [{ group: '', version: 'v1', kind: 'Status' }],
  [`${meta}.DeleteOptions`]: 'everyGroupVersion',
  [`${meta}.WatchEvent`]: 'everyGroupVersion',
};
