import type { Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import {
  gvr,
  type EventRecorder,
  type KubeObject,
  type Lister,
  objectOf,
  RateLimitingQueue,
  runController,
  typed,
} from '../../../../client/index.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';
import { PVWriter, subjectOf, type PVObj, type PVCObj } from './pv-writer.js';
import {
  AnnBoundByController,
  AnnBindCompleted,
  AnnDynamicallyProvisioned,
  checkVolumeSatisfyClaim,
  claimClass,
  claimHasClass,
  defaultClass,
  findBestMatchForClaim,
  isDelayBindingMode,
  isDelayBindingProvisioning,
  isVolumeBoundToClaim,
  volumeModeMismatch,
} from './pv-helpers.js';

const pvsGVR = gvr('', 'v1', 'persistentvolumes');
const pvcsGVR = gvr('', 'v1', 'persistentvolumeclaims');
const classesGVR = gvr('storage.k8s.io', 'v1', 'storageclasses');
const podsGVR = gvr('', 'v1', 'pods');

/** Upstream `--pvclaimbinder-sync-period`: every claim and volume is re-synced this often. */
export const defaultSyncPeriodMs = 15_000;

const claimKey = (ns: string, name: string) => `claim/${ns}/${name}`;
const volumeKey = (name: string) => `volume/${name}`;

/**
 * The persistentvolume-binder controller (upstream
 * pkg/controller/volume/persistentvolume/pv_controller.go): binds claims to
 * volumes (statically, or by asking an external provisioner through the
 * claim's storage-provisioner annotation), keeps both objects' phases, and
 * reclaims volumes whose claim is gone (Retain: Released; Delete: the PV is
 * deleted, or left to the external provisioner that created it). Claims and
 * volumes share one queue; keys are `claim/<ns>/<name>` and `volume/<name>`.
 * Races between workers binding the same volume are settled by the API's
 * resourceVersion conflicts: the loser retries on fresh state.
 */
export class PersistentVolumeController {
  private readonly queue: RateLimitingQueue<string>;
  private readonly volumes: Lister<PVObj>;
  private readonly claims: Lister<PVCObj>;
  private readonly classes: Lister<StorageClass & KubeObject>;
  private readonly pods: Lister<Pod & KubeObject>;
  private readonly recorder: EventRecorder;
  private readonly writer: PVWriter;
  private readonly synced: ((s: AbortSignal) => Promise<boolean>)[];

  constructor(
    private readonly ctx: ControllerContext,
    private readonly syncPeriodMs = defaultSyncPeriodMs,
  ) {
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'persistentvolume' });
    const pvInf = ctx.informers.forResource<PVObj>(pvsGVR);
    const pvcInf = ctx.informers.forResource<PVCObj>(pvcsGVR);
    const scInf = ctx.informers.forResource<StorageClass & KubeObject>(classesGVR);
    const podInf = ctx.informers.forResource<Pod & KubeObject>(podsGVR);
    this.volumes = pvInf.lister();
    this.claims = pvcInf.lister();
    this.classes = scInf.lister();
    this.pods = podInf.lister();
    this.synced = [pvInf, pvcInf, scInf, podInf].map((i) => (s: AbortSignal) => i.waitForSync(s));
    this.recorder = ctx.recorder('persistentvolume-controller');
    this.writer = new PVWriter(
      typed<PVObj>(ctx.rest, pvsGVR),
      typed<PVCObj>(ctx.rest, pvcsGVR),
      this.recorder,
      ctx.clock,
    );
    const onVolume = (pv: PVObj) => this.queue.add(volumeKey(pv.metadata!.name!));
    pvInf.addEventHandler({
      onAdd: onVolume,
      onUpdate: (_o, pv) => onVolume(pv),
      // A bound claim whose volume disappeared becomes Lost.
      onDelete: (o) => {
        const ref = objectOf(o).spec?.claimRef;
        if (ref?.name) this.queue.add(claimKey(ref.namespace ?? '', ref.name));
      },
    });
    const onClaim = (pvc: PVCObj) => this.queue.add(claimKey(pvc.metadata!.namespace!, pvc.metadata!.name!));
    pvcInf.addEventHandler({
      onAdd: onClaim,
      onUpdate: (_o, pvc) => onClaim(pvc),
      // The claim's volume may now be released.
      onDelete: (o) => {
        const volumeName = objectOf(o).spec?.volumeName;
        if (volumeName) this.queue.add(volumeKey(volumeName));
      },
    });
  }

  async run(): Promise<void> {
    for (const s of this.synced) {
      if (!(await s(this.ctx.signal))) {
        this.queue.shutDown();
        return;
      }
    }
    const resync = this.ctx.clock.setInterval(() => this.resyncAll(), this.syncPeriodMs);
    try {
      await runController({
        name: 'persistentvolume-binder',
        queue: this.queue,
        workers: this.ctx.config.workers,
        reconcile: (key) => this.reconcile(key),
        signal: this.ctx.signal,
        log: this.ctx.log,
        clock: this.ctx.clock,
      });
    } finally {
      resync.cancel();
    }
  }

  private resyncAll(): void {
    for (const pv of this.volumes.list()) this.queue.add(volumeKey(pv.metadata!.name!));
    for (const pvc of this.claims.list()) this.queue.add(claimKey(pvc.metadata!.namespace!, pvc.metadata!.name!));
  }

  async reconcile(key: string): Promise<void> {
    if (key.startsWith('volume/')) {
      const pv = this.volumes.get('', key.slice('volume/'.length));
      if (pv) await this.syncVolume(pv);
      return;
    }
    const [ns, name] = key.slice('claim/'.length).split('/');
    const pvc = this.claims.get(ns!, name!);
    if (!pvc) return;
    if (pvc.metadata?.annotations?.[AnnBindCompleted] === undefined) await this.syncUnboundClaim(pvc);
    else await this.syncBoundClaim(pvc);
  }

  private getClass = (name: string) => this.classes.get('', name);

  /** A claim that never completed binding. */
  private async syncUnboundClaim(pvc: PVCObj): Promise<void> {
    const w = this.writer;
    if (!pvc.spec?.volumeName) {
      const delay = isDelayBindingMode(pvc, this.getClass);
      const pv = findBestMatchForClaim(pvc, this.volumes.list(), delay);
      if (pv) {
        await w.bind(pv, pvc);
        return;
      }
      // Claims created before a default class existed get it now (retroactive default StorageClass).
      if (!claimHasClass(pvc)) {
        const def = defaultClass(this.classes.list());
        if (def) {
          await w.assignClass(pvc, def.metadata!.name!);
          return;
        }
      }
      if (delay && !isDelayBindingProvisioning(pvc)) {
        this.emitUnboundDelayBindingEvent(pvc);
      } else if (claimClass(pvc)) {
        await this.provisionClaim(pvc);
        return;
      } else {
        this.recorder.event(
          subjectOf(pvc),
          'Normal',
          'FailedBinding',
          'no persistent volumes available for this claim and no storage class is set',
        );
      }
      await w.updateClaimStatus(pvc, 'Pending', undefined);
      return;
    }
    // The user asked for a specific volume.
    const pv = this.volumes.get('', pvc.spec.volumeName);
    if (!pv) {
      await w.updateClaimStatus(pvc, 'Pending', undefined);
      return;
    }
    if (!pv.spec?.claimRef) {
      const why = checkVolumeSatisfyClaim(pv, pvc);
      if (why) {
        this.recorder.event(
          subjectOf(pvc),
          'Warning',
          'VolumeMismatch',
          `Cannot bind to requested volume "${pv.metadata!.name}": ${why}`,
        );
        await w.updateClaimStatus(pvc, 'Pending', undefined);
        return;
      }
      await w.bind(pv, pvc);
      return;
    }
    if (isVolumeBoundToClaim(pv, pvc)) {
      await w.bind(pv, pvc);
      return;
    }
    this.recorder.event(
      subjectOf(pvc),
      'Warning',
      'FailedBinding',
      `volume "${pv.metadata!.name}" already bound to a different claim.`,
    );
    if (pvc.metadata?.annotations?.[AnnBoundByController] === undefined) {
      await w.updateClaimStatus(pvc, 'Pending', undefined);
      return;
    }
    const ref = pv.spec.claimRef;
    throw new Error(
      `invalid binding of claim "${pvc.metadata!.namespace}/${pvc.metadata!.name}" to volume "${pv.metadata!.name}": volume already claimed by "${ref.namespace}/${ref.name}"`,
    );
  }

  /** WaitForPodScheduled when a pending pod uses the claim, else WaitForFirstConsumer (upstream messages). */
  private emitUnboundDelayBindingEvent(pvc: PVCObj): void {
    const ns = pvc.metadata!.namespace!;
    const waiting = this.pods
      .namespace(ns)
      .list()
      .filter(
        (p) =>
          !p.spec?.nodeName &&
          p.status?.phase !== 'Succeeded' &&
          p.status?.phase !== 'Failed' &&
          !p.metadata?.deletionTimestamp &&
          (p.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === pvc.metadata!.name),
      )
      .map((p) => p.metadata!.name!)
      .sort();
    if (waiting.length > 0) {
      this.recorder.event(
        subjectOf(pvc),
        'Normal',
        'WaitForPodScheduled',
        `waiting for pod ${waiting.join(',')} to be scheduled`,
      );
    } else {
      this.recorder.event(
        subjectOf(pvc),
        'Normal',
        'WaitForFirstConsumer',
        'waiting for first consumer to be created before binding',
      );
    }
  }

  /**
   * Dynamic provisioning. kubets has no in-tree provisioners: a class naming
   * an external provisioner gets the claim annotated for it (the provisioner
   * creates a PV pre-bound to the claim, which the next claim sync binds);
   * `kubernetes.io/*` names match no plugin and fail as upstream does.
   */
  private async provisionClaim(pvc: PVCObj): Promise<void> {
    const name = claimClass(pvc);
    const sc = this.getClass(name);
    if (!sc) {
      this.recorder.event(
        subjectOf(pvc),
        'Warning',
        'ProvisioningFailed',
        `storageclass.storage.k8s.io "${name}" not found`,
      );
      return;
    }
    if (sc.provisioner.startsWith('kubernetes.io/')) {
      this.recorder.event(
        subjectOf(pvc),
        'Warning',
        'ProvisioningFailed',
        `no volume plugin matched name: ${sc.provisioner}`,
      );
      return;
    }
    await this.writer.setClaimProvisioner(pvc, sc.provisioner);
    this.recorder.event(
      subjectOf(pvc),
      'Normal',
      'ExternalProvisioning',
      `Waiting for a volume to be created either by the external provisioner '${sc.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
    );
  }

  /** A claim that has been bound before. */
  private async syncBoundClaim(pvc: PVCObj): Promise<void> {
    const w = this.writer;
    const lost = (reason: string, message: string) =>
      w.updateClaimStatusWithEvent(pvc, 'Lost', undefined, 'Warning', reason, message);
    if (!pvc.spec?.volumeName) {
      await lost('ClaimLost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
      return;
    }
    const pv = this.volumes.get('', pvc.spec.volumeName);
    if (!pv) {
      await lost('ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
      return;
    }
    if (!pv.spec?.claimRef || pv.spec.claimRef.uid === pvc.metadata?.uid) {
      await w.bind(pv, pvc);
      return;
    }
    await lost('ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
  }

  private async syncVolume(pv: PVObj): Promise<void> {
    const w = this.writer;
    const ref = pv.spec?.claimRef;
    if (!ref || !ref.uid) {
      // Unused, or reserved for a claim that has not bound yet (that claim's sync binds it).
      await w.updateVolumePhase(pv, 'Available', '');
      return;
    }
    const ns = ref.namespace ?? '';
    let pvc: PVCObj | undefined = this.claims.get(ns, ref.name ?? '');
    // The cache may lag behind a provisioner or the scheduler: never release on a cache miss alone.
    if (!pvc && pv.status?.phase !== 'Released' && pv.status?.phase !== 'Failed') {
      pvc = await w.getClaim(ns, ref.name ?? '');
    }
    if (pvc && pvc.metadata?.uid !== ref.uid) {
      pvc = await w.getClaim(ns, ref.name ?? '');
      if (pvc && pvc.metadata?.uid !== ref.uid) pvc = undefined;
    }
    if (!pvc) {
      let cur = pv;
      if (pv.status?.phase !== 'Released' && pv.status?.phase !== 'Failed') {
        this.ctx.log.info('volume is released and reclaim policy will be executed', {
          volume: pv.metadata!.name,
          reclaimPolicy: pv.spec?.persistentVolumeReclaimPolicy,
        });
        cur = await w.updateVolumePhase(pv, 'Released', '');
      }
      await this.reclaimVolume(cur);
      return;
    }
    if (!pvc.spec?.volumeName) {
      if (volumeModeMismatch(pvc, pv)) {
        this.recorder.event(
          subjectOf(pv),
          'Warning',
          'VolumeMismatch',
          `Cannot bind PersistentVolume to requested PersistentVolumeClaim "${pvc.metadata!.name}" due to incompatible volumeMode.`,
        );
        this.recorder.event(
          subjectOf(pvc),
          'Warning',
          'VolumeMismatch',
          `Cannot bind PersistentVolume "${pv.metadata!.name}" to requested PersistentVolumeClaim due to incompatible volumeMode.`,
        );
        return;
      }
      // Bound by the scheduler or a provisioner, or dangling: the claim's sync finishes it.
      this.queue.add(claimKey(ns, pvc.metadata!.name!));
      return;
    }
    if (pvc.spec.volumeName === pv.metadata!.name) {
      await w.updateVolumePhase(pv, 'Bound', '');
      return;
    }
    // The claim got bound to another volume.
    const ann = pv.metadata?.annotations ?? {};
    if (ann[AnnDynamicallyProvisioned] !== undefined && pv.spec?.persistentVolumeReclaimPolicy === 'Delete') {
      let cur = pv;
      if (pv.status?.phase !== 'Released' && pv.status?.phase !== 'Failed') {
        cur = await w.updateVolumePhase(pv, 'Released', '');
      }
      await this.reclaimVolume(cur);
      return;
    }
    await w.unbindVolume(pv);
  }

  /**
   * Carries out the reclaim policy of a released volume. Delete: a volume an
   * external provisioner created is left to that provisioner (it removes the
   * storage, then the PV); any other volume has no deleter here, so only the
   * PV object is deleted and its data is kept.
   */
  private async reclaimVolume(pv: PVObj): Promise<void> {
    const policy = pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
    if (policy === 'Retain') return;
    if (policy === 'Recycle') {
      await this.writer.updateVolumePhaseWithEvent(
        pv,
        'Failed',
        'Warning',
        'VolumeFailedRecycle',
        'No recycler plugin found for the volume!',
      );
      return;
    }
    if (policy !== 'Delete') {
      await this.writer.updateVolumePhaseWithEvent(
        pv,
        'Failed',
        'Warning',
        'VolumeUnknownReclaimPolicy',
        'Volume has unrecognized PersistentVolumeReclaimPolicy',
      );
      return;
    }
    if (pv.metadata?.deletionTimestamp) return;
    const provisioner = pv.metadata?.annotations?.[AnnDynamicallyProvisioned];
    if (provisioner && !provisioner.startsWith('kubernetes.io/')) return;
    await this.writer.deleteVolume(pv);
  }
}

/** kube-controller-manager's `persistentvolume-binder` controller. */
export const persistentVolumeBinderController: ControllerDescriptor = {
  name: 'persistentvolume-binder',
  serviceAccount: 'persistent-volume-binder',
  enabledByDefault: true,
  start: (ctx) => new PersistentVolumeController(ctx).run(),
};
