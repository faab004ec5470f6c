import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists } from '../../../../api/errors/status-error.js';
import type { LabelMatcher } from '../../../../api/selectors/label-selector.js';
import type { Lister, ResourceClient } from '../../../../client/index.js';
import { computeHash } from '../deployment/pod-template-hash.js';
import { compareRevisions, maxRevision, revisionRaw } from '../history/controller-history.js';
import { templatePatch, templatePatchRaw } from '../history/template-patch.js';
import { claimCandidates, claimObjects, newControllerRef } from '../replicaset/controller-ref.js';
import { DaemonSetUniqueLabelKey, daemonSetApiVersion, daemonSetKind } from './daemonset-util.js';

/** The DaemonSet's template is the one a revision records (upstream Match: the same patch bytes). */
export function matchesRevision(ds: DaemonSet, revision: ControllerRevision): boolean {
  return templatePatchRaw(ds) === revisionRaw(revision);
}

export interface DaemonSetHistoryDeps {
  revisions: ResourceClient<ControllerRevision>;
  revisionLister: Lister<ControllerRevision>;
  daemonSets: ResourceClient<DaemonSet>;
  pods: ResourceClient<Pod>;
  /** Throws when the DaemonSet is gone or being deleted (checked before adopting). */
  recheck(ds: DaemonSet): Promise<void>;
}

/**
 * A DaemonSet's ControllerRevisions (upstream update.go): one per distinct
 * template, named `<ds>-<hash>` with `controller-revision-hash=<hash>` — the
 * same hash its pods carry — the current one renumbered to be the newest,
 * and old ones pruned to revisionHistoryLimit unless a pod still runs them.
 */
export class DaemonSetHistory {
  constructor(private readonly d: DaemonSetHistoryDeps) {}

  /** Revisions the DaemonSet controls, adopting matching orphans and releasing non-matching ones. */
  controlled(ds: DaemonSet, selector: LabelMatcher): Promise<ControllerRevision[]> {
    return claimObjects(claimCandidates(this.d.revisionLister, ds), {
      owner: ds,
      ownerRef: newControllerRef(ds, daemonSetApiVersion, daemonSetKind),
      selector,
      client: this.d.revisions,
      recheckOwner: () => this.d.recheck(ds),
    });
  }

  /**
   * The current revision (created, deduplicated or renumbered as needed) and
   * the old ones (upstream constructHistory). `claimedPods` are relabeled when
   * duplicates of the current revision are removed.
   */
  async construct(
    ds: DaemonSet,
    selector: LabelMatcher,
    claimedPods: () => Promise<Pod[]>,
  ): Promise<{ cur: ControllerRevision; old: ControllerRevision[] }> {
    const ns = ds.metadata!.namespace!;
    const current: ControllerRevision[] = [];
    const old: ControllerRevision[] = [];
    for (let h of await this.controlled(ds, selector)) {
      // Revisions from before the label existed are labeled with their name (no hash collisions to worry about).
      if (h.metadata?.labels?.[DaemonSetUniqueLabelKey] === undefined) {
        const copy = structuredClone(h);
        copy.metadata!.labels = { ...copy.metadata!.labels, [DaemonSetUniqueLabelKey]: copy.metadata!.name! };
        h = await this.d.revisions.namespace(ns).update(copy);
      }
      (matchesRevision(ds, h) ? current : old).push(h);
    }
    const currRevision = maxRevision(old) + 1;
    if (current.length === 0) return { cur: await this.snapshot(ds, currRevision), old };
    const cur = await this.dedup(ds, current, claimedPods);
    if (cur.revision < currRevision)
      await this.d.revisions.namespace(ns).update({ ...structuredClone(cur), revision: currRevision });
    return { cur, old };
  }

  /** Keeps the newest of several revisions of the current template; pods are relabeled to it first. */
  private async dedup(
    ds: DaemonSet,
    current: ControllerRevision[],
    claimedPods: () => Promise<Pod[]>,
  ): Promise<ControllerRevision> {
    if (current.length === 1) return current[0]!;
    let keep = current[0]!;
    for (const c of current) if (c.revision >= keep.revision) keep = c;
    const hash = keep.metadata?.labels?.[DaemonSetUniqueLabelKey];
    const ns = ds.metadata!.namespace!;
    for (const pod of await claimedPods()) {
      if (pod.metadata?.labels?.[DaemonSetUniqueLabelKey] === hash) continue;
      await this.d.pods
        .namespace(ns)
        .patch(pod.metadata!.name!, 'merge', { metadata: { labels: { [DaemonSetUniqueLabelKey]: hash } } });
    }
    for (const c of current) if (c !== keep) await this.d.revisions.namespace(ns).delete(c.metadata!.name!);
    return keep;
  }

  /**
   * Records the current template (upstream snapshot). A name taken by another
   * template bumps status.collisionCount — unless ours was stale — and fails
   * this sync, so the next one uses the new hash.
   */
  private async snapshot(ds: DaemonSet, revision: number): Promise<ControllerRevision> {
    const ns = ds.metadata!.namespace!;
    const hash = computeHash(ds.spec!.template!, ds.status?.collisionCount);
    const name = `${ds.metadata!.name}-${hash}`;
    const history: ControllerRevision = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name,
        namespace: ns,
        labels: { ...ds.spec?.template?.metadata?.labels, [DaemonSetUniqueLabelKey]: hash },
        ownerReferences: [newControllerRef(ds, daemonSetApiVersion, daemonSetKind)],
      },
      data: templatePatch(ds) as ControllerRevision['data'],
      revision,
    };
    const annotations = ds.metadata?.annotations;
    if (annotations && Object.keys(annotations).length > 0) history.metadata!.annotations = { ...annotations };
    try {
      return await this.d.revisions.namespace(ns).create(history);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await this.d.revisions.namespace(ns).get(name);
      if (matchesRevision(ds, existing)) return existing;
      const fresh = await this.d.daemonSets.namespace(ns).get(ds.metadata!.name!);
      const had = ds.status?.collisionCount;
      const has = fresh.status?.collisionCount;
      if ((had ?? null) !== (has ?? null))
        throw new Error(
          `found a stale collision count (${had}, expected ${has}) of DaemonSet ${JSON.stringify(ds.metadata!.name)} while processing; will retry until it is updated`,
        );
      await this.d.daemonSets
        .namespace(ns)
        .updateStatus({ ...fresh, status: { ...fresh.status!, collisionCount: (has ?? 0) + 1 } });
      throw err;
    }
  }

  /**
   * Deletes the oldest old revisions beyond revisionHistoryLimit whose hash
   * no pod (terminal ones included) still carries (upstream cleanupHistory).
   */
  async cleanup(ds: DaemonSet, old: readonly ControllerRevision[], pods: readonly Pod[]): Promise<void> {
    let toKill = old.length - (ds.spec?.revisionHistoryLimit ?? 10);
    if (toKill <= 0) return;
    const live = new Set<string>();
    for (const p of pods) {
      const h = p.metadata?.labels?.[DaemonSetUniqueLabelKey];
      if (h) live.add(h);
    }
    for (const h of [...old].sort(compareRevisions)) {
      if (toKill <= 0) break;
      if (live.has(h.metadata?.labels?.[DaemonSetUniqueLabelKey] ?? '')) continue;
      await this.d.revisions.namespace(ds.metadata!.namespace!).delete(h.metadata!.name!);
      toKill--;
    }
  }
}
