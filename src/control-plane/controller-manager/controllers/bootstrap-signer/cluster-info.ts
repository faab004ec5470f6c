import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import type { ClusterRoleBinding, Role, RoleBinding, Subject } from 'kubernetes-types/rbac/v1.js';
import { stringify } from 'yaml';
import { isAlreadyExists, isConflict } from '../../../../api/errors/status-error.js';
import { semanticEqual } from '../../../../api/validation/common.js';
import { ResourceClient, type KubeObject, type RestClient } from '../../../../client/index.js';

/**
 * What a server publishes so nodes can join with a bootstrap token (what
 * `kubeadm init` sets up in its bootstrap-token phase):
 * - `kube-public/cluster-info` with a CA-only kubeconfig (server URL + CA),
 *   which the bootstrap signer signs per token and anonymous callers may read;
 * - bindings giving the bootstrap token groups `system:node-bootstrapper`
 *   (create CSRs) and `...:nodeclient` (auto-approval of their client
 *   certificate), and `system:nodes` `...:selfnodeclient` (renewals).
 * Idempotent: run on every server start. Objects are reset to this content
 * when they differ; the cluster-info signatures are left for the signer.
 */
export const kubePublic = 'kube-public';
export const clusterInfoName = 'cluster-info';
export const kubeconfigKey = 'kubeconfig';
export const clientCAKey = 'client-ca.crt';

const rbacGroup = 'rbac.authorization.k8s.io';
const rbac = (resource: string) => ({ group: rbacGroup, version: 'v1', resource });
const configmaps = { group: '', version: 'v1', resource: 'configmaps' };

type Obj = KubeObject & Record<string, unknown>;

/** The kubeconfig kubeadm puts in cluster-info: one unnamed cluster, no users or contexts. */
export function clusterInfoKubeconfig(server: string, caPEM: string): string {
  return stringify({
    apiVersion: 'v1',
    clusters: [
      {
        cluster: { 'certificate-authority-data': Buffer.from(caPEM).toString('base64'), server },
        name: '',
      },
    ],
    contexts: null,
    'current-context': '',
    kind: 'Config',
    preferences: {},
    users: null,
  });
}

export interface JoinBootstrapOptions {
  /** The URL joining nodes use (`https://<advertise-address>:<port>`). */
  serverURL: string;
  caPEM: string;
  /**
   * The CA of client certificates, published as `client-ca.crt` next to the
   * kubeconfig: kubets has separate server and client CAs, and a joining
   * kubelet must trust the client one for the API server's calls to it. Not
   * covered by the token signature; joining nodes read it over TLS verified
   * with the signed CA.
   */
  clientCAPEM?: string;
  /** Groups of the bootstrap tokens nodes join with (`system:bootstrappers:kubets:default-node-token`). */
  bootstrapGroups: string[];
  /** Bind `kubelet-serving-approver` to the certificate controller (when it approves serving CSRs). */
  approveKubeletServing?: boolean;
}

const group = (name: string): Subject => ({ apiGroup: rbacGroup, kind: 'Group', name });

export function joinBootstrapObjects(o: JoinBootstrapOptions): { kind: string; resource: string; obj: Obj }[] {
  const crb = (name: string, role: string, subjects: Subject[]): Obj => {
    const b: ClusterRoleBinding = {
      apiVersion: `${rbacGroup}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: role },
      subjects,
    };
    return b as unknown as Obj;
  };
  const csr = 'system:certificates.k8s.io:certificatesigningrequests';
  const out: { kind: string; resource: string; obj: Obj }[] = [
    {
      kind: 'Role',
      resource: 'roles',
      obj: {
        apiVersion: `${rbacGroup}/v1`,
        kind: 'Role',
        metadata: { name: 'kubets:bootstrap-signer-clusterinfo', namespace: kubePublic },
        rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [clusterInfoName], verbs: ['get'] }],
      } as Role as unknown as Obj,
    },
    {
      kind: 'RoleBinding',
      resource: 'rolebindings',
      obj: {
        apiVersion: `${rbacGroup}/v1`,
        kind: 'RoleBinding',
        metadata: { name: 'kubets:bootstrap-signer-clusterinfo', namespace: kubePublic },
        roleRef: { apiGroup: rbacGroup, kind: 'Role', name: 'kubets:bootstrap-signer-clusterinfo' },
        subjects: [{ apiGroup: rbacGroup, kind: 'User', name: 'system:anonymous' }],
      } as RoleBinding as unknown as Obj,
    },
    {
      kind: 'ClusterRoleBinding',
      resource: 'clusterrolebindings',
      obj: crb('kubets:kubelet-bootstrap', 'system:node-bootstrapper', o.bootstrapGroups.map(group)),
    },
    {
      kind: 'ClusterRoleBinding',
      resource: 'clusterrolebindings',
      obj: crb('kubets:node-autoapprove-bootstrap', `${csr}:nodeclient`, o.bootstrapGroups.map(group)),
    },
    {
      kind: 'ClusterRoleBinding',
      resource: 'clusterrolebindings',
      obj: crb('kubets:node-autoapprove-certificate-rotation', `${csr}:selfnodeclient`, [group('system:nodes')]),
    },
    // A joined agent runs kube-proxy with its node credentials (k3s issues a separate
    // kube-proxy certificate instead); kube-proxy needs to list Services and EndpointSlices.
    {
      kind: 'ClusterRoleBinding',
      resource: 'clusterrolebindings',
      obj: crb('kubets:node-proxier', 'system:node-proxier', [group('system:nodes')]),
    },
  ];
  if (o.approveKubeletServing)
    out.push({
      kind: 'ClusterRoleBinding',
      resource: 'clusterrolebindings',
      obj: crb('kubets:kubelet-serving-approver', 'system:certificates.k8s.io:kubelet-serving-approver', [
        { kind: 'ServiceAccount', name: 'certificate-controller', namespace: 'kube-system' },
      ]),
    });
  return out;
}

/** Creates the objects, or brings them back to this content (`rest` must be allowed to write RBAC). */
export async function ensureJoinBootstrapObjects(rest: RestClient, o: JoinBootstrapOptions): Promise<void> {
  const want: Record<string, string> = { [kubeconfigKey]: clusterInfoKubeconfig(o.serverURL, o.caPEM) };
  if (o.clientCAPEM) want[clientCAKey] = o.clientCAPEM;
  const cm: ConfigMap & KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: clusterInfoName, namespace: kubePublic },
    data: want,
  };
  // Signatures (jws-kubeconfig-*) stay: the bootstrap signer replaces them when the kubeconfig changes.
  await upsert(new ResourceClient<ConfigMap & KubeObject>(rest, configmaps, kubePublic), cm, (cur) =>
    Object.entries(want).every(([k, v]) => cur.data?.[k] === v)
      ? undefined
      : { ...cur, data: { ...cur.data, ...want } },
  );
  for (const { resource, obj } of joinBootstrapObjects(o)) {
    const fields = resource.endsWith('bindings') ? ['roleRef', 'subjects'] : ['rules'];
    await upsert(new ResourceClient<Obj>(rest, rbac(resource), obj.metadata?.namespace), obj, (cur) =>
      fields.every((f) => semanticEqual(cur[f], obj[f]))
        ? undefined
        : { ...cur, ...Object.fromEntries(fields.map((f) => [f, obj[f]])) },
    );
  }
}

async function upsert<T extends KubeObject>(
  client: ResourceClient<T>,
  obj: T,
  update: (cur: T) => T | undefined,
): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await client.create(obj);
      return;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    const cur = await client.get(obj.metadata!.name!);
    const next = update(cur);
    if (!next) return;
    try {
      await client.update(next);
      return;
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
  throw new Error(`could not reconcile ${obj.kind} ${obj.metadata?.name} after 5 attempts`);
}
