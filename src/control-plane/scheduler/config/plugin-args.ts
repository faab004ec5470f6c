import type { FieldError, FieldPath } from '../../../api/validation/field-error.js';
import { defaultPreemptionArgs, validatePreemptionArgs } from '../plugins/default-preemption/args.js';
import {
  defaultInterPodAffinityArgs,
  validateInterPodAffinityArgs,
} from '../plugins/inter-pod-affinity/inter-pod-affinity.js';
import { defaultLoadAwareArgs, validateLoadAwareArgs } from '../plugins/load-aware/load-aware.js';
import { Names } from '../plugins/names.js';
import { validateNodeAffinityArgs } from '../plugins/node-affinity/node-affinity.js';
import { defaultBalancedAllocationArgs } from '../plugins/node-resources-balanced-allocation/balanced-allocation.js';
import { defaultFitArgs, validateFitArgs, validateResources } from '../plugins/node-resources-fit/args.js';
import { defaultPodSetArgs, validatePodSetArgs } from '../plugins/pod-set/pod-set.js';
import { defaultPodTopologySpreadArgs, validatePodTopologySpreadArgs } from '../plugins/pod-topology-spread/args.js';
import { defaultVolumeBindingArgs, validateVolumeBindingArgs } from '../plugins/volume-binding/volume-binding.js';

type ArgsValidator = (raw: unknown, path: FieldPath) => FieldError[];

/** Validation of plugin args by plugin name (upstream's map in validatePluginConfig). */
export const pluginArgsValidators: ReadonlyMap<string, ArgsValidator> = new Map<string, ArgsValidator>([
  [Names.NodeResourcesFit, (raw, p) => validateFitArgs(defaultFitArgs(raw), p)],
  [
    Names.NodeResourcesBalancedAllocation,
    (raw, p) => validateResources(defaultBalancedAllocationArgs(raw).resources, p.child('resources')),
  ],
  [Names.PodTopologySpread, (raw, p) => validatePodTopologySpreadArgs(defaultPodTopologySpreadArgs(raw), p)],
  [Names.InterPodAffinity, (raw, p) => validateInterPodAffinityArgs(defaultInterPodAffinityArgs(raw), p)],
  [Names.DefaultPreemption, (raw, p) => validatePreemptionArgs(defaultPreemptionArgs(raw), p)],
  [Names.NodeAffinity, (raw, p) => validateNodeAffinityArgs(raw, p)],
  [Names.VolumeBinding, (raw, p) => validateVolumeBindingArgs(defaultVolumeBindingArgs(raw), p)],
  [Names.PodSet, (raw, p) => validatePodSetArgs(defaultPodSetArgs(raw), p)],
  [Names.LoadAware, (raw, p) => validateLoadAwareArgs(defaultLoadAwareArgs(raw), p)],
]);
