/**
 * The local-path storage addon (k3s's `local-storage`): the default
 * `local-path` StorageClass, the provisioner's identity and RBAC (as k3s's
 * manifest grants), and the provisioner itself running in the server.
 */
import type { ClusterRole, ClusterRoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { ServiceAccount } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists } from '../../api/errors/status-error.js';
import { ResourceClient, type KubeObject, type RestClient } from '../../client/index.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import { LocalPathProvisioner } from './local-path-provisioner.js';
import { localPathStorageClass } from './local-path-volume.js';

export { LocalPathProvisioner, type LocalPathProvisionerOptions } from './local-path-provisioner.js';
export * from './local-path-volume.js';

/** The provisioner's ServiceAccount in kube-system (k3s's name). */
export const localPathServiceAccount = 'local-path-provisioner-service-account';
const rbacGroup = 'rbac.authorization.k8s.io';

function addonObjects(): { group: string; resource: string; obj: KubeObject }[] {
  const labels = { 'objectset.rio.cattle.io/owner': 'kubets-local-storage' };
  const sa: ServiceAccount = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: localPathServiceAccount, namespace: 'kube-system', labels },
  };
  const role: ClusterRole = {
    apiVersion: `${rbacGroup}/v1`,
    kind: 'ClusterRole',
    metadata: { name: 'local-path-provisioner-role', labels },
    rules: [
      {
        apiGroups: [''],
        resources: ['nodes', 'persistentvolumeclaims', 'configmaps'],
        verbs: ['get', 'list', 'watch'],
      },
      { apiGroups: [''], resources: ['persistentvolumes'], verbs: ['*'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch', 'update'] },
      { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get', 'list', 'watch'] },
    ],
  };
  const binding: ClusterRoleBinding = {
    apiVersion: `${rbacGroup}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name: 'local-path-provisioner-bind', labels },
    roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: 'local-path-provisioner-role' },
    subjects: [{ kind: 'ServiceAccount', name: localPathServiceAccount, namespace: 'kube-system' }],
  };
  return [
    { group: '', resource: 'serviceaccounts', obj: sa as KubeObject },
    { group: rbacGroup, resource: 'clusterroles', obj: role as KubeObject },
    { group: rbacGroup, resource: 'clusterrolebindings', obj: binding as KubeObject },
  ];
}

/**
 * Creates the `local-path` StorageClass if missing (an existing one — maybe
 * edited by the admin — is left alone, like k3s's skip annotation) and
 * applies the provisioner's RBAC. `admin` must be allowed to do both.
 */
export async function installLocalPathObjects(admin: RestClient): Promise<void> {
  for (const { group, resource, obj } of addonObjects()) {
    const client = new ResourceClient<KubeObject>(
      admin,
      { group, version: 'v1', resource },
      obj.metadata?.namespace ?? undefined,
    );
    await client.apply(obj, { fieldManager: 'kubets-addons', force: true });
  }
  const classes = new ResourceClient<KubeObject>(admin, {
    group: 'storage.k8s.io',
    version: 'v1',
    resource: 'storageclasses',
  });
  try {
    await classes.create(localPathStorageClass() as KubeObject);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

export interface StartLocalPathOptions {
  /** Writes the StorageClass and RBAC. */
  admin: RestClient;
  /** The provisioner's own client (the ServiceAccount above). */
  rest: RestClient;
  storageDir: string;
  localNode?: string;
  clock?: Clock;
  log?: Logger;
}

/** Installs the objects and starts the provisioner; dispose the result to stop it. */
export async function startLocalPath(o: StartLocalPathOptions): Promise<LocalPathProvisioner> {
  await installLocalPathObjects(o.admin);
  const p = new LocalPathProvisioner({
    rest: o.rest,
    storageDir: o.storageDir,
    localNode: o.localNode,
    clock: o.clock,
    log: o.log,
  });
  try {
    await p.start();
  } catch (err) {
    await p.dispose();
    throw err;
  }
  return p;
}
