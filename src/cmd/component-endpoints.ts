/**
 * The secure ports of the embedded kube-controller-manager (10257) and
 * kube-scheduler (10259): health checks and metrics, as the upstream binaries
 * serve them. Wired here because they combine a component's state with the
 * API server (delegated authorization) and the cluster PKI (serving
 * certificate, client CA).
 */
import type { ApiServer } from '../control-plane/apiserver/server.js';
import type { ClusterPKI } from '../control-plane/apiserver/pki/cluster-pki.js';
import {
  startComponentServer,
  type RunningComponentServer,
} from '../control-plane/component-server/component-server.js';
import {
  conditionCheck,
  logCheck,
  pingCheck,
  type HealthCheck,
} from '../control-plane/component-server/health-checks.js';
import { subjectAccessReviewAuthorizer } from '../control-plane/component-server/sar-authorizer.js';
import type { RunningControllerManager } from '../control-plane/controller-manager/controller-manager.js';
import { renderControllerManagerMetrics } from '../control-plane/controller-manager/metrics.js';
import type { RunningScheduler } from '../control-plane/scheduler/component.js';
import { SchedulerMetrics } from '../control-plane/scheduler/metrics.js';
import type { Clock } from '../lib/clock.js';
import { DisposableStore, type Disposable } from '../lib/disposable.js';
import { type Logger, nullLogger } from '../lib/log.js';
import { componentUsers, inProcessRest } from './in-process.js';
import { parseComponentArgs, securePortArg, type ComponentArgType } from './component-args.js';
import { schedulerArgFlag, schedulerArgTypes } from './scheduler-args.js';

/** Upstream default secure ports. */
export const defaultSecurePorts = { controllerManager: 10257, scheduler: 10259 } as const;

/** Where each endpoint listens: absent = not served, 0 = an ephemeral port (tests). */
export interface SecurePorts {
  controllerManager?: number;
  scheduler?: number;
  /**
   * Endpoints whose port is the default rather than asked for: when it is
   * taken (another server on this host), that endpoint is skipped with a
   * warning instead of failing the server's startup.
   */
  defaulted?: ('controllerManager' | 'scheduler')[];
}

export const controllerManagerArgFlag = '--kube-controller-manager-arg';

/** The kube-controller-manager flags `--kube-controller-manager-arg` accepts. */
export const controllerManagerArgTypes: Record<string, ComponentArgType> = {
  'secure-port': 'number',
};

/**
 * `secure-port` of `--kube-controller-manager-arg` / `--kube-scheduler-arg`
 * (defaults 10257 / 10259; 0 turns the endpoint off, as upstream) -> SecurePorts.
 */
export function compileSecurePorts(flags: Record<string, unknown>): SecurePorts {
  const list = (name: string) => (flags[name] as string[] | undefined) ?? [];
  const cm = parseComponentArgs(
    list('kube-controller-manager-arg'),
    controllerManagerArgTypes,
    controllerManagerArgFlag,
  );
  const sched = parseComponentArgs(list('kube-scheduler-arg'), schedulerArgTypes, schedulerArgFlag);
  const cmPort = securePortArg(cm, controllerManagerArgFlag, defaultSecurePorts.controllerManager);
  const schedPort = securePortArg(sched, schedulerArgFlag, defaultSecurePorts.scheduler);
  const defaulted: SecurePorts['defaulted'] = [];
  if (cm['secure-port'] === undefined) defaulted.push('controllerManager');
  if (sched['secure-port'] === undefined) defaulted.push('scheduler');
  return {
    ...(cmPort > 0 ? { controllerManager: cmPort } : {}),
    ...(schedPort > 0 ? { scheduler: schedPort } : {}),
    defaulted,
  };
}

export interface ComponentEndpointsOptions {
  apiserver: ApiServer;
  pki: ClusterPKI;
  host: string;
  ports: SecurePorts;
  controllerManager?: RunningControllerManager;
  scheduler?: RunningScheduler;
  /** Leader election is on: health gains `leaderElection`, metrics `leader_election_master_status`. */
  leaderElect: boolean;
  clock?: Clock;
  log?: Logger;
}

export interface ComponentEndpoints extends Disposable {
  controllerManager?: RunningComponentServer;
  scheduler?: RunningComponentServer;
}

export async function startComponentEndpoints(o: ComponentEndpointsOptions): Promise<ComponentEndpoints> {
  const log = o.log ?? nullLogger;
  const owned = new DisposableStore('component-endpoints');
  const tls = {
    certPEM: o.pki.serving.certPEM + o.pki.serverCA.certPEM,
    keyPEM: o.pki.serving.keyPEM,
    clientCAPEM: o.pki.clientCA.certPEM,
  };
  // Without lease-renewal timestamps from the electors, leadership is healthy whenever election runs.
  const leaderElection: HealthCheck[] = o.leaderElect ? [conditionCheck('leaderElection', () => true, '')] : [];
  let stopping = false;
  const out: ComponentEndpoints = {
    dispose: () => {
      stopping = true;
      return owned.dispose();
    },
  };
  /** Starts one endpoint; a default port already in use skips it (see SecurePorts.defaulted). */
  const serve = async (which: 'controllerManager' | 'scheduler', start: () => Promise<RunningComponentServer>) => {
    try {
      return owned.add(await start());
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !o.ports.defaulted?.includes(which)) throw err;
      const flag = which === 'scheduler' ? schedulerArgFlag : controllerManagerArgFlag;
      log.warn(`secure port in use; health and metrics endpoint not served (choose one with ${flag} secure-port=N)`, {
        component: which,
        port: o.ports[which],
      });
      return undefined;
    }
  };
  try {
    const cm = o.controllerManager;
    const cmPort = o.ports.controllerManager;
    if (cm && cmPort !== undefined) {
      // Upstream registers one always-healthy check per started controller.
      const checks = [
        pingCheck,
        logCheck,
        ...leaderElection,
        ...cm.running.map((name) => conditionCheck(name, () => true, '')),
      ];
      const rest = inProcessRest(o.apiserver, componentUsers.controllerManager, 'kube-controller-manager', o);
      out.controllerManager = await serve('controllerManager', () =>
        startComponentServer({
          component: 'kube-controller-manager',
          host: o.host,
          port: cmPort,
          ...tls,
          health: { healthz: checks },
          metrics: () => renderControllerManagerMetrics({ isLeader: o.leaderElect ? () => cm.isLeader() : undefined }),
          authorize: subjectAccessReviewAuthorizer(rest),
          log: log.child('kube-controller-manager-server'),
        }),
      );
    }
    const sched = o.scheduler;
    const schedPort = o.ports.scheduler;
    if (sched && schedPort !== undefined) {
      const metrics = new SchedulerMetrics({ clock: o.clock });
      metrics.observe(sched.scheduler);
      // Informers are synced before startScheduler returns, and every new incarnation syncs before it schedules.
      const handlerSync = conditionCheck('sched-handler-sync', () => true, '');
      const shutdown = conditionCheck('shutdown', () => !stopping, 'process is shutting down');
      const live = [pingCheck, logCheck, ...leaderElection, handlerSync];
      const rest = inProcessRest(o.apiserver, componentUsers.scheduler, 'kube-scheduler', o);
      out.scheduler = await serve('scheduler', () =>
        startComponentServer({
          component: 'kube-scheduler',
          host: o.host,
          port: schedPort,
          ...tls,
          health: { healthz: live, livez: live, readyz: [pingCheck, logCheck, handlerSync, shutdown] },
          metrics: () => {
            // A re-elected leader schedules with a fresh Scheduler: observe whichever is current.
            const current = sched.scheduler;
            metrics.observe(current);
            return metrics.render(current, o.leaderElect ? sched : undefined);
          },
          authorize: subjectAccessReviewAuthorizer(rest),
          log: log.child('kube-scheduler-server'),
        }),
      );
    }
    return out;
  } catch (err) {
    await owned.dispose().catch(() => undefined);
    throw err;
  }
}
