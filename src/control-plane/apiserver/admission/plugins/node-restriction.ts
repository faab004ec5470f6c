import { isDeepStrictEqual } from 'node:util';
import type { Node, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { notFound } from '../../../../api/errors/status-error.js';
import type { AdmissionAttributes, ValidatingAdmissionPlugin } from '../types.js';
import type { UserInfo } from '../../types.js';
import { admissionForbidden, isResource, mirrorPodAnnotation } from './plugin-util.js';
import { referencesSecrets } from './service-account.js';

export interface NodeRestrictionOptions {
  getPod(namespace: string, name: string): Promise<Pod | undefined> | Pod | undefined;
  getNode(name: string): Promise<Node | undefined> | Node | undefined;
}

const nodeUserPrefix = 'system:node:';
const podsResource = { group: '', resource: 'pods' };
export const nodeLeaseNamespace = 'kube-node-lease';

/** The node a request comes from: users `system:node:<name>` in group `system:nodes` (nodeidentifier). */
export function nodeIdentity(user: UserInfo): { isNode: boolean; nodeName: string } {
  if (!user.username.startsWith(nodeUserPrefix) || !user.groups.includes('system:nodes')) {
    return { isNode: false, nodeName: '' };
  }
  return { isNode: true, nodeName: user.username.slice(nodeUserPrefix.length) };
}

/** Labels the kubelet may set on its own Node (kubeletapis.IsKubeletLabel). */
const kubeletLabels = new Set([
  'kubernetes.io/hostname',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
]);
const kubeletLabelNamespaces = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

const labelNamespace = (key: string) => (key.includes('/') ? key.slice(0, key.indexOf('/')) : '');
const inDomain = (ns: string, domain: string) => ns === domain || ns.endsWith(`.${domain}`);

function isKubeletLabel(key: string): boolean {
  if (kubeletLabels.has(key)) return true;
  return kubeletLabelNamespaces.some((d) => inDomain(labelNamespace(key), d));
}

/** Labels a node may not add, change or remove: node-restriction.kubernetes.io and unknown kubernetes.io/k8s.io labels. */
export function forbiddenNodeLabels(modified: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const key of modified) {
    const ns = labelNamespace(key);
    if (inDomain(ns, 'node-restriction.kubernetes.io')) out.add(key);
    if ((inDomain(ns, 'kubernetes.io') || inDomain(ns, 'k8s.io')) && !isKubeletLabel(key)) out.add(key);
  }
  return [...out].sort();
}

function modifiedLabels(a: Record<string, string> = {}, b: Record<string, string> = {}): string[] {
  const keys = new Set<string>();
  for (const [k, v] of Object.entries(a)) if (b[k] !== v) keys.add(k);
  for (const [k, v] of Object.entries(b)) if (a[k] !== v) keys.add(k);
  return [...keys];
}

/**
 * NodeRestriction (upstream `plugin/pkg/admission/noderestriction`): limits
 * what kubelets (`system:node:<name>`) may write to their own objects: their
 * Node (no taint changes, no restricted labels), mirror pods bound to them,
 * status of pods bound to them, evictions of their pods, PVC status only,
 * tokens for pods on the node, their own Lease in kube-node-lease, their own
 * CSINode and ResourceSlices. Other users are not affected.
 */
export class NodeRestriction implements ValidatingAdmissionPlugin {
  readonly name = 'NodeRestriction';
  constructor(private readonly opts: NodeRestrictionOptions) {}

  handles(a: AdmissionAttributes): boolean {
    if (a.operation === 'CONNECT') return false;
    const id = nodeIdentity(a.ctx.user);
    if (!id.isNode) return false;
    return (
      isResource(a, '', 'pods') ||
      isResource(a, '', 'nodes') ||
      isResource(a, '', 'persistentvolumeclaims') ||
      isResource(a, '', 'serviceaccounts') ||
      isResource(a, 'coordination.k8s.io', 'leases') ||
      isResource(a, 'storage.k8s.io', 'csinodes') ||
      isResource(a, 'resource.k8s.io', 'resourceslices')
    );
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    const { nodeName } = nodeIdentity(a.ctx.user);
    if (!nodeName)
      throw admissionForbidden(a, `could not determine node from user ${JSON.stringify(a.ctx.user.username)}`);
    const key = `${a.resource.group}/${a.resource.plural}`;
    switch (key) {
      case '/pods':
        if (a.subresource === '') return this.#pod(nodeName, a);
        if (a.subresource === 'status') return this.#podStatus(nodeName, a);
        if (a.subresource === 'eviction') return this.#eviction(nodeName, a);
        throw admissionForbidden(
          a,
          `unexpected pod subresource ${JSON.stringify(a.subresource)}, only 'status' and 'eviction' are allowed`,
        );
      case '/nodes':
        return this.#node(nodeName, a);
      case '/persistentvolumeclaims':
        if (a.subresource !== 'status') throw admissionForbidden(a, 'may only update PVC status');
        return this.#claimStatus(nodeName, a);
      case '/serviceaccounts':
        return this.#token(nodeName, a);
      case 'coordination.k8s.io/leases':
        return this.#lease(nodeName, a);
      case 'storage.k8s.io/csinodes': {
        const name = a.operation === 'CREATE' ? (a.object?.metadata?.name ?? '') : a.name;
        if (name !== nodeName)
          throw admissionForbidden(a, 'can only access CSINode with the same name as the requesting node');
        return;
      }
      case 'resource.k8s.io/resourceslices':
        return this.#resourceSlice(nodeName, a);
    }
  }

  async #existingPod(a: AdmissionAttributes, name: string): Promise<Pod> {
    const pod = (a.oldObject as unknown as Pod | undefined) ?? (await this.opts.getPod(a.namespace, name));
    if (!pod) throw notFound(podsResource, name);
    return pod;
  }

  async #pod(nodeName: string, a: AdmissionAttributes): Promise<void> {
    if (a.operation === 'DELETE') {
      const existing = await this.#existingPod(a, a.name);
      if (existing.spec?.nodeName !== nodeName) {
        throw admissionForbidden(
          a,
          `node ${JSON.stringify(nodeName)} can only delete pods with spec.nodeName set to itself`,
        );
      }
      return;
    }
    if (a.operation !== 'CREATE') {
      throw admissionForbidden(
        a,
        `unexpected operation ${JSON.stringify(a.operation)}, node ${JSON.stringify(nodeName)} can only create and delete mirror pods`,
      );
    }
    const pod = a.object as unknown as Pod;
    const q = JSON.stringify(nodeName);
    if (pod.metadata?.annotations?.[mirrorPodAnnotation] === undefined) {
      throw admissionForbidden(
        a,
        `pod does not have "${mirrorPodAnnotation}" annotation, node ${q} can only create mirror pods`,
      );
    }
    if (pod.spec?.nodeName !== nodeName)
      throw admissionForbidden(a, `node ${q} can only create pods with spec.nodeName set to itself`);
    const owners = pod.metadata?.ownerReferences ?? [];
    if (owners.length > 1)
      throw admissionForbidden(a, `node ${q} can only create pods with a single owner reference set to itself`);
    if (owners.length === 0)
      throw admissionForbidden(a, `node ${q} can only create pods with an owner reference set to itself`);
    const owner = owners[0]!;
    if (owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== nodeName) {
      throw admissionForbidden(a, `node ${q} can only create pods with an owner reference set to itself`);
    }
    if (!owner.controller)
      throw admissionForbidden(a, `node ${q} can only create pods with a controller owner reference set to itself`);
    if (owner.blockOwnerDeletion)
      throw admissionForbidden(a, `node ${q} must not set blockOwnerDeletion on an owner reference`);
    const node = await this.opts.getNode(nodeName);
    if (!node) throw notFound({ group: '', resource: 'nodes' }, nodeName);
    if (owner.uid !== node.metadata?.uid) {
      throw admissionForbidden(
        a,
        `node ${nodeName} UID mismatch: expected ${owner.uid} got ${node.metadata?.uid ?? ''}`,
      );
    }
    const spec = pod.spec!;
    if (spec.serviceAccountName)
      throw admissionForbidden(a, `node ${q} can not create pods that reference a service account`);
    if (referencesSecrets(pod)) throw admissionForbidden(a, `node ${q} can not create pods that reference secrets`);
    if (referencesConfigMaps(pod))
      throw admissionForbidden(a, `node ${q} can not create pods that reference configmaps`);
    for (const v of spec.volumes ?? []) {
      if (v.projected?.sources?.some((s) => (s as { clusterTrustBundle?: unknown }).clusterTrustBundle)) {
        throw admissionForbidden(a, `node ${q} can not create pods that reference clustertrustbundles`);
      }
    }
    if (spec.volumes?.some((v) => v.persistentVolumeClaim)) {
      throw admissionForbidden(a, `node ${q} can not create pods that reference persistentvolumeclaims`);
    }
  }

  #podStatus(nodeName: string, a: AdmissionAttributes): void {
    if (a.operation !== 'UPDATE') throw admissionForbidden(a, `unexpected operation ${JSON.stringify(a.operation)}`);
    const old = a.oldObject as unknown as Pod | undefined;
    const q = JSON.stringify(nodeName);
    if (old?.spec?.nodeName !== nodeName) {
      throw admissionForbidden(a, `node ${q} can only update pod status for pods with spec.nodeName set to itself`);
    }
    const pod = a.object as unknown as Pod;
    if (!isDeepStrictEqual(pod.metadata?.labels ?? {}, old.metadata?.labels ?? {})) {
      throw admissionForbidden(a, `node ${q} cannot update labels through pod status`);
    }
    const claims = (p: Pod) =>
      (
        (p.status as { resourceClaimStatuses?: { name: string; resourceClaimName?: string }[] })
          ?.resourceClaimStatuses ?? []
      ).map((s) => [s.name, s.resourceClaimName ?? null]);
    if (!isDeepStrictEqual(claims(pod), claims(old))) {
      throw admissionForbidden(a, `node ${q} cannot update resource claim statues`);
    }
  }

  async #eviction(nodeName: string, a: AdmissionAttributes): Promise<void> {
    if (a.operation !== 'CREATE') throw admissionForbidden(a, `unexpected operation ${a.operation}`);
    const podName = a.name || (a.object?.metadata?.name ?? '');
    if (!podName) throw admissionForbidden(a, 'could not determine pod from request data');
    const pod = await this.opts.getPod(a.namespace, podName);
    if (!pod) throw notFound(podsResource, podName);
    if (pod.spec?.nodeName !== nodeName) {
      throw admissionForbidden(a, `node ${nodeName} can only evict pods with spec.nodeName set to itself`);
    }
  }

  #claimStatus(nodeName: string, a: AdmissionAttributes): void {
    if (a.operation !== 'UPDATE') throw admissionForbidden(a, `unexpected operation ${JSON.stringify(a.operation)}`);
    const strip = (pvc: PersistentVolumeClaim | undefined) => {
      const c = structuredClone(pvc ?? {}) as PersistentVolumeClaim & { status?: Record<string, unknown> };
      if (c.metadata) {
        delete (c.metadata as Record<string, unknown>).resourceVersion;
        delete (c.metadata as Record<string, unknown>).managedFields;
      }
      if (c.status) {
        for (const f of ['capacity', 'conditions', 'allocatedResourceStatuses', 'allocatedResources'])
          delete c.status[f];
      }
      return c;
    };
    const before = strip(a.oldObject as unknown as PersistentVolumeClaim);
    const after = strip(a.object as unknown as PersistentVolumeClaim);
    if (!isDeepStrictEqual(before, after)) {
      const changed = Object.keys({ ...before, ...after })
        .filter(
          (k) => !isDeepStrictEqual((before as Record<string, unknown>)[k], (after as Record<string, unknown>)[k]),
        )
        .sort();
      throw admissionForbidden(
        a,
        `node ${JSON.stringify(nodeName)} is not allowed to update fields other than status.quantity and status.conditions: changed ${changed.join(', ')}`,
      );
    }
  }

  #node(nodeName: string, a: AdmissionAttributes): void {
    const requested = a.operation === 'CREATE' ? a.name || (a.object?.metadata?.name ?? '') : a.name;
    const q = JSON.stringify(nodeName);
    if (requested !== nodeName)
      throw admissionForbidden(a, `node ${q} is not allowed to modify node ${JSON.stringify(requested)}`);
    const node = a.object as unknown as Node | undefined;
    if (a.operation === 'CREATE' && node) {
      if (node.spec?.configSource)
        throw admissionForbidden(a, `node ${q} is not allowed to create pods with a non-nil configSource`);
      const bad = forbiddenNodeLabels(Object.keys(node.metadata?.labels ?? {}));
      if (bad.length)
        throw admissionForbidden(a, `node ${q} is not allowed to set the following labels: ${bad.join(', ')}`);
    }
    if (a.operation === 'UPDATE' && node) {
      const old = a.oldObject as unknown as Node | undefined;
      if (node.spec?.configSource && !isDeepStrictEqual(node.spec.configSource, old?.spec?.configSource)) {
        throw admissionForbidden(a, `node ${q} is not allowed to update configSource to a new non-nil configSource`);
      }
      if (!isDeepStrictEqual(node.spec?.taints ?? [], old?.spec?.taints ?? [])) {
        throw admissionForbidden(a, `node ${q} is not allowed to modify taints`);
      }
      const bad = forbiddenNodeLabels(modifiedLabels(node.metadata?.labels, old?.metadata?.labels));
      if (bad.length) throw admissionForbidden(a, `is not allowed to modify labels: ${bad.join(', ')}`);
    }
  }

  async #token(nodeName: string, a: AdmissionAttributes): Promise<void> {
    if (a.operation !== 'CREATE' || a.subresource !== 'token') return;
    const ref = (
      a.object as { spec?: { boundObjectRef?: { apiVersion?: string; kind?: string; name?: string; uid?: string } } }
    ).spec?.boundObjectRef;
    if (!ref || ref.apiVersion !== 'v1' || ref.kind !== 'Pod' || !ref.name) {
      throw admissionForbidden(a, 'node requested token not bound to a pod');
    }
    if (!ref.uid) throw admissionForbidden(a, 'node requested token with a pod binding without a uid');
    const pod = await this.opts.getPod(a.namespace, ref.name);
    if (!pod) throw notFound(podsResource, ref.name);
    if (ref.uid !== pod.metadata?.uid) {
      throw admissionForbidden(
        a,
        `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
      );
    }
    if (pod.spec?.nodeName !== nodeName)
      throw admissionForbidden(a, 'node requested token bound to a pod scheduled on a different node');
  }

  #lease(nodeName: string, a: AdmissionAttributes): void {
    if (a.namespace !== nodeLeaseNamespace) {
      throw admissionForbidden(
        a,
        `can only access leases in the ${JSON.stringify(nodeLeaseNamespace)} system namespace`,
      );
    }
    const name = a.operation === 'CREATE' ? (a.object?.metadata?.name ?? '') : a.name;
    if (name !== nodeName)
      throw admissionForbidden(a, 'can only access node lease with the same name as the requesting node');
  }

  #resourceSlice(nodeName: string, a: AdmissionAttributes): void {
    const nodeOf = (o: unknown) => (o as { spec?: { nodeName?: string } } | undefined)?.spec?.nodeName;
    if (a.operation === 'CREATE' && nodeOf(a.object) !== nodeName) {
      throw admissionForbidden(a, 'can only create ResourceSlice with the same NodeName as the requesting node');
    }
    if (a.operation === 'DELETE' && nodeOf(a.oldObject) !== nodeName) {
      throw admissionForbidden(a, 'can only delete ResourceSlice with the same NodeName as the requesting node');
    }
  }
}

/** Whether any volume or env source names a ConfigMap (podutil.VisitPodConfigmapNames). */
function referencesConfigMaps(pod: Pod): boolean {
  const s = pod.spec;
  const containers = [...(s?.initContainers ?? []), ...(s?.containers ?? []), ...(s?.ephemeralContainers ?? [])];
  for (const c of containers) {
    if (c.envFrom?.some((e) => e.configMapRef)) return true;
    if (c.env?.some((e) => e.valueFrom?.configMapKeyRef)) return true;
  }
  for (const v of s?.volumes ?? []) {
    if (v.configMap) return true;
    if (v.projected?.sources?.some((p) => p.configMap)) return true;
  }
  return false;
}
