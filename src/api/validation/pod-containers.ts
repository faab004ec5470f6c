import type {
  Container,
  ContainerPort,
  EnvFromSource,
  EnvVar,
  SecurityContext,
  Volume,
  VolumeDevice,
  VolumeMount,
} from 'kubernetes-types/core/v1.js';
import { list, semanticEqual, str } from './common.js';
import type { FieldError, FieldPath } from './field-error.js';
import { isRelaxedEnvVarName } from './formats.js';
import { isConfigMapKey, isDNS1123Label, isValidPortName, isValidPortNum, nameIsDNSSubdomain } from './names.js';
import {
  validateLocalDescendingPath,
  validateObjectFieldSelector,
  validatePathNoBacksteps,
  validatePullPolicy,
  validateResourceFieldSelector,
} from './pod-volumes.js';
import { validateResourceRequirements } from './resources.js';
import { validateProbesAndLifecycle } from './pod-probes.js';
import { validateContainerSecurityContext } from './security-context.js';

/**
 * Containers of a pod spec: the checks shared by regular, init and ephemeral
 * containers (validateContainerCommon) and the per-list rules (unique names,
 * probes and lifecycle only where allowed, host port conflicts).
 */
export const supportedPortProtocols = ['SCTP', 'TCP', 'UDP'];

export interface ContainerContext {
  volumes: Map<string, Volume>;
  podClaimNames: ReadonlySet<string>;
  gracePeriod: number | undefined;
  podRestartPolicy: string;
  hostUsers: boolean;
}

function validateContainerPorts(ports: ContainerPort[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list(ports).forEach((port, i) => {
    const p = path.index(i);
    const name = str(port.name);
    if (name) {
      const msgs = isValidPortName(name);
      if (msgs.length) errs.push(...msgs.map((m) => p.child('name').invalid(name, m)));
      else if (names.has(name)) errs.push(p.child('name').duplicate(name));
      else names.add(name);
    }
    if (!port.containerPort) errs.push(p.child('containerPort').required());
    else
      errs.push(
        ...isValidPortNum(port.containerPort).map((m) => p.child('containerPort').invalid(port.containerPort, m)),
      );
    if (port.hostPort)
      errs.push(...isValidPortNum(port.hostPort).map((m) => p.child('hostPort').invalid(port.hostPort, m)));
    const protocol = str(port.protocol);
    if (!protocol) errs.push(p.child('protocol').required());
    else if (!supportedPortProtocols.includes(protocol))
      errs.push(p.child('protocol').notSupported(protocol, supportedPortProtocols));
  });
  return errs;
}

const envFieldExpressions = new Set([
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
]);

function validateKeySelector(ref: { name?: string; key?: string }, path: FieldPath): FieldError[] {
  const errs = nameIsDNSSubdomain(str(ref.name), false).map((m) => path.child('name').invalid(str(ref.name), m));
  const key = str(ref.key);
  if (!key) errs.push(path.child('key').required());
  else errs.push(...isConfigMapKey(key).map((m) => path.child('key').invalid(key, m)));
  return errs;
}

function validateEnvVarValueFrom(ev: EnvVar, path: FieldPath): FieldError[] {
  const vf = ev.valueFrom;
  if (!vf) return [];
  const errs: FieldError[] = [];
  let n = 0;
  if (vf.fieldRef) {
    n++;
    errs.push(...validateObjectFieldSelector(vf.fieldRef, envFieldExpressions, path.child('fieldRef')));
  }
  if (vf.resourceFieldRef) {
    n++;
    errs.push(...validateResourceFieldSelector(vf.resourceFieldRef, path.child('resourceFieldRef'), false));
  }
  if (vf.configMapKeyRef) {
    n++;
    errs.push(...validateKeySelector(vf.configMapKeyRef, path.child('configMapKeyRef')));
  }
  if (vf.secretKeyRef) {
    n++;
    errs.push(...validateKeySelector(vf.secretKeyRef, path.child('secretKeyRef')));
  }
  if (n === 0)
    errs.push(
      path.invalid('', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'),
    );
  else if (str(ev.value)) errs.push(path.invalid('', 'may not be specified when `value` is not empty'));
  else if (n > 1) errs.push(path.invalid('', 'may not have more than one field specified at a time'));
  return errs;
}

export function validateEnv(vars: EnvVar[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  list(vars).forEach((ev, i) => {
    const p = path.index(i);
    const name = str(ev.name);
    if (!name) errs.push(p.child('name').required());
    else errs.push(...isRelaxedEnvVarName(name).map((m) => p.child('name').invalid(name, m)));
    errs.push(...validateEnvVarValueFrom(ev, p.child('valueFrom')));
  });
  return errs;
}

function validateEnvFrom(sources: EnvFromSource[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  list(sources).forEach((src, i) => {
    const p = path.index(i);
    const prefix = str(src.prefix);
    if (prefix) errs.push(...isRelaxedEnvVarName(prefix).map((m) => p.child('prefix').invalid(prefix, m)));
    let n = 0;
    for (const kind of ['configMapRef', 'secretRef'] as const) {
      const ref = src[kind];
      if (!ref) continue;
      n++;
      const name = str(ref.name);
      if (!name) errs.push(p.child(kind, 'name').required());
      else errs.push(...nameIsDNSSubdomain(name, true).map((m) => p.child(kind, 'name').invalid(name, m)));
    }
    if (n === 0) errs.push(path.invalid('', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (n > 1) errs.push(path.invalid('', 'may not have more than one field specified at a time'));
  });
  return errs;
}

const mountPropagations = ['Bidirectional', 'HostToContainer', 'None'];

function validateVolumeMounts(ctr: Container, volumes: Map<string, Volume>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const devices = new Map(list(ctr.volumeDevices).map((d) => [str(d.name), str(d.devicePath)]));
  const devicePaths = new Set(devices.values());
  const mountPaths = new Set<string>();
  list(ctr.volumeMounts).forEach((m: VolumeMount, i) => {
    const p = path.index(i);
    const name = str(m.name);
    const mountPath = str(m.mountPath);
    if (!name) errs.push(p.child('name').required());
    if (!volumes.has(name)) errs.push(p.child('name').notFound(name));
    if (!mountPath) errs.push(p.child('mountPath').required());
    if (mountPaths.has(mountPath)) errs.push(p.child('mountPath').invalid(mountPath, 'must be unique'));
    mountPaths.add(mountPath);
    if (devices.has(name)) errs.push(p.child('name').invalid(name, 'must not already exist in volumeDevices'));
    if (devicePaths.has(mountPath))
      errs.push(p.child('mountPath').invalid(mountPath, 'must not already exist as a path in volumeDevices'));
    if ((volumes.get(name) as (Volume & { image?: unknown }) | undefined)?.image) {
      if (m.subPath) errs.push(p.child('subPath').invalid(m.subPath, 'not allowed in image volume sources'));
      if (m.subPathExpr)
        errs.push(p.child('subPathExpr').invalid(m.subPathExpr, 'not allowed in image volume sources'));
    }
    // Upstream reports subPath problems at the list's path, not the item's.
    if (m.subPath) errs.push(...validateLocalDescendingPath(m.subPath, path.child('subPath')));
    if (m.subPathExpr) {
      if (m.subPath)
        errs.push(p.child('subPathExpr').invalid(m.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      errs.push(...validateLocalDescendingPath(m.subPathExpr, path.child('subPathExpr')));
    }
    if (m.mountPropagation !== undefined && m.mountPropagation !== null) {
      const mp = path.child('mountPropagation');
      if (!mountPropagations.includes(m.mountPropagation))
        errs.push(mp.notSupported(m.mountPropagation, mountPropagations));
      if (m.mountPropagation === 'Bidirectional' && ctr.securityContext?.privileged !== true)
        errs.push(mp.forbidden('Bidirectional mount propagation is available only to privileged containers'));
    }
    const rro = (m as VolumeMount & { recursiveReadOnly?: string }).recursiveReadOnly;
    if (rro !== undefined && rro !== null && rro !== 'Disabled') {
      const rp = path.child('recursiveReadOnly');
      if (rro === 'Enabled' || rro === 'IfPossible') {
        if (!m.readOnly) errs.push(rp.forbidden('may only be specified when readOnly is true'));
        if (m.mountPropagation && m.mountPropagation !== 'None')
          errs.push(rp.forbidden('may only be specified when mountPropagation is None or not specified'));
      } else {
        errs.push(rp.notSupported(rro, ['Disabled', 'Enabled', 'IfPossible']));
      }
    }
  });
  return errs;
}

function validateVolumeDevices(ctr: Container, volumes: Map<string, Volume>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const mounts = new Map(list(ctr.volumeMounts).map((m) => [str(m.name), str(m.mountPath)]));
  const mountPaths = new Set(mounts.values());
  const names = new Set<string>();
  const paths = new Set<string>();
  list(ctr.volumeDevices).forEach((d: VolumeDevice, i) => {
    const p = path.index(i);
    const name = str(d.name);
    const devicePath = str(d.devicePath);
    const vol = volumes.get(name);
    if (!name) errs.push(p.child('name').required());
    if (names.has(name)) errs.push(p.child('name').invalid(name, 'must be unique'));
    if (vol && !vol.persistentVolumeClaim && !vol.ephemeral)
      errs.push(
        p
          .child('name')
          .invalid(name, 'can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode'),
      );
    if (!vol) errs.push(p.child('name').notFound(name));
    if (!devicePath) errs.push(p.child('devicePath').required());
    if (paths.has(devicePath)) errs.push(p.child('devicePath').invalid(devicePath, 'must be unique'));
    if (devicePath && validatePathNoBacksteps(devicePath, p).length)
      errs.push(p.child('devicePath').invalid(devicePath, "can not contain backsteps ('..')"));
    else paths.add(devicePath);
    if (mounts.has(name)) errs.push(p.child('name').invalid(name, 'must not already exist in volumeMounts'));
    if (mountPaths.has(devicePath))
      errs.push(p.child('devicePath').invalid(devicePath, 'must not already exist as a path in volumeMounts'));
    if (name) names.add(name);
  });
  return errs;
}

function validateResizePolicy(ctr: Container, podRestartPolicy: string, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  list(ctr.resizePolicy).forEach((p, i) => {
    const name = str(p.resourceName);
    const policy = str(p.restartPolicy);
    if (seen.has(name)) errs.push(path.index(i).duplicate(name));
    seen.add(name);
    if (name === '') errs.push(path.required());
    else if (name !== 'cpu' && name !== 'memory') errs.push(path.notSupported(name, ['cpu', 'memory']));
    if (policy === '') errs.push(path.required());
    else if (policy !== 'NotRequired' && policy !== 'RestartContainer')
      errs.push(path.notSupported(policy, ['NotRequired', 'RestartContainer']));
    if (podRestartPolicy === 'Never' && policy !== 'NotRequired')
      errs.push(path.invalid(policy, "must be 'NotRequired' when `restartPolicy` is 'Never'"));
  });
  return errs;
}

/** validateContainerCommon: what every kind of container must satisfy. */
function validateContainerCommon(ctr: Container, ctx: ContainerContext, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(ctr.name);
  if (!name) errs.push(path.child('name').required());
  else errs.push(...isDNS1123Label(name).map((m) => path.child('name').invalid(name, m)));
  if (!str(ctr.image)) errs.push(path.child('image').required());
  const tmp = str(ctr.terminationMessagePolicy);
  if (tmp === '') errs.push(path.child('terminationMessagePolicy').required());
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError')
    errs.push(path.child('terminationMessagePolicy').notSupported(tmp, ['File', 'FallbackToLogsOnError']));
  errs.push(...validateContainerPorts(ctr.ports, path.child('ports')));
  errs.push(...validateEnv(ctr.env, path.child('env')));
  errs.push(...validateEnvFrom(ctr.envFrom, path.child('envFrom')));
  errs.push(...validateVolumeMounts(ctr, ctx.volumes, path.child('volumeMounts')));
  errs.push(...validateVolumeDevices(ctr, ctx.volumes, path.child('volumeDevices')));
  errs.push(...validatePullPolicy(ctr.imagePullPolicy, path.child('imagePullPolicy')));
  errs.push(...validateResourceRequirements(ctr.resources, path.child('resources'), ctx.podClaimNames));
  errs.push(...validateResizePolicy(ctr, ctx.podRestartPolicy, path.child('resizePolicy')));
  errs.push(
    ...validateContainerSecurityContext(
      ctr.securityContext as SecurityContext | undefined,
      path.child('securityContext'),
      ctx.hostUsers,
    ),
  );
  return errs;
}

/** Host ports must not collide (protocol/hostIP/port) within one set of concurrently running containers. */
export function checkHostPortConflicts(containers: readonly Container[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((ctr, ci) => {
    list(ctr.ports).forEach((port, pi) => {
      if (!port.hostPort) return;
      const key = `${str(port.protocol)}/${str(port.hostIP)}/${port.hostPort}`;
      if (seen.has(key)) errs.push(path.index(ci).child('ports').index(pi).child('hostPort').duplicate(key));
      else seen.add(key);
    });
  });
  return errs;
}

export function validateContainers(
  containers: Container[] | undefined,
  ctx: ContainerContext,
  path: FieldPath,
): FieldError[] {
  const cs = list(containers);
  if (cs.length === 0) return [path.required()];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  cs.forEach((ctr, i) => {
    const p = path.index(i);
    errs.push(...validateContainerCommon(ctr, ctx, p));
    if (names.has(str(ctr.name))) errs.push(p.child('name').duplicate(str(ctr.name)));
    else names.add(str(ctr.name));
    errs.push(...validateProbesAndLifecycle(ctr, ctx.gracePeriod, p));
    if (ctr.restartPolicy !== undefined && ctr.restartPolicy !== null)
      errs.push(p.child('restartPolicy').forbidden('may not be set for non-init containers'));
  });
  errs.push(...checkHostPortConflicts(cs, path));
  return errs;
}

export function validateInitContainers(
  inits: Container[] | undefined,
  regular: Container[] | undefined,
  ctx: ContainerContext,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set(list(regular).map((c) => str(c.name)));
  list(inits).forEach((ctr, i) => {
    const p = path.index(i);
    errs.push(...validateContainerCommon(ctr, ctx, p));
    let restartAlways = false;
    if (ctr.restartPolicy !== undefined && ctr.restartPolicy !== null) {
      if (ctr.restartPolicy !== 'Always')
        errs.push(p.child('restartPolicy').notSupported(ctr.restartPolicy, ['Always']));
      restartAlways = ctr.restartPolicy === 'Always';
    }
    const name = str(ctr.name);
    if (names.has(name)) errs.push(p.child('name').duplicate(name));
    else if (name) names.add(name);
    errs.push(...checkHostPortConflicts([ctr], path));
    if (restartAlways) {
      errs.push(...validateProbesAndLifecycle(ctr, ctx.gracePeriod, p));
    } else {
      for (const k of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const)
        if (ctr[k]) errs.push(p.child(k).forbidden('may not be set for init containers without restartPolicy=Always'));
    }
  });
  return errs;
}

/** Fields an ephemeral container may not set (upstream's allow-list, inverted, in struct order). */
const ephemeralForbidden = [
  'ports',
  'resources',
  'resizePolicy',
  'restartPolicy',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
];

export function validateEphemeralContainers(
  ephemeral: (Container & { targetContainerName?: string })[] | undefined,
  containers: Container[] | undefined,
  inits: Container[] | undefined,
  ctx: ContainerContext,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const others = new Set([...list(containers), ...list(inits)].map((c) => str(c.name)));
  const all = new Set(others);
  list(ephemeral).forEach((ec, i) => {
    const p = path.index(i);
    errs.push(...validateContainerCommon(ec, ctx, p));
    errs.push(...validateContainerOnlyForPod(ec, p));
    const name = str(ec.name);
    if (all.has(name)) errs.push(p.child('name').duplicate(name));
    else all.add(name);
    if (ec.targetContainerName && !others.has(ec.targetContainerName))
      errs.push(p.child('targetContainerName').notFound(ec.targetContainerName));
    const rec = ec as unknown as Record<string, unknown>;
    for (const f of ephemeralForbidden)
      if (!semanticEqual(rec[f], undefined))
        errs.push(p.child(f).forbidden('cannot be set for an Ephemeral Container'));
    list(ec.volumeMounts).forEach((vm, j) => {
      const mp = p.child('volumeMounts').index(j);
      if (vm.subPath) errs.push(mp.child('subPath').forbidden('cannot be set for an Ephemeral Container'));
      if (vm.subPathExpr) errs.push(mp.child('subPathExpr').forbidden('cannot be set for an Ephemeral Container'));
    });
  });
  return errs;
}

/** Pod-only container check (not applied to templates, for compatibility): no padded image names. */
export function validateContainerOnlyForPod(ctr: Container, path: FieldPath): FieldError[] {
  const image = str(ctr.image);
  return image.length !== image.trim().length
    ? [path.child('image').invalid(image, 'must not have leading or trailing whitespace')]
    : [];
}
