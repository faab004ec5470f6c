import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { isNotFound, StatusError } from '../../../../api/errors/status-error.js';
import { isDNS1123Subdomain } from '../../../../api/validation/names.js';
import type { EventRecorder, EventSubject, ResourceClient } from '../../../../client/index.js';

/** Upstream reasons for pod create/delete events. */
export const SuccessfulCreate = 'SuccessfulCreate';
export const FailedCreate = 'FailedCreate';
export const SuccessfulDelete = 'SuccessfulDelete';
export const FailedDelete = 'FailedDelete';

/** The create/delete failed because the namespace is going away (nothing to report or retry). */
export function isNamespaceTerminating(err: unknown): boolean {
  return err instanceof StatusError && !!err.details?.causes?.some((c) => c.reason === 'NamespaceTerminating');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The pod a controller creates from its template (upstream
 * GetPodFromTemplate): template labels, annotations and finalizers, the
 * controller reference, and `generateName` `<owner>-` (the owner's name alone
 * when that prefix would not be a valid name), so pods are `<owner>-xxxxx`.
 */
export function podFromTemplate(template: PodTemplateSpec | undefined, ownerName: string, ref?: OwnerReference): Pod {
  const prefix = isDNS1123Subdomain(`${ownerName}a`).length === 0 ? `${ownerName}-` : ownerName;
  const meta = template?.metadata;
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: prefix },
    spec: structuredClone(template?.spec ?? { containers: [] }),
  };
  if (meta?.labels) pod.metadata!.labels = { ...meta.labels };
  if (meta?.annotations) pod.metadata!.annotations = { ...meta.annotations };
  if (meta?.finalizers?.length) pod.metadata!.finalizers = [...meta.finalizers];
  if (ref) pod.metadata!.ownerReferences = [ref];
  return pod;
}

/**
 * Creates and deletes a controller's pods and records the events kubectl
 * describe shows (upstream RealPodControl), with upstream's texts:
 * `Created pod: <name>`, `Error creating: <err>`, `Deleted pod: <name>`,
 * `Error deleting: <err>`.
 */
export class PodControl {
  constructor(
    private readonly pods: ResourceClient<Pod>,
    private readonly recorder: EventRecorder,
  ) {}

  async createPod(
    namespace: string,
    template: PodTemplateSpec | undefined,
    owner: EventSubject,
    ownerName: string,
    ref: OwnerReference,
  ): Promise<Pod> {
    const pod = podFromTemplate(template, ownerName, ref);
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

  /** Deletes a pod; NotFound is rethrown as is (callers treat it as already done) and not reported. */
  async deletePod(namespace: string, name: string, owner: EventSubject): Promise<void> {
    try {
      await this.pods.namespace(namespace).delete(name);
    } catch (err) {
      if (isNotFound(err)) throw err;
      this.recorder.event(owner, 'Warning', FailedDelete, `Error deleting: ${errorText(err)}`);
      throw new Error(`unable to delete pods: ${errorText(err)}`, { cause: err });
    }
    this.recorder.event(owner, 'Normal', SuccessfulDelete, `Deleted pod: ${name}`);
  }
}

/**
 * Runs `fn` `count` times in batches of 1, 2, 4, ... (upstream
 * slowStartBatch): a batch runs concurrently and the next starts only if
 * every call of this one succeeded, so a systematic failure (quota, a bad
 * template) costs a handful of calls, not hundreds. Returns how many calls
 * succeeded and the first error, if any.
 */
export async function slowStartBatch(
  count: number,
  initialBatchSize: number,
  fn: () => Promise<void>,
): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += batch - failed.length;
    if (failed.length > 0) return { successes, error: failed[0]!.reason };
    remaining -= batch;
  }
  return { successes };
}
