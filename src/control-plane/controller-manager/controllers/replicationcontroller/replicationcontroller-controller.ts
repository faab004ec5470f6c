import type { ReplicationController } from 'kubernetes-types/core/v1.js';
import { selectorFromSet } from '../../../../api/selectors/label-selector.js';
import { gvr } from '../../../../client/index.js';
import type { ControllerDescriptor } from '../../types.js';
import { type ReplicaKind, ReplicaManager } from '../replicaset/replica-manager.js';
import type { ReplicaOwner } from '../replicaset/replica-status.js';

export const replicationControllersGVR = gvr('', 'v1', 'replicationcontrollers');

/**
 * ReplicationControllers run on the ReplicaSet core, as upstream's
 * replication controller wraps the ReplicaSet controller: only the kind, the
 * event source and the map-style selector differ.
 */
export const replicationControllerKind: ReplicaKind<ReplicationController & ReplicaOwner> = {
  name: 'replicationcontroller',
  component: 'replication-controller',
  apiVersion: 'v1',
  kind: 'ReplicationController',
  resource: replicationControllersGVR,
  selector: (rc) => selectorFromSet(rc.spec?.selector),
};

/** kube-controller-manager's `replicationcontroller` controller. */
export const replicationControllerController: ControllerDescriptor = {
  name: 'replicationcontroller',
  serviceAccount: 'replication-controller',
  enabledByDefault: true,
  start(ctx) {
    const manager = new ReplicaManager(ctx, replicationControllerKind);
    return manager.run();
  },
};
