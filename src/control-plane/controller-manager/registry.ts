import type { ControllerDescriptor } from './types.js';
import { garbageCollectorController } from './controllers/garbage-collector/garbage-collector.js';
import { namespaceController } from './controllers/namespace/namespace-controller.js';
import { serviceAccountController } from './controllers/serviceaccount/serviceaccount-controller.js';
import { rootCAPublisherController } from './controllers/root-ca-publisher/root-ca-publisher.js';
import { replicaSetController } from './controllers/replicaset/replicaset-controller.js';
import { replicationControllerController } from './controllers/replicationcontroller/replicationcontroller-controller.js';
import { deploymentController } from './controllers/deployment/deployment-controller.js';
import { endpointsController } from './controllers/endpoints/endpoints-controller.js';
import { endpointSliceController } from './controllers/endpointslice/endpointslice-controller.js';
import { endpointSliceMirroringController } from './controllers/endpointslice/mirroring-controller.js';
import { nodeLifecycleController } from './controllers/node-lifecycle/node-lifecycle-controller.js';
import { taintEvictionController } from './controllers/node-lifecycle/taint-eviction-controller.js';
import { nodeIpamController } from './controllers/node-ipam/node-ipam-controller.js';
import { podGCController } from './controllers/pod-gc/pod-gc-controller.js';
import { tokenCleanerController } from './controllers/token-cleaner/token-cleaner.js';
import { clusterRoleAggregationController } from './controllers/clusterrole-aggregation/clusterrole-aggregation-controller.js';
import { statefulSetController } from './controllers/statefulset/statefulset-controller.js';
import { daemonSetController } from './controllers/daemonset/daemonset-controller.js';
import { jobController } from './controllers/job/job-controller.js';
import { cronJobController } from './controllers/cronjob/cronjob-controller.js';
import { ttlAfterFinishedController } from './controllers/ttl-after-finished/ttl-after-finished-controller.js';
import { disruptionController } from './controllers/disruption/disruption-controller.js';
import { resourceQuotaController } from './controllers/resourcequota/resourcequota-controller.js';
import { hpaController } from './controllers/hpa/hpa-controller.js';
import { csrApprovingController } from './controllers/certificates/approver/csr-approving.js';
import { csrSigningController } from './controllers/certificates/signer/csr-signing.js';
import { csrCleanerController } from './controllers/certificates/cleaner/csr-cleaner.js';
import { bootstrapSignerController } from './controllers/bootstrap-signer/bootstrap-signer.js';
import { persistentVolumeBinderController } from './controllers/persistentvolume/pv-controller.js';

/**
 * Every controller compiled into the controller-manager, in start order. Plain
 * data: nothing registers itself by import side effect.
 */
export function allControllers(): ControllerDescriptor[] {
  return [
    garbageCollectorController,
    namespaceController,
    serviceAccountController,
    rootCAPublisherController,
    replicaSetController,
    replicationControllerController,
    deploymentController,
    endpointsController,
    endpointSliceController,
    endpointSliceMirroringController,
    nodeLifecycleController,
    taintEvictionController,
    nodeIpamController,
    podGCController,
    tokenCleanerController,
    clusterRoleAggregationController,
    statefulSetController,
    daemonSetController,
    jobController,
    cronJobController,
    ttlAfterFinishedController,
    disruptionController,
    resourceQuotaController,
    hpaController,
    csrApprovingController,
    csrSigningController,
    csrCleanerController,
    bootstrapSignerController,
    persistentVolumeBinderController,
  ];
}
