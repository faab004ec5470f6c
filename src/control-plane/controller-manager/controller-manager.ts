import { setMaxListeners } from 'node:events';
import { EventBroadcaster, SharedInformerFactory, type RestClient } from '../../client/index.js';
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
  clock?: Clock;
  log?: Logger;
}

export interface RunningControllerManager {
  /** Names of the controllers that were started. */
  running: string[];
  stop(): Promise<void>;
}

/** Resolves `--controllers` selections (kube-controller-manager semantics). */
export function selectControllers(all: ControllerDescriptor[], flags: string[]): ControllerDescriptor[] {
  const names = new Set(all.map((c) => c.name));
  for (const f of flags) {
    const n = f.replace(/^-/, '');
    if (n !== '*' && !names.has(n))
      throw new Error(`unknown controller "${n}" in --controllers; known: ${[...names].sort().join(', ')}`);
  }
  return all.filter((c) => {
    if (flags.includes(`-${c.name}`)) return false;
    if (flags.includes(c.name)) return true;
    return flags.includes('*') && c.enabledByDefault;
  });
}

/**
 * Runs many controllers in one process over one shared informer factory and
 * one event broadcaster (DESIGN.md §1, controller-manager). Controllers
 * register their informers first; the factory then starts and syncs; each
 * controller's `start` runs until the stop signal.
 */
export async function startControllerManager(o: ControllerManagerOptions): Promise<RunningControllerManager> {
  const clock = o.clock ?? realClock;
  const log = o.log ?? nullLogger;
  const config = { ...defaultControllerManagerConfig, ...o.config };
  const ctrl = new AbortController();
  // Every controller, informer and queue listens on this one signal.
  setMaxListeners(0, ctrl.signal);
  const informers = new SharedInformerFactory({ rest: o.rest, clock });
  const broadcaster = new EventBroadcaster({ rest: o.rest, clock });
  const ctx: ControllerContext = {
    rest: o.rest,
    informers,
    recorder: (component) => broadcaster.newRecorder({ component }),
    clock,
    log,
    signal: ctrl.signal,
    config,
  };
  const selected = selectControllers(o.controllers, o.enabled ?? ['*']);
  const done: Promise<void>[] = [];
  for (const c of selected) {
    const clog = log.child(c.name);
    done.push(
      c
        .start({ ...ctx, rest: c.serviceAccount && o.restFor ? o.restFor(c.serviceAccount) : o.rest, log: clog })
        .catch((err) => {
          if (!ctrl.signal.aborted) clog.error('controller stopped with an error', { err });
        }),
    );
  }
  informers.start(ctrl.signal);
  return {
    running: selected.map((c) => c.name),
    async stop() {
      ctrl.abort();
      await Promise.all(done);
      await informers.shutdown();
      await broadcaster.shutdown();
    },
  };
}
