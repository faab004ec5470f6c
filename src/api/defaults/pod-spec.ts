import { imageTag } from './image-reference.js';
import {
  type JsonObject,
  forEachObject,
  isEmptyString,
  isNil,
  isObject,
  isZero,
  objectField,
  structField,
} from './util.js';

/**
 * Defaults for core/v1 PodSpec and everything nested in it (containers,
 * probes, volumes), following upstream v1.32 `pkg/apis/core/v1/defaults.go`
 * and the declarative `+default` markers. These apply wherever a PodSpec
 * appears: Pods, PodTemplates and every workload's `spec.template`.
 * Pod-only defaults (requests from limits, enableServiceLinks, host ports
 * with hostNetwork) are in `defaultPodOnly`, as upstream keeps them out of
 * templates.
 *
 * Not done here: quantity canonicalization/rounding of ResourceLists
 * (`SetDefaults_ResourceList`), which belongs to the quantity codec.
 */

export const TERMINATION_MESSAGE_PATH = '/dev/termination-log';
const DEFAULT_MODE = 0o644; // 420, for secret/configMap/downwardAPI/projected volumes

export function defaultPodSpec(spec: JsonObject): void {
  if (isEmptyString(spec.dnsPolicy)) spec.dnsPolicy = 'ClusterFirst';
  if (isEmptyString(spec.restartPolicy)) spec.restartPolicy = 'Always';
  if (isNil(spec.securityContext)) spec.securityContext = {};
  if (isNil(spec.terminationGracePeriodSeconds)) spec.terminationGracePeriodSeconds = 30;
  if (isEmptyString(spec.schedulerName)) spec.schedulerName = 'default-scheduler';
  forEachObject(spec.volumes, defaultVolume);
  forEachObject(spec.initContainers, defaultContainer);
  forEachObject(spec.containers, defaultContainer);
  forEachObject(spec.ephemeralContainers, defaultContainer);
}

/**
 * A PodTemplateSpec inside a workload or PodTemplate. Also gives the template
 * the shape a Go apiserver always serializes: `metadata` with
 * `creationTimestamp: null` (a zero metav1.Time in a non-pointer struct).
 */
export function defaultPodTemplateSpec(template: JsonObject): void {
  const metadata = structField(template, 'metadata');
  if (metadata && !('creationTimestamp' in metadata)) metadata.creationTimestamp = null;
  const spec = structField(template, 'spec');
  if (spec) defaultPodSpec(spec);
}

/** Defaults only a Pod object gets (upstream `SetDefaults_Pod`), applied before `defaultPodSpec`. */
export function defaultPodOnly(pod: JsonObject): void {
  const spec = objectField(pod, 'spec');
  if (!spec) return;
  for (const list of [spec.containers, spec.initContainers]) {
    forEachObject(list, (c) => {
      const resources = objectField(c, 'resources');
      const limits = resources && objectField(resources, 'limits');
      if (!resources || !limits || Object.keys(limits).length === 0) return;
      // Requests default to limits, resource by resource, only where unset.
      if (!isObject(resources.requests)) resources.requests = {};
      for (const [name, value] of Object.entries(limits)) {
        if (!(name in resources.requests)) resources.requests[name] = value;
      }
    });
  }
  if (isNil(spec.enableServiceLinks)) spec.enableServiceLinks = true;
  if (spec.hostNetwork === true) {
    for (const list of [spec.containers, spec.initContainers]) {
      forEachObject(list, (c) =>
        forEachObject(c.ports, (p) => {
          if (isZero(p.hostPort) && p.containerPort !== undefined) p.hostPort = p.containerPort;
        }),
      );
    }
  }
}

/** A container, init container or ephemeral container. */
export function defaultContainer(c: JsonObject): void {
  if (isEmptyString(c.imagePullPolicy)) c.imagePullPolicy = imageTag(c.image) === 'latest' ? 'Always' : 'IfNotPresent';
  if (isEmptyString(c.terminationMessagePath)) c.terminationMessagePath = TERMINATION_MESSAGE_PATH;
  if (isEmptyString(c.terminationMessagePolicy)) c.terminationMessagePolicy = 'File';
  // ResourceRequirements is a struct field: a Go apiserver always writes it.
  structField(c, 'resources');
  forEachObject(c.ports, (p) => {
    if (isEmptyString(p.protocol)) p.protocol = 'TCP';
  });
  forEachObject(c.env, (e) => {
    const fieldRef = objectField(e, 'valueFrom') && objectField(e.valueFrom, 'fieldRef');
    if (fieldRef) defaultObjectFieldSelector(fieldRef);
  });
  for (const key of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const probe = objectField(c, key);
    if (probe) defaultProbe(probe);
  }
  const lifecycle = objectField(c, 'lifecycle');
  if (lifecycle) {
    for (const key of ['postStart', 'preStop']) {
      const handler = objectField(lifecycle, key);
      const httpGet = handler && objectField(handler, 'httpGet');
      if (httpGet) defaultHttpGet(httpGet);
    }
  }
}

function defaultProbe(probe: JsonObject): void {
  if (isZero(probe.timeoutSeconds)) probe.timeoutSeconds = 1;
  if (isZero(probe.periodSeconds)) probe.periodSeconds = 10;
  if (isZero(probe.successThreshold)) probe.successThreshold = 1;
  if (isZero(probe.failureThreshold)) probe.failureThreshold = 3;
  const httpGet = objectField(probe, 'httpGet');
  if (httpGet) defaultHttpGet(httpGet);
  const grpc = objectField(probe, 'grpc');
  if (grpc && isNil(grpc.service)) grpc.service = '';
}

function defaultHttpGet(action: JsonObject): void {
  if (isEmptyString(action.path)) action.path = '/';
  if (isEmptyString(action.scheme)) action.scheme = 'HTTP';
}

export function defaultObjectFieldSelector(ref: JsonObject): void {
  if (isEmptyString(ref.apiVersion)) ref.apiVersion = 'v1';
}

/** Every VolumeSource member in v1.32; a volume with none of them set gets `emptyDir: {}`. */
const VOLUME_SOURCES = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
];

export function defaultVolume(volume: JsonObject): void {
  if (VOLUME_SOURCES.every((k) => isNil(volume[k]))) volume.emptyDir = {};
  defaultVolumeSources(volume);
  for (const key of ['secret', 'configMap']) {
    const src = objectField(volume, key);
    if (src && isNil(src.defaultMode)) src.defaultMode = DEFAULT_MODE;
  }
  const downward = objectField(volume, 'downwardAPI');
  if (downward) {
    if (isNil(downward.defaultMode)) downward.defaultMode = DEFAULT_MODE;
    defaultDownwardItems(downward.items);
  }
  const projected = objectField(volume, 'projected');
  if (projected) {
    if (isNil(projected.defaultMode)) projected.defaultMode = DEFAULT_MODE;
    forEachObject(projected.sources, (s) => {
      const d = objectField(s, 'downwardAPI');
      if (d) defaultDownwardItems(d.items);
      const token = objectField(s, 'serviceAccountToken');
      if (token && isNil(token.expirationSeconds)) token.expirationSeconds = 3600;
    });
  }
  const ephemeral = objectField(volume, 'ephemeral');
  const claimTemplate = ephemeral && objectField(ephemeral, 'volumeClaimTemplate');
  if (claimTemplate) {
    const metadata = structField(claimTemplate, 'metadata');
    if (metadata && !('creationTimestamp' in metadata)) metadata.creationTimestamp = null;
    const spec = objectField(claimTemplate, 'spec');
    if (spec) defaultPersistentVolumeClaimSpec(spec);
  }
}

function defaultDownwardItems(items: unknown): void {
  forEachObject(items, (item) => {
    const fieldRef = objectField(item, 'fieldRef');
    if (fieldRef) defaultObjectFieldSelector(fieldRef);
  });
}

/**
 * Source-type defaults shared by Pod volumes and PersistentVolume specs
 * (hostPath, rbd, iscsi, azureDisk, scaleIO have the same defaults in both).
 */
export function defaultVolumeSources(holder: JsonObject): void {
  const hostPath = objectField(holder, 'hostPath');
  if (hostPath && isNil(hostPath.type)) hostPath.type = '';
  const iscsi = objectField(holder, 'iscsi');
  if (iscsi && isEmptyString(iscsi.iscsiInterface)) iscsi.iscsiInterface = 'default';
  const rbd = objectField(holder, 'rbd');
  if (rbd) {
    if (isEmptyString(rbd.pool)) rbd.pool = 'rbd';
    if (isEmptyString(rbd.user)) rbd.user = 'admin';
    if (isEmptyString(rbd.keyring)) rbd.keyring = '/etc/ceph/keyring';
  }
  const azureDisk = objectField(holder, 'azureDisk');
  if (azureDisk) {
    if (isNil(azureDisk.cachingMode)) azureDisk.cachingMode = 'ReadWrite';
    if (isNil(azureDisk.kind)) azureDisk.kind = 'Shared';
    if (isNil(azureDisk.fsType)) azureDisk.fsType = 'ext4';
    if (isNil(azureDisk.readOnly)) azureDisk.readOnly = false;
  }
  const scaleIO = objectField(holder, 'scaleIO');
  if (scaleIO) {
    if (isEmptyString(scaleIO.storageMode)) scaleIO.storageMode = 'ThinProvisioned';
    if (isEmptyString(scaleIO.fsType)) scaleIO.fsType = 'xfs';
  }
}

/** PersistentVolumeClaimSpec wherever it appears (PVCs, claim templates, ephemeral volumes). */
export function defaultPersistentVolumeClaimSpec(spec: JsonObject): void {
  if (isNil(spec.volumeMode)) spec.volumeMode = 'Filesystem';
  // VolumeResourceRequirements is a struct field: always serialized.
  structField(spec, 'resources');
}
