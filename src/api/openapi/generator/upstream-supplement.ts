/**
 * Corrections that bring kubernetes-types 1.30 up to the v1.32 API, written in
 * the package's own declaration syntax and merged over it by module (an
 * interface declared here adds or replaces properties of the package's
 * interface, or is new; a doc comment here replaces the package's). Three kinds
 * of gaps: fields the package's generator dropped (those whose upstream doc
 * contains `*\/`, and JSONSchemaProps' `x-kubernetes-*` extensions), and fields
 * and types added or removed in v1.31/v1.32 for the served groups.
 */

/** Upstream docs of the `Rule` fields inlined into the admission rule types. */
const ruleResourcesDoc = `Resources is a list of resources this rule applies to.\n\nFor example: 'pods' means pods. 'pods/log' means the log subresource of pods. '*' means all resources, but not subresources. 'pods/*' means all subresources of pods. '*\\/scale' means all scale subresources. '*\\/*' means all resources and their subresources.\n\nIf wildcard is present, the validation rule will ensure resources do not overlap with each other.\n\nDepending on the enclosing object, subresources might not be allowed. Required.`;
const ruleScopeDoc = `scope specifies the scope of this rule. Valid values are "Cluster", "Namespaced", and "*" "Cluster" means that only cluster-scoped resources will match this rule. Namespace API objects are cluster-scoped. "Namespaced" means that only namespaced resources will match this rule. "*" means that there are no scope restrictions. Subresources match the scope of their parent resource. Default is "*".`;

/** The inlined `Rule` fields kubernetes-types dropped (their doc contains `*\/`). */
const ruleFields = `
    /** ${ruleResourcesDoc} */
    resources?: Array<string>;
    /** ${ruleScopeDoc} */
    scope?: string;
`;

/** Module key -> declarations to merge over that module. */
export const supplementModules: Record<string, string> = {
  'meta/v1': `
export interface DeleteOptions {
    /** if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error. A resource is considered corrupt if it can not be retrieved from the underlying storage successfully because of a) its data can not be transformed e.g. decryption failure, or b) it fails to decode into an object. NOTE: unsafe deletion ignores finalizer constraints, skips precondition checks, and removes the object from the storage. WARNING: This may potentially break the cluster if the workload associated with the resource being unsafe-deleted relies on normal deletion flow. Use only if you REALLY know what you are doing. The default value is false, and the user must opt in to enable it */
    ignoreStoreReadErrorWithClusterBreakingPotential?: boolean;
}
/** FieldSelectorRequirement is a selector that contains values, a key, and an operator that relates the key and values. */
export interface FieldSelectorRequirement {
    /** key is the field selector key that the requirement applies to. */
    key: string;
    /** operator represents a key's relationship to a set of values. Valid operators are In, NotIn, Exists, DoesNotExist. The list of operators may grow in the future. */
    operator: string;
    /** values is an array of string values. If the operator is In or NotIn, the values array must be non-empty. If the operator is Exists or DoesNotExist, the values array must be empty. */
    values?: Array<string>;
}
`,
  'admissionregistration/v1': `
export interface NamedRuleWithOperations {${ruleFields}}
export interface RuleWithOperations {${ruleFields}}
`,
  'admissionregistration/v1beta1': `
export interface NamedRuleWithOperations {${ruleFields}}
`,
  'admissionregistration/v1alpha1': `
export interface NamedRuleWithOperations {${ruleFields}}
`,
  'apiextensions/v1': `
export interface JSONSchemaProps {
    /** x-kubernetes-embedded-resource defines that the value is an embedded Kubernetes runtime.Object, with TypeMeta and ObjectMeta. The type must be object. It is allowed to further restrict the embedded object. kind, apiVersion and metadata are validated automatically. x-kubernetes-preserve-unknown-fields is allowed to be true, but does not have to be if the object is fully specified (up to kind, apiVersion, metadata). */
    "x-kubernetes-embedded-resource"?: boolean;
    /** x-kubernetes-int-or-string specifies that this value is either an integer or a string. If this is true, an empty type is allowed and type as child of anyOf is permitted if following one of the following patterns:\n\n1) anyOf:\n   - type: integer\n   - type: string\n2) allOf:\n   - anyOf:\n     - type: integer\n     - type: string\n   - ... zero or more */
    "x-kubernetes-int-or-string"?: boolean;
    /** x-kubernetes-list-map-keys annotates an array with the x-kubernetes-list-type \`map\` by specifying the keys used as the index of the map.\n\nThis tag MUST only be used on lists that have the "x-kubernetes-list-type" extension set to "map". Also, the values specified for this attribute must be a scalar typed field of the child structure (no nesting is supported).\n\nThe properties specified must either be required or have a default value, to ensure those properties are present for all list items. */
    "x-kubernetes-list-map-keys"?: Array<string>;
    /** x-kubernetes-list-type annotates an array to further describe its topology. This extension must only be used on lists and may have 3 possible values:\n\n1) \`atomic\`: the list is treated as a single entity, like a scalar.\n     Atomic lists will be entirely replaced when updated. This extension\n     may be used on any type of list (struct, scalar, ...).\n2) \`set\`:\n     Sets are lists that must not have multiple items with the same value. Each\n     value must be a scalar, an object with x-kubernetes-map-type \`atomic\` or an\n     array with x-kubernetes-list-type \`atomic\`.\n3) \`map\`:\n     These lists are like maps in that their elements have a non-index key\n     used to identify them. Order is preserved upon merge. The map tag\n     must only be used on a list with elements of type object.\nDefaults to atomic for arrays. */
    "x-kubernetes-list-type"?: string;
    /** x-kubernetes-map-type annotates an object to further describe its topology. This extension must only be used when type is object and may have 2 possible values:\n\n1) \`granular\`:\n     These maps are actual maps (key-value pairs) and each fields are independent\n     from each other (they can each be manipulated by separate actors). This is\n     the default behaviour for all maps.\n2) \`atomic\`: the list is treated as a single entity, like a scalar.\n     Atomic maps will be entirely replaced when updated. */
    "x-kubernetes-map-type"?: string;
    /** x-kubernetes-preserve-unknown-fields stops the API server decoding step from pruning fields which are not specified in the validation schema. This affects fields recursively, but switches back to normal pruning behaviour if nested properties or additionalProperties are specified in the schema. This can either be true or undefined. False is forbidden. */
    "x-kubernetes-preserve-unknown-fields"?: boolean;
    /** x-kubernetes-validations describes a list of validation rules written in the CEL expression language. */
    "x-kubernetes-validations"?: Array<ValidationRule>;
}
`,
  'authorization/v1': `
import { FieldSelectorRequirement, LabelSelectorRequirement } from "../meta/v1";
/** FieldSelectorAttributes indicates a field limited access. Webhook authors are encouraged to * ensure rawSelector and requirements are not both set * consider the requirements field if set * not try to parse or consider the rawSelector field if set. This is to avoid another CVE-2022-2880 (i.e. getting different systems to agree on how exactly to parse a query is not something we want), see https://www.oxeye.io/resources/golang-parameter-smuggling-attack for more details. For the *SubjectAccessReview endpoints of the kube-apiserver: * If rawSelector is empty and requirements are empty, the request is not limited. * If rawSelector is present and requirements are empty, the rawSelector will be parsed and limited if the parsing succeeds. * If rawSelector is empty and requirements are present, the requirements should be honored * If rawSelector is present and requirements are present, the request is invalid. */
export interface FieldSelectorAttributes {
    /** rawSelector is the serialization of a field selector that would be included in a query parameter. Webhook implementations are encouraged to ignore rawSelector. The kube-apiserver's *SubjectAccessReview will parse the rawSelector as long as the requirements are not present. */
    rawSelector?: string;
    /** requirements is the parsed interpretation of a field selector. All requirements must be met for a resource instance to match the selector. Webhook implementations should handle requirements, but how to handle them is up to the webhook. Since requirements can only limit the request, it is safe to authorize as unlimited request if the requirements are not understood. */
    requirements?: Array<FieldSelectorRequirement>;
}
/** LabelSelectorAttributes indicates a label limited access. Webhook authors are encouraged to * ensure rawSelector and requirements are not both set * consider the requirements field if set * not try to parse or consider the rawSelector field if set. This is to avoid another CVE-2022-2880 (i.e. getting different systems to agree on how exactly to parse a query is not something we want), see https://www.oxeye.io/resources/golang-parameter-smuggling-attack for more details. For the *SubjectAccessReview endpoints of the kube-apiserver: * If rawSelector is empty and requirements are empty, the request is not limited. * If rawSelector is present and requirements are empty, the rawSelector will be parsed and limited if the parsing succeeds. * If rawSelector is empty and requirements are present, the requirements should be honored * If rawSelector is present and requirements are present, the request is invalid. */
export interface LabelSelectorAttributes {
    /** rawSelector is the serialization of a field selector that would be included in a query parameter. Webhook implementations are encouraged to ignore rawSelector. The kube-apiserver's *SubjectAccessReview will parse the rawSelector as long as the requirements are not present. */
    rawSelector?: string;
    /** requirements is the parsed interpretation of a label selector. All requirements must be met for a resource instance to match the selector. Webhook implementations should handle requirements, but how to handle them is up to the webhook. Since requirements can only limit the request, it is safe to authorize as unlimited request if the requirements are not understood. */
    requirements?: Array<LabelSelectorRequirement>;
}
export interface ResourceAttributes {
    /** fieldSelector describes the limitation on access based on field.  It can only limit access, not broaden it.\n\nThis field  is alpha-level. To use this field, you must enable the \`AuthorizeWithSelectors\` feature gate (disabled by default). */
    fieldSelector?: FieldSelectorAttributes;
    /** labelSelector describes the limitation on access based on labels.  It can only limit access, not broaden it.\n\nThis field  is alpha-level. To use this field, you must enable the \`AuthorizeWithSelectors\` feature gate (disabled by default). */
    labelSelector?: LabelSelectorAttributes;
}
export interface ResourceRule {
    /** Resources is a list of resources this rule applies to.  "*" means all in the specified apiGroups.
 "*\\/foo" represents the subresource 'foo' for all resources in the specified apiGroups. */
    resources?: Array<string>;
    /** Verb is a list of kubernetes resource API verbs, like: get, list, watch, create, update, delete, proxy.  "*" means all. */
    verbs: Array<string>;
}
`,
  'coordination/v1': `
export interface LeaseSpec {
    /** PreferredHolder signals to a lease holder that the lease has a more optimal holder and should be given up. This field can only be set if Strategy is also set. */
    preferredHolder?: string;
    /** Strategy indicates the strategy for picking the leader for coordinated leader election. If the field is not specified, there is no active coordination for this lease. (Alpha) Using this field requires the CoordinatedLeaderElection feature gate to be enabled. */
    strategy?: string;
}
`,
  'core/v1': `
export interface ContainerStatus {
    /** AllocatedResourcesStatus represents the status of various resources allocated for this Pod. */
    allocatedResourcesStatus?: Array<ResourceStatus>;
    /** User represents user identity information initially attached to the first process of the container */
    user?: ContainerUser;
}
/** ContainerUser represents user identity information */
export interface ContainerUser {
    /** Linux holds user identity information initially attached to the first process of the containers in Linux. Note that the actual running identity can be changed if the process has enough privilege to do so. */
    linux?: LinuxContainerUser;
}
/** ImageVolumeSource represents a image volume resource. */
export interface ImageVolumeSource {
    /** Policy for pulling OCI objects. Possible values are: Always: the kubelet always attempts to pull the reference. Container creation will fail If the pull fails. Never: the kubelet never pulls the reference and only uses a local image or artifact. Container creation will fail if the reference isn't present. IfNotPresent: the kubelet pulls if the reference isn't already present on disk. Container creation will fail if the reference isn't present and the pull fails. Defaults to Always if :latest tag is specified, or IfNotPresent otherwise. */
    pullPolicy?: string;
    /** Required: Image or artifact reference to be used. Behaves in the same way as pod.spec.containers[*].image. Pull secrets will be assembled in the same way as for the container image by looking up node credentials, SA image pull secrets, and pod spec image pull secrets. More info: https://kubernetes.io/docs/concepts/containers/images This field is optional to allow higher level config management to default or override container images in workload controllers like Deployments and StatefulSets. */
    reference?: string;
}
/** LinuxContainerUser represents user identity information in Linux containers */
export interface LinuxContainerUser {
    /** GID is the primary gid initially attached to the first process in the container */
    gid: number;
    /** SupplementalGroups are the supplemental groups initially attached to the first process in the container */
    supplementalGroups?: Array<number>;
    /** UID is the primary uid initially attached to the first process in the container */
    uid: number;
}
/** NodeFeatures describes the set of features implemented by the CRI implementation. The features contained in the NodeFeatures should depend only on the cri implementation independent of runtime handlers. */
export interface NodeFeatures {
    /** SupplementalGroupsPolicy is set to true if the runtime supports SupplementalGroupsPolicy and ContainerUser. */
    supplementalGroupsPolicy?: boolean;
}
export interface NodeRuntimeHandlerFeatures {
    /** UserNamespaces is set to true if the runtime handler supports UserNamespaces, including for volumes. */
    userNamespaces?: boolean;
}
export interface NodeStatus {
    /** Features describes the set of features implemented by the CRI implementation. */
    features?: NodeFeatures;
}
/** NodeSwapStatus represents swap memory information. */
export interface NodeSwapStatus {
    /** Total amount of swap memory in bytes. */
    capacity?: number;
}
export interface NodeSystemInfo {
    /** Swap Info reported by the node. */
    swap?: NodeSwapStatus;
}
/**
 * PodResourceClaim references exactly one ResourceClaim, either directly or by naming a ResourceClaimTemplate which is then turned into a ResourceClaim for the pod.
 *
 * It adds a name to it that uniquely identifies the ResourceClaim inside the Pod. Containers that need access to the ResourceClaim reference it with this name.
 */
export interface PodResourceClaim {
    /**
     * ResourceClaimName is the name of a ResourceClaim object in the same namespace as this pod.
     *
     * Exactly one of ResourceClaimName and ResourceClaimTemplateName must be set.
     */
    resourceClaimName?: string;
    /**
     * ResourceClaimTemplateName is the name of a ResourceClaimTemplate object in the same namespace as this pod.
     *
     * The template will be used to create a new ResourceClaim, which will be bound to this pod. When this pod is deleted, the ResourceClaim will also be deleted. The pod name and resource name, along with a generated component, will be used to form a unique name for the ResourceClaim, which will be recorded in pod.status.resourceClaimStatuses.
     *
     * This field is immutable and no changes will be made to the corresponding ResourceClaim by the control plane after creating the ResourceClaim.
     *
     * Exactly one of ResourceClaimName and ResourceClaimTemplateName must be set.
     */
    resourceClaimTemplateName?: string;
}
export interface PodSecurityContext {
    /** seLinuxChangePolicy defines how the container's SELinux label is applied to all volumes used by the Pod. It has no effect on nodes that do not support SELinux or to volumes does not support SELinux. Valid values are "MountOption" and "Recursive".\n\n"Recursive" means relabeling of all files on all Pod volumes by the container runtime. This may be slow for large volumes, but allows mixing privileged and unprivileged Pods sharing the same volume on the same node.\n\n"MountOption" mounts all eligible Pod volumes with \`-o context\` mount option. This requires all Pods that share the same volume to use the same SELinux label. It is not possible to share the same volume among privileged and unprivileged Pods. Eligible volumes are in-tree FibreChannel and iSCSI volumes, and all CSI volumes whose CSI driver announces SELinux support by setting spec.seLinuxMount: true in their CSIDriver instance. Other volumes are always re-labelled recursively. "MountOption" value is allowed only when SELinuxMount feature gate is enabled.\n\nIf not specified and SELinuxMount feature gate is enabled, "MountOption" is used. If not specified and SELinuxMount feature gate is disabled, "MountOption" is used for ReadWriteOncePod volumes and "Recursive" for all other volumes.\n\nThis field affects only Pods that have SELinux label set, either in PodSecurityContext or in SecurityContext of all containers.\n\nAll Pods that use the same volume should use the same seLinuxChangePolicy, otherwise some pods can get stuck in ContainerCreating state. Note that this field cannot be set when spec.os.name is windows. */
    seLinuxChangePolicy?: string;
    /** Defines how supplemental groups of the first container processes are calculated. Valid values are "Merge" and "Strict". If not specified, "Merge" is used. (Alpha) Using the field requires the SupplementalGroupsPolicy feature gate to be enabled and the container runtime must implement support for this feature. Note that this field cannot be set when spec.os.name is windows. */
    supplementalGroupsPolicy?: string;
}
export interface PodSpec {
    /** Resources is the total amount of CPU and Memory resources required by all containers in the pod. It supports specifying Requests and Limits for "cpu" and "memory" resource names only. ResourceClaims are not supported.\n\nThis field enables fine-grained control over resource allocation for the entire pod, allowing resource sharing among containers in a pod.\n\nThis is an alpha field and requires enabling the PodLevelResources feature gate. */
    resources?: ResourceRequirements;
}
export interface ResourceClaim {
    /** Request is the name chosen for a request in the referenced claim. If empty, everything from the claim is made available, otherwise only the result of this request. */
    request?: string;
}
/** ResourceHealth represents the health of a resource. It has the latest device health information. This is a part of KEP https://kep.k8s.io/4680 and historical health changes are planned to be added in future iterations of a KEP. */
export interface ResourceHealth {
    /** Health of the resource. can be one of:\n - Healthy: operates as normal\n - Unhealthy: reported unhealthy. We consider this a temporary health issue\n              since we do not have a mechanism today to distinguish\n              temporary and permanent issues.\n - Unknown: The status cannot be determined.\n            For example, Device Plugin got unregistered and hasn't been re-registered since.\n\nIn future we may want to introduce the PermanentlyUnhealthy Status. */
    health?: string;
    /** ResourceID is the unique identifier of the resource. See the ResourceID type for more information. */
    resourceID: string;
}
/** ResourceStatus represents the status of a single resource allocated to a Pod. */
export interface ResourceStatus {
    /** Name of the resource. Must be unique within the pod and in case of non-DRA resource, match one of the resources from the pod spec. For DRA resources, the value must be "claim:<claim_name>/<request>". When this status is reported about a container, the "claim_name" and "request" must match one of the claims of this container. */
    name: string;
    /** List of unique resources health. Each element in the list contains an unique resource ID and its health. At a minimum, for the lifetime of a Pod, resource ID must uniquely identify the resource allocated to the Pod on the Node. If other Pod on the same Node reports the status with the same resource ID, it must be the same resource they share. See ResourceID type definition for a specific format it has in various use cases. */
    resources?: Array<ResourceHealth>;
}
export interface Volume {
    /** image represents an OCI object (a container image or artifact) pulled and mounted on the kubelet's host machine. The volume is resolved at pod startup depending on which PullPolicy value is provided:\n\n- Always: the kubelet always attempts to pull the reference. Container creation will fail If the pull fails. - Never: the kubelet never pulls the reference and only uses a local image or artifact. Container creation will fail if the reference isn't present. - IfNotPresent: the kubelet pulls if the reference isn't already present on disk. Container creation will fail if the reference isn't present and the pull fails.\n\nThe volume gets re-resolved if the pod gets deleted and recreated, which means that new remote content will become available on pod recreation. A failure to resolve or pull the image during pod startup will block containers from starting and may add significant latency. Failures will be retried using normal volume backoff and will be reported on the pod reason and message. The types of objects that may be mounted by this volume are defined by the container runtime implementation on a host machine and at minimum must include all valid types supported by the container image field. The OCI object gets mounted in a single directory (spec.containers[*].volumeMounts.mountPath) by merging the manifest layers in the same way as for container images. The volume will be mounted read-only (ro) and non-executable files (noexec). Sub path mounts for containers are not supported (spec.containers[*].volumeMounts.subpath). The field spec.securityContext.fsGroupChangePolicy has no effect on this volume type. */
    image?: ImageVolumeSource;
}
`,
};

/** Declarations (`Name`) and properties (`Name.field`) removed upstream by v1.32, per module. */
export const supplementRemovals: Record<string, string[]> = {
  // v1.31 replaced PodResourceClaim.source (a ClaimSource) by the two name fields.
  'core/v1': ['PodResourceClaim.source', 'ClaimSource'],
};
