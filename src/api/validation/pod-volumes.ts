import type {
  DownwardAPIVolumeFile,
  KeyToPath,
  ObjectFieldSelector,
  PersistentVolumeClaimSpec,
  ResourceFieldSelector,
  Volume,
  VolumeProjection,
} from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { list, obj, str } from './common.js';
import type { FieldError, FieldPath } from './field-error.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, nameIsDNSSubdomain } from './names.js';
import { validateTemplateObjectMeta } from './object-meta.js';
import { toQuantity } from './resources.js';

/**
 * Pod volumes: unique DNS-label names and exactly one source each, with the
 * checks upstream makes on the common sources. Exotic in-tree sources are
 * counted (so "exactly one" holds) and get only their required-field checks.
 */
export const fileModeErrorMsg = 'must be a number between 0 and 0777 (octal), both inclusive';

export interface VolumeContext {
  /** The pod's name when validating a real pod (ephemeral PVC names derive from it). */
  podName?: string;
  /** True for Pods, false for pod templates (image volume references are only required on pods). */
  resourceIsPod?: boolean;
  /** Validates an ephemeral volume's claim spec (supplied by the storage validators to avoid a cycle). */
  validateClaimSpec?: (spec: PersistentVolumeClaimSpec | undefined, path: FieldPath) => FieldError[];
}

type SourceCheck = (src: Record<string, unknown>, path: FieldPath, vol: Volume, ctx: VolumeContext) => FieldError[];

const required =
  (...fields: string[]): SourceCheck =>
  (src, path) =>
    fields
      .filter((f) => !src[f] || (Array.isArray(src[f]) && (src[f] as unknown[]).length === 0))
      .map((f) => path.child(f).required());

function validateMode(mode: unknown, path: FieldPath): FieldError[] {
  return typeof mode === 'number' && (mode > 0o777 || mode < 0) ? [path.invalid(mode, fileModeErrorMsg)] : [];
}

/** validateLocalDescendingPath: relative, and no `..` element. */
export function validateLocalDescendingPath(value: string, path: FieldPath): FieldError[] {
  const p = str(value);
  const errs: FieldError[] = [];
  if (p.startsWith('/')) errs.push(path.invalid(p, 'must be a relative path'));
  errs.push(...validatePathNoBacksteps(p, path));
  return errs;
}

export function validatePathNoBacksteps(value: string, path: FieldPath): FieldError[] {
  const p = str(value);
  return p.split('/').includes('..') ? [path.invalid(p, "must not contain '..'")] : [];
}

/** ValidateLocalNonReservedPath: a descending path that also does not start with `..`. */
export function validateLocalNonReservedPath(value: string, path: FieldPath): FieldError[] {
  const p = str(value);
  const errs = validateLocalDescendingPath(p, path);
  if (p.startsWith('..') && !p.startsWith('../')) errs.push(path.invalid(p, "must not start with '..'"));
  return errs;
}

function validateKeyToPath(kp: KeyToPath, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!str(kp.key)) errs.push(path.child('key').required());
  if (!str(kp.path)) errs.push(path.child('path').required());
  errs.push(...validateLocalNonReservedPath(str(kp.path), path.child('path')));
  errs.push(...validateMode(kp.mode, path.child('mode')));
  return errs;
}

const podFieldLabels = new Set([
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.serviceAccountName',
  'spec.schedulerName',
  'status.phase',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
]);

/** fieldpath.SplitMaybeSubscriptedPath: `metadata.labels['app']` -> [`metadata.labels`, `app`]. */
function splitSubscript(fieldPath: string): [string, string] | undefined {
  if (!fieldPath.endsWith("']")) return undefined;
  const s = fieldPath.slice(0, -2);
  const i = s.indexOf("['");
  if (i <= 0) return undefined;
  return [s.slice(0, i), s.slice(i + 2)];
}

/** validateObjectFieldSelector (downward API fieldRef) against the allowed expressions. */
export function validateObjectFieldSelector(
  fs: ObjectFieldSelector,
  expressions: ReadonlySet<string>,
  path: FieldPath,
): FieldError[] {
  const apiVersion = str(fs.apiVersion);
  const fieldPath = str(fs.fieldPath);
  if (!apiVersion) return [path.child('apiVersion').required()];
  if (!fieldPath) return [path.child('fieldPath').required()];
  let internal = fieldPath;
  let convErr = '';
  const sub = splitSubscript(fieldPath);
  if (apiVersion !== 'v1') convErr = `unsupported pod version: ${apiVersion}`;
  else if (sub) {
    if (sub[0] !== 'metadata.annotations' && sub[0] !== 'metadata.labels')
      convErr = `field label does not support subscript: ${fieldPath}`;
  } else if (fieldPath === 'spec.host') internal = 'spec.nodeName';
  else if (!podFieldLabels.has(fieldPath)) convErr = `field label not supported: ${fieldPath}`;
  if (convErr) return [path.child('fieldPath').invalid(fieldPath, `error converting fieldPath: ${convErr}`)];
  if (sub) {
    const key = sub[0] === 'metadata.annotations' ? sub[1].toLowerCase() : sub[1];
    return isQualifiedName(key).map((m) => path.invalid(key, m));
  }
  if (!expressions.has(internal)) return [path.child('fieldPath').notSupported(internal, [...expressions].sort())];
  return [];
}

const resourceFieldExpressions = [
  'limits.cpu',
  'limits.ephemeral-storage',
  'limits.memory',
  'requests.cpu',
  'requests.ephemeral-storage',
  'requests.memory',
];
const byteDivisors = new Set(['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei']);
const byteDivisorList = '1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei';

/** validateContainerResourceFieldSelector (downward API resourceFieldRef), including divisors. */
export function validateResourceFieldSelector(
  fs: ResourceFieldSelector,
  path: FieldPath,
  volume: boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  const resource = str(fs.resource);
  const hugePages = resource.startsWith('requests.hugepages-') || resource.startsWith('limits.hugepages-');
  if (volume && !str(fs.containerName)) errs.push(path.child('containerName').required());
  else if (!resource) errs.push(path.child('resource').required());
  else if (!resourceFieldExpressions.includes(resource) && !hugePages)
    errs.push(path.child('resource').notSupported(resource, resourceFieldExpressions));
  const divisor = toQuantity(fs.divisor);
  if (divisor && !divisor.isZero()) {
    const d = divisor.toString();
    const bad = (what: string) =>
      errs.push(
        path
          .child('divisor')
          .invalid(resource, `only divisor's values ${byteDivisorList} are supported with the ${what}`),
      );
    if ((resource === 'limits.cpu' || resource === 'requests.cpu') && d !== '1m' && d !== '1')
      errs.push(
        path.child('divisor').invalid(resource, "only divisor's values 1m and 1 are supported with the cpu resource"),
      );
    if ((resource === 'limits.memory' || resource === 'requests.memory') && !byteDivisors.has(d))
      bad('memory resource');
    if ((resource === 'limits.ephemeral-storage' || resource === 'requests.ephemeral-storage') && !byteDivisors.has(d))
      bad('local ephemeral storage resource');
    if (hugePages && !byteDivisors.has(d)) bad('hugepages resource');
  }
  return errs;
}

const volumeFieldExpressions = new Set([
  'metadata.name',
  'metadata.namespace',
  'metadata.labels',
  'metadata.annotations',
  'metadata.uid',
]);

function validateDownwardAPIFile(file: DownwardAPIVolumeFile, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!str(file.path)) errs.push(path.child('path').required());
  errs.push(...validateLocalNonReservedPath(str(file.path), path.child('path')));
  if (file.fieldRef) {
    errs.push(...validateObjectFieldSelector(file.fieldRef, volumeFieldExpressions, path.child('fieldRef')));
    if (file.resourceFieldRef)
      errs.push(path.invalid('resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
  } else if (file.resourceFieldRef) {
    errs.push(...validateResourceFieldSelector(file.resourceFieldRef, path.child('resourceFieldRef'), true));
  } else {
    errs.push(path.required('one of fieldRef and resourceFieldRef is required'));
  }
  errs.push(...validateMode(file.mode, path.child('mode')));
  return errs;
}

const hostPathTypes = [
  '',
  'BlockDevice',
  'CharDevice',
  'Directory',
  'DirectoryOrCreate',
  'File',
  'FileOrCreate',
  'Socket',
];

const checkHostPath: SourceCheck = (src, path) => {
  const p = str(src.path);
  if (!p) return [path.child('path').required()];
  const errs = validatePathNoBacksteps(p, path.child('path'));
  if (src.type !== undefined && src.type !== null && !hostPathTypes.includes(str(src.type)))
    errs.push(path.child('type').notSupported(src.type, hostPathTypes));
  return errs;
};

const checkItemsAndMode =
  (nameField: string): SourceCheck =>
  (src, path) => {
    const errs: FieldError[] = [];
    if (!str(src[nameField])) errs.push(path.child(nameField).required());
    errs.push(...validateMode(src.defaultMode, path.child('defaultMode')));
    list(src.items as KeyToPath[]).forEach((kp, i) =>
      errs.push(...validateKeyToPath(kp, path.child('items').index(i))),
    );
    return errs;
  };

const checkProjected: SourceCheck = (src, path) => {
  const errs = validateMode(src.defaultMode, path.child('defaultMode'));
  const seen = new Set<string>();
  const addPath = (p: string, what: unknown) => {
    if (!p) return;
    if (seen.has(p)) errs.push(path.invalid(what, 'conflicting duplicate paths'));
    seen.add(p);
  };
  list(src.sources as VolumeProjection[]).forEach((s, i) => {
    const sp = path.child('sources').index(i);
    let count = 0;
    for (const kind of ['secret', 'configMap'] as const) {
      const ref = s?.[kind];
      if (!ref) continue;
      count++;
      const kp = sp.child(kind);
      if (!str(ref.name)) errs.push(kp.child('name').required());
      list(ref.items as KeyToPath[]).forEach((item, j) => {
        errs.push(...validateKeyToPath(item, kp.child('items').index(j)));
        addPath(str(item.path), str(ref.name));
      });
    }
    if (s?.downwardAPI) {
      count++;
      list(s.downwardAPI.items as DownwardAPIVolumeFile[]).forEach((f) => {
        errs.push(...validateDownwardAPIFile(f, sp.child('downwardAPI')));
        addPath(str(f.path), str(f.path));
      });
    }
    if (s?.serviceAccountToken) {
      count++;
      const t = s.serviceAccountToken;
      const tp = sp.child('serviceAccountToken');
      const exp = typeof t.expirationSeconds === 'number' ? t.expirationSeconds : 0;
      if (exp < 600)
        errs.push(tp.child('expirationSeconds').invalid(exp, 'may not specify a duration less than 10 minutes'));
      if (exp > 2 ** 32)
        errs.push(tp.child('expirationSeconds').invalid(exp, 'may not specify a duration larger than 2^32 seconds'));
      if (!str(t.path)) errs.push(path.child('path').required());
      else errs.push(...validateLocalNonReservedPath(str(t.path), path.child('path')));
    }
    if (s?.clusterTrustBundle) {
      count++;
      const c = s.clusterTrustBundle;
      const cp = sp.child('clusterTrustBundle');
      if (!str(c.path)) errs.push(cp.child('path').required());
      errs.push(...validateLocalNonReservedPath(str(c.path), cp.child('path')));
      addPath(str(c.path), str(c.path));
    }
    if (count > 1) errs.push(sp.forbidden('may not specify more than 1 volume type per source'));
  });
  return errs;
};

const checkEphemeral: SourceCheck = (src, path, vol, ctx) => {
  const tmpl = src.volumeClaimTemplate as { metadata?: ObjectMeta; spec?: PersistentVolumeClaimSpec } | undefined;
  if (!tmpl) return [path.child('volumeClaimTemplate').required()];
  const tp = path.child('volumeClaimTemplate');
  const errs = validateTemplateObjectMeta(tmpl.metadata, tp.child('metadata'));
  if (ctx.validateClaimSpec) errs.push(...ctx.validateClaimSpec(tmpl.spec, tp.child('spec')));
  if (ctx.podName && str(vol.name)) {
    const pvcName = `${ctx.podName}-${str(vol.name)}`;
    for (const msg of nameIsDNSSubdomain(pvcName, false))
      errs.push(path.child('name').invalid(str(vol.name), `PVC name ${JSON.stringify(pvcName)}: ${msg}`));
  }
  return errs;
};

const checkCSI: SourceCheck = (src, path) => {
  const driver = str(src.driver);
  const errs: FieldError[] = [];
  if (!driver) errs.push(path.child('driver').required());
  if (driver.length > 63) errs.push(path.child('driver').tooLong('', 63));
  for (const msg of isDNS1123Subdomain(driver.toLowerCase())) errs.push(path.child('driver').invalid(driver, msg));
  const ref = obj(src.nodePublishSecretRef);
  if (src.nodePublishSecretRef) {
    if (!str(ref.name)) errs.push(path.child('nodePublishSecretRef', 'name').required());
    else
      for (const msg of nameIsDNSSubdomain(str(ref.name), false))
        errs.push(path.child('name').invalid(str(ref.name), msg));
  }
  return errs;
};

const checkImage: SourceCheck = (src, path, _vol, ctx) => {
  const errs: FieldError[] = [];
  if (ctx.resourceIsPod && !str(src.reference)) errs.push(path.child('reference').required());
  errs.push(...validatePullPolicy(src.pullPolicy, path.child('pullPolicy')));
  return errs;
};

export function validatePullPolicy(policy: unknown, path: FieldPath): FieldError[] {
  const p = str(policy);
  if (p === 'Always' || p === 'IfNotPresent' || p === 'Never') return [];
  if (p === '') return [path.required()];
  return [path.notSupported(p, ['Always', 'IfNotPresent', 'Never'])];
}

/** Upstream's order: the first source set is validated, later ones are "more than 1 volume type". */
const volumeSources: [key: string, validatePath: string, check?: SourceCheck][] = [
  ['emptyDir', 'emptyDir'],
  ['hostPath', 'hostPath', checkHostPath],
  ['gitRepo', 'gitRepo', required('repository')],
  ['gcePersistentDisk', 'persistentDisk', required('pdName')],
  ['awsElasticBlockStore', 'awsElasticBlockStore', required('volumeID')],
  ['secret', 'secret', checkItemsAndMode('secretName')],
  ['nfs', 'nfs', required('server', 'path')],
  ['iscsi', 'iscsi', required('targetPortal', 'iqn')],
  ['glusterfs', 'glusterfs', required('endpoints', 'path')],
  ['flocker', 'flocker'],
  ['persistentVolumeClaim', 'persistentVolumeClaim', required('claimName')],
  ['rbd', 'rbd', required('monitors', 'image')],
  ['cinder', 'cinder', required('volumeID')],
  ['cephfs', 'cephfs', required('monitors')],
  ['quobyte', 'quobyte', required('registry', 'volume')],
  ['downwardAPI', 'downwardAPI'],
  ['fc', 'fc'],
  ['flexVolume', 'flexVolume', required('driver')],
  ['configMap', 'configMap', checkItemsAndMode('name')],
  ['azureFile', 'azureFile', required('secretName', 'shareName')],
  ['vsphereVolume', 'vsphereVolume', required('volumePath')],
  ['photonPersistentDisk', 'photonPersistentDisk', required('pdID')],
  ['portworxVolume', 'portworxVolume', required('volumeID')],
  ['azureDisk', 'azureDisk', required('diskName', 'diskURI')],
  ['storageos', 'storageos', required('volumeName')],
  ['projected', 'projected', checkProjected],
  ['scaleIO', 'scaleIO', required('gateway', 'system', 'volumeName')],
  ['csi', 'csi', checkCSI],
  ['ephemeral', 'ephemeral', checkEphemeral],
  ['image', 'image', checkImage],
];
/** Where upstream reports a second source (two of these differ from the JSON names). */
const forbiddenPath: Record<string, string> = { cephfs: 'cephFS', downwardAPI: 'downwarAPI' };

function validateVolumeSource(vol: Volume, path: FieldPath, ctx: VolumeContext): FieldError[] {
  const errs: FieldError[] = [];
  const v = vol as unknown as Record<string, unknown>;
  let count = 0;
  for (const [key, vpath, check] of volumeSources) {
    const src = v[key];
    if (src === undefined || src === null) continue;
    if (count > 0) {
      errs.push(path.child(forbiddenPath[key] ?? key).forbidden('may not specify more than 1 volume type'));
      continue;
    }
    count++;
    const s = obj(src);
    if (key === 'emptyDir') {
      const q = toQuantity(s.sizeLimit);
      if (q && q.sign() < 0)
        errs.push(path.child('emptyDir', 'sizeLimit').forbidden('SizeLimit field must be a valid resource quantity'));
    } else if (key === 'downwardAPI') {
      errs.push(...validateMode(s.defaultMode, path.child('downwardAPI', 'defaultMode')));
      for (const f of list(s.items as DownwardAPIVolumeFile[]))
        errs.push(...validateDownwardAPIFile(f, path.child('downwardAPI')));
    } else if (check) {
      errs.push(...check(s, path.child(vpath), vol, ctx));
    }
  }
  if (count === 0) errs.push(path.required('must specify a volume type'));
  return errs;
}

/** ValidateVolumes: returns the valid volumes by name (for mount checks) and the errors. */
export function validateVolumes(
  volumes: Volume[] | undefined | null,
  path: FieldPath,
  ctx: VolumeContext = {},
): { volumes: Map<string, Volume>; errs: FieldError[] } {
  const errs: FieldError[] = [];
  const byName = new Map<string, Volume>();
  const createdPVCs = new Set<string>();
  if (ctx.podName) for (const v of list(volumes)) if (v.ephemeral) createdPVCs.add(`${ctx.podName}-${str(v.name)}`);
  list(volumes).forEach((vol, i) => {
    const p = path.index(i);
    const el = validateVolumeSource(vol, p, ctx);
    const name = str(vol.name);
    if (!name) el.push(p.child('name').required());
    else el.push(...isDNS1123Label(name).map((m) => p.child('name').invalid(name, m)));
    if (byName.has(name)) el.push(p.child('name').duplicate(name));
    if (el.length === 0) byName.set(name, vol);
    else errs.push(...el);
    const claim = str(vol.persistentVolumeClaim?.claimName);
    if (vol.persistentVolumeClaim && createdPVCs.has(claim))
      errs.push(
        p
          .child('persistentVolumeClaim', 'claimName')
          .invalid(claim, 'must not reference a PVC that gets created for an ephemeral volume'),
      );
  });
  return { volumes: byName, errs };
}
