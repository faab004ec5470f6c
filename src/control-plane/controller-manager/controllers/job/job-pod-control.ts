import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { EventRecorder, EventSubject, ResourceClient } from '../../../../client/index.js';
import {
  FailedCreate,
  isNamespaceTerminating,
  PodControl,
  podFromTemplate,
  SuccessfulCreate,
} from '../replicaset/pod-control.js';

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * The Job controller's pod writes (upstream RealPodControl as the Job
 * controller uses it): create with an explicit generateName (`<job>-<index>-`
 * for Indexed Jobs), delete, and strategic-merge patches for the tracking
 * finalizer — with the events `kubectl describe job` shows.
 */
export class JobPodControl {
  private readonly base: PodControl;

  constructor(
    private readonly pods: ResourceClient<Pod>,
    private readonly recorder: EventRecorder,
  ) {
    this.base = new PodControl(pods, recorder);
  }

  async createPod(
    namespace: string,
    template: PodTemplateSpec,
    owner: EventSubject,
    jobName: string,
    ref: OwnerReference,
    generateName?: string,
  ): Promise<Pod> {
    const pod = podFromTemplate(template, jobName, ref);
    if (generateName) pod.metadata!.generateName = generateName;
    if (Object.keys(pod.metadata?.labels ?? {}).length === 0) throw new Error('unable to create pods, no labels');
    try {
      const created = await this.pods.namespace(namespace).create(pod);
      this.recorder.event(owner, 'Normal', SuccessfulCreate, `Created pod: ${created.metadata?.name}`);
      return created;
    } catch (err) {
      if (!isNamespaceTerminating(err))
        this.recorder.event(owner, 'Warning', FailedCreate, `Error creating: ${errorText(err)}`);
      throw err;
    }
  }

  /** Deletes a pod; NotFound is rethrown unreported (the caller treats it as done). */
  deletePod(namespace: string, name: string, owner: EventSubject): Promise<void> {
    return this.base.deletePod(namespace, name, owner);
  }

  async patchPod(namespace: string, name: string, patch: unknown): Promise<Pod> {
    return this.pods.namespace(namespace).patch(name, 'strategic', patch);
  }
}
