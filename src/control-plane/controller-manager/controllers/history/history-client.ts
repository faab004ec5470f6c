import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { isAlreadyExists, isConflict, isInvalid, isNotFound } from '../../../../api/errors/status-error.js';
import type { LabelMatcher } from '../../../../api/selectors/label-selector.js';
import { gvr, type Lister, type ResourceClient } from '../../../../client/index.js';
import { adoptPatch, controllerRefOf, newControllerRef, releasePatch } from '../replicaset/controller-ref.js';
import { controllerRevisionName, hashControllerRevision, revisionRaw } from './controller-history.js';

export const controllerRevisionsGVR = gvr('apps', 'v1', 'controllerrevisions');

/** Bound on name-collision retries when creating a revision (upstream loops until it succeeds). */
const maxCollisionRetries = 100;
/** Bound on conflict retries when renumbering a revision (client-go retry.DefaultBackoff has 4 steps). */
const maxConflictRetries = 5;

type Parent = { metadata?: ObjectMeta };

/**
 * A controller's history as recorded in ControllerRevisions (upstream
 * `history.Interface` / realHistory): reads from the shared informer's
 * lister, writes through the controller's own client. Returned objects may be
 * cached ones: never mutate them.
 */
export class ControllerHistory {
  constructor(
    private readonly client: ResourceClient<ControllerRevision>,
    private readonly lister: Lister<ControllerRevision>,
  ) {}

  /** Revisions in the parent's namespace matching `selector` that the parent controls or nobody controls. */
  list(parent: Parent, selector: LabelMatcher): ControllerRevision[] {
    const uid = parent.metadata?.uid;
    return this.lister
      .namespace(parent.metadata?.namespace ?? '')
      .list(selector)
      .filter((r) => {
        const ref = controllerRefOf(r);
        return !ref || ref.uid === uid;
      });
  }

  /**
   * Creates `revision`, renaming it `<parent>-<hash>` with the hash probed by
   * the collision count. An existing revision of that name with the same data
   * is returned as is; one with other data bumps `collisionCount.value` and
   * the next name is tried (upstream CreateControllerRevision).
   */
  async create(
    parent: Parent,
    revision: ControllerRevision,
    collisionCount: { value: number },
  ): Promise<ControllerRevision> {
    const raw = revisionRaw(revision);
    const ns = parent.metadata?.namespace ?? '';
    for (let i = 0; i < maxCollisionRetries; i++) {
      const hash = hashControllerRevision(raw, collisionCount.value);
      const clone: ControllerRevision = {
        ...revision,
        metadata: { ...revision.metadata, name: controllerRevisionName(parent.metadata!.name!, hash), namespace: ns },
      };
      try {
        return await this.client.namespace(ns).create(clone);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      const exists = await this.client.namespace(ns).get(clone.metadata!.name!);
      if (revisionRaw(exists) === raw) return exists;
      collisionCount.value++;
    }
    throw new Error(`could not find a free ControllerRevision name for ${ns}/${parent.metadata?.name}`);
  }

  /** Renumbers a revision (a rollback to an earlier template makes it the newest), retrying conflicts. */
  async updateRevision(revision: ControllerRevision, newRevision: number): Promise<ControllerRevision> {
    let cur = revision;
    for (let attempt = 0; ; attempt++) {
      if (cur.revision === newRevision) return cur;
      try {
        return await this.client.namespace(cur.metadata!.namespace!).update({ ...cur, revision: newRevision });
      } catch (err) {
        if (!isConflict(err) || attempt + 1 >= maxConflictRetries) throw err;
        cur = await this.client.namespace(cur.metadata!.namespace!).get(cur.metadata!.name!);
      }
    }
  }

  /** Deletes a revision; one already gone is fine. */
  async delete(revision: ControllerRevision): Promise<void> {
    try {
      await this.client.namespace(revision.metadata!.namespace!).delete(revision.metadata!.name!);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Makes `parent` the controller of an orphaned revision (upstream AdoptControllerRevision). */
  async adopt(
    parent: Parent,
    apiVersion: string,
    kind: string,
    revision: ControllerRevision,
  ): Promise<ControllerRevision> {
    const owner = controllerRefOf(revision);
    if (owner) throw new Error(`attempt to adopt revision owned by ${owner.kind}/${owner.name} (${owner.uid})`);
    return this.client
      .namespace(parent.metadata!.namespace!)
      .patch(
        revision.metadata!.name!,
        'strategic',
        adoptPatch(newControllerRef(parent, apiVersion, kind), revision.metadata!.uid!),
      );
  }

  /** Drops `parent`'s reference from a revision; gone or already released is fine (upstream ReleaseControllerRevision). */
  async release(parent: Parent, revision: ControllerRevision): Promise<ControllerRevision | undefined> {
    try {
      return await this.client
        .namespace(revision.metadata!.namespace!)
        .patch(revision.metadata!.name!, 'strategic', releasePatch(parent.metadata!.uid!, revision.metadata!.uid!));
    } catch (err) {
      if (isNotFound(err) || isInvalid(err)) return undefined;
      throw err;
    }
  }
}

/** The history operations controllers use; faked in unit tests. */
export type ControllerHistoryInterface = Pick<
  ControllerHistory,
  'list' | 'create' | 'updateRevision' | 'delete' | 'adopt' | 'release'
>;
