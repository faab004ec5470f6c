import type { CycleState } from '../../framework/cycle-state.js';
import { ActionType, type ClusterEventWithHint } from '../../framework/events.js';
import type { Handle, Plugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { Code, Status } from '../../framework/status.js';
import { claimClass, claimNotFound, getClaim } from '../helpers/volumes.js';
import { Names } from '../names.js';

export const ErrReasonConflict = 'node(s) had no available volume zone';

const topologyLabels = [
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
];
const gaLabel: Record<string, string> = {
  'failure-domain.beta.kubernetes.io/zone': 'topology.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region': 'topology.kubernetes.io/region',
};

interface PVTopology {
  key: string;
  values: Set<string>;
}

const stateKey = 'PreFilter' + Names.VolumeZone;

/** Filter: a bound volume labelled with zones/regions only fits nodes in one of them. */
export class VolumeZone implements Plugin {
  readonly name = Names.VolumeZone;

  constructor(private readonly handle: Handle) {}

  preFilter(state: CycleState, pi: PodInfo): Status | null {
    const topologies: PVTopology[] = [];
    const listers = this.handle.listers;
    for (const v of pi.pod.spec?.volumes ?? []) {
      const name = v.persistentVolumeClaim?.claimName;
      if (!name) continue;
      const pvc = getClaim(listers, pi.namespace, name);
      if (!pvc) return new Status(Code.UnschedulableAndUnresolvable, [claimNotFound(name)]);
      const pvName = pvc.spec?.volumeName;
      if (!pvName) {
        const cls = claimClass(pvc);
        if (!cls)
          return new Status(Code.UnschedulableAndUnresolvable, [
            'PersistentVolumeClaim had no pv name and storageClass name',
          ]);
        const sc = listers.storageClasses?.get(cls);
        if (!sc)
          return new Status(Code.UnschedulableAndUnresolvable, [`storageclass.storage.k8s.io "${cls}" not found`]);
        if (sc.volumeBindingMode === 'WaitForFirstConsumer') continue;
        return new Status(Code.UnschedulableAndUnresolvable, ['PersistentVolume had no name']);
      }
      const pv = listers.pvs?.get(pvName);
      if (!pv) return new Status(Code.UnschedulableAndUnresolvable, [`persistentvolume "${pvName}" not found`]);
      for (const key of topologyLabels) {
        const val = pv.metadata?.labels?.[key];
        if (val !== undefined) topologies.push({ key, values: new Set(val.split('__')) });
      }
    }
    if (topologies.length === 0) return new Status(Code.Skip);
    state.write(stateKey, topologies);
    return null;
  }

  filter(state: CycleState, pi: PodInfo, nodeInfo: NodeInfo): Status | null {
    if (!pi.pod.spec?.volumes?.length) return null;
    const topologies = state.read<PVTopology[]>(stateKey) ?? [];
    if (!topologyLabels.some((k) => k in nodeInfo.labels)) return null;
    for (const t of topologies) {
      const v = nodeInfo.labels[t.key] ?? (gaLabel[t.key] ? nodeInfo.labels[gaLabel[t.key]!] : undefined);
      if (v === undefined || !t.values.has(v))
        return new Status(Code.UnschedulableAndUnresolvable, [ErrReasonConflict]);
    }
    return null;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: 'StorageClass', actionType: ActionType.Add } },
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel } },
      { event: { resource: 'PersistentVolumeClaim', actionType: ActionType.Add | ActionType.Update } },
      { event: { resource: 'PersistentVolume', actionType: ActionType.Add | ActionType.Update } },
    ];
  }
}

export const newVolumeZone = (_a: unknown, h: Handle): Plugin => new VolumeZone(h);
