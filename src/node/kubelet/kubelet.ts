/**
 * The kubelet: `startKubelet(options)` registers the node, keeps its Lease and
 * status current, and runs the pods bound to it through the container runtime
 * — one pod worker per pod fed by a pod informer (`spec.nodeName=<node>`), the
 * PLEG and the probers — writing their statuses back. It starts the kubelet
 * server through the injected factory, handing it the pods as it knows them.
 *
 * Pods enter through admission (admission/): the eviction manager refuses
 * new pods under pressure, the predicates refuse what does not fit the node;
 * rejected pods are marked Failed and never run. Node resources (eviction,
 * garbage collection) run in node-resources.ts; the node status is patched
 * the moment the node becomes Ready (fast status update), then periodically.
 *
 * Restart safety: nothing is stopped or removed before the informer has
 * synced, so a new kubelet on the same data dir and runtime adopts running
 * containers as they are; runtime pods the API no longer has are killed and
 * removed (housekeeping). `dispose()` stops the kubelet's own loops only:
 * containers keep running, as when a real kubelet exits.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import { Quantity } from '../../api/quantity/quantity.js';
import {
  EventBroadcaster,
  gvr,
  objectOf,
  SharedInformerFactory,
  typed,
  type EventRecorder,
  type Lister,
} from '../../client/index.js';
import { Backoff } from '../../lib/backoff.js';
import type { Timer } from '../../lib/clock.js';
import { AdmissionHandler } from './admission/admission-handler.js';
import { defaultKubeletConfig, type KubeletConfig, type KubeletOptions, type RunningKubeletServer } from './config.js';
import { PodCgroups } from './cm/pod-cgroups.js';
import { parseResolvConf, type DnsConfig } from './container-config/dns.js';
import type { NodeAllocatable } from './container-config/env.js';
import { ApiObjectSource } from './api-objects.js';
import { NodeLease } from './lease/node-lease.js';
import { ensurePodNetwork } from './network/pod-network.js';
import { readHostInfo, type HostInfo } from './node-status/host-info.js';
import { capacityAndAllocatable, type Readiness } from './node-status/node-status.js';
import { NodeStatusManager } from './node-status/node-status-manager.js';
import { NodeResources } from './node-resources.js';
import { Pleg } from './pleg/pleg.js';
import { RuntimeStateCache } from './pleg/runtime-state.js';
import type { KubeletContext } from './pod-workers/context.js';
import { PodSyncer } from './pod-workers/pod-sync.js';
import { PodWorkers } from './pod-workers/pod-workers.js';
import { RestartBackoff } from './pod-workers/restart-backoff.js';
import { ProberManager } from './prober/prober-manager.js';
import { kubeletServerDeps } from './server-deps.js';
import type { KubeletServerDeps } from './server/types.js';
import { StatusManager } from './status/status-manager.js';

const housekeepingPeriodMs = 2000;

export class Kubelet {
  readonly config: KubeletConfig;
  readonly host: HostInfo;
  private readonly informers: SharedInformerFactory;
  private readonly podLister: Lister<Pod>;
  private readonly serviceLister: Lister<Service>;
  private readonly podsByUid = new Map<string, Pod>();
  private readonly broadcaster: EventBroadcaster;
  private readonly recorder: EventRecorder;
  private readonly stop = new AbortController();
  readonly statusManager: StatusManager;
  readonly prober: ProberManager;
  readonly syncer: PodSyncer;
  readonly podWorkers: PodWorkers;
  readonly pleg: Pleg;
  readonly nodeStatus: NodeStatusManager;
  readonly lease: NodeLease;
  /** Eviction (manager and loop) and garbage collection. */
  readonly resources: NodeResources;
  private readonly admission: AdmissionHandler;
  private readonly nodeLister: Lister<Node>;
  private registeredNode: Node | undefined;
  private readonly cgroups: PodCgroups;
  private readonly ctx: KubeletContext;
  private server: RunningKubeletServer | undefined;
  private housekeepingTimer: Timer | undefined;
  private resyncTimer: Timer | undefined;
  private synced = false;
  private runtimeName = 'containerd';
  private runtimeVersion = '';
  private podCIDR: string | undefined;
  private hostDns: DnsConfig | undefined;
  private nodeHostsText: string | undefined;

  constructor(options: KubeletOptions) {
    const cfg = (this.config = defaultKubeletConfig(options));
    this.host = readHostInfo(cfg.dataDir, cfg.host);
    const log = cfg.log;
    this.informers = new SharedInformerFactory({ rest: cfg.rest, clock: cfg.clock, log });
    const pods = this.informers.forResource<Pod>(gvr('', 'v1', 'pods'), {
      fieldSelector: `spec.nodeName=${cfg.nodeName}`,
    });
    const nodes = this.informers.forResource<Node>(gvr('', 'v1', 'nodes'), {
      fieldSelector: `metadata.name=${cfg.nodeName}`,
    });
    const services = this.informers.forResource<Service>(gvr('', 'v1', 'services'));
    this.podLister = pods.lister();
    this.serviceLister = services.lister();
    this.nodeLister = nodes.lister();
    this.broadcaster = new EventBroadcaster({ rest: cfg.rest, clock: cfg.clock, log });
    this.recorder = this.broadcaster.newRecorder({ component: 'kubelet', host: cfg.nodeName });
    this.hostDns = cfg.resolvConf ? readResolvConf(cfg.resolvConf) : undefined;
    this.podCIDR = cfg.podCIDR;
    this.cgroups = new PodCgroups(cfg.cgroupRoot, cfg.cgroupDriver, cfg.podCgroups, log);
    const state = new RuntimeStateCache(cfg.runtime);
    this.statusManager = new StatusManager({
      rest: cfg.rest,
      apiPod: (uid) => this.podsByUid.get(uid),
      clock: cfg.clock,
      log,
      qps: cfg.statusQPS,
      burst: cfg.statusQPS * 2,
    });
    this.prober = new ProberManager({
      runtime: cfg.runtime,
      clock: cfg.clock,
      log,
      podStatus: (uid) => this.statusManager.get(uid),
      onChange: (uid) => this.podWorkers.wake(uid),
      event: (pod, type, reason, message) => this.recorder.event(pod, type, reason, message),
    });
    const { allocatable } = capacityAndAllocatable(cfg, this.host);
    const nodeAllocatable: NodeAllocatable = {
      cpuMilli: Number(Quantity.parse(allocatable.cpu!).milliValue()),
      memoryBytes: Number(Quantity.parse(allocatable.memory!).value()),
      ephemeralStorageBytes: Number(Quantity.parse(allocatable['ephemeral-storage']!).value()),
    };
    this.ctx = {
      nodeName: cfg.nodeName,
      nodeIPs: [cfg.nodeIP],
      podsDir: join(cfg.dataDir, 'pods'),
      clusterDNS: cfg.clusterDNS,
      clusterDomain: cfg.clusterDomain,
      hostDns: () => this.hostDns,
      nodeHosts: () => (this.nodeHostsText ??= readText('/etc/hosts')),
      runtime: cfg.runtime,
      runtimeName: () => this.runtimeName,
      state,
      status: this.statusManager,
      prober: this.prober,
      volumes: cfg.volumes,
      cgroups: this.cgroups,
      restartBackoff: new RestartBackoff(cfg.crashLoopBackoff),
      imageBackoff: new RestartBackoff({ initialMs: 10_000, maxMs: 300_000 }),
      objects: new ApiObjectSource(cfg.rest, cfg.clock),
      services: () => this.serviceLister.list(),
      allocatable: () => nodeAllocatable,
      memoryCapacityBytes: () => this.host.memoryBytes,
      events: {
        pod: (pod, type, reason, message, fieldPath) =>
          this.recorder.event(
            fieldPath
              ? {
                  kind: 'Pod',
                  apiVersion: 'v1',
                  name: pod.metadata?.name,
                  namespace: pod.metadata?.namespace,
                  uid: pod.metadata?.uid,
                  fieldPath,
                }
              : { ...pod, kind: 'Pod', apiVersion: 'v1' },
            type,
            reason,
            message,
          ),
      },
      syncFrequencyMs: cfg.syncFrequencyMs,
      clock: cfg.clock,
      log,
    };
    this.syncer = new PodSyncer(this.ctx);
    this.podWorkers = new PodWorkers(this.ctx, this.syncer);
    const nodeRef = { kind: 'Node', name: cfg.nodeName, uid: cfg.nodeName };
    this.resources = new NodeResources(cfg, {
      workers: this.podWorkers,
      pods: () => this.podLister.list(),
      nodeEvent: (type, reason, message) => this.recorder.event(nodeRef, type, reason, message),
      podEvent: (pod, type, reason, message) =>
        this.recorder.event({ ...pod, kind: 'Pod', apiVersion: 'v1' }, type, reason, message),
    });
    this.admission = new AdmissionHandler({
      workers: this.podWorkers,
      sources: {
        eviction: (pod) => this.resources.eviction.admit(pod),
        node: () =>
          this.nodeLister.get('', cfg.nodeName) ?? this.registeredNode ?? { metadata: { name: cfg.nodeName } },
        refreshNode: () => typed<Node>(cfg.rest, gvr('', 'v1', 'nodes')).get(cfg.nodeName),
      },
      event: (pod, type, reason, message) =>
        this.recorder.event({ ...pod, kind: 'Pod', apiVersion: 'v1' }, type, reason, message),
      log,
    });
    this.pleg = new Pleg(cfg.runtime, cfg.clock, cfg.plegRelistPeriodMs, (uids) => this.onRuntimeChange(uids), log);
    this.nodeStatus = new NodeStatusManager(cfg, {
      host: this.host,
      kubeletPort: () => this.server?.port ?? cfg.kubeletPort,
      runtimeVersion: async () => `${this.runtimeName}://${this.runtimeVersion}`,
      readiness: () => this.readiness(),
      images: () => cfg.runtime.listImages(),
      pressure: () => this.resources.eviction.nodePressure(),
      onReadyChange: (ready) =>
        this.recorder.event(
          { kind: 'Node', name: cfg.nodeName, uid: cfg.nodeName },
          'Normal',
          ready ? 'NodeReady' : 'NodeNotReady',
          `Node ${cfg.nodeName} status is now: ${ready ? 'NodeReady' : 'NodeNotReady'}`,
        ),
    });
    this.lease = new NodeLease({
      rest: cfg.rest,
      nodeName: cfg.nodeName,
      nodeUid: () => this.nodeStatus.uid,
      durationSeconds: cfg.leaseDurationSeconds,
      renewIntervalMs: cfg.leaseRenewIntervalMs,
      clock: cfg.clock,
      log,
    });
    pods.addEventHandler({
      onAdd: (p) => this.onPod(p),
      onUpdate: (_o, p) => this.onPod(p),
      onDelete: (o) => {
        const p = objectOf(o);
        const uid = p.metadata?.uid;
        if (uid && this.podsByUid.get(uid) !== undefined) this.podsByUid.delete(uid);
        if (uid) this.admission.forget(uid);
        this.podWorkers.remove(p);
      },
    });
    nodes.addEventHandler({ onAdd: (n) => this.onNode(n), onUpdate: (_o, n) => this.onNode(n) });
  }

  /** The kubelet server's port (or the configured one when there is no server). */
  get port(): number {
    return this.server?.port ?? this.config.kubeletPort;
  }

  /** The view of this kubelet the kubelet server works from. */
  serverDeps(): KubeletServerDeps {
    return kubeletServerDeps({
      nodeName: this.config.nodeName,
      runtime: this.config.runtime,
      rest: this.config.rest,
      pods: this.podLister,
      podByUid: (uid) => this.podsByUid.get(uid),
      syncer: this.syncer,
      status: this.statusManager,
    });
  }

  async start(): Promise<void> {
    const cfg = this.config;
    const signal = this.stop.signal;
    const version = await this.retry('connect to the container runtime', () => cfg.runtime.version({ signal }));
    this.runtimeName = version.runtimeName || 'containerd';
    this.runtimeVersion = version.runtimeVersion;
    this.recorder.event(
      { kind: 'Node', name: cfg.nodeName, uid: cfg.nodeName },
      'Normal',
      'Starting',
      'Starting kubelet.',
    );
    if (this.podCIDR && cfg.cni) ensurePodNetwork(cfg.cni, this.podCIDR);
    this.registeredNode = await this.retry('register node with the API server', () => this.nodeStatus.register());
    // Ready as soon as the runtime and network are, not at the next status period.
    void this.nodeStatus.fastStatusUpdateOnce(() => this.nodeReadyInApi(), signal);
    this.lease.start();
    this.statusManager.start();
    this.informers.start(signal);
    await this.informers.waitForCacheSync(signal);
    if (signal.aborted) return;
    this.synced = true;
    this.pleg.start();
    await this.pleg.relist();
    if (cfg.server) this.server = await cfg.server(this.serverDeps(), cfg);
    this.nodeStatus.start();
    await this.nodeStatus.report(false);
    await this.admission.start();
    this.resources.start();
    this.housekeeping();
    this.resyncTimer = cfg.clock.setInterval(() => this.resyncVolumes(), cfg.syncFrequencyMs);
  }

  /** Like the kubelet, keeps trying (100 ms doubling to 7 s) until `fn` succeeds or the kubelet stops. */
  private async retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const backoff = new Backoff({ initialMs: 100, maxMs: 7000 });
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (this.stop.signal.aborted) throw err;
        const delayMs = backoff.next();
        this.config.log.warn(`unable to ${what}; retrying`, { delayMs, err });
        await this.config.clock.sleep(delayMs, this.stop.signal);
      }
    }
  }

  /** Stops the kubelet's loops; containers and pods on the node are left running. */
  async dispose(): Promise<void> {
    if (this.stop.signal.aborted) return;
    this.stop.abort();
    this.housekeepingTimer?.cancel();
    this.resyncTimer?.cancel();
    this.pleg.stop();
    this.nodeStatus.stop();
    this.lease.stop();
    this.prober.dispose();
    await this.admission.idle();
    await this.podWorkers.dispose();
    await this.resources.dispose();
    await this.statusManager.dispose();
    await this.informers.shutdown();
    await this.broadcaster.dispose();
    await this.server?.dispose();
  }

  private onPod(p: Pod): void {
    const uid = p.metadata?.uid;
    if (!uid || this.stop.signal.aborted) return;
    this.podsByUid.set(uid, p);
    this.admission.onPod(p);
  }

  private nodeReadyInApi(): boolean {
    const n = this.nodeLister.get('', this.config.nodeName);
    return n?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  }

  private onNode(n: Node): void {
    const cidr = n.spec?.podCIDR;
    if (!cidr || cidr === this.podCIDR) return;
    this.podCIDR = cidr;
    if (this.config.cni) {
      try {
        if (ensurePodNetwork(this.config.cni, cidr)) this.config.log.info('pod network configured', { podCIDR: cidr });
      } catch (err) {
        this.config.log.error('could not write the CNI config', { podCIDR: cidr, err });
      }
    }
    void this.nodeStatus.report(false);
  }

  private onRuntimeChange(uids: string[]): void {
    for (const uid of uids) this.podWorkers.wake(uid);
  }

  private async readiness(): Promise<Readiness> {
    // Ready advertises daemonEndpoints: until the server listens (port 0 picks one), the
    // API server would dial a port nobody serves (logs/exec would fail right after Ready).
    if (this.config.server && !this.server) return { ready: false, message: 'kubelet server is not serving yet' };
    let r;
    try {
      r = await this.config.runtime.readiness({ timeoutMs: 5000 });
    } catch (err) {
      return { ready: false, message: `container runtime is down: ${(err as Error).message}` };
    }
    if (!r.runtimeReady)
      return {
        ready: false,
        message: `container runtime status check may not have completed yet: ${r.problems.join('; ')}`,
      };
    if (!r.networkReady) {
      return {
        ready: false,
        message: `container runtime network not ready: ${r.problems.join('; ') || 'NetworkReady=false'}`,
      };
    }
    const pleg = this.pleg.healthy();
    if (!pleg.ok) return { ready: false, message: pleg.message };
    return { ready: true, message: '' };
  }

  /** Volume contents (ConfigMaps, Secrets, tokens) of running pods are refreshed every sync period. */
  private resyncVolumes(): void {
    for (const pod of this.podLister.list()) {
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed' || pod.metadata?.deletionTimestamp) continue;
      this.config.volumes
        .resync(pod)
        .catch((err: unknown) => this.config.log.debug('volume resync failed', { pod: pod.metadata?.name, err }));
    }
  }

  /** Periodic cleanup of what belongs to no known pod (HandlePodCleanups). */
  private housekeeping(): void {
    const run = async () => {
      if (!this.synced || this.stop.signal.aborted) return;
      const known = (uid: string) => this.podsByUid.has(uid) || this.podWorkers.has(uid);
      for (const p of this.pleg.runtimePods())
        if (!known(p.uid)) this.podWorkers.adoptOrphan(p.uid, p.name, p.namespace);
      const leftovers = new Set<string>([
        ...(await this.config.volumes.podsOnDisk()),
        ...this.cgroups.list(),
        ...listDir(this.ctx.podsDir),
      ]);
      const inRuntime = new Set(this.pleg.runtimePods().map((p) => p.uid));
      for (const uid of leftovers) {
        if (known(uid) || inRuntime.has(uid)) continue;
        await this.config.volumes.tearDownPod(uid);
        this.cgroups.remove(uid);
        this.syncer.forget(uid);
        rmSync(join(this.ctx.podsDir, uid), { recursive: true, force: true });
      }
      this.ctx.restartBackoff.gc(this.config.clock.now());
    };
    const tick = () => {
      run()
        .catch((err: unknown) => this.config.log.warn('housekeeping failed', { err }))
        .finally(() => {
          if (!this.stop.signal.aborted)
            this.housekeepingTimer = this.config.clock.setTimeout(tick, housekeepingPeriodMs);
        });
    };
    tick();
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function readResolvConf(path: string): DnsConfig | undefined {
  const text = readText(path);
  return parseResolvConf(text);
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Creates and starts a kubelet; dispose it to stop (pods keep running). */
export async function startKubelet(options: KubeletOptions): Promise<Kubelet> {
  const k = new Kubelet(options);
  try {
    await k.start();
  } catch (err) {
    await k.dispose().catch(() => undefined);
    throw err;
  }
  return k;
}
