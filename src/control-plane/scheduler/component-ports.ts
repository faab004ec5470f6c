import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound } from '../../api/errors/status-error.js';
import {
  ResourceClient,
  type EventSubject,
  type EventType,
  type KubeObject,
  type RestClient,
} from '../../client/index.js';
import { AbortError } from '../../lib/abort.js';
import type { Clock } from '../../lib/clock.js';
import type { Ports } from './framework/interfaces.js';
import { apiVolumeBinder } from './volume-binder.js';

const pods = { group: '', version: 'v1', resource: 'pods' };
const rfc3339 = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/**
 * At most `limit` operations at once; the rest wait in FIFO order. The
 * scheduler binds asynchronously and can have thousands of bindings ready in
 * a burst; holding them here (they stay assumed in the cache) instead of
 * sending them all at once keeps the API server's priority-level queues from
 * overflowing into 429s, as a client's connection stream limit would.
 */
export class InFlightLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else if (--this.active === 0) {
        const idle = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of idle) w();
      }
    }
  }

  /** Resolves once nothing runs or waits. */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }
}

/** Either event recorder (core/v1 or events.k8s.io/v1) in its legacy call form. */
export interface EventRecorder {
  event(subject: EventSubject, type: EventType, reason: string, message: string): void;
}

export interface ApiPortsOptions {
  rest: RestClient;
  clock: Clock;
  recorder: EventRecorder;
  /** A profile's recorder (source component = its schedulerName); `recorder` serves all profiles without it. */
  recorderFor?: (schedulerName: string) => EventRecorder;
  /**
   * Once aborted, writes not yet sent fail and new ones are refused (a
   * stopped or deposed scheduler); writes already sent run to completion,
   * so after `drain()` nothing of this scheduler can still land.
   */
  signal: AbortSignal;
  /** Most writes in flight at once. */
  maxInFlight: number;
}

export interface ApiPorts {
  ports: Ports;
  /** Resolves once no write is in flight or waiting. */
  drain(): Promise<void>;
}

/**
 * The scheduler's ports, written through the API as kube-scheduler does:
 * `pods/binding` to bind, `pods/status` for PodScheduled=False and
 * nominations, events, and status + delete for preemption victims.
 */
export function apiPorts(o: ApiPortsOptions): ApiPorts {
  const limit = new InFlightLimit(o.maxInFlight);
  const podClient = (ns: string) => new ResourceClient<Pod & KubeObject>(o.rest, pods, ns);
  const stopped = () => Promise.reject(new AbortError('scheduler stopped'));
  const write = <T>(fn: () => Promise<T>): Promise<T> =>
    o.signal.aborted ? stopped() : limit.run(() => (o.signal.aborted ? stopped() : fn()));
  const eventsPort = (recorder: EventRecorder): Ports['events'] => ({
    event: (obj, type, reason, message) => {
      if (!o.signal.aborted) recorder.event(obj as unknown as KubeObject, type, reason, message);
    },
  });
  const ports: Ports = {
    binder: {
      bind: (pod, nodeName) =>
        write(async () => {
          const ns = pod.metadata!.namespace!;
          const name = pod.metadata!.name!;
          await o.rest.request({
            method: 'POST',
            path: `/api/v1/namespaces/${ns}/pods/${name}/binding`,
            body: {
              apiVersion: 'v1',
              kind: 'Binding',
              metadata: { name, namespace: ns, uid: pod.metadata!.uid },
              target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
            },
          });
        }),
    },
    statusUpdater: {
      podScheduledFalse: (pod, reason, message, nominatedNodeName) =>
        write(async () => {
          const cond = {
            type: 'PodScheduled',
            status: 'False',
            reason,
            message,
            lastProbeTime: null,
            lastTransitionTime: rfc3339(o.clock.now()),
          };
          const status: Record<string, unknown> = { conditions: [cond] };
          if (nominatedNodeName !== undefined) status.nominatedNodeName = nominatedNodeName || null;
          try {
            await podClient(pod.metadata!.namespace!).patch(
              pod.metadata!.name!,
              'strategic',
              { metadata: { uid: pod.metadata!.uid }, status },
              { subresource: 'status' },
            );
          } catch (err) {
            if (!isNotFound(err) && !isConflict(err)) throw err;
          }
        }),
      setNominatedNode: (pod, nodeName) =>
        write(async () => {
          try {
            await podClient(pod.metadata!.namespace!).patch(
              pod.metadata!.name!,
              'merge',
              { status: { nominatedNodeName: nodeName || null } },
              { subresource: 'status' },
            );
          } catch (err) {
            if (!isNotFound(err)) throw err;
          }
        }),
    },
    events: eventsPort(o.recorder),
    volumeBinder: apiVolumeBinder(o.rest, write),
    eventsFor: (name) => eventsPort(o.recorderFor?.(name) ?? o.recorder),
    deleter: {
      deletePod: (pod: Pod, condition: PodCondition) =>
        write(async () => {
          const c = podClient(pod.metadata!.namespace!);
          try {
            await c.patch(
              pod.metadata!.name!,
              'strategic',
              { status: { conditions: [condition] } },
              { subresource: 'status' },
            );
            await c.delete(pod.metadata!.name!, { preconditions: { uid: pod.metadata!.uid } });
          } catch (err) {
            if (!isNotFound(err) && !isConflict(err)) throw err;
          }
        }),
    },
  };
  return { ports, drain: () => limit.idle() };
}
