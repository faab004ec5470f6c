import { randomInt } from 'node:crypto';
import type {
  Container,
  EphemeralContainer,
  Pod,
  ServiceAccount,
  Volume,
  VolumeMount,
} from 'kubernetes-types/core/v1.js';
import { type Clock, realClock } from '../../../../lib/clock.js';
import { isNotFound } from '../../../../api/errors/status-error.js';
import type { AdmissionAttributes, MutatingAdmissionPlugin, ValidatingAdmissionPlugin } from '../types.js';
import { admissionForbidden, isResource, mirrorPodAnnotation } from './plugin-util.js';

export const defaultServiceAccountName = 'default';
export const enforceMountableSecretsAnnotation = 'kubernetes.io/enforce-mountable-secrets';
export const serviceAccountVolumeName = 'kube-api-access';
export const defaultAPITokenMountPath = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Bound token lifetime the admission plugin requests (serviceaccount.WarnOnlyBoundTokenExpirationSeconds). */
export const boundTokenExpirationSeconds = 3607;

export interface ServiceAccountAdmissionOptions {
  /** Reads a ServiceAccount from the cache; undefined when absent. */
  getServiceAccount(namespace: string, name: string): Promise<ServiceAccount | undefined> | ServiceAccount | undefined;
  /** A read that bypasses the cache (upstream's live lookup on a cache miss); defaults to getServiceAccount. */
  getServiceAccountLive?(namespace: string, name: string): Promise<ServiceAccount | undefined>;
  /**
   * How often the `default` account is looked up before giving up: the
   * serviceaccount controller creates it right after the namespace, so
   * upstream retries 10 times, 100–200 ms apart.
   */
  defaultAccountAttempts?: number;
  retryIntervalMs?: number;
  clock?: Clock;
  /** Reject pods referencing secrets their account does not list, for every account (upstream LimitSecretReferences). */
  limitSecretReferences?: boolean;
  /** Suffix generator for the token volume name (tests make it deterministic). */
  generateSuffix?: () => string;
}

const nameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** apiserver `names.SimpleNameGenerator`: five characters that cannot spell words. */
export function randomNameSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += nameAlphabet[randomInt(nameAlphabet.length)];
  return s;
}

/** The projected volume that replaced token Secrets (`TokenVolumeSource` upstream). */
export function tokenVolume(name: string): Volume {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: boundTokenExpirationSeconds, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        {
          downwardAPI: {
            items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
          },
        },
      ],
    },
  };
}

/**
 * ServiceAccount admission (upstream `plugin/pkg/admission/serviceaccount`):
 * on pod creation, defaults `spec.serviceAccountName` to `default`, requires
 * the account to exist, mounts the bound-token projected volume into every
 * container (unless the pod or account opts out of automounting), copies the
 * account's imagePullSecrets when the pod has none, and — for accounts
 * annotated `kubernetes.io/enforce-mountable-secrets: "true"` — rejects pods
 * using secrets the account does not list. Mirror pods are never mutated and
 * may reference neither accounts nor secrets.
 */
export class ServiceAccountAdmission implements MutatingAdmissionPlugin, ValidatingAdmissionPlugin {
  readonly name = 'ServiceAccount';
  readonly #opts: ServiceAccountAdmissionOptions;
  readonly #clock: Clock;

  constructor(opts: ServiceAccountAdmissionOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? realClock;
  }

  handles(a: AdmissionAttributes): boolean {
    return (
      isResource(a, '', 'pods') &&
      (a.subresource === '' || a.subresource === 'ephemeralcontainers') &&
      a.object !== undefined &&
      (a.operation === 'CREATE' || a.operation === 'UPDATE')
    );
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    if (a.operation !== 'CREATE' || a.subresource !== '') return;
    const pod = a.object as unknown as Pod;
    if (isMirrorPod(pod)) return this.validate(a);
    const spec = (pod.spec ??= { containers: [] });
    if (!spec.serviceAccountName) spec.serviceAccountName = defaultServiceAccountName;
    const sa = await this.#lookup(a, spec.serviceAccountName);
    if (shouldAutomount(sa, pod)) this.#mountToken(pod);
    if (!spec.imagePullSecrets?.length && sa.imagePullSecrets?.length) {
      spec.imagePullSecrets = sa.imagePullSecrets.map((s) => ({ name: s.name }));
    }
    return this.validate(a);
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    const pod = a.object as unknown as Pod;
    const spec = pod.spec ?? { containers: [] };
    if (a.operation === 'UPDATE' && a.subresource === 'ephemeralcontainers') {
      return this.#validateEphemeral(a, pod);
    }
    if (a.operation !== 'CREATE' || a.subresource !== '') return;
    if (isMirrorPod(pod)) {
      if (spec.serviceAccountName) throw admissionForbidden(a, 'a mirror pod may not reference service accounts');
      if (referencesSecrets(pod)) throw admissionForbidden(a, 'a mirror pod may not reference secrets');
      for (const v of spec.volumes ?? []) {
        if (v.projected?.sources?.some((s) => s.serviceAccountToken)) {
          throw admissionForbidden(a, 'a mirror pod may not use ServiceAccountToken volume projections');
        }
      }
      return;
    }
    if (!spec.serviceAccountName) {
      throw admissionForbidden(a, `no service account specified for pod ${a.namespace}/${pod.metadata?.name ?? ''}`);
    }
    const sa = await this.#lookup(a, spec.serviceAccountName);
    if (this.#enforceMountableSecrets(sa)) {
      const problem = secretReferenceProblem(sa, pod);
      if (problem) throw admissionForbidden(a, problem);
    }
  }

  async #validateEphemeral(a: AdmissionAttributes, pod: Pod): Promise<void> {
    const spec = pod.spec ?? { containers: [] };
    if (!spec.serviceAccountName) {
      throw admissionForbidden(a, `no service account specified for pod ${a.namespace}/${pod.metadata?.name ?? ''}`);
    }
    const sa = await this.#lookup(a, spec.serviceAccountName);
    if (!this.#enforceMountableSecrets(sa)) return;
    const mountable = new Set((sa.secrets ?? []).map((s) => s.name));
    const problem = envSecretProblem('ephemeral container', spec.ephemeralContainers ?? [], mountable, sa);
    if (problem) throw admissionForbidden(a, problem);
  }

  #enforceMountableSecrets(sa: ServiceAccount): boolean {
    if (this.#opts.limitSecretReferences) return true;
    const v = sa.metadata?.annotations?.[enforceMountableSecretsAnnotation];
    return v !== undefined && parseGoBool(v);
  }

  async #lookup(a: AdmissionAttributes, name: string): Promise<ServiceAccount> {
    try {
      const sa = await this.#find(a.namespace, name);
      if (sa) return sa;
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw admissionForbidden(a, `error looking up service account ${a.namespace}/${name}: ${msg}`);
    }
    throw admissionForbidden(
      a,
      `error looking up service account ${a.namespace}/${name}: serviceaccount ${JSON.stringify(name)} not found`,
    );
  }

  async #find(namespace: string, name: string): Promise<ServiceAccount | undefined> {
    const cached = await this.#opts.getServiceAccount(namespace, name);
    if (cached) return cached;
    const live = this.#opts.getServiceAccountLive ?? ((ns: string, n: string) => this.#opts.getServiceAccount(ns, n));
    const attempts = name === defaultServiceAccountName ? (this.#opts.defaultAccountAttempts ?? 10) : 1;
    const interval = this.#opts.retryIntervalMs ?? 100 + Math.floor(Math.random() * 100);
    for (let i = 0; i < attempts; i++) {
      if (i > 0 && interval > 0) await this.#clock.sleep(interval);
      try {
        const sa = await live(namespace, name);
        if (sa) return sa;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return undefined;
  }

  #mountToken(pod: Pod): void {
    const spec = pod.spec!;
    let volumeName = '';
    let hasVolume = false;
    for (const v of spec.volumes ?? []) {
      if (v.name.startsWith(`${serviceAccountVolumeName}-`)) {
        volumeName = v.name;
        hasVolume = true;
        break;
      }
    }
    if (!volumeName) volumeName = `${serviceAccountVolumeName}-${(this.#opts.generateSuffix ?? randomNameSuffix)()}`;
    let needsVolume = false;
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      if ((c.volumeMounts ?? []).some((m) => m.mountPath === defaultAPITokenMountPath)) continue;
      const mount: VolumeMount = { name: volumeName, readOnly: true, mountPath: defaultAPITokenMountPath };
      (c.volumeMounts ??= []).push(mount);
      needsVolume = true;
    }
    if (!hasVolume && needsVolume) (spec.volumes ??= []).push(tokenVolume(volumeName));
  }
}

function isMirrorPod(pod: Pod): boolean {
  return pod.metadata?.annotations?.[mirrorPodAnnotation] !== undefined;
}

/** The pod's preference wins, then the account's; the default is to mount. */
function shouldAutomount(sa: ServiceAccount, pod: Pod): boolean {
  if (pod.spec?.automountServiceAccountToken != null) return pod.spec.automountServiceAccountToken;
  if (sa.automountServiceAccountToken != null) return sa.automountServiceAccountToken;
  return true;
}

/** Go's strconv.ParseBool. */
function parseGoBool(v: string): boolean {
  return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v);
}

type AnyContainer = Container | EphemeralContainer;

function allContainers(pod: Pod): AnyContainer[] {
  const s = pod.spec;
  return [...(s?.initContainers ?? []), ...(s?.containers ?? []), ...(s?.ephemeralContainers ?? [])];
}

/** Whether any volume, env var or pull secret of the pod names a Secret (podutil.VisitPodSecretNames). */
export function referencesSecrets(pod: Pod): boolean {
  const spec = pod.spec;
  if (!spec) return false;
  if (spec.imagePullSecrets?.some((s) => s.name)) return true;
  for (const c of allContainers(pod)) {
    if (c.envFrom?.some((e) => e.secretRef?.name)) return true;
    if (c.env?.some((e) => e.valueFrom?.secretKeyRef?.name)) return true;
  }
  for (const v of spec.volumes ?? []) {
    if (v.secret?.secretName) return true;
    if (v.projected?.sources?.some((s) => s.secret?.name)) return true;
    const secretRefs = [
      v.azureFile?.secretName,
      v.cephfs?.secretRef?.name,
      v.cinder?.secretRef?.name,
      v.flexVolume?.secretRef?.name,
      v.rbd?.secretRef?.name,
      v.scaleIO?.secretRef?.name,
      v.iscsi?.secretRef?.name,
      v.storageos?.secretRef?.name,
      v.csi?.nodePublishSecretRef?.name,
    ];
    if (secretRefs.some((n) => n)) return true;
  }
  return false;
}

function envSecretProblem(
  kind: string,
  containers: AnyContainer[],
  mountable: Set<string | undefined>,
  sa: ServiceAccount,
): string | undefined {
  const account = sa.metadata?.name ?? '';
  for (const c of containers) {
    for (const e of c.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (ref && !mountable.has(ref.name)) {
        return `${kind} ${c.name} with envVar ${e.name} referencing secret.secretName="${ref.name ?? ''}" is not allowed because service account ${account} does not reference that secret`;
      }
    }
    for (const e of c.envFrom ?? []) {
      if (e.secretRef && !mountable.has(e.secretRef.name)) {
        return `${kind} ${c.name} with envFrom referencing secret.secretName="${e.secretRef.name ?? ''}" is not allowed because service account ${account} does not reference that secret`;
      }
    }
  }
  return undefined;
}

/** The first secret the pod uses that its account does not list (upstream limitSecretReferences). */
function secretReferenceProblem(sa: ServiceAccount, pod: Pod): string | undefined {
  const account = sa.metadata?.name ?? '';
  const mountable = new Set((sa.secrets ?? []).map((s) => s.name));
  for (const v of pod.spec?.volumes ?? []) {
    if (v.secret && !mountable.has(v.secret.secretName)) {
      return `volume with secret.secretName="${v.secret.secretName ?? ''}" is not allowed because service account ${account} does not reference that secret`;
    }
  }
  const problem =
    envSecretProblem('init container', pod.spec?.initContainers ?? [], mountable, sa) ??
    envSecretProblem('container', pod.spec?.containers ?? [], mountable, sa);
  if (problem) return problem;
  const pullSecrets = new Set((sa.imagePullSecrets ?? []).map((s) => s.name));
  const refs = pod.spec?.imagePullSecrets ?? [];
  for (let i = 0; i < refs.length; i++) {
    if (!pullSecrets.has(refs[i]!.name)) {
      return `imagePullSecrets[${i}].name="${refs[i]!.name ?? ''}" is not allowed because service account ${account} does not reference that imagePullSecret`;
    }
  }
  return undefined;
}
