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
import type { CloudProvider } from './cloud-provider.js';
import { cloudNodeController } from './cloud-node-controller.js';
import { cloudNodeLifecycleController } from './cloud-node-lifecycle-controller.js';
import { routeController } from './route-controller.js';
import { serviceController } from './service-controller.js';
import type { CloudControllerContext, CloudControllerDescriptor } from './types.js';

/** The identity the embedded cloud-controller-manager acts as (bound to the `system:cloud-controller-manager` ClusterRole). */
export const cloudControllerManagerUser = {
  username: 'system:cloud-controller-manager',
  groups: ['system:authenticated'],
} as const;

/** Every cloud controller, in start order (upstream names for `--controllers`). */
export function allCloudControllers(): CloudControllerDescriptor[] {
  return [cloudNodeController, cloudNodeLifecycleController, serviceController, routeController];
}

export interface CloudControllerManagerOptions {
  /** The CCM's own client (identity `system:cloud-controller-manager`). */
  rest: RestClient;
  /**
   * The provider for one leadership round; gets that round's informer factory
   * so provider lookups share the controllers' caches.
   */
  provider(informers: SharedInformerFactory): CloudProvider;
  /** `--controllers`: `*` (defaults), `name`, `-name`; default `['*']`. */
  enabled?: string[];
  /** Upstream `--cluster-name` (default `kubernetes`). */
  clusterName?: string;
  /** Run only while holding the lease (upstream `--leader-elect`); default: always run. */
  leaderElection?: LeaderElectedSettings;
  clock?: Clock;
  log?: Logger;
}

export interface RunningCloudControllerManager {
  /** Selected controller names (some may be skipped in a round when the provider lacks support). */
  running: string[];
  isLeader(): boolean;
  stop(): Promise<void>;
}

/**
 * The cloud-controller-manager (DESIGN.md §1): an ordinary API client that
 * runs the cloud controllers over one informer factory, like the
 * controller-manager and leader-elected the same way (lease
 * `kube-system/cloud-controller-manager`). Losing the lease stops the
 * controllers and the instance campaigns again with fresh caches.
 */
export async function startCloudControllerManager(
  o: CloudControllerManagerOptions,
): Promise<RunningCloudControllerManager> {
  const selected = selectControllers(allCloudControllers(), o.enabled ?? ['*']);
  const run = runLeaderElected({
    rest: o.rest,
    leaderElection: o.leaderElection,
    defaultLease: { namespace: 'kube-system', name: 'cloud-controller-manager' },
    what: 'cloud controllers',
    run: (signal) => runRound(o, selected, signal),
    clock: o.clock,
    log: o.log,
  });
  return { running: selected.map((c) => c.name), isLeader: run.isLeader, stop: run.stop };
}

/** One run of the selected controllers until `signal` aborts. */
async function runRound(
  o: CloudControllerManagerOptions,
  selected: CloudControllerDescriptor[],
  signal: AbortSignal,
): Promise<void> {
  const clock = o.clock ?? realClock;
  const log = o.log ?? nullLogger;
  const informers = new SharedInformerFactory({ rest: o.rest, clock });
  const broadcaster = new EventBroadcaster({ rest: o.rest, clock, log: log.child('events') });
  const provider = o.provider(informers);
  const ctx: CloudControllerContext = {
    rest: o.rest,
    informers,
    recorder: (component) => broadcaster.newRecorder({ component }),
    provider,
    clusterName: o.clusterName ?? 'kubernetes',
    clock,
    log,
    signal,
  };
  const done: Promise<void>[] = [];
  for (const c of selected) {
    const clog = log.child(c.name);
    if (!c.supported(provider)) {
      clog.info('provider does not support this controller; not starting it', { provider: provider.name });
      continue;
    }
    done.push(
      c.start({ ...ctx, log: clog }).catch((err) => {
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
