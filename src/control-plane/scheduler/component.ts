import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import {
  LeaderElector,
  SharedInformerFactory,
  type KubeObject,
  type RestClient,
  type SharedIndexInformer,
} from '../../client/index.js';
import { EventsV1Broadcaster } from '../../client/events/events-v1-broadcaster.js';
import { type Clock, realClock } from '../../lib/clock.js';
import { type Logger, nullLogger } from '../../lib/log.js';
import { apiPorts } from './component-ports.js';
import type { ResolvedConfiguration } from './config/types.js';
import type { EventResource } from './framework/events.js';
import type { Listers, ObjectLister } from './framework/interfaces.js';
import { Scheduler } from './scheduler.js';

export interface SchedulerLeaderElection {
  /** The Lease candidates compete for (default kube-system/kube-scheduler, as kube-scheduler). */
  lease?: { namespace: string; name: string };
  /** Defaults as kube-scheduler's: 15 s, 10 s, 2 s. */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Give the lease up when stopped, so a successor need not wait for it to expire (default true). */
  releaseOnCancel?: boolean;
}

export interface SchedulerComponentOptions {
  rest: RestClient;
  config?: ResolvedConfiguration;
  clock?: Clock;
  log?: Logger;
  /**
   * kube-scheduler's `--leader-elect`: campaign for the Lease and schedule
   * only while holding it. Informers and caches stay warm while waiting.
   */
  leaderElection?: boolean | SchedulerLeaderElection;
  /** Leader-election candidate identity (default `<hostname>_<uuid>`). */
  identity?: string;
  /** Most API writes (bindings, status patches, victim deletions) in flight at once (default 64). */
  maxInFlightWrites?: number;
  /** Event series heartbeats (tests shorten them; defaults as client-go: 30 min refresh, 6 min finish). */
  eventSeries?: { refreshMs?: number; finishMs?: number };
}

/** kube-scheduler's event actions (upstream passes them at each Eventf call site). */
const eventActions = { Scheduled: 'Binding', FailedScheduling: 'Scheduling', Preempted: 'Preempting' };

export interface RunningScheduler {
  /** The scheduler core of the current incarnation (a deposed leader campaigns again with a fresh one). */
  readonly scheduler: Scheduler;
  /** Whether this instance schedules now (always true without leader election, until stopped). */
  isLeader(): boolean;
  /**
   * Stops scheduling; resolves once none of its writes is outstanding (those
   * already sent complete, the rest are dropped), the lease is released
   * (unless configured not to) and the informers are stopped.
   */
  stop(): Promise<void>;
}

const defaultLease = { namespace: 'kube-system', name: 'kube-scheduler' };

function lister<T>(inf: SharedIndexInformer<KubeObject>): ObjectLister<T> {
  return {
    get: (name: string, ns?: string) => inf.lister().get(ns ?? '', name) as T | undefined,
    list: (ns?: string) => (ns === undefined ? inf.lister().list() : inf.lister().namespace(ns).list()) as T[],
  } as ObjectLister<T>;
}

/** One incarnation: informers feeding a Scheduler whose loop runs only when `run` is called. */
interface Incarnation {
  scheduler: Scheduler;
  run(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}

async function startIncarnation(o: SchedulerComponentOptions, clock: Clock, log: Logger): Promise<Incarnation> {
  const stop = new AbortController();
  const informers = new SharedInformerFactory({ rest: o.rest, clock, log });
  // Since 1.19 kube-scheduler records through events.k8s.io/v1 (reportingController = the profile's schedulerName).
  const broadcaster = new EventsV1Broadcaster({ rest: o.rest, clock, log, ...o.eventSeries });
  const { ports, drain } = apiPorts({
    rest: o.rest,
    clock,
    recorder: broadcaster.newRecorder('default-scheduler', { actions: eventActions }),
    recorderFor: (schedulerName) => broadcaster.newRecorder(schedulerName, { actions: eventActions }),
    signal: stop.signal,
    maxInFlight: o.maxInFlightWrites ?? 64,
  });
  const inf = (group: string, version: string, resource: string) =>
    informers.forResource<KubeObject>({ group, version, resource });
  const podInf = inf('', 'v1', 'pods');
  const nodeInf = inf('', 'v1', 'nodes');
  const listers: Listers = {
    pods: lister(podInf),
    pdbs: lister(inf('policy', 'v1', 'poddisruptionbudgets')),
    namespaces: lister(inf('', 'v1', 'namespaces')),
    pvcs: lister(inf('', 'v1', 'persistentvolumeclaims')),
    pvs: lister(inf('', 'v1', 'persistentvolumes')),
    storageClasses: lister(inf('storage.k8s.io', 'v1', 'storageclasses')),
    csiNodes: lister(inf('storage.k8s.io', 'v1', 'csinodes')),
    csiDrivers: lister(inf('storage.k8s.io', 'v1', 'csidrivers')),
    services: lister(inf('', 'v1', 'services')),
    replicationControllers: lister(inf('', 'v1', 'replicationcontrollers')),
    replicaSets: lister(inf('apps', 'v1', 'replicasets')),
    statefulSets: lister(inf('apps', 'v1', 'statefulsets')),
  };
  const scheduler = new Scheduler({ config: o.config, ports, listers, clock, log });
  podInf.addEventHandler({
    onAdd: (p) => scheduler.addPod(p as unknown as Pod),
    onUpdate: (a, b) => scheduler.updatePod(a as unknown as Pod, b as unknown as Pod),
    onDelete: (p) => scheduler.deletePod(((p as { obj?: Pod }).obj ?? p) as Pod),
  });
  nodeInf.addEventHandler({
    onAdd: (n) => scheduler.addNode(n as unknown as Node),
    onUpdate: (a, b) => scheduler.updateNode(a as unknown as Node, b as unknown as Node),
    onDelete: (n) => scheduler.deleteNode(((n as { obj?: Node }).obj ?? n) as Node),
  });
  // Other objects plugins care about requeue unschedulable pods when they change.
  const forward = (res: EventResource, i: SharedIndexInformer<KubeObject>) =>
    i.addEventHandler({
      onAdd: (x) => scheduler.onClusterEvent(res, 'Add', undefined, x),
      onUpdate: (a, b) => scheduler.onClusterEvent(res, 'Update', a, b),
      onDelete: (x) => scheduler.onClusterEvent(res, 'Delete', x, undefined),
    });
  forward('PersistentVolumeClaim', inf('', 'v1', 'persistentvolumeclaims'));
  forward('PersistentVolume', inf('', 'v1', 'persistentvolumes'));
  forward('StorageClass', inf('storage.k8s.io', 'v1', 'storageclasses'));
  forward('CSINode', inf('storage.k8s.io', 'v1', 'csinodes'));
  forward('Namespace', inf('', 'v1', 'namespaces'));
  const shutdown = async () => {
    await informers.shutdown();
    await broadcaster.shutdown();
  };
  try {
    informers.start(stop.signal);
    await informers.waitForCacheSync(stop.signal);
  } catch (err) {
    stop.abort();
    await shutdown();
    throw err;
  }
  let running: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  return {
    scheduler,
    run(signal) {
      // Single use: when `signal` ends the run, this incarnation sends no more writes.
      signal.addEventListener('abort', () => stop.abort(), { once: true });
      if (signal.aborted) stop.abort();
      running ??= scheduler.run(stop.signal).catch((err) => log.error('scheduler stopped with an error', { err }));
      return running;
    },
    stop() {
      stopping ??= (async () => {
        stop.abort();
        scheduler.stop();
        await running;
        await scheduler.waitForBindings();
        await drain();
        await shutdown();
      })();
      return stopping;
    },
  };
}

/**
 * kube-scheduler as a component: informers feed the scheduling queue and
 * cache (handlers only hand objects over), and the scheduler's ports write
 * through the API (component-ports.ts). With leader election, candidates
 * keep warm caches and only the holder of the Lease schedules; a leader that
 * loses the Lease stops scheduling at once (writes it has not sent yet are
 * dropped; the API server's binding check means a pod is never bound twice)
 * and, like kube-scheduler restarting after it exits, campaigns again with a
 * fresh incarnation.
 */
export async function startScheduler(o: SchedulerComponentOptions): Promise<RunningScheduler> {
  const clock = o.clock ?? realClock;
  const log = o.log ?? nullLogger;
  if (!o.leaderElection) {
    const inc = await startIncarnation(o, clock, log);
    const stop = new AbortController();
    void inc.run(stop.signal);
    let stopped = false;
    return {
      scheduler: inc.scheduler,
      isLeader: () => !stopped,
      async stop() {
        stopped = true;
        stop.abort();
        await inc.stop();
      },
    };
  }

  const le: SchedulerLeaderElection = o.leaderElection === true ? {} : o.leaderElection;
  const identity = o.identity ?? `${hostname()}_${randomUUID()}`;
  const stop = new AbortController();
  let current = await startIncarnation(o, clock, log);
  let leading = false;
  const campaign = async () => {
    while (!stop.signal.aborted) {
      const inc = current;
      const elector = new LeaderElector({
        rest: o.rest,
        lease: le.lease ?? defaultLease,
        identity,
        leaseDurationMs: le.leaseDurationMs,
        renewDeadlineMs: le.renewDeadlineMs,
        retryPeriodMs: le.retryPeriodMs,
        releaseOnCancel: le.releaseOnCancel,
        clock,
        log,
        callbacks: {
          onStartedLeading: (signal) => {
            leading = true;
            signal.addEventListener('abort', () => (leading = false), { once: true });
            log.info('started leading', { identity });
            return inc.run(signal);
          },
          onStoppedLeading: () => {
            leading = false;
            log.info('stopped leading', { identity });
          },
        },
      });
      await elector.run(stop.signal);
      leading = false;
      await inc.stop();
      if (stop.signal.aborted) return;
      // Deposed: start over as a new incarnation (kube-scheduler exits and is restarted).
      for (;;) {
        try {
          current = await startIncarnation(o, clock, log);
          break;
        } catch (err) {
          if (stop.signal.aborted) return;
          log.error('restarting the scheduler failed; retrying', { err });
          await clock.sleep(1000, stop.signal).catch(() => undefined);
        }
      }
    }
  };
  const campaigning = campaign().catch((err) => log.error('leader election stopped with an error', { err }));
  return {
    get scheduler() {
      return current.scheduler;
    },
    isLeader: () => leading,
    async stop() {
      stop.abort();
      await campaigning;
      await current.stop();
    },
  };
}
