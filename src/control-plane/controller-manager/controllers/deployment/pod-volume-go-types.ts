import type { GoField } from './go-dump.js';
import { bool, def, i32, i64, mapSS, opaque, ptr, quantityType, s, slice, str, struct } from './go-type-kit.js';

/**
 * Registers the layout of `core/v1.Volume` and its sources (v0.32). In-tree
 * storage plugin sources are named only: a template using one falls back to
 * a JSON rendering for hashing.
 */
export function defineVolumeTypes(): void {
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
}
