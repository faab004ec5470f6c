import type { CSINode } from 'kubernetes-types/storage/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { CycleState } from '../../framework/cycle-state.js';
import { ActionType, type ClusterEventWithHint } from '../../framework/events.js';
import type { Handle, Plugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { Code, Status } from '../../framework/status.js';
import { claimClass, claimNameOf, claimNotFound, getClaim } from '../helpers/volumes.js';
import { Names } from '../names.js';

export const ErrReasonMaxVolumeCountExceeded = 'node(s) exceed max volume count';
const limitPrefix = 'attachable-volumes-csi-';

/**
 * Filter (upstream CSILimits): the node's per-driver attach limit (CSINode
 * allocatable count, or attachable-volumes-csi-<driver> in allocatable) must
 * hold the pod's new CSI volumes plus those already attached by its pods;
 * a volume shared by several pods counts once.
 */
export class NodeVolumeLimits implements Plugin {
  readonly name = Names.NodeVolumeLimits;

  constructor(private readonly handle: Handle) {}

  preFilter(_s: CycleState, pi: PodInfo): Status | null {
    return (pi.pod.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim || v.ephemeral)
      ? null
      : new Status(Code.Skip);
  }

  private volumesOf(pod: Pod, isNew: boolean, out: Map<string, string>): string | undefined {
    const listers = this.handle.listers;
    const ns = pod.metadata?.namespace ?? '';
    for (const v of pod.spec?.volumes ?? []) {
      const name = claimNameOf(pod, v);
      if (!name) continue;
      const pvc = getClaim(listers, ns, name);
      if (!pvc) {
        if (isNew && !v.ephemeral) return claimNotFound(name);
        continue;
      }
      const pvName = pvc.spec?.volumeName;
      if (pvName) {
        const pv = listers.pvs?.get(pvName);
        if (!pv?.spec?.csi) continue;
        out.set(`${pv.spec.csi.driver}/${pv.spec.csi.volumeHandle}`, limitPrefix + pv.spec.csi.driver);
        continue;
      }
      const sc = listers.storageClasses?.get(claimClass(pvc));
      if (!sc?.provisioner) continue;
      out.set(`${sc.provisioner}/${ns}/${name}`, limitPrefix + sc.provisioner);
    }
    return undefined;
  }

  filter(_s: CycleState, pi: PodInfo, nodeInfo: NodeInfo): Status | null {
    if (!pi.pod.spec?.volumes?.length) return null;
    if (!pi.pod.spec.volumes.some((v) => v.persistentVolumeClaim || v.ephemeral)) return null;
    const newVolumes = new Map<string, string>();
    const err = this.volumesOf(pi.pod, true, newVolumes);
    if (err) return new Status(Code.UnschedulableAndUnresolvable, [err]);
    if (newVolumes.size === 0) return null;
    const limits = limitsOf(nodeInfo, this.handle.listers.csiNodes?.get(nodeInfo.name));
    if (limits.size === 0) return null;
    const attached = new Map<string, string>();
    for (const ep of nodeInfo.pods) this.volumesOf(ep.pod, false, attached);
    const attachedCount = new Map<string, number>();
    for (const [unique, key] of attached) {
      newVolumes.delete(unique);
      attachedCount.set(key, (attachedCount.get(key) ?? 0) + 1);
    }
    const newCount = new Map<string, number>();
    for (const key of newVolumes.values()) newCount.set(key, (newCount.get(key) ?? 0) + 1);
    for (const [key, count] of newCount) {
      const max = limits.get(key);
      if (max !== undefined && (attachedCount.get(key) ?? 0) + count > max) {
        return new Status(Code.Unschedulable, [ErrReasonMaxVolumeCountExceeded]);
      }
    }
    return null;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: 'CSINode', actionType: ActionType.Add | ActionType.Update } },
      { event: { resource: 'Pod', actionType: ActionType.Delete } },
      { event: { resource: 'PersistentVolumeClaim', actionType: ActionType.Add } },
    ];
  }
}

function limitsOf(nodeInfo: NodeInfo, csiNode: CSINode | undefined): Map<string, number> {
  const out = new Map<string, number>();
  if (nodeInfo.allocatable.scalar) {
    for (const [k, v] of nodeInfo.allocatable.scalar) if (k.startsWith(limitPrefix)) out.set(k, v);
  }
  for (const d of csiNode?.spec?.drivers ?? []) {
    if (d.allocatable?.count !== undefined) out.set(limitPrefix + d.name, d.allocatable.count);
  }
  return out;
}

export const newNodeVolumeLimits = (_a: unknown, h: Handle): Plugin => new NodeVolumeLimits(h);
