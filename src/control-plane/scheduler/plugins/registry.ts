import type { PluginFactory, Registry } from '../framework/interfaces.js';
import { newDeadlineSort } from './deadline-sort/deadline-sort.js';
import { newDefaultBinder } from './default-binder/default-binder.js';
import { newDefaultPreemption } from './default-preemption/default-preemption.js';
import { newImageLocality } from './image-locality/image-locality.js';
import { newInterPodAffinity } from './inter-pod-affinity/inter-pod-affinity.js';
import { newLoadAware } from './load-aware/load-aware.js';
import { Names } from './names.js';
import { newNodeAffinity } from './node-affinity/node-affinity.js';
import { newNodeName } from './node-name/node-name.js';
import { newNodePorts } from './node-ports/node-ports.js';
import { newBalancedAllocation } from './node-resources-balanced-allocation/balanced-allocation.js';
import { newNodeResourcesFit } from './node-resources-fit/fit.js';
import { newNodeUnschedulable } from './node-unschedulable/node-unschedulable.js';
import { newNodeVolumeLimits } from './node-volume-limits/node-volume-limits.js';
import { newPodSet } from './pod-set/pod-set.js';
import { newPodTopologySpread } from './pod-topology-spread/pod-topology-spread.js';
import { newPrioritySort } from './priority-sort/priority-sort.js';
import { newSchedulingGates } from './scheduling-gates/scheduling-gates.js';
import { newTaintToleration } from './taint-toleration/taint-toleration.js';
import { newVolumeBinding } from './volume-binding/volume-binding.js';
import { newVolumeRestrictions } from './volume-restrictions/volume-restrictions.js';
import { newVolumeZone } from './volume-zone/volume-zone.js';

/** Every plugin kubets ships, by name (upstream NewInTreeRegistry plus the kubets extensions). */
export const inTreeRegistry: Registry = new Map<string, PluginFactory>([
  [Names.PrioritySort, newPrioritySort],
  [Names.SchedulingGates, newSchedulingGates],
  [Names.NodeName, newNodeName],
  [Names.NodeUnschedulable, newNodeUnschedulable],
  [Names.NodePorts, newNodePorts],
  [Names.NodeResourcesFit, newNodeResourcesFit],
  [Names.NodeResourcesBalancedAllocation, newBalancedAllocation],
  [Names.TaintToleration, newTaintToleration],
  [Names.NodeAffinity, newNodeAffinity],
  [Names.PodTopologySpread, newPodTopologySpread],
  [Names.InterPodAffinity, newInterPodAffinity],
  [Names.ImageLocality, newImageLocality],
  [Names.VolumeBinding, newVolumeBinding],
  [Names.VolumeRestrictions, newVolumeRestrictions],
  [Names.NodeVolumeLimits, newNodeVolumeLimits],
  [Names.VolumeZone, newVolumeZone],
  [Names.DefaultPreemption, newDefaultPreemption],
  [Names.DefaultBinder, newDefaultBinder],
  [Names.PodSet, newPodSet],
  [Names.LoadAware, newLoadAware],
  [Names.DeadlineSort, newDeadlineSort],
]);

/** The in-tree registry plus out-of-tree plugins (which may not reuse a name). */
export function mergeRegistries(base: Registry, extra: Registry): Registry {
  const out = new Map(base);
  for (const [name, f] of extra) {
    if (out.has(name)) throw new Error(`a plugin named ${name} already exists`);
    out.set(name, f);
  }
  return out;
}
