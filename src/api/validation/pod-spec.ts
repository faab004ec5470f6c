import type { PodSpec } from 'kubernetes-types/core/v1.js';
import { list, mapKeys, obj, str } from './common.js';
import type { FieldError, FieldPath } from './field-error.js';
import { validateIP } from './formats.js';
import { validateLabels } from './label-selector.js';
import {
  inclusiveRangeError,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  nameIsDNSSubdomain,
} from './names.js';
import {
  validateContainers,
  validateEphemeralContainers,
  validateInitContainers,
  type ContainerContext,
} from './pod-containers.js';
import { validateAffinity, validateTolerations, validateTopologySpreadConstraints } from './pod-scheduling.js';
import { validateLocalDescendingPath, validateVolumes } from './pod-volumes.js';
import { validateResourceRequirements } from './resources.js';
import { validatePodSecurityContext } from './security-context.js';
import { validatePersistentVolumeClaimSpec } from './storage.js';

/**
 * ValidatePodSpec and the pod-specific annotation rules. Used for Pods and for
 * every pod template (Deployments, Jobs, ...); `resourceIsPod` switches on the
 * few checks upstream applies only to real pods.
 */
export interface PodSpecOptions {
  /** The pod's own name (real pods only): generic ephemeral volume claim names derive from it. */
  podName?: string;
  resourceIsPod?: boolean;
}

const maxInt32 = 2147483647;
const restartPolicies = ['Always', 'OnFailure', 'Never'];
const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];

function validateDNSConfig(spec: PodSpec, path: FieldPath): FieldError[] {
  const cfg = spec.dnsConfig;
  if (spec.dnsPolicy === 'None') {
    if (!cfg) return [path.required('must provide `dnsConfig` when `dnsPolicy` is None')];
    if (list(cfg.nameservers).length === 0)
      return [path.child('nameservers').required('must provide at least one DNS nameserver when `dnsPolicy` is None')];
  }
  if (!cfg) return [];
  const errs: FieldError[] = [];
  const ns = list(cfg.nameservers).map(str);
  if (ns.length > 3) errs.push(path.child('nameservers').invalid(ns, 'must not have more than 3 nameservers'));
  ns.forEach((n, i) => errs.push(...validateIP(path.child('nameservers').index(i), n)));
  const searches = list(cfg.searches).map(str);
  if (searches.length > 32)
    errs.push(path.child('searches').invalid(searches, 'must not have more than 32 search paths'));
  if (searches.join(' ').length > 2048)
    errs.push(
      path
        .child('searches')
        .invalid(searches, 'must not have more than 2048 characters (including spaces) in the search list'),
    );
  searches.forEach((s, i) => {
    const trimmed = s.endsWith('.') ? s.slice(0, -1) : s;
    errs.push(...isDNS1123Subdomain(trimmed).map((m) => path.child('searches').index(i).invalid(trimmed, m)));
  });
  list(cfg.options).forEach((o, i) => {
    if (!str(o.name)) errs.push(path.child('options').index(i).required('must not be empty'));
  });
  return errs;
}

function validateHostNetworkDeps(spec: PodSpec, path: FieldPath, resourceIsPod: boolean): FieldError[] {
  if (spec.hostNetwork !== true) return [];
  const errs: FieldError[] = [];
  list(spec.containers).forEach((c, i) =>
    list(c.ports).forEach((port, j) => {
      const hp = port.hostPort ?? 0;
      if ((resourceIsPod || hp !== 0) && hp !== port.containerPort)
        errs.push(
          path
            .child('containers')
            .index(i)
            .child('ports')
            .index(j)
            .child('hostPort')
            .invalid(hp, 'must match `containerPort` when `hostNetwork` is true'),
        );
    }),
  );
  return errs;
}

function validateOS(spec: PodSpec, path: FieldPath): FieldError[] {
  const os = spec.os;
  if (!os) return [];
  const name = str(os.name);
  if (!name) return [path.child('os', 'name').required('cannot be empty')];
  if (name !== 'linux' && name !== 'windows') return [path.child('os').notSupported(name, ['linux', 'windows'])];
  const errs: FieldError[] = [];
  const all = [
    ...list(spec.containers).map((c, i) => ({ c, p: path.child('containers').index(i) })),
    ...list(spec.initContainers).map((c, i) => ({ c, p: path.child('initContainers').index(i) })),
  ];
  if (name === 'linux') {
    if (spec.securityContext?.windowsOptions)
      errs.push(
        path.child('securityContext', 'windowsOptions').forbidden('windows options cannot be set for a linux pod'),
      );
    for (const { c, p } of all)
      if (c.securityContext?.windowsOptions)
        errs.push(
          p.child('securityContext', 'windowsOptions').forbidden('windows options cannot be set for a linux pod'),
        );
    return errs;
  }
  const sc = spec.securityContext;
  const forbidWin = (p: FieldPath) => errs.push(p.forbidden('cannot be set for a windows pod'));
  if (sc) {
    for (const f of [
      'appArmorProfile',
      'seLinuxOptions',
      'seccompProfile',
      'fsGroup',
      'fsGroupChangePolicy',
      'runAsUser',
      'runAsGroup',
      'supplementalGroups',
    ] as const)
      if (sc[f] !== undefined && sc[f] !== null) forbidWin(path.child('securityContext', f));
    if (list(sc.sysctls).length) forbidWin(path.child('securityContext', 'sysctls'));
  }
  if (spec.hostUsers !== undefined && spec.hostUsers !== null) forbidWin(path.child('hostUsers'));
  if (spec.hostPID) forbidWin(path.child('hostPID'));
  if (spec.hostIPC) forbidWin(path.child('hostIPC'));
  if (spec.shareProcessNamespace !== undefined && spec.shareProcessNamespace !== null)
    forbidWin(path.child('shareProcessNamespace'));
  for (const { c, p } of all) {
    const csc = c.securityContext;
    if (!csc) continue;
    for (const f of [
      'appArmorProfile',
      'seLinuxOptions',
      'seccompProfile',
      'capabilities',
      'readOnlyRootFilesystem',
      'privileged',
      'allowPrivilegeEscalation',
      'procMount',
      'runAsUser',
      'runAsGroup',
    ] as const)
      if (csc[f] !== undefined && csc[f] !== null) forbidWin(p.child('securityContext', f));
  }
  return errs;
}

export function validatePodSpec(spec: PodSpec | undefined, path: FieldPath, opts: PodSpecOptions = {}): FieldError[] {
  const s: PodSpec = spec ?? { containers: [] };
  const errs: FieldError[] = [];
  if (s.terminationGracePeriodSeconds === undefined || s.terminationGracePeriodSeconds === null)
    errs.push(path.child('terminationGracePeriodSeconds').required());
  const hostUsers = s.hostUsers !== false;
  const vols = validateVolumes(s.volumes, path.child('volumes'), {
    podName: opts.podName,
    resourceIsPod: opts.resourceIsPod,
    validateClaimSpec: validatePersistentVolumeClaimSpec,
  });
  errs.push(...vols.errs);
  const claimNames = new Set<string>();
  list(s.resourceClaims).forEach((c, i) => {
    const p = path.child('resourceClaims').index(i);
    const name = str(c.name);
    if (!name) errs.push(p.child('name').required());
    else if (claimNames.has(name)) errs.push(p.child('name').duplicate(name));
    else {
      errs.push(...isDNS1123Label(name).map((m) => p.child('name').invalid(name, m)));
      claimNames.add(name);
    }
  });
  const ctx: ContainerContext = {
    volumes: vols.volumes,
    podClaimNames: claimNames,
    gracePeriod: s.terminationGracePeriodSeconds ?? undefined,
    podRestartPolicy: str(s.restartPolicy),
    hostUsers,
  };
  errs.push(...validateContainers(s.containers, ctx, path.child('containers')));
  errs.push(...validateInitContainers(s.initContainers, s.containers, ctx, path.child('initContainers')));
  errs.push(
    ...validateEphemeralContainers(
      s.ephemeralContainers,
      s.containers,
      s.initContainers,
      ctx,
      path.child('ephemeralContainers'),
    ),
  );
  errs.push(...validateHostNetworkDeps(s, path, opts.resourceIsPod ?? false));

  const rp = str(s.restartPolicy);
  if (rp === '') errs.push(path.child('restartPolicy').required());
  else if (!restartPolicies.includes(rp)) errs.push(path.child('restartPolicy').notSupported(rp, restartPolicies));
  const dp = str(s.dnsPolicy);
  if (dp === '') errs.push(path.child('dnsPolicy').required());
  else if (!dnsPolicies.includes(dp)) errs.push(path.child('dnsPolicy').notSupported(dp, dnsPolicies));

  errs.push(...validateLabels(s.nodeSelector, path.child('nodeSelector')));
  errs.push(...validatePodSecurityContext(s, path.child('securityContext')));
  list(s.imagePullSecrets).forEach((ref, i) => {
    if (Object.keys(obj(ref)).some((k) => k !== 'name'))
      errs.push(path.child('imagePullSecrets').index(i).invalid(ref, 'only name may be set'));
  });
  errs.push(...validateAffinity(s.affinity, path.child('affinity')));
  errs.push(...validateDNSConfig(s, path.child('dnsConfig')));
  list(s.readinessGates).forEach((g, i) => {
    const ct = str(g.conditionType);
    errs.push(
      ...isQualifiedName(ct).map((m) => path.child('readinessGates').index(i).child('conditionType').invalid(ct, m)),
    );
  });
  const gates = new Set<string>();
  list(s.schedulingGates).forEach((g, i) => {
    const name = str(g.name);
    errs.push(...isQualifiedName(name).map((m) => path.child('schedulingGates').index(i).invalid(name, m)));
    if (gates.has(name)) errs.push(path.child('schedulingGates').index(i).duplicate(name));
    gates.add(name);
  });
  errs.push(...validateTopologySpreadConstraints(s.topologySpreadConstraints, path.child('topologySpreadConstraints')));
  if (!hostUsers) {
    const msg = 'when `pod.Spec.HostUsers` is false';
    if (s.hostNetwork) errs.push(path.child('hostNetwork').forbidden(msg));
    if (s.hostPID) errs.push(path.child('HostPID').forbidden(msg));
    if (s.hostIPC) errs.push(path.child('HostIPC').forbidden(msg));
  }
  const sa = str(s.serviceAccountName);
  if (sa) errs.push(...nameIsDNSSubdomain(sa, false).map((m) => path.child('serviceAccountName').invalid(sa, m)));
  const nodeName = str(s.nodeName);
  if (nodeName)
    errs.push(...nameIsDNSSubdomain(nodeName, false).map((m) => path.child('nodeName').invalid(nodeName, m)));
  const ads = s.activeDeadlineSeconds;
  if (typeof ads === 'number' && (ads < 1 || ads > maxInt32))
    errs.push(path.child('activeDeadlineSeconds').invalid(ads, inclusiveRangeError(1, maxInt32)));
  for (const f of ['hostname', 'subdomain'] as const) {
    const v = str(s[f]);
    if (v) errs.push(...isDNS1123Label(v).map((m) => path.child(f).invalid(v, m)));
  }
  if (list(s.tolerations).length) errs.push(...validateTolerations(s.tolerations, path.child('tolerations')));
  list(s.hostAliases).forEach((ha, i) => {
    const p = path.child('hostAliases').index(i);
    errs.push(...validateIP(p.child('ip'), str(ha.ip)));
    list(ha.hostnames).forEach((h, j) =>
      errs.push(...isDNS1123Subdomain(h).map((m) => p.child('hostnames').index(j).invalid(h, m))),
    );
  });
  const pcn = str(s.priorityClassName);
  if (pcn) errs.push(...nameIsDNSSubdomain(pcn, false).map((m) => path.child('priorityClassName').invalid(pcn, m)));
  if (s.runtimeClassName !== undefined && s.runtimeClassName !== null)
    errs.push(
      ...nameIsDNSSubdomain(s.runtimeClassName, false).map((m) =>
        path.child('runtimeClassName').invalid(s.runtimeClassName, m),
      ),
    );
  if (s.preemptionPolicy !== undefined && s.preemptionPolicy !== null)
    errs.push(...validatePreemptionPolicy(s.preemptionPolicy, path.child('preemptionPolicy')));
  if (s.overhead) errs.push(...validateResourceRequirements({ limits: s.overhead }, path.child('overhead')));
  errs.push(...validateOS(s, path));
  return errs;
}

export function validatePreemptionPolicy(policy: string, path: FieldPath): FieldError[] {
  if (policy === 'PreemptLowerPriority' || policy === 'Never') return [];
  if (policy === '') return [path.required()];
  return [path.notSupported(policy, ['PreemptLowerPriority', 'Never'])];
}

const deletionCostRe = /^(-[0-9]+|0|[1-9][0-9]*)$/;

/** ValidatePodSpecificAnnotations: mirror pods, deletion cost, seccomp and AppArmor annotations. */
export function validatePodSpecificAnnotations(
  annotations: Record<string, string> | undefined,
  spec: PodSpec | undefined,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const a = obj<string>(annotations);
  const mirror = 'kubernetes.io/config.mirror';
  if (mirror in a && !str(spec?.nodeName))
    errs.push(path.key(mirror).invalid(a[mirror], 'must set spec.nodeName if mirror pod annotation is set'));
  const costKey = 'controller.kubernetes.io/pod-deletion-cost';
  if (costKey in a) {
    const v = str(a[costKey]);
    const n = Number(v);
    if (!deletionCostRe.test(v) || n < -2147483648 || n > maxInt32)
      errs.push(path.key(costKey).invalid(v, 'must be a 32bit integer'));
  }
  for (const k of mapKeys(a)) {
    if (
      k === 'seccomp.security.alpha.kubernetes.io/pod' ||
      k.startsWith('container.seccomp.security.alpha.kubernetes.io/')
    ) {
      const p = str(a[k]);
      if (p.startsWith('localhost/'))
        errs.push(...validateLocalDescendingPath(p.slice('localhost/'.length), path.child(k)));
      else if (p !== 'runtime/default' && p !== 'docker/default' && p !== 'unconfined')
        errs.push(path.child(k).invalid(p, 'must be a valid seccomp profile'));
    }
    const aaPrefix = 'container.apparmor.security.beta.kubernetes.io/';
    if (k.startsWith(aaPrefix)) {
      const ctr = k.slice(aaPrefix.length);
      const all = [...list(spec?.containers), ...list(spec?.initContainers), ...list(spec?.ephemeralContainers)];
      if (!all.some((c) => c.name === ctr)) errs.push(path.key(k).invalid(ctr, 'container not found'));
      const p = str(a[k]);
      if (p !== '' && p !== 'runtime/default' && p !== 'unconfined' && !p.startsWith('localhost/'))
        errs.push(path.key(k).invalid(p, `invalid AppArmor profile name: ${JSON.stringify(p)}`));
    }
  }
  return errs;
}
