import { bigNatWords, goQuantity } from './go-quantity.js';
import { type GoField, type GoType, UnmodeledTypeError } from './go-dump.js';

/**
 * The Go layout of `core/v1.PodTemplateSpec` in k8s.io/api v0.32 (Kubernetes
 * 1.32): field order, Go names and Go type names of everything a pod
 * template can hold, as go-spew prints them (`v1.` for both core/v1 and
 * meta/v1). Volume sources for in-tree storage plugins are named but not laid
 * out: a template using one makes the dump fail and the caller falls back.
 */
const named = (k: 'string' | 'int' | 'bool', name: string): GoType => ({ k, name });
const str = named('string', 'string');
const i32 = named('int', 'int32');
const i64 = named('int', 'int64');
const bool = named('bool', 'bool');
const ptr = (elem: GoType): GoType => ({ k: 'ptr', elem });
const slice = (elem: GoType): GoType => ({ k: 'slice', elem });
const mapSS: GoType = { k: 'map', key: str, elem: str };
const s = (name: string) => named('string', `v1.${name}`);

const registry = new Map<string, GoField[]>();
/** A struct type whose fields are resolved lazily (types refer to each other). */
const struct = (name: string): GoType => ({ k: 'struct', name: `v1.${name}`, fields: () => registry.get(name)! });
const def = (name: string, fields: GoField[]) => registry.set(name, fields);
const opaque = (name: string): GoType => ({
  k: 'custom',
  name: `v1.${name}`,
  render: () => {
    throw new UnmodeledTypeError(`v1.${name}`);
  },
});

const decType: GoType = {
  k: 'struct',
  name: 'inf.Dec',
  fields: () => [
    ['unscaled', 'unscaled', { k: 'struct', name: 'big.Int', fields: () => bigIntFields }],
    ['scale', 'scale', named('int', 'inf.Scale')],
  ],
};
const bigIntFields: GoField[] = [
  ['neg', 'neg', bool],
  ['abs', 'abs', { k: 'slice', name: 'big.nat', elem: named('int', 'big.Word') }],
];
const quantityStruct: GoType = {
  k: 'struct',
  name: 'resource.Quantity',
  fields: () => [
    [
      'i',
      'i',
      {
        k: 'struct',
        name: 'resource.int64Amount',
        fields: () => [
          ['value', 'value', i64],
          ['scale', 'scale', named('int', 'resource.Scale')],
        ],
      },
    ],
    ['d', 'd', { k: 'struct', name: 'resource.infDecAmount', fields: () => [['Dec', 'dec', ptr(decType)]] }],
    ['s', 's', str],
    ['Format', 'format', named('string', 'resource.Format')],
  ],
};
/** resource.Quantity, decoded from its string form into the struct's private fields. */
export const quantityType: GoType = {
  k: 'custom',
  name: 'resource.Quantity',
  render: (w, v) => {
    const q = v === undefined ? undefined : goQuantity(v);
    const value = q && {
      i: { value: q.i.value, scale: q.i.scale },
      d: q.d && {
        dec: {
          unscaled: { neg: q.d.unscaled < 0n, abs: bigNatWords(q.d.unscaled) },
          scale: q.d.scale,
        },
      },
      s: q.s,
      format: q.format,
    };
    w.ignoreNextType = true;
    w.format(quantityStruct, value);
  },
};
const intOrStringStruct: GoType = {
  k: 'struct',
  name: 'intstr.IntOrString',
  fields: () => [
    ['Type', 'type', named('int', 'intstr.Type')],
    ['IntVal', 'intVal', i32],
    ['StrVal', 'strVal', str],
  ],
};
const intOrString: GoType = {
  k: 'custom',
  name: 'intstr.IntOrString',
  render: (w, v) => {
    w.ignoreNextType = true;
    w.format(intOrStringStruct, typeof v === 'string' ? { type: 1, strVal: v } : { type: 0, intVal: v });
  },
};
/** metav1.Time: only the zero time appears in templates; anything else is not modeled. */
const timeType: GoType = {
  k: 'custom',
  name: 'v1.Time',
  render: (w, v) => {
    if (v !== undefined && v !== null && v !== '') throw new UnmodeledTypeError('v1.Time (non-zero)');
    w.write('{Time:(time.Time){wall:(uint64)0 ext:(int64)0 loc:(*time.Location)<nil>}}');
  },
};
const resourceList: GoType = { k: 'map', name: 'v1.ResourceList', key: s('ResourceName'), elem: quantityType };

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
def('Volume', [
  ['Name', 'name', str],
  ['VolumeSource', '', struct('VolumeSource')],
]);
def('VolumeSource', [
  ['HostPath', 'hostPath', ptr(struct('HostPathVolumeSource'))],
  ['EmptyDir', 'emptyDir', ptr(struct('EmptyDirVolumeSource'))],
  ['GCEPersistentDisk', 'gcePersistentDisk', ptr(opaque('GCEPersistentDiskVolumeSource'))],
  ['AWSElasticBlockStore', 'awsElasticBlockStore', ptr(opaque('AWSElasticBlockStoreVolumeSource'))],
  ['GitRepo', 'gitRepo', ptr(opaque('GitRepoVolumeSource'))],
  ['Secret', 'secret', ptr(struct('SecretVolumeSource'))],
  ['NFS', 'nfs', ptr(struct('NFSVolumeSource'))],
  ['ISCSI', 'iscsi', ptr(opaque('ISCSIVolumeSource'))],
  ['Glusterfs', 'glusterfs', ptr(opaque('GlusterfsVolumeSource'))],
  ['PersistentVolumeClaim', 'persistentVolumeClaim', ptr(struct('PersistentVolumeClaimVolumeSource'))],
  ['RBD', 'rbd', ptr(opaque('RBDVolumeSource'))],
  ['FlexVolume', 'flexVolume', ptr(opaque('FlexVolumeSource'))],
  ['Cinder', 'cinder', ptr(opaque('CinderVolumeSource'))],
  ['CephFS', 'cephfs', ptr(opaque('CephFSVolumeSource'))],
  ['Flocker', 'flocker', ptr(opaque('FlockerVolumeSource'))],
  ['DownwardAPI', 'downwardAPI', ptr(struct('DownwardAPIVolumeSource'))],
  ['FC', 'fc', ptr(opaque('FCVolumeSource'))],
  ['AzureFile', 'azureFile', ptr(opaque('AzureFileVolumeSource'))],
  ['ConfigMap', 'configMap', ptr(struct('ConfigMapVolumeSource'))],
  ['VsphereVolume', 'vsphereVolume', ptr(opaque('VsphereVirtualDiskVolumeSource'))],
  ['Quobyte', 'quobyte', ptr(opaque('QuobyteVolumeSource'))],
  ['AzureDisk', 'azureDisk', ptr(opaque('AzureDiskVolumeSource'))],
  ['PhotonPersistentDisk', 'photonPersistentDisk', ptr(opaque('PhotonPersistentDiskVolumeSource'))],
  ['Projected', 'projected', ptr(struct('ProjectedVolumeSource'))],
  ['PortworxVolume', 'portworxVolume', ptr(opaque('PortworxVolumeSource'))],
  ['ScaleIO', 'scaleIO', ptr(opaque('ScaleIOVolumeSource'))],
  ['StorageOS', 'storageos', ptr(opaque('StorageOSVolumeSource'))],
  ['CSI', 'csi', ptr(struct('CSIVolumeSource'))],
  ['Ephemeral', 'ephemeral', ptr(opaque('EphemeralVolumeSource'))],
  ['Image', 'image', ptr(struct('ImageVolumeSource'))],
]);
def('HostPathVolumeSource', [
  ['Path', 'path', str],
  ['Type', 'type', ptr(s('HostPathType'))],
]);
def('EmptyDirVolumeSource', [
  ['Medium', 'medium', s('StorageMedium')],
  ['SizeLimit', 'sizeLimit', ptr(quantityType)],
]);
def('SecretVolumeSource', [
  ['SecretName', 'secretName', str],
  ['Items', 'items', slice(struct('KeyToPath'))],
  ['DefaultMode', 'defaultMode', ptr(i32)],
  ['Optional', 'optional', ptr(bool)],
]);
def('KeyToPath', [
  ['Key', 'key', str],
  ['Path', 'path', str],
  ['Mode', 'mode', ptr(i32)],
]);
def('NFSVolumeSource', [
  ['Server', 'server', str],
  ['Path', 'path', str],
  ['ReadOnly', 'readOnly', bool],
]);
def('PersistentVolumeClaimVolumeSource', [
  ['ClaimName', 'claimName', str],
  ['ReadOnly', 'readOnly', bool],
]);
def('DownwardAPIVolumeSource', [
  ['Items', 'items', slice(struct('DownwardAPIVolumeFile'))],
  ['DefaultMode', 'defaultMode', ptr(i32)],
]);
def('DownwardAPIVolumeFile', [
  ['Path', 'path', str],
  ['FieldRef', 'fieldRef', ptr(struct('ObjectFieldSelector'))],
  ['ResourceFieldRef', 'resourceFieldRef', ptr(struct('ResourceFieldSelector'))],
  ['Mode', 'mode', ptr(i32)],
]);
def('ConfigMapVolumeSource', [
  ['LocalObjectReference', '', struct('LocalObjectReference')],
  ['Items', 'items', slice(struct('KeyToPath'))],
  ['DefaultMode', 'defaultMode', ptr(i32)],
  ['Optional', 'optional', ptr(bool)],
]);
def('ProjectedVolumeSource', [
  ['Sources', 'sources', slice(struct('VolumeProjection'))],
  ['DefaultMode', 'defaultMode', ptr(i32)],
]);
def('VolumeProjection', [
  ['Secret', 'secret', ptr(struct('SecretProjection'))],
  ['DownwardAPI', 'downwardAPI', ptr(struct('DownwardAPIProjection'))],
  ['ConfigMap', 'configMap', ptr(struct('ConfigMapProjection'))],
  ['ServiceAccountToken', 'serviceAccountToken', ptr(struct('ServiceAccountTokenProjection'))],
  ['ClusterTrustBundle', 'clusterTrustBundle', ptr(struct('ClusterTrustBundleProjection'))],
]);
const projection: GoField[] = [
  ['LocalObjectReference', '', struct('LocalObjectReference')],
  ['Items', 'items', slice(struct('KeyToPath'))],
  ['Optional', 'optional', ptr(bool)],
];
def('SecretProjection', projection);
def('ConfigMapProjection', projection);
def('DownwardAPIProjection', [['Items', 'items', slice(struct('DownwardAPIVolumeFile'))]]);
def('ServiceAccountTokenProjection', [
  ['Audience', 'audience', str],
  ['ExpirationSeconds', 'expirationSeconds', ptr(i64)],
  ['Path', 'path', str],
]);
def('ClusterTrustBundleProjection', [
  ['Name', 'name', ptr(str)],
  ['SignerName', 'signerName', ptr(str)],
  ['LabelSelector', 'labelSelector', ptr(struct('LabelSelector'))],
  ['Optional', 'optional', ptr(bool)],
  ['Path', 'path', str],
]);
def('CSIVolumeSource', [
  ['Driver', 'driver', str],
  ['ReadOnly', 'readOnly', ptr(bool)],
  ['FSType', 'fsType', ptr(str)],
  ['VolumeAttributes', 'volumeAttributes', mapSS],
  ['NodePublishSecretRef', 'nodePublishSecretRef', ptr(struct('LocalObjectReference'))],
]);
def('ImageVolumeSource', [
  ['Reference', 'reference', str],
  ['PullPolicy', 'pullPolicy', s('PullPolicy')],
]);

/** `core/v1.PodTemplateSpec`. */
export const podTemplateSpecType: GoType = struct('PodTemplateSpec');
