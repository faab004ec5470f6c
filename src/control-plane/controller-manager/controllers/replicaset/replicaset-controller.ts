import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { selectorFromLabelSelector } from '../../../../api/selectors/label-selector.js';
import { gvr } from '../../../../client/index.js';
import type { ControllerDescriptor } from '../../types.js';
import { type ReplicaKind, ReplicaManager } from './replica-manager.js';
import type { ReplicaOwner } from './replica-status.js';

export const replicaSetsGVR = gvr('apps', 'v1', 'replicasets');

export const replicaSetKind: ReplicaKind<ReplicaSet & ReplicaOwner> = {
  name: 'replicaset',
  component: 'replicaset-controller',
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  resource: replicaSetsGVR,
  selector: (rs) => selectorFromLabelSelector(rs.spec?.selector),
};

/** kube-controller-manager's `replicaset` controller: keeps each ReplicaSet's pod count at spec.replicas. */
export const replicaSetController: ControllerDescriptor = {
  name: 'replicaset',
  serviceAccount: 'replicaset-controller',
  enabledByDefault: true,
  start(ctx) {
    const manager = new ReplicaManager(ctx, replicaSetKind);
    return manager.run();
  },
};
