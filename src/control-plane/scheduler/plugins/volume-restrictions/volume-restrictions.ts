import type { Pod, Volume } from 'kubernetes-types/core/v1.js';
import type { CycleState, StateData } from '../../framework/cycle-state.js';
import { ActionType, type ClusterEventWithHint } from '../../framework/events.js';
import type { Handle, Plugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { Code, Status } from '../../framework/status.js';
import { claimNotFound, getClaim } from '../helpers/volumes.js';
import { Names } from '../names.js';

export const ErrReasonDiskConflict = 'node(s) had no available disk';
export const ErrReasonReadWriteOncePodConflict =
  'node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode';

const stateKey = 'PreFilter' + Names.VolumeRestrictions;

class PreFilterState implements StateData {
  constructor(
    /** `namespace/claim` of the pod's ReadWriteOncePod claims. */
    readonly rwopClaims: Set<string>,
    /** How many pods elsewhere use one of those claims. */
    public conflictingPVCRefCount: number,
  ) {}
  clone(): PreFilterState {
    return new PreFilterState(this.rwopClaims, this.conflictingPVCRefCount);
  }
  update(pi: PodInfo, delta: number): void {
    for (const v of pi.pod.spec?.volumes ?? []) {
      const c = v.persistentVolumeClaim?.claimName;
      if (c && this.rwopClaims.has(`${pi.namespace}/${c}`)) this.conflictingPVCRefCount += delta;
    }
  }
}

function needsRestrictionsCheck(v: Volume): boolean {
  return !!(v.gcePersistentDisk || v.awsElasticBlockStore || v.rbd || v.iscsi);
}

/** Whether two volumes are the same exclusive disk (upstream isVolumeConflict). */
function isVolumeConflict(v: Volume, pod: Pod): boolean {
  for (const e of pod.spec?.volumes ?? []) {
    if (v.gcePersistentDisk && e.gcePersistentDisk) {
      if (
        v.gcePersistentDisk.pdName === e.gcePersistentDisk.pdName &&
        !(v.gcePersistentDisk.readOnly && e.gcePersistentDisk.readOnly)
      )
        return true;
    }
    if (
      v.awsElasticBlockStore &&
      e.awsElasticBlockStore &&
      v.awsElasticBlockStore.volumeID === e.awsElasticBlockStore.volumeID
    )
      return true;
    if (v.iscsi && e.iscsi && v.iscsi.iqn === e.iscsi.iqn && !(v.iscsi.readOnly && e.iscsi.readOnly)) return true;
    if (v.rbd && e.rbd) {
      const overlap = (v.rbd.monitors ?? []).some((m) => (e.rbd!.monitors ?? []).includes(m));
      if (overlap && v.rbd.pool === e.rbd.pool && v.rbd.image === e.rbd.image && !(v.rbd.readOnly && e.rbd.readOnly))
        return true;
    }
  }
  return false;
}

/**
 * Filter: exclusive disks (GCE PD, EBS, RBD, iSCSI) may not be mounted twice
 * on a node, and a ReadWriteOncePod claim may be used by one pod only.
 */
export class VolumeRestrictions implements Plugin {
  readonly name = Names.VolumeRestrictions;

  constructor(private readonly handle: Handle) {}

  preFilter(state: CycleState, pi: PodInfo): Status | null {
    const volumes = pi.pod.spec?.volumes ?? [];
    const needsCheck = volumes.some(needsRestrictionsCheck);
    const rwop = new Set<string>();
    for (const v of volumes) {
      const name = v.persistentVolumeClaim?.claimName;
      if (!name) continue;
      const pvc = getClaim(this.handle.listers, pi.namespace, name);
      if (!pvc) return new Status(Code.UnschedulableAndUnresolvable, [claimNotFound(name)]);
      if (pvc.spec?.accessModes?.includes('ReadWriteOncePod')) rwop.add(`${pi.namespace}/${name}`);
    }
    const lister = this.handle.snapshotSharedLister();
    let conflicts = 0;
    for (const k of rwop) if (lister.isPVCUsedByPods(k)) conflicts++;
    if (!needsCheck && conflicts === 0 && rwop.size === 0) return new Status(Code.Skip);
    state.write(stateKey, new PreFilterState(rwop, conflicts));
    return null;
  }

  addPod(state: CycleState, _p: PodInfo, podToAdd: PodInfo): Status | null {
    state.read<PreFilterState>(stateKey)?.update(podToAdd, 1);
    return null;
  }

  removePod(state: CycleState, _p: PodInfo, podToRemove: PodInfo): Status | null {
    state.read<PreFilterState>(stateKey)?.update(podToRemove, -1);
    return null;
  }

  filter(state: CycleState, pi: PodInfo, nodeInfo: NodeInfo): Status | null {
    for (const v of pi.pod.spec?.volumes ?? []) {
      if (!needsRestrictionsCheck(v)) continue;
      for (const ep of nodeInfo.pods)
        if (isVolumeConflict(v, ep.pod)) return new Status(Code.Unschedulable, [ErrReasonDiskConflict]);
    }
    const s = state.read<PreFilterState>(stateKey);
    if (s && s.conflictingPVCRefCount > 0) return new Status(Code.Unschedulable, [ErrReasonReadWriteOncePodConflict]);
    return null;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: 'Pod', actionType: ActionType.Delete } },
      { event: { resource: 'PersistentVolumeClaim', actionType: ActionType.Add | ActionType.Update } },
      { event: { resource: 'Node', actionType: ActionType.Add } },
    ];
  }
}

export const newVolumeRestrictions = (_a: unknown, h: Handle): Plugin => new VolumeRestrictions(h);
