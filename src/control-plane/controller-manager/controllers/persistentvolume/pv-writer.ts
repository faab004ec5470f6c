import type { ObjectReference, PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '../../../../api/errors/status-error.js';
import type { EventRecorder, EventType, KubeObject, ResourceClient } from '../../../../client/index.js';
import type { Clock } from '../../../../lib/clock.js';
import {
  AnnBetaStorageProvisioner,
  AnnBindCompleted,
  AnnBoundByController,
  AnnStorageProvisioner,
  isVolumeBoundToClaim,
} from './pv-helpers.js';

export type PVObj = PersistentVolume & KubeObject;
export type PVCObj = PersistentVolumeClaim & KubeObject;

/** An event subject for a claim (namespaced) or a volume: cached objects may lack kind/apiVersion. */
export function subjectOf(obj: PVObj | PVCObj): ObjectReference {
  const m = obj.metadata ?? {};
  const ref: ObjectReference = {
    kind: m.namespace ? 'PersistentVolumeClaim' : 'PersistentVolume',
    apiVersion: 'v1',
    name: m.name,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
  };
  if (m.namespace) ref.namespace = m.namespace;
  return ref;
}

const rfc3339 = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/**
 * The binder's writes (upstream bind / bindVolumeToClaim / bindClaimToVolume /
 * updateClaimStatus / updateVolumePhase / unbindVolume). Every method takes a
 * possibly cached object, never changes it, writes only when something
 * differs, and returns the object the API answered (or the input when nothing
 * was written). Writes carry the input's resourceVersion, so a stale input
 * fails with a conflict and the caller retries on fresh state.
 */
export class PVWriter {
  constructor(
    private readonly pvs: ResourceClient<PVObj>,
    private readonly pvcs: ResourceClient<PVCObj>,
    private readonly recorder: EventRecorder,
    private readonly clock: Clock,
  ) {}

  async getClaim(ns: string, name: string): Promise<PVCObj | undefined> {
    try {
      return await this.pvcs.namespace(ns).get(name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Binds both ways and marks both Bound; the volume is saved first. */
  async bind(pv: PVObj, pvc: PVCObj): Promise<void> {
    let vol = await this.bindVolumeToClaim(pv, pvc);
    vol = await this.updateVolumePhase(vol, 'Bound', '');
    const claim = await this.bindClaimToVolume(pvc, vol);
    await this.updateClaimStatus(claim, 'Bound', vol);
  }

  /** Sets the volume's claimRef to the claim (with UID); marks it bound-by-controller when the binding is new. */
  async bindVolumeToClaim(pv: PVObj, pvc: PVCObj): Promise<PVObj> {
    const ref = pv.spec?.claimRef;
    const setBoundBy = !isVolumeBoundToClaim(pv, pvc) && pv.metadata?.annotations?.[AnnBoundByController] === undefined;
    const refMatches =
      ref?.uid === pvc.metadata?.uid && ref?.name === pvc.metadata?.name && ref?.namespace === pvc.metadata?.namespace;
    if (refMatches && !setBoundBy) return pv;
    const clone = structuredClone(pv);
    if (!refMatches) {
      clone.spec = {
        ...clone.spec,
        claimRef: {
          kind: 'PersistentVolumeClaim',
          apiVersion: 'v1',
          namespace: pvc.metadata!.namespace,
          name: pvc.metadata!.name,
          uid: pvc.metadata!.uid,
          resourceVersion: pvc.metadata!.resourceVersion,
        },
      };
    }
    if (setBoundBy) {
      clone.metadata!.annotations = { ...clone.metadata!.annotations, [AnnBoundByController]: 'yes' };
    }
    return this.pvs.update(clone);
  }

  /** Sets the claim's volumeName and the bind-completed annotation. */
  async bindClaimToVolume(pvc: PVCObj, pv: PVObj): Promise<PVCObj> {
    const ann = pvc.metadata?.annotations ?? {};
    const rebind = pvc.spec?.volumeName !== pv.metadata!.name;
    if (!rebind && ann[AnnBindCompleted] !== undefined) return pvc;
    const clone = structuredClone(pvc);
    const next = { ...ann };
    if (rebind) {
      clone.spec = { ...clone.spec, volumeName: pv.metadata!.name };
      if (next[AnnBoundByController] === undefined) next[AnnBoundByController] = 'yes';
    }
    if (next[AnnBindCompleted] === undefined) next[AnnBindCompleted] = 'yes';
    clone.metadata!.annotations = next;
    return this.pvcs.namespace(pvc.metadata!.namespace!).update(clone);
  }

  /**
   * Sets the claim's phase; with a volume, its access modes and (when the
   * claim becomes Bound) its capacity, without one, clears both.
   */
  async updateClaimStatus(pvc: PVCObj, phase: string, pv: PVObj | undefined): Promise<PVCObj> {
    const st = { ...(pvc.status ?? {}) };
    let dirty = false;
    if (st.phase !== phase) {
      st.phase = phase;
      dirty = true;
    }
    if (!pv) {
      if (st.accessModes !== undefined) {
        delete st.accessModes;
        dirty = true;
      }
      if (st.capacity !== undefined) {
        delete st.capacity;
        dirty = true;
      }
    } else {
      const modes = pv.spec?.accessModes;
      if (JSON.stringify(st.accessModes) !== JSON.stringify(modes)) {
        st.accessModes = modes;
        dirty = true;
      }
      if (pvc.status?.phase !== phase) {
        const cap = pv.spec?.capacity?.storage;
        if (cap === undefined) throw new Error(`PersistentVolume "${pv.metadata!.name}" is without a storage capacity`);
        if (st.capacity?.storage !== cap) {
          st.capacity = { ...pv.spec!.capacity };
          dirty = true;
        }
      }
    }
    if (!dirty) return pvc;
    return this.pvcs.namespace(pvc.metadata!.namespace!).updateStatus({ ...structuredClone(pvc), status: st });
  }

  /** Changes the phase and emits the event, only when the phase actually changes. */
  async updateClaimStatusWithEvent(
    pvc: PVCObj,
    phase: string,
    pv: PVObj | undefined,
    type: EventType,
    reason: string,
    message: string,
  ): Promise<PVCObj> {
    if (pvc.status?.phase === phase) return pvc;
    const next = await this.updateClaimStatus(pvc, phase, pv);
    this.recorder.event(subjectOf(next), type, reason, message);
    return next;
  }

  async updateVolumePhase(pv: PVObj, phase: string, message: string): Promise<PVObj> {
    if (pv.status?.phase === phase) return pv;
    const status = { ...pv.status, phase, lastPhaseTransitionTime: rfc3339(this.clock.now()) };
    if (message) status.message = message;
    else delete status.message;
    return this.pvs.updateStatus({ ...structuredClone(pv), status });
  }

  async updateVolumePhaseWithEvent(
    pv: PVObj,
    phase: string,
    type: EventType,
    reason: string,
    message: string,
  ): Promise<PVObj> {
    if (pv.status?.phase === phase) return pv;
    const next = await this.updateVolumePhase(pv, phase, message);
    this.recorder.event(subjectOf(next), type, reason, message);
    return next;
  }

  /**
   * Rolls back a binding: a controller-made one loses its claimRef, a
   * user-made pre-binding only its UID; the volume becomes Available.
   */
  async unbindVolume(pv: PVObj): Promise<void> {
    const clone = structuredClone(pv);
    const ann = { ...clone.metadata?.annotations };
    if (ann[AnnBoundByController] !== undefined) {
      delete clone.spec!.claimRef;
      delete ann[AnnBoundByController];
      clone.metadata!.annotations = Object.keys(ann).length ? ann : undefined;
    } else if (clone.spec?.claimRef) {
      delete clone.spec.claimRef.uid;
    }
    const next = await this.pvs.update(clone);
    await this.updateVolumePhase(next, 'Available', '');
  }

  /** Annotates the claim for its class's external provisioner (both the GA and the beta annotation). */
  async setClaimProvisioner(pvc: PVCObj, provisioner: string): Promise<PVCObj> {
    const ann = pvc.metadata?.annotations ?? {};
    if (ann[AnnStorageProvisioner] === provisioner && ann[AnnBetaStorageProvisioner] === provisioner) return pvc;
    const clone = structuredClone(pvc);
    clone.metadata!.annotations = {
      ...ann,
      [AnnStorageProvisioner]: provisioner,
      [AnnBetaStorageProvisioner]: provisioner,
    };
    return this.pvcs.namespace(pvc.metadata!.namespace!).update(clone);
  }

  async assignClass(pvc: PVCObj, className: string): Promise<PVCObj> {
    const clone = structuredClone(pvc);
    clone.spec = { ...clone.spec, storageClassName: className };
    return this.pvcs.namespace(pvc.metadata!.namespace!).update(clone);
  }

  /** Deletes the PV object, conditional on the UID that was released. */
  async deleteVolume(pv: PVObj): Promise<void> {
    try {
      await this.pvs.delete(pv.metadata!.name!, { preconditions: { uid: pv.metadata!.uid! } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
