import type { Pod, PodSpec, PodTemplateSpec, Toleration } from 'kubernetes-types/core/v1.js';
import { list, obj, semanticEqual, str, validateImmutable } from './common.js';
import { FieldPath, type FieldError } from './field-error.js';
import { validateIP, isDualStackPair } from './formats.js';
import { validateLabels } from './label-selector.js';
import { inclusiveRangeError, isQualifiedName, nameIsDNSSubdomain } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate, validateAnnotations } from './object-meta.js';
import { validateContainerOnlyForPod } from './pod-containers.js';
import { validateTolerations } from './pod-scheduling.js';
import { validatePodSpec, validatePodSpecificAnnotations } from './pod-spec.js';
import { specDiff } from './spec-diff.js';

/**
 * Pods (create, update, status, ephemeral containers, binding) and pod
 * templates as embedded in every workload kind.
 */
const metadata = FieldPath.of('metadata');
const specPath = FieldPath.of('spec');
const maxInt32 = 2147483647;
const mirrorAnnotation = 'kubernetes.io/config.mirror';
const appArmorPrefix = 'container.apparmor.security.beta.kubernetes.io/';

export const updatablePodSpecFields = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

function validatePodMetadataAndSpec(pod: Pod): FieldError[] {
  const errs = validateObjectMeta(pod.metadata, true, nameIsDNSSubdomain, metadata);
  errs.push(...validatePodSpecificAnnotations(pod.metadata?.annotations, pod.spec, metadata.child('annotations')));
  errs.push(...validatePodSpec(pod.spec, specPath, { podName: str(pod.metadata?.name), resourceIsPod: true }));
  if (!str(pod.spec?.serviceAccountName)) {
    list(pod.spec?.volumes).forEach((v, i) =>
      list(v.projected?.sources).forEach((src, j) => {
        if (src.serviceAccountToken)
          errs.push(
            specPath
              .child('volumes')
              .index(i)
              .child('projected', 'sources')
              .index(j)
              .child('serviceAccountToken')
              .forbidden('must not be specified when serviceAccountName is not set'),
          );
      }),
    );
  }
  list(pod.spec?.containers).forEach((c, i) =>
    errs.push(...validateContainerOnlyForPod(c, specPath.child('containers').index(i))),
  );
  list(pod.spec?.initContainers).forEach((c, i) =>
    errs.push(...validateContainerOnlyForPod(c, specPath.child('initContainers').index(i))),
  );
  return errs;
}

export function validatePod(pod: Pod): FieldError[] {
  const errs = validatePodMetadataAndSpec(pod);
  if (list(pod.spec?.ephemeralContainers).length > 0)
    errs.push(specPath.child('ephemeralContainers').forbidden('cannot be set on create'));
  if (str(pod.spec?.nodeName) && list(pod.spec?.schedulingGates).length > 0)
    errs.push(specPath.child('nodeName').forbidden('cannot be set until all schedulingGates have been cleared'));
  return errs;
}

function validatePodSpecificAnnotationUpdates(pod: Pod, old: Pod, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const na = obj<string>(pod.metadata?.annotations);
  const oa = obj<string>(old.metadata?.annotations);
  for (const k of Object.keys(oa).sort()) {
    if (k in na && na[k] === oa[k]) continue;
    if (k.startsWith(appArmorPrefix)) errs.push(path.key(k).forbidden('may not remove or update AppArmor annotations'));
    if (k === mirrorAnnotation) errs.push(path.key(k).forbidden('may not remove or update mirror pod annotation'));
  }
  for (const k of Object.keys(na).sort()) {
    if (k in oa) continue;
    if (k.startsWith(appArmorPrefix)) errs.push(path.key(k).forbidden('may not add AppArmor annotations'));
    if (k === mirrorAnnotation) errs.push(path.key(k).forbidden('may not add mirror pod annotation'));
  }
  errs.push(...validatePodSpecificAnnotations(pod.metadata?.annotations, pod.spec, path));
  return errs;
}

function validateContainerUpdates(
  cs: PodSpec['containers'] | undefined,
  old: PodSpec['containers'] | undefined,
  path: FieldPath,
): { errs: FieldError[]; stop: boolean } {
  if (list(cs).length !== list(old).length)
    return { errs: [path.forbidden('pod updates may not add or remove containers')], stop: true };
  const errs: FieldError[] = [];
  list(cs).forEach((c, i) => {
    const image = str(c.image);
    if (!image) errs.push(path.index(i).child('image').required());
    if (image.trim().length !== image.length)
      errs.push(path.index(i).child('image').invalid(image, 'must not have leading or trailing whitespace'));
  });
  return { errs, stop: false };
}

/** Tolerations may only be added; existing ones may change only their tolerationSeconds. */
function validateOnlyAddedTolerations(
  nt: Toleration[] | undefined,
  ot: Toleration[] | undefined,
  path: FieldPath,
): FieldError[] {
  for (const old of list(ot)) {
    const found = list(nt).some((t) => semanticEqual({ ...old, tolerationSeconds: t.tolerationSeconds }, t));
    if (!found) return [path.forbidden('existing toleration can not be modified except its tolerationSeconds')];
  }
  return validateTolerations(nt, path);
}

export function validatePodUpdate(pod: Pod, old: Pod): FieldError[] {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata, metadata);
  errs.push(...validatePodMetadataAndSpec(pod));
  errs.push(...validatePodSpecificAnnotationUpdates(pod, old, metadata.child('annotations')));
  const ns: PodSpec = pod.spec ?? { containers: [] };
  const os: PodSpec = old.spec ?? { containers: [] };

  for (const f of ['containers', 'initContainers'] as const) {
    const r = validateContainerUpdates(ns[f], os[f], specPath.child(f));
    errs.push(...r.errs);
    if (r.stop) return errs;
  }
  const nads = ns.activeDeadlineSeconds;
  const oads = os.activeDeadlineSeconds;
  if (typeof nads === 'number') {
    if (nads < 0 || nads > maxInt32) {
      errs.push(specPath.child('activeDeadlineSeconds').invalid(nads, inclusiveRangeError(0, maxInt32)));
      return errs;
    }
    if (typeof oads === 'number' && oads < nads) {
      errs.push(specPath.child('activeDeadlineSeconds').invalid(nads, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (typeof oads === 'number') {
    errs.push(
      specPath.child('activeDeadlineSeconds').invalid(null, 'must not update from a positive integer to nil value'),
    );
  }
  errs.push(...validateOnlyAddedTolerations(ns.tolerations, os.tolerations, specPath.child('tolerations')));
  const oldGates = new Set(list(os.schedulingGates).map((g) => str(g.name)));
  list(ns.schedulingGates).forEach((g, i) => {
    if (!oldGates.has(str(g.name)))
      errs.push(
        specPath
          .child('schedulingGates')
          .index(i)
          .child('name')
          .forbidden(`only deletion is allowed, but found new scheduling gate '${str(g.name)}'`),
      );
  });
  if (semanticEqual(ns, os)) return errs;

  // Put the updatable fields back to their old values; anything left that differs is forbidden.
  const munged: PodSpec = structuredClone(ns);
  munged.containers = list(munged.containers).map((c, i) => ({ ...c, image: os.containers?.[i]?.image }));
  if (munged.initContainers)
    munged.initContainers = munged.initContainers.map((c, i) => ({ ...c, image: os.initContainers?.[i]?.image }));
  munged.activeDeadlineSeconds = os.activeDeadlineSeconds;
  munged.schedulingGates = os.schedulingGates;
  munged.tolerations = os.tolerations;
  if (
    typeof os.terminationGracePeriodSeconds === 'number' &&
    os.terminationGracePeriodSeconds < 0 &&
    munged.terminationGracePeriodSeconds === 1
  )
    munged.terminationGracePeriodSeconds = os.terminationGracePeriodSeconds;
  if (list(os.schedulingGates).length > 0) {
    // Gated pods may gain node selectors and node affinity terms (only additions).
    const oldSel = obj<string>(os.nodeSelector);
    const newSel = obj<string>(munged.nodeSelector);
    if (Object.keys(oldSel).some((k) => newSel[k] !== oldSel[k]))
      errs.push(
        specPath
          .child('nodeSelector')
          .invalid(munged.nodeSelector, 'only additions to spec.nodeSelector are allowed (no mutations or deletions)'),
      );
    munged.nodeSelector = os.nodeSelector;
    if (munged.affinity || os.affinity) {
      munged.affinity = { ...(munged.affinity ?? {}), nodeAffinity: os.affinity?.nodeAffinity };
      if (!os.affinity && !munged.affinity.podAffinity && !munged.affinity.podAntiAffinity) munged.affinity = undefined;
    }
  }
  if (!semanticEqual(munged, os)) {
    errs.push(
      specPath.forbidden(
        `pod updates may not change fields other than ${updatablePodSpecFields.join(',')}\n${specDiff(os, munged, 'core.PodSpec')}`,
      ),
    );
  }
  return errs;
}

const systemConditions = new Set(['PodScheduled', 'Ready', 'Initialized']);

function validateIPList(ips: readonly { ip?: string }[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const all = list(ips);
  all.forEach((p, i) => errs.push(...validateIP(path.index(i), str(p.ip))));
  if (all.length > 1) {
    const strs = all.map((p) => str(p.ip));
    if (all.length > 2 || !isDualStackPair(strs[0]!, strs[1]!))
      errs.push(path.invalid(all, 'may specify no more than one IP for each IP family'));
    const seen = new Set<string>();
    all.forEach((p, i) => {
      if (seen.has(str(p.ip))) errs.push(path.index(i).duplicate(p));
      seen.add(str(p.ip));
    });
  }
  return errs;
}

/** Terminated containers of pods that do not restart them may not come back. */
function validateStateTransitions(
  statuses: NonNullable<Pod['status']>['containerStatuses'],
  oldStatuses: NonNullable<Pod['status']>['containerStatuses'],
  restartPolicy: string,
  path: FieldPath,
  restartable: ReadonlySet<string> = new Set(),
): FieldError[] {
  if (restartPolicy === 'Always') return [];
  const errs: FieldError[] = [];
  list(oldStatuses).forEach((o, i) => {
    const term = o.state?.terminated;
    if (!term) return;
    if (term.exitCode !== 0 && restartPolicy === 'OnFailure') return;
    if (restartable.has(o.name)) return;
    for (const n of list(statuses))
      if (n.name === o.name && !n.state?.terminated)
        errs.push(path.index(i).child('state').forbidden('may not be transitioned to non-terminated state'));
  });
  return errs;
}

export function validatePodStatusUpdate(pod: Pod, old: Pod): FieldError[] {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata, metadata);
  errs.push(...validatePodSpecificAnnotationUpdates(pod, old, metadata.child('annotations')));
  // Upstream reports condition types under metadata (it reuses the metadata path).
  list(pod.status?.conditions).forEach((c, i) => {
    const t = str(c.type);
    if (!systemConditions.has(t))
      errs.push(...isQualifiedName(t).map((m) => metadata.child('conditions').index(i).child('Type').invalid(t, m)));
  });
  const status = FieldPath.of('status');
  if (str(pod.spec?.nodeName) !== str(old.spec?.nodeName))
    errs.push(status.child('nodeName').forbidden('may not be changed directly'));
  const nnn = str(pod.status?.nominatedNodeName);
  if (nnn && nnn !== str(old.status?.nominatedNodeName))
    errs.push(...nameIsDNSSubdomain(nnn, false).map((m) => status.child('nominatedNodeName').invalid(nnn, m)));
  errs.push(...validateImmutable(str(pod.status?.qosClass), str(old.status?.qosClass), status.child('qosClass')));
  const rp = str(old.spec?.restartPolicy);
  errs.push(
    ...validateStateTransitions(
      pod.status?.containerStatuses,
      old.status?.containerStatuses,
      rp,
      status.child('containerStatuses'),
    ),
  );
  const sidecars = new Set(
    list(old.spec?.initContainers)
      .filter((c) => c.restartPolicy === 'Always')
      .map((c) => c.name),
  );
  errs.push(
    ...validateStateTransitions(
      pod.status?.initContainerStatuses,
      old.status?.initContainerStatuses,
      rp,
      status.child('initContainerStatuses'),
      sidecars,
    ),
  );
  errs.push(
    ...validateStateTransitions(
      pod.status?.ephemeralContainerStatuses,
      old.status?.ephemeralContainerStatuses,
      'Never',
      status.child('ephemeralContainerStatuses'),
    ),
  );
  errs.push(...validateIPList(pod.status?.podIPs, status.child('podIPs')));
  const hostIPs = list(pod.status?.hostIPs);
  if (hostIPs.length) {
    if (str(pod.status?.hostIP) !== str(hostIPs[0]?.ip))
      errs.push(status.child('hostIPs').index(0).child('ip').invalid(str(hostIPs[0]?.ip), 'must be equal to `hostIP`'));
    errs.push(...validateIPList(hostIPs, status.child('hostIPs')));
  }
  return errs;
}

/** The `ephemeralcontainers` subresource: existing ephemeral containers may be neither removed nor changed. */
export function validatePodEphemeralContainersUpdate(pod: Pod, old: Pod): FieldError[] {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata, metadata);
  errs.push(...validatePodMetadataAndSpec(pod));
  errs.push(...validatePodSpecificAnnotationUpdates(pod, old, metadata.child('annotations')));
  if (mirrorAnnotation in obj(old.metadata?.annotations))
    return [FieldPath.root().forbidden('static pods do not support ephemeral containers')];
  const path = specPath.child('ephemeralContainers');
  const byName = new Map(list(pod.spec?.ephemeralContainers).map((c) => [c.name, c]));
  for (const o of list(old.spec?.ephemeralContainers)) {
    const n = byName.get(o.name);
    if (!n) errs.push(path.forbidden(`existing ephemeral containers ${JSON.stringify(o.name)} may not be removed\n`));
    else if (!semanticEqual(o, n))
      errs.push(
        path.forbidden(
          `existing ephemeral containers ${JSON.stringify(o.name)} may not be changed\n${specDiff(o, n, 'core.EphemeralContainer')}`,
        ),
      );
  }
  return errs;
}

/** pods/binding: the target must be a Node (kind empty or `Node`) with a name. */
export function validatePodBinding(binding: { target?: { kind?: string; name?: string } }): FieldError[] {
  const errs: FieldError[] = [];
  const kind = str(binding.target?.kind);
  if (kind && kind !== 'Node') errs.push(FieldPath.of('target', 'kind').notSupported(kind, ['Node', '<empty>']));
  if (!str(binding.target?.name)) errs.push(FieldPath.of('target', 'name').required());
  return errs;
}

/** ValidatePodTemplateSpec: the embedded template of workloads (labels are reported at `<path>.labels`). */
export function validatePodTemplateSpec(tmpl: PodTemplateSpec | undefined, path: FieldPath): FieldError[] {
  const t: PodTemplateSpec = tmpl ?? {};
  const errs = validateLabels(t.metadata?.labels, path.child('labels'));
  errs.push(...validateAnnotations(t.metadata?.annotations, path.child('annotations')));
  errs.push(...validatePodSpecificAnnotations(t.metadata?.annotations, t.spec, path.child('annotations')));
  errs.push(...validatePodSpec(t.spec, path.child('spec')));
  if (list(t.spec?.ephemeralContainers).length > 0)
    errs.push(path.child('spec', 'ephemeralContainers').forbidden('ephemeral containers not allowed in pod template'));
  return errs;
}
