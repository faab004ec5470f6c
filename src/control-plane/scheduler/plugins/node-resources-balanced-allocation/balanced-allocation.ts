import { aggregateMessage, FieldPath } from '../../../../api/validation/field-error.js';
import { StateRef, type CycleState } from '../../framework/cycle-state.js';
import type { Handle, Plugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import type { Status } from '../../framework/status.js';
import { PluginArgsError, asObject } from '../helpers/args.js';
import { ResourceAllocationScorer, balancedResourceScorer, type ResourceSpec } from '../helpers/resource-allocation.js';
import { Names } from '../names.js';
import { defaultResourceSpec, validateResources } from '../node-resources-fit/args.js';

export interface BalancedAllocationArgs {
  resources: ResourceSpec[];
}

export function defaultBalancedAllocationArgs(raw: unknown): BalancedAllocationArgs {
  const rs = (asObject(raw).resources as ResourceSpec[] | undefined) ?? [];
  return {
    resources: rs.length
      ? rs.map((r) => ({ name: r.name, weight: r.weight || 1 }))
      : defaultResourceSpec.map((r) => ({ ...r })),
  };
}

const preScoreKey = 'PreScore' + Names.NodeResourcesBalancedAllocation;

/**
 * Score: nodes whose resource fractions (requested / allocatable, this pod
 * included) are closest to each other score highest.
 */
export class NodeResourcesBalancedAllocation implements Plugin {
  readonly name = Names.NodeResourcesBalancedAllocation;
  private readonly scorer: ResourceAllocationScorer;
  private readonly preScoreState = new StateRef<number[]>(preScoreKey);

  constructor(args: BalancedAllocationArgs) {
    this.scorer = new ResourceAllocationScorer(args.resources, balancedResourceScorer, true);
  }

  preScore(state: CycleState, pi: PodInfo): Status | null {
    this.preScoreState.set(state, this.scorer.podRequests(pi));
    return null;
  }

  score(state: CycleState, pi: PodInfo, nodeInfo: NodeInfo): number {
    return this.scorer.score(nodeInfo, this.preScoreState.get(state) ?? this.scorer.podRequests(pi));
  }
}

export function newBalancedAllocation(raw: unknown, _handle?: Handle): Plugin {
  const args = defaultBalancedAllocationArgs(raw);
  const errs = validateResources(args.resources, FieldPath.root('resources'));
  if (errs.length) throw new PluginArgsError(Names.NodeResourcesBalancedAllocation, errs, aggregateMessage(errs));
  return new NodeResourcesBalancedAllocation(args);
}
