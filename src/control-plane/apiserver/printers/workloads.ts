import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { ReplicationController } from 'kubernetes-types/core/v1.js';
import { parseGroupVersion } from '../../../api/scheme/types.js';
import { ageColumn, column, containersColumn, docColumn, imagesColumn, nameColumn, printer, wide } from './columns.js';
import { age, formatLabels, formatLabelSelector, labelSelectorString, layoutContainerCells, nameOf } from './format.js';

/**
 * Replica-managing workloads (upstream `printReplicationController`,
 * `printReplicaSet`, `printDeployment`, `printStatefulSet`, `printDaemonSet`,
 * `printControllerRevision`). A missing `spec.replicas` prints as 1, the value
 * defaulting gives every stored object.
 */

const replicas = (r: number | undefined) => r ?? 1;

export const replicationControllerPrinter = printer(
  [
    nameColumn,
    docColumn('Desired', 'integer', 'ReplicationControllerSpec.replicas'),
    docColumn('Current', 'integer', 'ReplicationControllerStatus.replicas'),
    docColumn('Ready', 'integer', 'ReplicationControllerStatus.readyReplicas'),
    ageColumn,
    containersColumn,
    imagesColumn,
    wide(docColumn('Selector', 'string', 'ReplicationControllerSpec.selector')),
  ],
  (obj: ReplicationController, now) => {
    const [names, images] = layoutContainerCells(obj.spec?.template?.spec?.containers);
    return [
      nameOf(obj),
      replicas(obj.spec?.replicas),
      obj.status?.replicas ?? 0,
      obj.status?.readyReplicas ?? 0,
      age(obj, now),
      names,
      images,
      formatLabels(obj.spec?.selector),
    ];
  },
);

export const replicaSetPrinter = printer(
  [
    nameColumn,
    docColumn('Desired', 'integer', 'ReplicaSetSpec.replicas'),
    docColumn('Current', 'integer', 'ReplicaSetStatus.replicas'),
    docColumn('Ready', 'integer', 'ReplicaSetStatus.readyReplicas'),
    ageColumn,
    containersColumn,
    imagesColumn,
    wide(docColumn('Selector', 'string', 'ReplicaSetSpec.selector')),
  ],
  (obj: ReplicaSet, now) => {
    const [names, images] = layoutContainerCells(obj.spec?.template?.spec?.containers);
    return [
      nameOf(obj),
      replicas(obj.spec?.replicas),
      obj.status?.replicas ?? 0,
      obj.status?.readyReplicas ?? 0,
      age(obj, now),
      names,
      images,
      formatLabelSelector(obj.spec?.selector),
    ];
  },
);

export const deploymentPrinter = printer(
  [
    nameColumn,
    column('Ready', 'string', 'Number of the pod with ready state'),
    docColumn('Up-to-date', 'string', 'DeploymentStatus.updatedReplicas'),
    docColumn('Available', 'string', 'DeploymentStatus.availableReplicas'),
    ageColumn,
    containersColumn,
    imagesColumn,
    wide(docColumn('Selector', 'string', 'DeploymentSpec.selector')),
  ],
  (obj: Deployment, now) => {
    const [names, images] = layoutContainerCells(obj.spec?.template?.spec?.containers);
    // Unlike the other workloads, an empty or missing selector prints as "" and a bad one as <invalid>.
    const selector = labelSelectorString(obj.spec?.selector) ?? '<invalid>';
    return [
      nameOf(obj),
      `${obj.status?.readyReplicas ?? 0}/${replicas(obj.spec?.replicas)}`,
      obj.status?.updatedReplicas ?? 0,
      obj.status?.availableReplicas ?? 0,
      age(obj, now),
      names,
      images,
      selector,
    ];
  },
);

export const statefulSetPrinter = printer(
  [
    nameColumn,
    column('Ready', 'string', 'Number of the pod with ready state'),
    ageColumn,
    containersColumn,
    imagesColumn,
  ],
  (obj: StatefulSet, now) => {
    const [names, images] = layoutContainerCells(obj.spec?.template?.spec?.containers);
    return [
      nameOf(obj),
      `${obj.status?.readyReplicas ?? 0}/${replicas(obj.spec?.replicas)}`,
      age(obj, now),
      names,
      images,
    ];
  },
);

export const daemonSetPrinter = printer(
  [
    nameColumn,
    docColumn('Desired', 'integer', 'DaemonSetStatus.desiredNumberScheduled'),
    docColumn('Current', 'integer', 'DaemonSetStatus.currentNumberScheduled'),
    docColumn('Ready', 'integer', 'DaemonSetStatus.numberReady'),
    docColumn('Up-to-date', 'integer', 'DaemonSetStatus.updatedNumberScheduled'),
    docColumn('Available', 'integer', 'DaemonSetStatus.numberAvailable'),
    docColumn('Node Selector', 'string', 'PodSpec.nodeSelector'),
    ageColumn,
    containersColumn,
    imagesColumn,
    wide(docColumn('Selector', 'string', 'DaemonSetSpec.selector')),
  ],
  (obj: DaemonSet, now) => {
    const [names, images] = layoutContainerCells(obj.spec?.template?.spec?.containers);
    const s = obj.status;
    return [
      nameOf(obj),
      s?.desiredNumberScheduled ?? 0,
      s?.currentNumberScheduled ?? 0,
      s?.numberReady ?? 0,
      s?.updatedNumberScheduled ?? 0,
      s?.numberAvailable ?? 0,
      formatLabels(obj.spec?.template?.spec?.nodeSelector),
      age(obj, now),
      names,
      images,
      formatLabelSelector(obj.spec?.selector),
    ];
  },
);

/** `formatResourceName` of the controller: `daemonset.apps/fluentd`, `<none>` without one. */
function controllerName(obj: ControllerRevision): string {
  const ref = obj.metadata?.ownerReferences?.find((r) => r.controller === true);
  if (!ref) return '<none>';
  const group = parseGroupVersion(ref.apiVersion ?? '').group;
  if (!ref.kind && !group) return ref.name;
  const groupKind = group ? `${ref.kind}.${group}` : ref.kind;
  return `${groupKind.toLowerCase()}/${ref.name}`;
}

export const controllerRevisionPrinter = printer(
  [
    nameColumn,
    column('Controller', 'string', 'Controller of the object'),
    docColumn('Revision', 'string', 'ControllerRevision.revision'),
    ageColumn,
  ],
  (obj: ControllerRevision, now) => [nameOf(obj), controllerName(obj), obj.revision ?? 0, age(obj, now)],
);
