import type { GoField, GoType } from './go-dump.js';
import {
  bool,
  def,
  i32,
  i64,
  intOrString,
  mapSS,
  named,
  opaque,
  ptr,
  quantityType,
  resourceList,
  s,
  slice,
  str,
  struct,
  timeType,
} from './go-type-kit.js';
import { defineVolumeTypes } from './pod-volume-go-types.js';

/**
 * The Go layout of `core/v1.PodTemplateSpec` in k8s.io/api v0.32 (Kubernetes
 * 1.32): field order, Go names and Go type names of everything a pod
 * template can hold, as go-spew prints them (`v1.` for both core/v1 and
 * meta/v1). Volume sources for in-tree storage plugins are named but not laid
 * out: a template using one makes the dump fail and the caller falls back.
 */
def('ObjectMeta', [
  ['Name', 'name', str],
  ['GenerateName', 'generateName', str],
  ['Namespace', 'namespace', str],
  ['SelfLink', 'selfLink', str],
  ['UID', 'uid', named('string', 'types.UID')],
  ['ResourceVersion', 'resourceVersion', str],
  ['Generation', 'generation', i64],
  ['CreationTimestamp', 'creationTimestamp', timeType],
  ['DeletionTimestamp', 'deletionTimestamp', ptr(timeType)],
  ['DeletionGracePeriodSeconds', 'deletionGracePeriodSeconds', ptr(i64)],
  ['Labels', 'labels', mapSS],
  ['Annotations', 'annotations', mapSS],
  ['OwnerReferences', 'ownerReferences', slice(struct('OwnerReference'))],
  ['Finalizers', 'finalizers', slice(str)],
  ['ManagedFields', 'managedFields', slice(opaque('ManagedFieldsEntry'))],
]);
def('OwnerReference', [
  ['APIVersion', 'apiVersion', str],
  ['Kind', 'kind', str],
  ['Name', 'name', str],
  ['UID', 'uid', named('string', 'types.UID')],
  ['Controller', 'controller', ptr(bool)],
  ['BlockOwnerDeletion', 'blockOwnerDeletion', ptr(bool)],
]);
def('PodTemplateSpec', [
  ['ObjectMeta', 'metadata', struct('ObjectMeta')],
  ['Spec', 'spec', struct('PodSpec')],
]);
def('PodSpec', [
  ['Volumes', 'volumes', slice(struct('Volume'))],
  ['InitContainers', 'initContainers', slice(struct('Container'))],
  ['Containers', 'containers', slice(struct('Container'))],
  ['EphemeralContainers', 'ephemeralContainers', slice(struct('EphemeralContainer'))],
  ['RestartPolicy', 'restartPolicy', s('RestartPolicy')],
  ['TerminationGracePeriodSeconds', 'terminationGracePeriodSeconds', ptr(i64)],
  ['ActiveDeadlineSeconds', 'activeDeadlineSeconds', ptr(i64)],
  ['DNSPolicy', 'dnsPolicy', s('DNSPolicy')],
  ['NodeSelector', 'nodeSelector', mapSS],
  ['ServiceAccountName', 'serviceAccountName', str],
  ['DeprecatedServiceAccount', 'serviceAccount', str],
  ['AutomountServiceAccountToken', 'automountServiceAccountToken', ptr(bool)],
  ['NodeName', 'nodeName', str],
  ['HostNetwork', 'hostNetwork', bool],
  ['HostPID', 'hostPID', bool],
  ['HostIPC', 'hostIPC', bool],
  ['ShareProcessNamespace', 'shareProcessNamespace', ptr(bool)],
  ['SecurityContext', 'securityContext', ptr(struct('PodSecurityContext'))],
  ['ImagePullSecrets', 'imagePullSecrets', slice(struct('LocalObjectReference'))],
  ['Hostname', 'hostname', str],
  ['Subdomain', 'subdomain', str],
  ['Affinity', 'affinity', ptr(struct('Affinity'))],
  ['SchedulerName', 'schedulerName', str],
  ['Tolerations', 'tolerations', slice(struct('Toleration'))],
  ['HostAliases', 'hostAliases', slice(struct('HostAlias'))],
  ['PriorityClassName', 'priorityClassName', str],
  ['Priority', 'priority', ptr(i32)],
  ['DNSConfig', 'dnsConfig', ptr(struct('PodDNSConfig'))],
  ['ReadinessGates', 'readinessGates', slice(struct('PodReadinessGate'))],
  ['RuntimeClassName', 'runtimeClassName', ptr(str)],
  ['EnableServiceLinks', 'enableServiceLinks', ptr(bool)],
  ['PreemptionPolicy', 'preemptionPolicy', ptr(s('PreemptionPolicy'))],
  ['Overhead', 'overhead', resourceList],
  ['TopologySpreadConstraints', 'topologySpreadConstraints', slice(struct('TopologySpreadConstraint'))],
  ['SetHostnameAsFQDN', 'setHostnameAsFQDN', ptr(bool)],
  ['OS', 'os', ptr(struct('PodOS'))],
  ['HostUsers', 'hostUsers', ptr(bool)],
  ['SchedulingGates', 'schedulingGates', slice(struct('PodSchedulingGate'))],
  ['ResourceClaims', 'resourceClaims', slice(struct('PodResourceClaim'))],
  ['Resources', 'resources', ptr(struct('ResourceRequirements'))],
]);
const containerFields = (): GoField[] => [
  ['Name', 'name', str],
  ['Image', 'image', str],
  ['Command', 'command', slice(str)],
  ['Args', 'args', slice(str)],
  ['WorkingDir', 'workingDir', str],
  ['Ports', 'ports', slice(struct('ContainerPort'))],
  ['EnvFrom', 'envFrom', slice(struct('EnvFromSource'))],
  ['Env', 'env', slice(struct('EnvVar'))],
  ['Resources', 'resources', struct('ResourceRequirements')],
  ['ResizePolicy', 'resizePolicy', slice(struct('ContainerResizePolicy'))],
  ['RestartPolicy', 'restartPolicy', ptr(s('ContainerRestartPolicy'))],
  ['VolumeMounts', 'volumeMounts', slice(struct('VolumeMount'))],
  ['VolumeDevices', 'volumeDevices', slice(struct('VolumeDevice'))],
  ['LivenessProbe', 'livenessProbe', ptr(struct('Probe'))],
  ['ReadinessProbe', 'readinessProbe', ptr(struct('Probe'))],
  ['StartupProbe', 'startupProbe', ptr(struct('Probe'))],
  ['Lifecycle', 'lifecycle', ptr(struct('Lifecycle'))],
  ['TerminationMessagePath', 'terminationMessagePath', str],
  ['TerminationMessagePolicy', 'terminationMessagePolicy', s('TerminationMessagePolicy')],
  ['ImagePullPolicy', 'imagePullPolicy', s('PullPolicy')],
  ['SecurityContext', 'securityContext', ptr(struct('SecurityContext'))],
  ['Stdin', 'stdin', bool],
  ['StdinOnce', 'stdinOnce', bool],
  ['TTY', 'tty', bool],
];
def('Container', containerFields());
def('EphemeralContainerCommon', containerFields());
def('EphemeralContainer', [
  ['EphemeralContainerCommon', '', struct('EphemeralContainerCommon')],
  ['TargetContainerName', 'targetContainerName', str],
]);
def('ContainerPort', [
  ['Name', 'name', str],
  ['HostPort', 'hostPort', i32],
  ['ContainerPort', 'containerPort', i32],
  ['Protocol', 'protocol', s('Protocol')],
  ['HostIP', 'hostIP', str],
]);
def('EnvFromSource', [
  ['Prefix', 'prefix', str],
  ['ConfigMapRef', 'configMapRef', ptr(struct('ConfigMapEnvSource'))],
  ['SecretRef', 'secretRef', ptr(struct('SecretEnvSource'))],
]);
const refAndOptional: GoField[] = [
  ['LocalObjectReference', '', struct('LocalObjectReference')],
  ['Optional', 'optional', ptr(bool)],
];
def('ConfigMapEnvSource', refAndOptional);
def('SecretEnvSource', refAndOptional);
def('LocalObjectReference', [['Name', 'name', str]]);
def('EnvVar', [
  ['Name', 'name', str],
  ['Value', 'value', str],
  ['ValueFrom', 'valueFrom', ptr(struct('EnvVarSource'))],
]);
def('EnvVarSource', [
  ['FieldRef', 'fieldRef', ptr(struct('ObjectFieldSelector'))],
  ['ResourceFieldRef', 'resourceFieldRef', ptr(struct('ResourceFieldSelector'))],
  ['ConfigMapKeyRef', 'configMapKeyRef', ptr(struct('ConfigMapKeySelector'))],
  ['SecretKeyRef', 'secretKeyRef', ptr(struct('SecretKeySelector'))],
]);
def('ObjectFieldSelector', [
  ['APIVersion', 'apiVersion', str],
  ['FieldPath', 'fieldPath', str],
]);
def('ResourceFieldSelector', [
  ['ContainerName', 'containerName', str],
  ['Resource', 'resource', str],
  ['Divisor', 'divisor', quantityType],
]);
const keySelector: GoField[] = [
  ['LocalObjectReference', '', struct('LocalObjectReference')],
  ['Key', 'key', str],
  ['Optional', 'optional', ptr(bool)],
];
def('ConfigMapKeySelector', keySelector);
def('SecretKeySelector', keySelector);
def('ResourceRequirements', [
  ['Limits', 'limits', resourceList],
  ['Requests', 'requests', resourceList],
  ['Claims', 'claims', slice(struct('ResourceClaim'))],
]);
def('ResourceClaim', [
  ['Name', 'name', str],
  ['Request', 'request', str],
]);
def('ContainerResizePolicy', [
  ['ResourceName', 'resourceName', s('ResourceName')],
  ['RestartPolicy', 'restartPolicy', s('ResourceResizeRestartPolicy')],
]);
def('VolumeMount', [
  ['Name', 'name', str],
  ['ReadOnly', 'readOnly', bool],
  ['RecursiveReadOnly', 'recursiveReadOnly', ptr(s('RecursiveReadOnlyMode'))],
  ['MountPath', 'mountPath', str],
  ['SubPath', 'subPath', str],
  ['MountPropagation', 'mountPropagation', ptr(s('MountPropagationMode'))],
  ['SubPathExpr', 'subPathExpr', str],
]);
def('VolumeDevice', [
  ['Name', 'name', str],
  ['DevicePath', 'devicePath', str],
]);
def('Probe', [
  ['ProbeHandler', '', struct('ProbeHandler')],
  ['InitialDelaySeconds', 'initialDelaySeconds', i32],
  ['TimeoutSeconds', 'timeoutSeconds', i32],
  ['PeriodSeconds', 'periodSeconds', i32],
  ['SuccessThreshold', 'successThreshold', i32],
  ['FailureThreshold', 'failureThreshold', i32],
  ['TerminationGracePeriodSeconds', 'terminationGracePeriodSeconds', ptr(i64)],
]);
def('ProbeHandler', [
  ['Exec', 'exec', ptr(struct('ExecAction'))],
  ['HTTPGet', 'httpGet', ptr(struct('HTTPGetAction'))],
  ['TCPSocket', 'tcpSocket', ptr(struct('TCPSocketAction'))],
  ['GRPC', 'grpc', ptr(struct('GRPCAction'))],
]);
def('ExecAction', [['Command', 'command', slice(str)]]);
def('HTTPGetAction', [
  ['Path', 'path', str],
  ['Port', 'port', intOrString],
  ['Host', 'host', str],
  ['Scheme', 'scheme', s('URIScheme')],
  ['HTTPHeaders', 'httpHeaders', slice(struct('HTTPHeader'))],
]);
def('HTTPHeader', [
  ['Name', 'name', str],
  ['Value', 'value', str],
]);
def('TCPSocketAction', [
  ['Port', 'port', intOrString],
  ['Host', 'host', str],
]);
def('GRPCAction', [
  ['Port', 'port', i32],
  ['Service', 'service', ptr(str)],
]);
def('Lifecycle', [
  ['PostStart', 'postStart', ptr(struct('LifecycleHandler'))],
  ['PreStop', 'preStop', ptr(struct('LifecycleHandler'))],
]);
def('LifecycleHandler', [
  ['Exec', 'exec', ptr(struct('ExecAction'))],
  ['HTTPGet', 'httpGet', ptr(struct('HTTPGetAction'))],
  ['TCPSocket', 'tcpSocket', ptr(struct('TCPSocketAction'))],
  ['Sleep', 'sleep', ptr(struct('SleepAction'))],
]);
def('SleepAction', [['Seconds', 'seconds', i64]]);
def('SecurityContext', [
  ['Capabilities', 'capabilities', ptr(struct('Capabilities'))],
  ['Privileged', 'privileged', ptr(bool)],
  ['SELinuxOptions', 'seLinuxOptions', ptr(struct('SELinuxOptions'))],
  ['WindowsOptions', 'windowsOptions', ptr(struct('WindowsSecurityContextOptions'))],
  ['RunAsUser', 'runAsUser', ptr(i64)],
  ['RunAsGroup', 'runAsGroup', ptr(i64)],
  ['RunAsNonRoot', 'runAsNonRoot', ptr(bool)],
  ['ReadOnlyRootFilesystem', 'readOnlyRootFilesystem', ptr(bool)],
  ['AllowPrivilegeEscalation', 'allowPrivilegeEscalation', ptr(bool)],
  ['ProcMount', 'procMount', ptr(s('ProcMountType'))],
  ['SeccompProfile', 'seccompProfile', ptr(struct('SeccompProfile'))],
  ['AppArmorProfile', 'appArmorProfile', ptr(struct('AppArmorProfile'))],
]);
def('Capabilities', [
  ['Add', 'add', slice(s('Capability'))],
  ['Drop', 'drop', slice(s('Capability'))],
]);
def('SELinuxOptions', [
  ['User', 'user', str],
  ['Role', 'role', str],
  ['Type', 'type', str],
  ['Level', 'level', str],
]);
def('WindowsSecurityContextOptions', [
  ['GMSACredentialSpecName', 'gmsaCredentialSpecName', ptr(str)],
  ['GMSACredentialSpec', 'gmsaCredentialSpec', ptr(str)],
  ['RunAsUserName', 'runAsUserName', ptr(str)],
  ['HostProcess', 'hostProcess', ptr(bool)],
]);
def('SeccompProfile', [
  ['Type', 'type', s('SeccompProfileType')],
  ['LocalhostProfile', 'localhostProfile', ptr(str)],
]);
def('AppArmorProfile', [
  ['Type', 'type', s('AppArmorProfileType')],
  ['LocalhostProfile', 'localhostProfile', ptr(str)],
]);
def('PodSecurityContext', [
  ['SELinuxOptions', 'seLinuxOptions', ptr(struct('SELinuxOptions'))],
  ['WindowsOptions', 'windowsOptions', ptr(struct('WindowsSecurityContextOptions'))],
  ['RunAsUser', 'runAsUser', ptr(i64)],
  ['RunAsGroup', 'runAsGroup', ptr(i64)],
  ['RunAsNonRoot', 'runAsNonRoot', ptr(bool)],
  ['SupplementalGroups', 'supplementalGroups', slice(i64)],
  ['SupplementalGroupsPolicy', 'supplementalGroupsPolicy', ptr(s('SupplementalGroupsPolicy'))],
  ['FSGroup', 'fsGroup', ptr(i64)],
  ['Sysctls', 'sysctls', slice(struct('Sysctl'))],
  ['FSGroupChangePolicy', 'fsGroupChangePolicy', ptr(s('PodFSGroupChangePolicy'))],
  ['SeccompProfile', 'seccompProfile', ptr(struct('SeccompProfile'))],
  ['AppArmorProfile', 'appArmorProfile', ptr(struct('AppArmorProfile'))],
  ['SELinuxChangePolicy', 'seLinuxChangePolicy', ptr(s('PodSELinuxChangePolicy'))],
]);
def('Sysctl', [
  ['Name', 'name', str],
  ['Value', 'value', str],
]);
def('Affinity', [
  ['NodeAffinity', 'nodeAffinity', ptr(struct('NodeAffinity'))],
  ['PodAffinity', 'podAffinity', ptr(struct('PodAffinity'))],
  ['PodAntiAffinity', 'podAntiAffinity', ptr(struct('PodAntiAffinity'))],
]);
def('NodeAffinity', [
  [
    'RequiredDuringSchedulingIgnoredDuringExecution',
    'requiredDuringSchedulingIgnoredDuringExecution',
    ptr(struct('NodeSelector')),
  ],
  [
    'PreferredDuringSchedulingIgnoredDuringExecution',
    'preferredDuringSchedulingIgnoredDuringExecution',
    slice(struct('PreferredSchedulingTerm')),
  ],
]);
def('NodeSelector', [['NodeSelectorTerms', 'nodeSelectorTerms', slice(struct('NodeSelectorTerm'))]]);
def('NodeSelectorTerm', [
  ['MatchExpressions', 'matchExpressions', slice(struct('NodeSelectorRequirement'))],
  ['MatchFields', 'matchFields', slice(struct('NodeSelectorRequirement'))],
]);
def('NodeSelectorRequirement', [
  ['Key', 'key', str],
  ['Operator', 'operator', s('NodeSelectorOperator')],
  ['Values', 'values', slice(str)],
]);
def('PreferredSchedulingTerm', [
  ['Weight', 'weight', i32],
  ['Preference', 'preference', struct('NodeSelectorTerm')],
]);
const podAffinityFields: GoField[] = [
  [
    'RequiredDuringSchedulingIgnoredDuringExecution',
    'requiredDuringSchedulingIgnoredDuringExecution',
    slice(struct('PodAffinityTerm')),
  ],
  [
    'PreferredDuringSchedulingIgnoredDuringExecution',
    'preferredDuringSchedulingIgnoredDuringExecution',
    slice(struct('WeightedPodAffinityTerm')),
  ],
];
def('PodAffinity', podAffinityFields);
def('PodAntiAffinity', podAffinityFields);
def('PodAffinityTerm', [
  ['LabelSelector', 'labelSelector', ptr(struct('LabelSelector'))],
  ['Namespaces', 'namespaces', slice(str)],
  ['TopologyKey', 'topologyKey', str],
  ['NamespaceSelector', 'namespaceSelector', ptr(struct('LabelSelector'))],
  ['MatchLabelKeys', 'matchLabelKeys', slice(str)],
  ['MismatchLabelKeys', 'mismatchLabelKeys', slice(str)],
]);
def('WeightedPodAffinityTerm', [
  ['Weight', 'weight', i32],
  ['PodAffinityTerm', 'podAffinityTerm', struct('PodAffinityTerm')],
]);
def('LabelSelector', [
  ['MatchLabels', 'matchLabels', mapSS],
  ['MatchExpressions', 'matchExpressions', slice(struct('LabelSelectorRequirement'))],
]);
def('LabelSelectorRequirement', [
  ['Key', 'key', str],
  ['Operator', 'operator', s('LabelSelectorOperator')],
  ['Values', 'values', slice(str)],
]);
def('Toleration', [
  ['Key', 'key', str],
  ['Operator', 'operator', s('TolerationOperator')],
  ['Value', 'value', str],
  ['Effect', 'effect', s('TaintEffect')],
  ['TolerationSeconds', 'tolerationSeconds', ptr(i64)],
]);
def('HostAlias', [
  ['IP', 'ip', str],
  ['Hostnames', 'hostnames', slice(str)],
]);
def('PodDNSConfig', [
  ['Nameservers', 'nameservers', slice(str)],
  ['Searches', 'searches', slice(str)],
  ['Options', 'options', slice(struct('PodDNSConfigOption'))],
]);
def('PodDNSConfigOption', [
  ['Name', 'name', str],
  ['Value', 'value', ptr(str)],
]);
def('PodReadinessGate', [['ConditionType', 'conditionType', s('PodConditionType')]]);
def('TopologySpreadConstraint', [
  ['MaxSkew', 'maxSkew', i32],
  ['TopologyKey', 'topologyKey', str],
  ['WhenUnsatisfiable', 'whenUnsatisfiable', s('UnsatisfiableConstraintAction')],
  ['LabelSelector', 'labelSelector', ptr(struct('LabelSelector'))],
  ['MinDomains', 'minDomains', ptr(i32)],
  ['NodeAffinityPolicy', 'nodeAffinityPolicy', ptr(s('NodeInclusionPolicy'))],
  ['NodeTaintsPolicy', 'nodeTaintsPolicy', ptr(s('NodeInclusionPolicy'))],
  ['MatchLabelKeys', 'matchLabelKeys', slice(str)],
]);
def('PodOS', [['Name', 'name', s('OSName')]]);
def('PodSchedulingGate', [['Name', 'name', str]]);
def('PodResourceClaim', [
  ['Name', 'name', str],
  ['ResourceClaimName', 'resourceClaimName', ptr(str)],
  ['ResourceClaimTemplateName', 'resourceClaimTemplateName', ptr(str)],
]);
defineVolumeTypes();

/** `core/v1.PodTemplateSpec`. */
export const podTemplateSpecType: GoType = struct('PodTemplateSpec');
