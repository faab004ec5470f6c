import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { SharedInformerFactory } from '../../client/informers/informer-factory.js';
import { objectOf } from '../../client/informers/keys.js';
import { gvr } from '../../client/resource-path.js';
import type { Disposable } from '../../lib/disposable.js';
import type { ProxyState } from './change-tracker.js';
import { ConntrackCleaner } from './conntrack.js';
import { HealthzServer } from './healthz-server.js';
import { defaultOptions, type KubeProxyOptions } from './options.js';
import type { Proxier } from './proxier.js';
import { ProxyCore } from './proxy-core.js';
import { hostRunner } from './runner.js';
import { cleanupOtherModes, selectProxier } from './select-proxier.js';
import { headlessLabel, serviceProxyNameLabel } from './service-port.js';
import { ServiceHealthServer } from './service-health.js';
import { ensureSysctls } from './sysctl.js';
import type { ProxyMode } from './types.js';

export interface RunningKubeProxy extends Disposable {
  readonly mode: ProxyMode;
  readonly proxier: Proxier;
  readonly core: ProxyCore;
  /** Port of /healthz, /livez, /metrics (undefined when not served). */
  readonly healthzPort: number | undefined;
  /** Prometheus text of the proxy metrics. */
  metrics(): string;
  /** Resolves once a successful sync programmed a state satisfying `predicate`. */
  waitFor(predicate: (state: ProxyState) => boolean, timeoutMs?: number): Promise<void>;
  /** Stops watching and syncing; removes our rules unless `cleanupOnStop` is false. */
  stop(): Promise<void>;
}

/** Objects meant for another service proxy, and headless Services' slices, never reach us. */
export const proxyLabelSelector = `!${serviceProxyNameLabel},!${headlessLabel}`;

/**
 * Starts kube-proxy for `nodeName`: picks and initializes the proxier,
 * prepares the kernel (sysctls, leftovers of another mode), watches
 * Services and EndpointSlices, programs everything once both caches synced
 * (resolving only after that first sync), and serves /healthz and /metrics.
 */
export async function startKubeProxy(options: KubeProxyOptions): Promise<RunningKubeProxy> {
  const o = defaultOptions(options);
  const log = o.log.child('kube-proxy', { node: o.nodeName });
  const proxier = await selectProxier(o, log);
  const kernel = proxier.mode !== 'userspace';
  if (kernel) {
    const isRoot = o.runner !== hostRunner || process.getuid?.() === 0;
    if (o.configureSysctls ?? isRoot) await ensureSysctls(o.runner, log);
    await cleanupOtherModes(proxier, o, log);
  }

  // Health checks ask the core (created next) whether the proxy itself is healthy.
  const serviceHealth: ServiceHealthServer = new ServiceHealthServer(
    o.healthCheckBindAddress,
    (): boolean => c.health.healthy(),
    log,
  );
  const c: ProxyCore = new ProxyCore({
    proxier,
    nodeName: o.nodeName,
    clock: o.clock,
    log,
    minSyncPeriodMs: o.minSyncPeriodMs,
    syncPeriodMs: o.syncPeriodMs,
    conntrack: kernel ? new ConntrackCleaner(o.runner, log) : undefined,
    serviceHealth,
  });

  const healthz = new HealthzServer(c.health, () => c.metrics.render());
  let healthzPort: number | undefined;
  const informers = new SharedInformerFactory({ rest: o.rest, clock: o.clock, log });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await informers.shutdown();
    await c.stop();
    await Promise.all([healthz.close(), serviceHealth.close()]);
    await proxier.close?.();
    if (o.cleanupOnStop) {
      try {
        await proxier.cleanup();
      } catch (err) {
        log.error('cleaning up proxy rules failed', { err });
      }
    }
  };

  try {
    if (o.healthzPort !== null) healthzPort = await healthz.listen(o.healthzBindAddress, o.healthzPort);
    const services = informers.forResource<Service>(gvr('', 'v1', 'services'), { labelSelector: proxyLabelSelector });
    const slices = informers.forResource<EndpointSlice>(gvr('discovery.k8s.io', 'v1', 'endpointslices'), {
      labelSelector: proxyLabelSelector,
    });
    services.addEventHandler({
      onAdd: (s) => c.onServiceUpsert(s),
      onUpdate: (_old, s) => c.onServiceUpsert(s),
      onDelete: (s) => c.onServiceDelete(objectOf(s)),
    });
    slices.addEventHandler({
      onAdd: (s) => c.onSliceUpsert(s),
      onUpdate: (_old, s) => c.onSliceUpsert(s),
      onDelete: (s) => c.onSliceDelete(objectOf(s)),
    });
    informers.start();
    await informers.waitForCacheSync();
    await c.start();
  } catch (err) {
    await stop();
    throw err;
  }
  log.info('kube-proxy started', { mode: proxier.mode, healthzPort, synced: c.lastSyncOk });
  return {
    mode: proxier.mode,
    proxier,
    core: c,
    healthzPort,
    metrics: () => c.metrics.render(),
    waitFor: (p, t) => c.waitFor(p, t),
    stop,
    dispose: stop,
  };
}
