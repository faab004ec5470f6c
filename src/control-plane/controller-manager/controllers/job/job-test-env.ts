import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Event, Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { StatusError } from '../../../../api/errors/status-error.js';
import { applyStrategicMergePatch, type JsonObject, noPatchSchema } from '../../../../api/patch/index.js';
import { formatTime } from '../../../../api/values/time.js';
import { FakeApiServer, fakeRestClient } from '../../../../client/testing/fake-api-server.js';
import type { InProcessRequest } from '../../../../client/index.js';
import { FakeClock } from '../../../../lib/clock.js';
import { type RunningControllerManager, startControllerManager } from '../../controller-manager.js';
import { jobControllerDescriptor } from './job-controller.js';
import type { JobControllerOptions } from './job-deps.js';

/**
 * A Job controller over a FakeApiServer driven by a FakeClock, for unit
 * tests: the test plays the kubelet by finishing pods, and moves time.
 * Strategic merge patches on pods (the finalizer removals) are applied for
 * real; the fake store only knows merge patches.
 */
export class JobTestEnv {
  readonly clock = new FakeClock(Date.UTC(2026, 0, 1));
  readonly fake = new FakeApiServer(this.clock);
  private cm?: RunningControllerManager;
  /** Fails this many upcoming strategic pod patches (finalizer removals) with a 500; Infinity = all. */
  failPodPatches = 0;

  constructor() {
    this.fake.intercept((req) => this.strategicPodPatch(req));
  }

  async start(options: Partial<JobControllerOptions> = {}): Promise<void> {
    this.cm = await startControllerManager({
      rest: fakeRestClient(this.fake, { clock: this.clock }),
      controllers: [jobControllerDescriptor(options)],
      clock: this.clock,
      config: { workers: 2 },
    });
    await this.settle();
  }

  async stop(): Promise<void> {
    await this.cm?.stop();
    this.cm = undefined;
  }

  /** Lets queued work run without moving time (much). */
  async settle(): Promise<void> {
    for (let i = 0; i < 30; i++) await this.clock.advance(0);
  }

  /** Moves time forward in 100 ms steps so batched syncs and their writes interleave as in real time. */
  async advance(ms: number): Promise<void> {
    for (let t = 0; t < ms; t += 100) {
      await this.clock.advance(Math.min(100, ms - t));
      await this.settle();
    }
  }

  createJob(job: Job): Job {
    return this.fake.seed('batch', 'jobs', job as Record<string, unknown>) as Job;
  }

  job(name: string, ns = 'default'): Job {
    return this.fake.get('batch', 'jobs', ns, name) as Job;
  }

  pods(ns = 'default'): Pod[] {
    return this.fake.list('', 'pods', ns) as Pod[];
  }

  livePods(ns = 'default'): Pod[] {
    return this.pods(ns).filter((p) => !['Succeeded', 'Failed'].includes(p.status?.phase ?? ''));
  }

  events(): Event[] {
    return this.fake.list('', 'events') as Event[];
  }

  /** Writes a kubelet-like status: `exitCode` undefined = running and ready. */
  async setPodStatus(pod: Pod, exitCode: number | undefined, conditions: PodStatus['conditions'] = []): Promise<void> {
    const now = formatTime(this.clock.now());
    const cur = this.fake.get('', 'pods', pod.metadata!.namespace!, pod.metadata!.name!) as Pod;
    const terminated = exitCode !== undefined;
    const status: PodStatus = {
      phase: !terminated ? 'Running' : exitCode === 0 ? 'Succeeded' : 'Failed',
      conditions: [
        { type: 'Ready', status: terminated ? 'False' : 'True', lastTransitionTime: now },
        ...(conditions ?? []),
      ],
      containerStatuses: (cur.spec?.containers ?? []).map((c) => ({
        name: c.name,
        image: c.image ?? '',
        imageID: '',
        ready: !terminated,
        restartCount: 0,
        state: terminated
          ? {
              terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: now, finishedAt: now },
            }
          : { running: { startedAt: now } },
      })),
    };
    await this.fake.handle(
      this.request('PUT', `/api/v1/namespaces/${cur.metadata!.namespace}/pods/${cur.metadata!.name}/status`, {
        ...cur,
        status,
      }),
    );
  }

  private request(method: string, path: string, object: unknown): InProcessRequest {
    return {
      method,
      path,
      query: new URLSearchParams(),
      headers: {},
      object,
      signal: new AbortController().signal,
    } as never;
  }

  private strategicPodPatch(req: InProcessRequest) {
    if (req.method !== 'PATCH' || !req.path.includes('/pods/')) return undefined;
    if (!String(req.headers['content-type'] ?? '').includes('strategic')) return undefined;
    if (this.failPodPatches > 0) {
      this.failPodPatches--;
      return {
        type: 'object' as const,
        status: 500,
        body: new StatusError(500, 'InternalError', 'injected').toStatus(),
      };
    }
    const [, ns, name] = /namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(req.path) ?? [];
    const cur = this.fake.get('', 'pods', ns!, name!);
    if (!cur) return undefined;
    const next = applyStrategicMergePatch(structuredClone(cur) as JsonObject, req.object as JsonObject, noPatchSchema);
    return this.fake.handle(this.request('PUT', req.path, next));
  }
}

export function newJob(name: string, spec: Partial<NonNullable<Job['spec']>> = {}, ns = 'default'): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: ns, generation: 1 },
    spec: {
      parallelism: 1,
      completions: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      podReplacementPolicy: spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed',
      selector: { matchLabels: { 'job-name': name } },
      ...spec,
      template: {
        metadata: { labels: { 'job-name': name } },
        spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] },
        ...spec.template,
      },
    },
  };
}
