import type { Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Pod, ReplicationController } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { isNotFound } from '../../../../api/errors/status-error.js';
import type { Lister } from '../../../../client/index.js';
import { controllerRefOf } from '../replicaset/controller-ref.js';
import { groupResourceString, parseGroupVersion, type ScaleClient } from '../hpa/scale-client.js';

export interface ScaleListers {
  replicationControllers: Lister<ReplicationController>;
  replicaSets: Lister<ReplicaSet>;
  deployments: Lister<Deployment>;
  statefulSets: Lister<StatefulSet>;
}

interface ControllerAndScale {
  uid: string;
  scale: number;
}

type Finder = (ref: OwnerReference, namespace: string, signal?: AbortSignal) => Promise<ControllerAndScale | undefined>;

export interface ExpectedScale {
  /** Sum of the scales of the distinct controllers of the pods. */
  expectedCount: number;
  /** Names of selected pods that have no controller (their budget cannot be computed exactly). */
  unmanagedPods: string[];
}

/** Whether a controllerRef names `kind` in one of `groups` (upstream verifyGroupKind); throws on a bad apiVersion. */
function refIs(ref: OwnerReference, kind: string, groups: string[]): boolean {
  const { group } = parseGroupVersion(ref.apiVersion);
  return ref.kind === kind && groups.includes(group);
}

const appsGroups = ['apps', 'extensions'];

/**
 * Finds the controllers of the pods a budget selects and their scale
 * (upstream getExpectedScale and its finders): ReplicationControllers,
 * Deployments (through their ReplicaSets), bare ReplicaSets and StatefulSets
 * from the caches, any other kind through its `/scale` subresource.
 */
export class ExpectedScaleFinder {
  private readonly finders: Finder[];

  constructor(
    private readonly listers: ScaleListers,
    private readonly scales: ScaleClient,
  ) {
    this.finders = [
      async (ref, ns) => this.replicationController(ref, ns),
      async (ref, ns) => this.deployment(ref, ns),
      async (ref, ns) => this.replicaSet(ref, ns),
      async (ref, ns) => this.statefulSet(ref, ns),
      (ref, ns, signal) => this.scaleController(ref, ns, signal),
    ];
  }

  /** Throws `found no controllers for pod "<name>"` when a controller cannot be resolved. */
  async expectedScale(pods: readonly Pod[], signal?: AbortSignal): Promise<ExpectedScale> {
    const scales = new Map<string, number>();
    const unmanagedPods: string[] = [];
    for (const pod of pods) {
      const ref = controllerRefOf(pod);
      if (!ref) {
        unmanagedPods.push(pod.metadata?.name ?? '');
        continue;
      }
      if (scales.has(ref.uid)) continue;
      let found: ControllerAndScale | undefined;
      for (const finder of this.finders) {
        found = await finder(ref, pod.metadata?.namespace ?? '', signal);
        if (found) break;
      }
      if (!found) throw new Error(`found no controllers for pod ${JSON.stringify(pod.metadata?.name ?? '')}`);
      scales.set(found.uid, found.scale);
    }
    let expectedCount = 0;
    for (const s of scales.values()) expectedCount += s;
    return { expectedCount, unmanagedPods };
  }

  private replicationController(ref: OwnerReference, ns: string): ControllerAndScale | undefined {
    if (!refIs(ref, 'ReplicationController', [''])) return undefined;
    const rc = this.listers.replicationControllers.get(ns, ref.name);
    if (!rc || rc.metadata?.uid !== ref.uid) return undefined;
    return { uid: ref.uid, scale: rc.spec?.replicas ?? 1 };
  }

  private deployment(ref: OwnerReference, ns: string): ControllerAndScale | undefined {
    if (!refIs(ref, 'ReplicaSet', appsGroups)) return undefined;
    const rs = this.listers.replicaSets.get(ns, ref.name);
    if (!rs || rs.metadata?.uid !== ref.uid) return undefined;
    const dref = controllerRefOf(rs);
    if (!dref || !refIs(dref, 'Deployment', appsGroups)) return undefined;
    const d = this.listers.deployments.get(ns, dref.name);
    if (!d || d.metadata?.uid !== dref.uid) return undefined;
    return { uid: dref.uid, scale: d.spec?.replicas ?? 1 };
  }

  private replicaSet(ref: OwnerReference, ns: string): ControllerAndScale | undefined {
    if (!refIs(ref, 'ReplicaSet', appsGroups)) return undefined;
    const rs = this.listers.replicaSets.get(ns, ref.name);
    if (!rs || rs.metadata?.uid !== ref.uid) return undefined;
    // A ReplicaSet run by a Deployment is counted through the Deployment (or not at all).
    if (controllerRefOf(rs)?.kind === 'Deployment') return undefined;
    return { uid: ref.uid, scale: rs.spec?.replicas ?? 1 };
  }

  private statefulSet(ref: OwnerReference, ns: string): ControllerAndScale | undefined {
    if (!refIs(ref, 'StatefulSet', ['apps'])) return undefined;
    const ss = this.listers.statefulSets.get(ns, ref.name);
    if (!ss || ss.metadata?.uid !== ref.uid) return undefined;
    return { uid: ref.uid, scale: ss.spec?.replicas ?? 1 };
  }

  /** Any controller with a scale subresource (upstream getScaleController). */
  private async scaleController(
    ref: OwnerReference,
    ns: string,
    signal?: AbortSignal,
  ): Promise<ControllerAndScale | undefined> {
    const { group, version } = parseGroupVersion(ref.apiVersion);
    const [mapping] = await this.scales.mappings(group, ref.kind, version, signal);
    try {
      const scale = await this.scales.get(ns, mapping!, ref.name, signal);
      if (scale.metadata?.uid !== ref.uid) return undefined;
      return { uid: ref.uid, scale: scale.spec?.replicas ?? 0 };
    } catch (err) {
      if (!isNotFound(err)) throw err;
      // NotFound is either a missing object or a resource without /scale.
      if (!mapping!.hasScale)
        throw new Error(`${groupResourceString(mapping!)} does not implement the scale subresource`);
      return undefined;
    }
  }
}
