import {
  EventBroadcaster,
  runLeaderElected,
  selectControllers,
  SharedInformerFactory,
  type LeaderElectedSettings,
  type RestClient,
} from '../../client/index.js';
import { type Clock, realClock } from '../../lib/clock.js';
import { type Logger, nullLogger } from '../../lib/log.js';
import {
  type ControllerContext,
  type ControllerDescriptor,
  type ControllerManagerConfig,
  defaultControllerManagerConfig,
} from './types.js';

export interface ControllerManagerOptions {
  /** The controller-manager's own client (informers: list/watch everything). */
  rest: RestClient;
  /** A client acting as a controller's ServiceAccount (default: `rest` for all). */
  restFor?: (serviceAccount: string) => RestClient;
  controllers: ControllerDescriptor[];
  /** `--controllers` values: `*` (all enabled by default), `name`, `-name` (default `['*']`). */
  enabled?: string[];
  config?: Partial<ControllerManagerConfig>;
  /** Run the controllers only while holding the leader lease (upstream `--leader-elect`); default: always run. */
  leaderElection?: ControllerManagerLeaderElection;
  clock?: Clock;
  log?: Logger;
}

/** Upstream `--leader-elect-*` settings; the Lease defaults to kube-system/kube-controller-manager. */
export type ControllerManagerLeaderElection = LeaderElectedSettings;

export interface RunningControllerManager {
  /** Names of the selected controllers (they run while this instance leads, when leader election is on). */
  running: string[];
  /** Whether the controllers run here now (always true without leader election). */
  isLeader(): boolean;
  stop(): Promise<void>;
}

/**
 * Runs many controllers in one process over one shared informer factory and
 * one event broadcaster (DESIGN.md §1, controller-manager). Controllers
 * register their informers first; the factory then starts and syncs; each
 * controller's `start` runs until the stop signal.
 *
 * With leader election, all of that happens only while this instance holds
 * the lease; losing it stops the controllers, informers and broadcaster, and
 * the instance campaigns again. (Upstream exits the process instead; here the
 * controller-manager shares its process with the API server, so it must
 * restart in place. Every round starts from fresh caches, as a new process would.)
 */
export async function startControllerManager(o: ControllerManagerOptions): Promise<RunningControllerManager> {
  const selected = selectControllers(o.controllers, o.enabled ?? ['*']);
  const run = runLeaderElected({
    rest: o.rest,
    leaderElection: o.leaderElection,
    defaultLease: { namespace: 'kube-system', name: 'kube-controller-manager' },
    what: 'controllers',
    run: (signal) => runControllers(o, selected, signal),
    clock: o.clock,
    log: o.log,
  });
  return { running: selected.map((c) => c.name), isLeader: run.isLeader, stop: run.stop };
}

/** One run of the selected controllers until `signal` aborts; resolves once everything is shut down. */
async function runControllers(
  o: ControllerManagerOptions,
  selected: ControllerDescriptor[],
  signal: AbortSignal,
): Promise<void> {
  const clock = o.clock ?? realClock;
  const log = o.log ?? nullLogger;
  const config = { ...defaultControllerManagerConfig, ...o.config };
  const informers = new SharedInformerFactory({ rest: o.rest, clock });
  const broadcaster = new EventBroadcaster({ rest: o.rest, clock });
  const ctx: ControllerContext = {
    rest: o.rest,
    informers,
    recorder: (component) => broadcaster.newRecorder({ component }),
    clock,
    log,
    signal,
    config,
  };
  const done: Promise<void>[] = [];
  for (const c of selected) {
    const clog = log.child(c.name);
    done.push(
      c
        .start({ ...ctx, rest: c.serviceAccount && o.restFor ? o.restFor(c.serviceAccount) : o.rest, log: clog })
        .catch((err) => {
          if (!signal.aborted) clog.error('controller stopped with an error', { err });
        }),
    );
  }
  informers.start(signal);
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await Promise.all(done);
  await informers.shutdown();
  await broadcaster.shutdown();
}
