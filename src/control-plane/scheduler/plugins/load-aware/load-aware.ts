import { aggregateMessage, FieldPath, type FieldError } from '../../../../api/validation/field-error.js';
import type { CycleState } from '../../framework/cycle-state.js';
import { ActionType, type ClusterEventWithHint } from '../../framework/events.js';
import { MaxNodeScore, type Handle, type Plugin } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { Code, Status } from '../../framework/status.js';
import { PluginArgsError, asObject } from '../helpers/args.js';
import { Names } from '../names.js';

export const ErrReasonTooHighUtilization = 'node(s) had too high utilization';

export interface LoadAwareArgs {
  /** Weights of cpu and memory utilization in the score. */
  weights: { cpu: number; memory: number };
  /** Score for nodes without measurements (0-100, default 50: neutral). */
  unknownScore: number;
  /** Optional Filter: nodes above these fractions are rejected. */
  usageThresholds?: { cpu?: number; memory?: number };
}

export function defaultLoadAwareArgs(raw: unknown): LoadAwareArgs {
  const o = asObject(raw);
  const w = asObject(o.weights);
  return {
    weights: { cpu: (w.cpu as number | undefined) ?? 1, memory: (w.memory as number | undefined) ?? 1 },
    unknownScore: (o.unknownScore as number | undefined) ?? 50,
    usageThresholds: o.usageThresholds ? (asObject(o.usageThresholds) as LoadAwareArgs['usageThresholds']) : undefined,
  };
}

export function validateLoadAwareArgs(a: LoadAwareArgs, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of ['cpu', 'memory'] as const) {
    if (!(a.weights[k] >= 0)) errs.push(path.child('weights', k).invalid(a.weights[k], 'must be non-negative'));
    const t = a.usageThresholds?.[k];
    if (t !== undefined && !(t > 0 && t <= 1))
      errs.push(path.child('usageThresholds', k).invalid(t, 'not in valid range (0, 1]'));
  }
  if (a.weights.cpu + a.weights.memory <= 0)
    errs.push(path.child('weights').invalid(a.weights, 'at least one weight must be positive'));
  if (!(a.unknownScore >= 0 && a.unknownScore <= MaxNodeScore))
    errs.push(path.child('unknownScore').invalid(a.unknownScore, 'not in valid range [0, 100]'));
  return errs;
}

/**
 * Score (beyond upstream): prefers nodes with lower measured utilization
 * from the MetricsSource (e.g. metrics.k8s.io), as opposed to requested
 * resources. With usageThresholds it also filters out nodes running hot.
 */
export class LoadAware implements Plugin {
  readonly name = Names.LoadAware;

  constructor(
    private readonly args: LoadAwareArgs,
    private readonly handle: Handle,
  ) {}

  preFilter(): Status | null {
    return this.args.usageThresholds && this.handle.metrics ? null : new Status(Code.Skip);
  }

  filter(_s: CycleState, _p: PodInfo, nodeInfo: NodeInfo): Status | null {
    const u = this.handle.metrics?.nodeUtilization(nodeInfo.name);
    const t = this.args.usageThresholds;
    if (!u || !t) return null;
    if ((t.cpu !== undefined && (u.cpu ?? 0) > t.cpu) || (t.memory !== undefined && (u.memory ?? 0) > t.memory)) {
      return new Status(Code.Unschedulable, [ErrReasonTooHighUtilization]);
    }
    return null;
  }

  score(_s: CycleState, _p: PodInfo, nodeInfo: NodeInfo): number {
    const u = this.handle.metrics?.nodeUtilization(nodeInfo.name);
    if (!u) return this.args.unknownScore;
    const { cpu, memory } = this.args.weights;
    const used = (cpu * clamp(u.cpu ?? 0) + memory * clamp(u.memory ?? 0)) / (cpu + memory);
    return Math.round((1 - used) * MaxNodeScore);
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [{ event: { resource: 'Node', actionType: ActionType.Add | ActionType.Update } }];
  }
}

const clamp = (x: number) => Math.min(1, Math.max(0, x));

export function newLoadAware(raw: unknown, handle: Handle): Plugin {
  const args = defaultLoadAwareArgs(raw);
  const errs = validateLoadAwareArgs(args, FieldPath.root(''));
  if (errs.length) throw new PluginArgsError(Names.LoadAware, errs, aggregateMessage(errs));
  return new LoadAware(args, handle);
}
