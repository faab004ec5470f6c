import type { Volume } from 'kubernetes-types/core/v1.js';
import { validSeccomp } from './checks-baseline.js';
import {
  allowed,
  containerList,
  exemptWindows,
  forbidden,
  joinQuote,
  pluralize,
  sortedSet,
  visitContainers,
  type Check,
  type CheckPod,
} from './check-types.js';

/**
 * Restricted Pod Security Standards checks (upstream
 * `pod-security-admission/policy/check_*.go`, level restricted). Where a
 * restricted check supersedes a baseline one it overrides it, so the same
 * problem is not reported twice.
 */

const allowPrivilegeEscalation: CheckPod = (_meta, spec) => {
  const bad: string[] = [];
  visitContainers(spec, (c) => {
    if (c.securityContext?.allowPrivilegeEscalation !== false) bad.push(c.name);
  });
  if (!bad.length) return allowed;
  return forbidden(
    'allowPrivilegeEscalation != false',
    `${containerList(bad)} must set securityContext.allowPrivilegeEscalation=false`,
  );
};

const capabilitiesRestricted: CheckPod = (_meta, spec) => {
  const missingDropAll: string[] = [];
  const addingForbidden: string[] = [];
  const caps: string[] = [];
  visitContainers(spec, (c) => {
    const capabilities = c.securityContext?.capabilities;
    if (!capabilities) {
      missingDropAll.push(c.name);
      return;
    }
    if (!(capabilities.drop ?? []).includes('ALL')) missingDropAll.push(c.name);
    const added = (capabilities.add ?? []).filter((x) => x !== 'NET_BIND_SERVICE');
    if (added.length) {
      addingForbidden.push(c.name);
      caps.push(...added);
    }
  });
  const details: string[] = [];
  if (missingDropAll.length)
    details.push(`${containerList(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
  if (addingForbidden.length) {
    details.push(
      `${containerList(addingForbidden)} must not include ${joinQuote(sortedSet(caps))} in securityContext.capabilities.add`,
    );
  }
  return details.length ? forbidden('unrestricted capabilities', details.join('; ')) : allowed;
};

const volumeTypes: [keyof Volume, string][] = [
  ['hostPath', 'hostPath'],
  ['gcePersistentDisk', 'gcePersistentDisk'],
  ['awsElasticBlockStore', 'awsElasticBlockStore'],
  ['gitRepo', 'gitRepo'],
  ['nfs', 'nfs'],
  ['iscsi', 'iscsi'],
  ['glusterfs', 'glusterfs'],
  ['rbd', 'rbd'],
  ['flexVolume', 'flexVolume'],
  ['cinder', 'cinder'],
  ['cephfs', 'cephfs'],
  ['flocker', 'flocker'],
  ['fc', 'fc'],
  ['azureFile', 'azureFile'],
  ['vsphereVolume', 'vsphereVolume'],
  ['quobyte', 'quobyte'],
  ['azureDisk', 'azureDisk'],
  ['photonPersistentDisk', 'photonPersistentDisk'],
  ['portworxVolume', 'portworxVolume'],
  ['scaleIO', 'scaleIO'],
  ['storageos', 'storageos'],
];
const allowedVolumeSources: (keyof Volume)[] = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
];

const restrictedVolumes: CheckPod = (_meta, spec) => {
  const bad: string[] = [];
  const types: string[] = [];
  for (const v of spec.volumes ?? []) {
    if (allowedVolumeSources.some((k) => v[k] != null)) continue;
    bad.push(v.name);
    types.push(volumeTypes.find(([k]) => v[k] != null)?.[1] ?? 'unknown');
  }
  if (!bad.length) return allowed;
  const list = sortedSet(types);
  return forbidden(
    'restricted volume types',
    `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize(
      'restricted volume type',
      'restricted volume types',
      list.length,
    )} ${joinQuote(list)}`,
  );
};

const runAsNonRoot: CheckPod = (_meta, spec) => {
  const setters: string[] = [];
  const podValue = spec.securityContext?.runAsNonRoot;
  if (podValue === false) setters.push('pod');
  const explicit: string[] = [];
  const implicit: string[] = [];
  visitContainers(spec, (c) => {
    const v = c.securityContext?.runAsNonRoot;
    if (v != null) {
      if (!v) explicit.push(c.name);
    } else if (podValue !== true) {
      implicit.push(c.name);
    }
  });
  if (explicit.length) setters.push(containerList(explicit));
  if (setters.length)
    return forbidden(
      'runAsNonRoot != true',
      `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false`,
    );
  if (implicit.length) {
    return forbidden(
      'runAsNonRoot != true',
      `pod or ${containerList(implicit)} must set securityContext.runAsNonRoot=true`,
    );
  }
  return allowed;
};

const runAsUser: CheckPod = (_meta, spec) => {
  const setters: string[] = [];
  if (spec.securityContext?.runAsUser === 0) setters.push('pod');
  const bad: string[] = [];
  visitContainers(spec, (c) => {
    if (c.securityContext?.runAsUser === 0) bad.push(c.name);
  });
  if (bad.length) setters.push(containerList(bad));
  return setters.length ? forbidden('runAsUser=0', `${setters.join(' and ')} must not set runAsUser=0`) : allowed;
};

const seccompRestricted: CheckPod = (_meta, spec) => {
  const setters: string[] = [];
  const values: string[] = [];
  let podSet = false;
  const podProfile = spec.securityContext?.seccompProfile;
  if (podProfile) {
    if (!validSeccomp(podProfile.type)) {
      setters.push('pod');
      values.push(podProfile.type ?? '');
    } else {
      podSet = true;
    }
  }
  const explicit: string[] = [];
  const implicit: string[] = [];
  visitContainers(spec, (c) => {
    const p = c.securityContext?.seccompProfile;
    if (p) {
      if (!validSeccomp(p.type)) {
        explicit.push(c.name);
        values.push(p.type ?? '');
      }
    } else if (!podSet) {
      implicit.push(c.name);
    }
  });
  if (explicit.length) setters.push(containerList(explicit));
  if (setters.length) {
    return forbidden(
      'seccompProfile',
      `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(values))}`,
    );
  }
  if (implicit.length) {
    return forbidden(
      'seccompProfile',
      `pod or ${containerList(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
    );
  }
  return allowed;
};

export const restrictedChecks: Check[] = [
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    versions: [
      { minimumVersion: 8, checkPod: allowPrivilegeEscalation },
      { minimumVersion: 25, checkPod: exemptWindows(allowPrivilegeEscalation) },
    ],
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    versions: [
      { minimumVersion: 22, checkPod: capabilitiesRestricted, overrideCheckIDs: ['capabilities_baseline'] },
      {
        minimumVersion: 25,
        checkPod: exemptWindows(capabilitiesRestricted),
        overrideCheckIDs: ['capabilities_baseline'],
      },
    ],
  },
  {
    id: 'restrictedVolumes',
    level: 'restricted',
    versions: [{ minimumVersion: 0, checkPod: restrictedVolumes, overrideCheckIDs: ['hostPathVolumes'] }],
  },
  { id: 'runAsNonRoot', level: 'restricted', versions: [{ minimumVersion: 0, checkPod: runAsNonRoot }] },
  { id: 'runAsUser', level: 'restricted', versions: [{ minimumVersion: 23, checkPod: runAsUser }] },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    versions: [
      { minimumVersion: 19, checkPod: seccompRestricted, overrideCheckIDs: ['seccompProfile_baseline'] },
      { minimumVersion: 25, checkPod: exemptWindows(seccompRestricted), overrideCheckIDs: ['seccompProfile_baseline'] },
    ],
  },
];
