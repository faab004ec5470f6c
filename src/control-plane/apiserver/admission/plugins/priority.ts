import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { AdmissionAttributes, MutatingAdmissionPlugin, ValidatingAdmissionPlugin } from '../types.js';
import { admissionForbidden, isResource } from './plugin-util.js';

/** Priority of pods when no class applies (scheduling.DefaultPriorityWhenNoDefaultClassExists). */
export const defaultPriorityWhenNoDefaultClassExists = 0;

/** The system classes the apiserver creates at startup; used when the cache does not have them yet. */
export const systemPriorityClasses: PriorityClass[] = [
  {
    metadata: { name: 'system-node-critical' },
    value: 2000001000,
    description: 'Used for system critical pods that must not be moved from their current node.',
    preemptionPolicy: 'PreemptLowerPriority',
  },
  {
    metadata: { name: 'system-cluster-critical' },
    value: 2000000000,
    description:
      'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
    preemptionPolicy: 'PreemptLowerPriority',
  },
];

export interface PriorityAdmissionOptions {
  listPriorityClasses(): Promise<PriorityClass[]> | PriorityClass[];
}

/**
 * Priority admission (upstream `plugin/pkg/admission/priority`): on pod
 * creation resolves `spec.priorityClassName` (or the `globalDefault` class)
 * into `spec.priority` and `spec.preemptionPolicy`, rejecting unknown classes
 * and hand-set priorities that disagree; on update keeps the values already
 * set. Validates that at most one PriorityClass is the global default.
 */
export class PriorityAdmission implements MutatingAdmissionPlugin, ValidatingAdmissionPlugin {
  readonly name = 'Priority';
  constructor(private readonly opts: PriorityAdmissionOptions) {}

  handles(a: AdmissionAttributes): boolean {
    if (a.subresource !== '' || !a.object || (a.operation !== 'CREATE' && a.operation !== 'UPDATE')) return false;
    return isResource(a, '', 'pods') || isResource(a, 'scheduling.k8s.io', 'priorityclasses');
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    if (!isResource(a, '', 'pods')) return;
    const pod = a.object as unknown as Pod;
    const spec = (pod.spec ??= { containers: [] });
    if (a.operation === 'UPDATE') {
      // Priority is immutable; requests that omit it keep the stored values.
      const old = (a.oldObject as unknown as Pod | undefined)?.spec;
      if (spec.priority == null && old?.priority != null) spec.priority = old.priority;
      if (spec.preemptionPolicy == null && old?.preemptionPolicy != null) spec.preemptionPolicy = old.preemptionPolicy;
      return;
    }
    let priority: number;
    let preemptionPolicy: string | undefined;
    if (!spec.priorityClassName) {
      const def = this.#defaultClass(await this.opts.listPriorityClasses());
      if (def) {
        spec.priorityClassName = def.metadata?.name;
        priority = def.value;
        preemptionPolicy = def.preemptionPolicy;
      } else {
        priority = defaultPriorityWhenNoDefaultClassExists;
        preemptionPolicy = 'PreemptLowerPriority';
      }
    } else {
      const pc = await this.#find(spec.priorityClassName);
      if (!pc) throw admissionForbidden(a, `no PriorityClass with name ${spec.priorityClassName} was found`);
      priority = pc.value;
      preemptionPolicy = pc.preemptionPolicy;
    }
    if (spec.priority != null && spec.priority !== priority) {
      throw admissionForbidden(
        a,
        `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`,
      );
    }
    spec.priority = priority;
    if (preemptionPolicy) {
      if (spec.preemptionPolicy != null && spec.preemptionPolicy !== preemptionPolicy) {
        throw admissionForbidden(
          a,
          `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${preemptionPolicy} from the given PriorityClass name`,
        );
      }
      spec.preemptionPolicy = preemptionPolicy;
    }
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    if (!isResource(a, 'scheduling.k8s.io', 'priorityclasses')) return;
    const pc = a.object as unknown as PriorityClass;
    if (!pc.globalDefault) return;
    const def = this.#defaultClass(await this.opts.listPriorityClasses());
    if (def && (a.operation === 'CREATE' || def.metadata?.name !== pc.metadata?.name)) {
      throw admissionForbidden(
        a,
        `PriorityClass ${def.metadata?.name ?? ''} is already marked as default. Only one default can exist`,
      );
    }
  }

  async #find(name: string): Promise<PriorityClass | undefined> {
    const all = await this.opts.listPriorityClasses();
    return all.find((c) => c.metadata?.name === name) ?? systemPriorityClasses.find((c) => c.metadata?.name === name);
  }

  /** The global default; if a race produced several, the lowest value wins, as upstream. */
  #defaultClass(all: PriorityClass[]): PriorityClass | undefined {
    let best: PriorityClass | undefined;
    for (const c of all) if (c.globalDefault && (!best || c.value < best.value)) best = c;
    return best;
  }
}
