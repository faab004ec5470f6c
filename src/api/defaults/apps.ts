import { defaultPersistentVolumeClaim } from './core.js';
import { defaultPodTemplateSpec } from './pod-spec.js';
import {
  type DefaulterTable,
  type JsonObject,
  forEachObject,
  isEmptyString,
  isNil,
  objectField,
  structField,
} from './util.js';

/**
 * apps/v1 defaulters (upstream v1.32 `pkg/apis/apps/v1/defaults.go`), with the
 * v1.32 default feature gates: StatefulSetAutoDeletePVC on (GA),
 * MaxUnavailableStatefulSet off (alpha). ControllerRevision has no defaults.
 */
export const appsDefaulters: DefaulterTable = {
  Deployment: (d) => {
    const spec = structField(d, 'spec');
    if (!spec) return;
    if (isNil(spec.replicas)) spec.replicas = 1;
    const strategy = structField(spec, 'strategy');
    if (strategy) {
      if (isEmptyString(strategy.type)) strategy.type = 'RollingUpdate';
      if (strategy.type === 'RollingUpdate') {
        const ru = rollingUpdate(strategy);
        if (ru && isNil(ru.maxUnavailable)) ru.maxUnavailable = '25%';
        if (ru && isNil(ru.maxSurge)) ru.maxSurge = '25%';
      }
    }
    if (isNil(spec.revisionHistoryLimit)) spec.revisionHistoryLimit = 10;
    if (isNil(spec.progressDeadlineSeconds)) spec.progressDeadlineSeconds = 600;
    template(spec);
  },
  ReplicaSet: (rs) => {
    const spec = structField(rs, 'spec');
    if (!spec) return;
    if (isNil(spec.replicas)) spec.replicas = 1;
    template(spec);
  },
  DaemonSet: (ds) => {
    const spec = structField(ds, 'spec');
    if (!spec) return;
    const strategy = structField(spec, 'updateStrategy');
    if (strategy) {
      if (isEmptyString(strategy.type)) strategy.type = 'RollingUpdate';
      if (strategy.type === 'RollingUpdate') {
        const ru = rollingUpdate(strategy);
        if (ru && isNil(ru.maxUnavailable)) ru.maxUnavailable = 1;
        if (ru && isNil(ru.maxSurge)) ru.maxSurge = 0;
      }
    }
    if (isNil(spec.revisionHistoryLimit)) spec.revisionHistoryLimit = 10;
    template(spec);
  },
  StatefulSet: (sts) => {
    const spec = structField(sts, 'spec');
    if (!spec) return;
    if (isEmptyString(spec.podManagementPolicy)) spec.podManagementPolicy = 'OrderedReady';
    const strategy = structField(spec, 'updateStrategy');
    if (strategy) {
      // Upstream creates rollingUpdate only while defaulting the type; an
      // explicit RollingUpdate without it stays without it.
      if (isEmptyString(strategy.type)) {
        strategy.type = 'RollingUpdate';
        if (isNil(strategy.rollingUpdate)) strategy.rollingUpdate = {};
      }
      const ru = objectField(strategy, 'rollingUpdate');
      if (strategy.type === 'RollingUpdate' && ru && isNil(ru.partition)) ru.partition = 0;
    }
    const retention = structField(spec, 'persistentVolumeClaimRetentionPolicy');
    if (retention) {
      if (isEmptyString(retention.whenDeleted)) retention.whenDeleted = 'Retain';
      if (isEmptyString(retention.whenScaled)) retention.whenScaled = 'Retain';
    }
    if (isNil(spec.replicas)) spec.replicas = 1;
    if (isNil(spec.revisionHistoryLimit)) spec.revisionHistoryLimit = 10;
    template(spec);
    forEachObject(spec.volumeClaimTemplates, (claim) => {
      const metadata = structField(claim, 'metadata');
      if (metadata && !('creationTimestamp' in metadata)) metadata.creationTimestamp = null;
      defaultPersistentVolumeClaim(claim);
    });
  },
};

function rollingUpdate(strategy: JsonObject): JsonObject | undefined {
  if (isNil(strategy.rollingUpdate)) strategy.rollingUpdate = {};
  return objectField(strategy, 'rollingUpdate');
}

function template(spec: JsonObject): void {
  const t = structField(spec, 'template');
  if (t) defaultPodTemplateSpec(t);
}
