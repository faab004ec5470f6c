import { setMaxListeners } from 'node:events';
import { type Clock, realClock } from '../lib/clock.js';
import { type Logger, nullLogger } from '../lib/log.js';
import { LeaderElector } from './leader-election.js';
import type { RestClient } from './rest-client.js';

/** Upstream `--leader-elect-*` settings of a component that runs only while it leads. */
export interface LeaderElectedSettings {
  /** Unique per candidate: `<hostname>_<uuid>` upstream. */
  identity: string;
  /** The Lease; each component defaults its own (e.g. kube-system/kube-controller-manager). */
  lease?: { namespace: string; name: string };
  /** Default 15 s. */
  leaseDurationMs?: number;
  /** Default 10 s. */
  renewDeadlineMs?: number;
  /** Default 2 s. */
  retryPeriodMs?: number;
  /** Observed leader changes (including to this candidate). */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectedRunOptions {
  rest: RestClient;
  /** Without it, `run` starts at once as the only instance. */
  leaderElection?: LeaderElectedSettings;
  /** The component's Lease when the settings name none. */
  defaultLease: { namespace: string; name: string };
  /** What runs, for log lines ("controllers", "cloud controllers"). */
  what: string;
  /** One round of work until `signal` aborts; resolves once everything it started is shut down. */
  run(signal: AbortSignal): Promise<void>;
  clock?: Clock;
  log?: Logger;
}

export interface LeaderElectedRun {
  isLeader(): boolean;
  /** Ends the round (releasing the lease) and stops campaigning. */
  stop(): Promise<void>;
}

/**
 * Runs `run` while this instance holds the lease. Losing it ends the round
 * (its signal aborts) and the instance campaigns again; each round starts
 * from scratch, as a restarted process would. (Upstream components exit on a
 * lost lease; ours share the server's process, so they restart in place.)
 * Every listener of the component hangs on the one signal, so its listener
 * limit is lifted.
 */
export function runLeaderElected(o: LeaderElectedRunOptions): LeaderElectedRun {
  const log = o.log ?? nullLogger;
  const ctrl = new AbortController();
  setMaxListeners(0, ctrl.signal);
  const le = o.leaderElection;
  if (!le) {
    const round = o.run(ctrl.signal);
    return {
      isLeader: () => true,
      async stop() {
        ctrl.abort();
        await round;
      },
    };
  }
  let leading = false;
  const campaign = async () => {
    while (!ctrl.signal.aborted) {
      const elector = new LeaderElector({
        rest: o.rest,
        lease: le.lease ?? o.defaultLease,
        identity: le.identity,
        leaseDurationMs: le.leaseDurationMs,
        renewDeadlineMs: le.renewDeadlineMs,
        retryPeriodMs: le.retryPeriodMs,
        clock: o.clock,
        log: log.child('leader-election'),
        callbacks: {
          onStartedLeading: (signal) => {
            leading = true;
            setMaxListeners(0, signal);
            log.info(`became leader; starting ${o.what}`, { identity: le.identity });
            return o.run(signal);
          },
          onStoppedLeading: () => {
            leading = false;
            if (!ctrl.signal.aborted) log.warn(`leader lease lost; ${o.what} stopped`, { identity: le.identity });
          },
          onNewLeader: (id) => le.onNewLeader?.(id),
        },
      });
      try {
        await elector.run(ctrl.signal);
      } catch (err) {
        log.error('leader election failed', { err });
        await (o.clock ?? realClock).sleep(1000, ctrl.signal).catch(() => undefined);
      }
    }
  };
  const done = campaign();
  return {
    isLeader: () => leading,
    async stop() {
      ctrl.abort();
      await done;
    },
  };
}
