/**
 * Where pods enter the kubelet (upstream HandlePodAdditions): a pod the pod
 * workers do not know yet is admitted first (pod-admission.ts) against the
 * pods already admitted; admitted pods go to their worker, rejected ones get
 * the rejection status and a Warning event and never start. Pods already
 * terminal or being deleted skip admission (there is nothing to start).
 *
 * Pods seen before the informer has synced are held and, once `start()` is
 * called, admitted oldest first (by creation time), so a restarted kubelet
 * re-admits what it runs in the order it was first admitted. Admissions run
 * one at a time so each sees the outcome of the previous one.
 */
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import type { Logger } from '../../../lib/log.js';
import { isTerminalPhase } from '../status/generate-status.js';
import { admitPod, rejectedPodStatus, type PodAdmissionSources } from './pod-admission.js';

/** The part of PodWorkers the handler drives. */
export interface AdmissionTargets {
  has(uid: string): boolean;
  update(pod: Pod): void;
  reject(pod: Pod, status: PodStatus): void;
  activePods(): Pod[];
}

export interface AdmissionHandlerOptions {
  workers: AdmissionTargets;
  sources: PodAdmissionSources;
  event(pod: Pod, type: 'Warning', reason: string, message: string): void;
  log: Logger;
}

const creationTime = (p: Pod) => Date.parse(p.metadata?.creationTimestamp ?? '') || 0;

export class AdmissionHandler {
  private started = false;
  private readonly held = new Map<string, Pod>();
  /** Latest version of pods waiting for their admission. */
  private readonly waiting = new Map<string, Pod>();
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly o: AdmissionHandlerOptions) {}

  /** A pod bound to this node was added or changed in the API. */
  onPod(pod: Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    if (this.o.workers.has(uid)) {
      this.o.workers.update(pod);
      return;
    }
    if (!this.started) {
      this.held.set(uid, pod);
      return;
    }
    this.enqueue(pod);
  }

  /** The pod left the API before it was admitted. */
  forget(uid: string): void {
    this.held.delete(uid);
    this.waiting.delete(uid);
  }

  /** Admits the held pods, oldest first; later pods are admitted as they come. */
  start(): Promise<void> {
    this.started = true;
    const held = [...this.held.values()].sort((a, b) => creationTime(a) - creationTime(b));
    this.held.clear();
    for (const p of held) this.enqueue(p);
    return this.idle();
  }

  /** Resolves once every queued admission is done. */
  idle(): Promise<void> {
    return this.chain;
  }

  private enqueue(pod: Pod): void {
    const uid = pod.metadata!.uid!;
    const queued = this.waiting.has(uid);
    this.waiting.set(uid, pod);
    if (queued) return;
    this.chain = this.chain.then(() =>
      this.admitOne(uid).catch((err: unknown) => this.o.log.warn('pod admission failed', { uid, err })),
    );
  }

  private async admitOne(uid: string): Promise<void> {
    const pod = this.waiting.get(uid);
    if (!pod || this.o.workers.has(uid)) {
      this.waiting.delete(uid);
      if (pod) this.o.workers.update(pod);
      return;
    }
    if (isTerminalPhase(pod.status?.phase) || pod.metadata?.deletionTimestamp) {
      this.waiting.delete(uid);
      this.o.workers.update(pod);
      return;
    }
    const result = await admitPod(this.o.sources, pod, this.o.workers.activePods());
    // The newest version of the pod (it may have changed while admission ran); gone: forget it.
    const latest = this.waiting.get(uid);
    this.waiting.delete(uid);
    if (!latest) return;
    if (result.admit) {
      this.o.workers.update(latest);
      return;
    }
    this.o.log.info('pod rejected by admission', {
      pod: latest.metadata?.name,
      ns: latest.metadata?.namespace,
      reason: result.reason,
      message: result.message,
    });
    this.o.event(latest, 'Warning', result.reason, result.message);
    this.o.workers.reject(latest, rejectedPodStatus(latest, result.reason, result.message));
  }
}
