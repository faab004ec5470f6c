import type { PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimSpec } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { list, mapKeys, obj, semanticEqual, str, validateImmutable } from './common.js';
import { FieldPath, type FieldError } from './field-error.js';
import { validateLabelName, validateLabelSelector } from './label-selector.js';
import { isDNS1123Subdomain, isQualifiedName, nameIsDNSLabel, nameIsDNSSubdomain } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { validateNodeSelector } from './pod-scheduling.js';
import { validatePathNoBacksteps } from './pod-volumes.js';
import { toQuantity, validatePositiveQuantity, validateResourceQuantityValue } from './resources.js';
import { specDiff } from './spec-diff.js';

/**
 * PersistentVolumes, PersistentVolumeClaims and StorageClasses: access modes,
 * capacities, exactly one volume source, and the immutability rules of bound
 * claims and provisioned volumes.
 */
const accessModes = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const volumeModes = ['Block', 'Filesystem'];

function validateAccessModes(modes: string[] | undefined, path: FieldPath, requiredMsg: string): FieldError[] {
  const errs: FieldError[] = [];
  const ms = list(modes);
  if (ms.length === 0) errs.push(path.required(requiredMsg));
  let rwop = false;
  let other = false;
  for (const m of ms) {
    if (!accessModes.includes(m)) errs.push(path.notSupported(m, accessModes));
    if (m === 'ReadWriteOncePod') rwop = true;
    else if (accessModes.includes(m)) other = true;
  }
  if (rwop && other) errs.push(path.forbidden('may not use ReadWriteOncePod with other access modes'));
  return errs;
}

function validateDataSource(
  ds: { apiGroup?: string; kind?: string; name?: string; namespace?: string },
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!str(ds.name)) errs.push(path.child('name').required());
  if (!str(ds.kind)) errs.push(path.child('kind').required());
  const group = str(ds.apiGroup);
  if (!group && ds.kind !== 'PersistentVolumeClaim')
    errs.push(path.invalid(str(ds.kind), "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
  if (group) errs.push(...isDNS1123Subdomain(group).map((m) => path.child('apiGroup').invalid(group, m)));
  if (ds.namespace)
    errs.push(...nameIsDNSLabel(ds.namespace, false).map((m) => path.child('namespace').invalid(ds.namespace, m)));
  return errs;
}

/** ValidatePersistentVolumeClaimSpec (also used for ephemeral volume and StatefulSet claim templates). */
export function validatePersistentVolumeClaimSpec(
  spec: PersistentVolumeClaimSpec | undefined,
  path: FieldPath,
): FieldError[] {
  const s: PersistentVolumeClaimSpec = spec ?? {};
  const errs = validateAccessModes(s.accessModes, path.child('accessModes'), 'at least 1 access mode is required');
  if (s.selector) errs.push(...validateLabelSelector(s.selector, path.child('selector')));
  const requests = obj(s.resources?.requests);
  const sp = path.child('resources').key('storage');
  if (!('storage' in requests)) errs.push(sp.required());
  else {
    const pos = validatePositiveQuantity(requests.storage, sp);
    errs.push(...(pos.length ? pos : validateResourceQuantityValue('storage', requests.storage, sp)));
  }
  if (s.storageClassName)
    errs.push(
      ...nameIsDNSSubdomain(s.storageClassName, false).map((m) =>
        path.child('storageClassName').invalid(s.storageClassName, m),
      ),
    );
  if (s.volumeMode !== undefined && s.volumeMode !== null && !volumeModes.includes(s.volumeMode))
    errs.push(path.child('volumeMode').notSupported(s.volumeMode, volumeModes));
  if (s.dataSource) errs.push(...validateDataSource(s.dataSource, path.child('dataSource')));
  if (s.dataSourceRef) errs.push(...validateDataSource(s.dataSourceRef, path.child('dataSourceRef')));
  if (s.dataSourceRef?.namespace) {
    if (s.dataSource)
      errs.push(
        path.invalid(
          path.child('dataSource').toString(),
          'may not be specified when dataSourceRef.namespace is specified',
        ),
      );
  } else if (s.dataSource && s.dataSourceRef) {
    const d = s.dataSource;
    const r = s.dataSourceRef;
    if ((d.apiGroup ?? null) !== (r.apiGroup ?? null) || d.kind !== r.kind || d.name !== r.name)
      errs.push(path.invalid(path.child('dataSource').toString(), 'must match dataSourceRef'));
  }
  return errs;
}

export function validatePersistentVolumeClaim(pvc: PersistentVolumeClaim): FieldError[] {
  return [
    ...validateObjectMeta(pvc.metadata, true, nameIsDNSSubdomain),
    ...validatePersistentVolumeClaimSpec(pvc.spec, FieldPath.of('spec')),
  ];
}

export function validatePersistentVolumeClaimUpdate(
  pvc: PersistentVolumeClaim,
  old: PersistentVolumeClaim,
): FieldError[] {
  const errs = [...validateObjectMetaUpdate(pvc.metadata, old.metadata), ...validatePersistentVolumeClaim(pvc)];
  const ns: PersistentVolumeClaimSpec = structuredClone(obj(pvc.spec));
  const os: PersistentVolumeClaimSpec = structuredClone(obj(old.spec));
  if (!str(os.volumeName)) os.volumeName = ns.volumeName; // volumeName may be set once (binding)
  if ((os.storageClassName === undefined || os.storageClassName === null) && ns.storageClassName)
    os.storageClassName = ns.storageClassName;
  const bound = pvc.status?.phase === 'Bound';
  if (bound && ns.resources?.requests) ns.resources.requests.storage = os.resources?.requests?.storage as string;
  if (bound && ns.volumeAttributesClassName !== undefined) ns.volumeAttributesClassName = os.volumeAttributesClassName;
  if (!semanticEqual(ns, os))
    errs.push(
      FieldPath.of('spec').forbidden(
        `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${specDiff(os, ns, 'core.PersistentVolumeClaimSpec')}`,
      ),
    );
  const oldSize = toQuantity(old.spec?.resources?.requests?.storage);
  const newSize = toQuantity(pvc.spec?.resources?.requests?.storage);
  const statusSize = toQuantity(old.status?.capacity?.storage) ?? toQuantity(0)!;
  if (oldSize && newSize && newSize.cmp(oldSize) < 0 && newSize.cmp(statusSize) <= 0)
    errs.push(
      FieldPath.of('spec', 'resources', 'requests', 'storage').forbidden('field can not be less than status.capacity'),
    );
  errs.push(...validateImmutable(pvc.spec?.volumeMode, old.spec?.volumeMode, FieldPath.of('volumeMode')));
  return errs;
}

export function validatePersistentVolumeClaimStatusUpdate(
  pvc: PersistentVolumeClaim,
  old: PersistentVolumeClaim,
): FieldError[] {
  const errs = validateObjectMetaUpdate(pvc.metadata, old.metadata);
  if (!str(pvc.metadata?.resourceVersion)) errs.push(FieldPath.of('resourceVersion').required());
  if (list(pvc.spec?.accessModes).length === 0) errs.push(FieldPath.of('Spec', 'accessModes').required());
  const cap = obj(pvc.status?.capacity);
  for (const k of mapKeys(cap)) errs.push(...validateBasicResource(cap[k], FieldPath.of('status', 'capacity').key(k)));
  return errs;
}

function validateBasicResource(v: unknown, path: FieldPath): FieldError[] {
  const q = toQuantity(v);
  return q && q.value() < 0n ? [path.invalid(Number(q.value()), 'must be a valid resource quantity')] : [];
}

/** PersistentVolume sources in upstream's order, with their required fields. */
const pvSources: [string, string[]][] = [
  ['hostPath', ['path']],
  ['gcePersistentDisk', ['pdName']],
  ['awsElasticBlockStore', ['volumeID']],
  ['glusterfs', ['endpoints', 'path']],
  ['flocker', []],
  ['nfs', ['server', 'path']],
  ['rbd', ['monitors', 'image']],
  ['quobyte', ['registry', 'volume']],
  ['cephfs', ['monitors']],
  ['iscsi', ['targetPortal', 'iqn']],
  ['cinder', ['volumeID']],
  ['fc', []],
  ['flexVolume', ['driver']],
  ['azureFile', ['secretName', 'shareName']],
  ['vsphereVolume', ['volumePath']],
  ['photonPersistentDisk', ['pdID']],
  ['portworxVolume', ['volumeID']],
  ['azureDisk', ['diskName', 'diskURI']],
  ['scaleIO', ['gateway', 'system', 'volumeName']],
  ['local', ['path']],
  ['storageos', ['volumeName']],
  ['csi', ['driver', 'volumeHandle']],
];
const pvSourceKeys = pvSources.map(([k]) => k);

export function validatePersistentVolume(pv: PersistentVolume): FieldError[] {
  const errs = validateObjectMeta(pv.metadata, false, nameIsDNSSubdomain);
  const spec = FieldPath.of('spec');
  const s = pv.spec ?? {};
  errs.push(...validateAccessModes(s.accessModes, spec.child('accessModes'), ''));
  const capacity = obj(s.capacity);
  const capKeys = mapKeys(capacity);
  if (capKeys.length === 0) errs.push(spec.child('capacity').required());
  if (!('storage' in capacity) || capKeys.length > 1)
    errs.push(spec.child('capacity').notSupported(capacity, ['storage']));
  for (const k of capKeys) {
    errs.push(...validateBasicResource(capacity[k], spec.child('capacity').key(k)));
    errs.push(...validatePositiveQuantity(capacity[k], spec.child('capacity').key(k)));
  }
  const reclaim = str(s.persistentVolumeReclaimPolicy);
  if (reclaim && !['Delete', 'Recycle', 'Retain'].includes(reclaim))
    errs.push(spec.child('persistentVolumeReclaimPolicy').notSupported(reclaim, ['Delete', 'Recycle', 'Retain']));
  let nodeAffinity = false;
  if (s.nodeAffinity) {
    nodeAffinity = true;
    if (s.nodeAffinity.required)
      errs.push(...validateNodeSelector(s.nodeAffinity.required, spec.child('nodeAffinity', 'required')));
    else errs.push(spec.child('nodeAffinity', 'required').required('must specify required node constraints'));
  }
  const sv = s as Record<string, unknown>;
  let count = 0;
  for (const [key, required] of pvSources) {
    const src = sv[key];
    if (src === undefined || src === null) continue;
    if (count > 0 && key !== 'flexVolume') {
      errs.push(spec.child(key === 'cephfs' ? 'cephFS' : key).forbidden('may not specify more than 1 volume type'));
      continue;
    }
    count++;
    const so = obj(src);
    const vp = spec.child(key === 'gcePersistentDisk' ? 'persistentDisk' : key);
    for (const f of required)
      if (!so[f] || (Array.isArray(so[f]) && (so[f] as unknown[]).length === 0)) errs.push(vp.child(f).required());
    if ((key === 'hostPath' || key === 'local') && str(so.path))
      errs.push(...validatePathNoBacksteps(str(so.path), vp.child('path')));
    if (key === 'local' && !nodeAffinity)
      errs.push(spec.child('nodeAffinity').required('Local volume requires node affinity'));
  }
  if (count === 0) errs.push(spec.required('must specify a volume type'));
  if (s.hostPath && /^\/+$/.test(str(s.hostPath.path)) && reclaim === 'Recycle')
    errs.push(
      spec.child('persistentVolumeReclaimPolicy').forbidden("may not be 'recycle' for a hostPath mount of '/'"),
    );
  if (s.storageClassName)
    errs.push(
      ...nameIsDNSSubdomain(s.storageClassName, false).map((m) =>
        spec.child('storageClassName').invalid(s.storageClassName, m),
      ),
    );
  if (s.volumeMode !== undefined && s.volumeMode !== null && !volumeModes.includes(s.volumeMode))
    errs.push(spec.child('volumeMode').notSupported(s.volumeMode, volumeModes));
  return errs;
}

export function validatePersistentVolumeUpdate(pv: PersistentVolume, old: PersistentVolume): FieldError[] {
  const errs = validatePersistentVolume(pv);
  const pick = (p: PersistentVolume) =>
    Object.fromEntries(pvSourceKeys.map((k) => [k, (p.spec as Record<string, unknown> | undefined)?.[k]]));
  const ns = pick(pv);
  const os = pick(old);
  // A CSI volume may gain a controllerExpandSecretRef after creation.
  const nsCSI = ns.csi as Record<string, unknown> | undefined;
  const osCSI = os.csi as Record<string, unknown> | undefined;
  if (nsCSI && osCSI && !osCSI.controllerExpandSecretRef) ns.csi = { ...nsCSI, controllerExpandSecretRef: undefined };
  if (!semanticEqual(ns, os))
    errs.push(
      FieldPath.of('spec', 'persistentvolumesource').forbidden(
        `spec.persistentvolumesource is immutable after creation\n${specDiff(os, ns, 'core.PersistentVolumeSource')}`,
      ),
    );
  errs.push(...validateImmutable(pv.spec?.volumeMode, old.spec?.volumeMode, FieldPath.of('volumeMode')));
  if (old.spec?.nodeAffinity && !semanticEqual(pv.spec?.nodeAffinity, old.spec.nodeAffinity))
    errs.push(
      FieldPath.of('nodeAffinity').invalid(
        pv.spec?.nodeAffinity ?? null,
        'field is immutable, except for updating from beta label to GA',
      ),
    );
  return errs;
}

export function validatePersistentVolumeStatusUpdate(pv: PersistentVolume, old: PersistentVolume): FieldError[] {
  const errs = validateObjectMetaUpdate(pv.metadata, old.metadata);
  if (!str(pv.metadata?.resourceVersion)) errs.push(FieldPath.of('resourceVersion').required());
  return errs;
}

export function validateStorageClass(sc: StorageClass): FieldError[] {
  const errs = validateObjectMeta(sc.metadata, false, nameIsDNSSubdomain);
  const provisioner = str(sc.provisioner);
  if (!provisioner) errs.push(FieldPath.of('provisioner').required());
  else
    errs.push(
      ...isQualifiedName(provisioner.toLowerCase()).map((m) =>
        FieldPath.of('provisioner').invalid(provisioner.toLowerCase(), m),
      ),
    );
  const params = obj<string>(sc.parameters);
  const pp = FieldPath.of('parameters');
  if (mapKeys(params).length > 512) errs.push(pp.tooLong('', 512));
  else {
    let size = 0;
    for (const k of mapKeys(params)) {
      if (!k) errs.push(pp.invalid(k, 'field can not be empty.'));
      size += k.length + str(params[k]).length;
    }
    if (size > 256 * 1024) errs.push(pp.tooLong('', 256 * 1024));
  }
  const rp = str(sc.reclaimPolicy);
  if (rp && rp !== 'Delete' && rp !== 'Retain')
    errs.push(FieldPath.of('reclaimPolicy').notSupported(rp, ['Delete', 'Retain']));
  const vbm = sc.volumeBindingMode;
  if (vbm === undefined || vbm === null) errs.push(FieldPath.of('volumeBindingMode').required());
  else if (vbm !== 'Immediate' && vbm !== 'WaitForFirstConsumer')
    errs.push(FieldPath.of('volumeBindingMode').notSupported(vbm, ['Immediate', 'WaitForFirstConsumer']));
  const seenTerms: string[] = [];
  list(sc.allowedTopologies).forEach((term, i) => {
    const tp = FieldPath.of('allowedTopologies').index(i);
    const keys = new Set<string>();
    const canon: Record<string, string[]> = {};
    list(term.matchLabelExpressions).forEach((req, j) => {
      const rp2 = tp.child('matchLabelExpressions').index(j);
      const values = list(req.values);
      if (values.length === 0) errs.push(rp2.child('values').required());
      const vs = new Set<string>();
      values.forEach((v, k) => {
        if (vs.has(v)) errs.push(rp2.child('values').index(k).duplicate(v));
        vs.add(v);
      });
      errs.push(...validateLabelName(str(req.key), rp2.child('key')));
      if (keys.has(str(req.key))) errs.push(rp2.child('key').duplicate(str(req.key)));
      keys.add(str(req.key));
      canon[str(req.key)] = [...vs].sort();
    });
    const c = JSON.stringify(Object.fromEntries(Object.entries(canon).sort()));
    if (seenTerms.includes(c)) errs.push(tp.child('matchLabelExpressions').duplicate(''));
    seenTerms.push(c);
  });
  return errs;
}

export function validateStorageClassUpdate(sc: StorageClass, old: StorageClass): FieldError[] {
  const errs = validateObjectMetaUpdate(sc.metadata, old.metadata);
  if (!semanticEqual(sc.parameters, old.parameters))
    errs.push(FieldPath.of('parameters').forbidden('updates to parameters are forbidden.'));
  if (str(sc.provisioner) !== str(old.provisioner))
    errs.push(FieldPath.of('provisioner').forbidden('updates to provisioner are forbidden.'));
  if (str(sc.reclaimPolicy) !== str(old.reclaimPolicy))
    errs.push(FieldPath.of('reclaimPolicy').forbidden('updates to reclaimPolicy are forbidden.'));
  errs.push(...validateImmutable(sc.volumeBindingMode, old.volumeBindingMode, FieldPath.of('volumeBindingMode')));
  return errs;
}
