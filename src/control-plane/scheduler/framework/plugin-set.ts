import { ExtensionPoints, type ExtensionPoint, type PluginSet, type ResolvedProfile } from '../config/types.js';
import type { Handle, Plugin, Registry } from './interfaces.js';

/** The method a plugin must have to sit at an extension point. */
const methodOf: Record<ExtensionPoint, keyof Plugin> = {
  preEnqueue: 'preEnqueue',
  queueSort: 'less',
  preFilter: 'preFilter',
  filter: 'filter',
  postFilter: 'postFilter',
  preScore: 'preScore',
  score: 'score',
  reserve: 'reserve',
  permit: 'permit',
  preBind: 'preBind',
  bind: 'bind',
  postBind: 'postBind',
};

const pointTypeName: Record<ExtensionPoint, string> = {
  preEnqueue: 'PreEnqueuePlugin',
  queueSort: 'QueueSortPlugin',
  preFilter: 'PreFilterPlugin',
  filter: 'FilterPlugin',
  postFilter: 'PostFilterPlugin',
  preScore: 'PreScorePlugin',
  score: 'ScorePlugin',
  reserve: 'ReservePlugin',
  permit: 'PermitPlugin',
  preBind: 'PreBindPlugin',
  bind: 'BindPlugin',
  postBind: 'PostBindPlugin',
};

export function implementsPoint(p: Plugin, point: ExtensionPoint): boolean {
  return typeof p[methodOf[point]] === 'function';
}

export interface ResolvedPlugins {
  /** Plugins per extension point, in execution order. */
  points: Record<ExtensionPoint, Plugin[]>;
  /** Score plugin name -> weight (>= 1). */
  scoreWeights: Map<string, number>;
  /** Every instantiated plugin by name. */
  instances: Map<string, Plugin>;
}

function enabledOf(set: PluginSet | undefined): { name: string; weight?: number }[] {
  return set?.enabled ?? [];
}

/**
 * Instantiates a profile's plugins and lays them out per extension point,
 * following upstream NewFramework + expandMultiPointPlugins: plugins named at
 * a specific point come from that list (and must implement it); multiPoint
 * plugins join every point they implement unless disabled there. Order per
 * point: multiPoint plugins re-configured at the point (in the point's
 * order), then the other multiPoint plugins, then the remaining specific
 * ones. Throws with upstream's messages on a misconfiguration.
 */
export function resolvePlugins(profile: ResolvedProfile, registry: Registry, handle: Handle): ResolvedPlugins {
  const instances = new Map<string, Plugin>();
  const instantiate = (name: string): Plugin => {
    let p = instances.get(name);
    if (p) return p;
    const factory = registry.get(name);
    if (!factory) throw new Error(`plugin "${name}" does not exist`);
    p = factory(profile.pluginConfig.get(name), handle);
    instances.set(name, p);
    return p;
  };
  for (const ref of enabledOf(profile.plugins.multiPoint)) instantiate(ref.name);
  for (const point of ExtensionPoints) for (const ref of enabledOf(profile.plugins[point])) instantiate(ref.name);

  const points = {} as Record<ExtensionPoint, Plugin[]>;
  const scoreWeights = new Map<string, number>();
  for (const point of ExtensionPoints) {
    const set = profile.plugins[point];
    const specific: string[] = [];
    for (const ref of enabledOf(set)) {
      const p = instances.get(ref.name)!;
      if (!implementsPoint(p, point))
        throw new Error(`plugin "${ref.name}" does not extend ${pointTypeName[point]} plugin`);
      if (specific.includes(ref.name))
        throw new Error(`plugin "${ref.name}" already registered as "${pointTypeName[point]}"`);
      specific.push(ref.name);
      if (point === 'score') scoreWeights.set(ref.name, ref.weight || 1);
    }
    const disabled = new Set((set?.disabled ?? []).map((d) => d.name));
    const overrides: string[] = [];
    const fromMulti: string[] = [];
    if (!disabled.has('*')) {
      for (const ref of enabledOf(profile.plugins.multiPoint)) {
        const p = instances.get(ref.name)!;
        if (!implementsPoint(p, point) || disabled.has(ref.name)) continue;
        if (specific.includes(ref.name)) {
          overrides.push(ref.name);
          continue;
        }
        if (fromMulti.includes(ref.name))
          throw new Error(`plugin "${ref.name}" already registered as "${pointTypeName[point]}"`);
        fromMulti.push(ref.name);
        if (point === 'score') scoreWeights.set(ref.name, ref.weight || 1);
      }
    }
    const overrideOrder = specific.filter((n) => overrides.includes(n));
    const rest = specific.filter((n) => !overrides.includes(n));
    points[point] = [...overrideOrder, ...fromMulti, ...rest].map((n) => instances.get(n)!);
  }

  if (points.queueSort.length !== 1) {
    throw new Error(
      `only one queue sort plugin required for profile with scheduler name "${profile.schedulerName}", but got ${points.queueSort.length}`,
    );
  }
  if (points.bind.length === 0) {
    throw new Error(`at least one bind plugin is needed for profile with scheduler name "${profile.schedulerName}"`);
  }
  // A reserve plugin must also undo (upstream ReservePlugin has Reserve and Unreserve).
  for (const p of points.reserve) {
    if (typeof p.unreserve !== 'function') throw new Error(`plugin "${p.name}" does not extend ReservePlugin plugin`);
  }
  return { points, scoreWeights, instances };
}
