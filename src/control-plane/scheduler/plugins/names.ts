/** Plugin names (upstream pkg/scheduler/framework/plugins/names, plus kubets extensions). */
export const Names = {
  PrioritySort: 'PrioritySort',
  SchedulingGates: 'SchedulingGates',
  NodeName: 'NodeName',
  NodeUnschedulable: 'NodeUnschedulable',
  NodePorts: 'NodePorts',
  NodeResourcesFit: 'NodeResourcesFit',
  NodeResourcesBalancedAllocation: 'NodeResourcesBalancedAllocation',
  TaintToleration: 'TaintToleration',
  NodeAffinity: 'NodeAffinity',
  PodTopologySpread: 'PodTopologySpread',
  InterPodAffinity: 'InterPodAffinity',
  ImageLocality: 'ImageLocality',
  VolumeBinding: 'VolumeBinding',
  VolumeRestrictions: 'VolumeRestrictions',
  NodeVolumeLimits: 'NodeVolumeLimits',
  VolumeZone: 'VolumeZone',
  DefaultPreemption: 'DefaultPreemption',
  DefaultBinder: 'DefaultBinder',
  /** kubets: gang scheduling (all-or-nothing Permit for a pod group). */
  PodSet: 'PodSet',
  /** kubets: prefers nodes with lower measured utilization. */
  LoadAware: 'LoadAware',
  /** kubets: earliest deadline first within a priority. */
  DeadlineSort: 'DeadlineSort',
} as const;
