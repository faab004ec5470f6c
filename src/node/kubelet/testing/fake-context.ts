/**
 * The pod workers' dependencies wired to fakes for unit tests: the in-memory
 * runtime, a fake API server behind the status manager, scratch volumes in a
 * temp dir and a FakeClock. `settle()` lets the workers run until idle.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod, Secret } from 'kubernetes-types/core/v1.js';
import { FakeApiServer, fakeRestClient } from '../../../client/testing/fake-api-server.js';
import { FakeClock, flushMicrotasks } from '../../../lib/clock.js';
import { nullLogger } from '../../../lib/log.js';
import { PodCgroups } from '../cm/pod-cgroups.js';
import { RuntimeStateCache } from '../pleg/runtime-state.js';
import type { KubeletContext } from '../pod-workers/context.js';
import { PodSyncer } from '../pod-workers/pod-sync.js';
import { PodWorkers } from '../pod-workers/pod-workers.js';
import { RestartBackoff } from '../pod-workers/restart-backoff.js';
import { ProberManager } from '../prober/prober-manager.js';
import { StatusManager } from '../status/status-manager.js';
import { FakeRuntime } from './fake-runtime.js';
import { ScratchVolumeManager } from './scratch-volumes.js';

export interface RecordedEvent {
  pod: string;
  type: string;
  reason: string;
  message: string;
  fieldPath?: string;
}

export class FakeKubelet {
  readonly clock = new FakeClock();
  readonly runtime = new FakeRuntime(this.clock);
  readonly api = new FakeApiServer(this.clock);
  readonly dir = mkdtempSync(join(tmpdir(), 'kubelet-unit-'));
  readonly volumes = new ScratchVolumeManager(join(this.dir, 'pods'));
  readonly events: RecordedEvent[] = [];
  /** Secrets the kubelet can read, by `namespace/name`. */
  readonly secrets = new Map<string, Secret>();
  readonly status: StatusManager;
  readonly prober: ProberManager;
  readonly ctx: KubeletContext;
  readonly syncer: PodSyncer;
  readonly workers: PodWorkers;

  constructor() {
    const rest = fakeRestClient(this.api);
    this.status = new StatusManager({
      rest,
      apiPod: (uid) => this.api.list('', 'pods').find((p) => p.metadata?.uid === uid) as Pod | undefined,
      clock: this.clock,
      log: nullLogger,
    });
    this.prober = new ProberManager({
      runtime: this.runtime,
      clock: this.clock,
      log: nullLogger,
      podStatus: (uid) => this.status.get(uid),
      onChange: (uid) => this.workers.wake(uid),
      event: (pod, type, reason, message) => this.events.push({ pod: pod.metadata!.name!, type, reason, message }),
    });
    this.ctx = {
      nodeName: 'node-1',
      nodeIPs: ['192.0.2.10'],
      podsDir: join(this.dir, 'pods'),
      clusterDNS: ['10.43.0.10'],
      clusterDomain: 'cluster.local',
      hostDns: () => undefined,
      nodeHosts: () => '127.0.0.1 localhost\n',
      runtime: this.runtime,
      runtimeName: () => 'fake',
      state: new RuntimeStateCache(this.runtime),
      status: this.status,
      prober: this.prober,
      volumes: this.volumes,
      cgroups: new PodCgroups('/', 'cgroupfs', false, nullLogger),
      restartBackoff: new RestartBackoff({ initialMs: 10_000, maxMs: 300_000 }),
      imageBackoff: new RestartBackoff({ initialMs: 10_000, maxMs: 300_000 }),
      objects: { configMap: async () => undefined, secret: async (ns, name) => this.secrets.get(`${ns}/${name}`) },
      services: () => [],
      allocatable: () => ({ cpuMilli: 4000, memoryBytes: 8 * 2 ** 30, ephemeralStorageBytes: 10 ** 11 }),
      memoryCapacityBytes: () => 8 * 2 ** 30,
      events: {
        pod: (pod, type, reason, message, fieldPath) =>
          this.events.push({ pod: pod.metadata?.name ?? '', type, reason, message, fieldPath }),
      },
      syncFrequencyMs: 60_000,
      clock: this.clock,
      log: nullLogger,
    };
    this.syncer = new PodSyncer(this.ctx);
    this.workers = new PodWorkers(this.ctx, this.syncer);
    this.status.start();
  }

  /** Stores the pod in the fake API (as the scheduler/user would) and hands it to the workers. */
  add(pod: Pod): Pod {
    const stored = this.api.seed('', 'pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      ...pod,
      metadata: { namespace: 'default', ...pod.metadata },
      spec: { nodeName: 'node-1', ...pod.spec },
      status: { phase: 'Pending', ...pod.status },
    }) as Pod;
    this.workers.update(stored);
    return stored;
  }

  /** The kubelet's current status of a pod by name. */
  podStatus(name: string) {
    const p = this.api.list('', 'pods').find((x) => x.metadata?.name === name) as Pod | undefined;
    return p ? this.status.get(p.metadata!.uid!) : undefined;
  }

  /** Lets workers, timers due now and status writes run. */
  async settle(): Promise<void> {
    await flushMicrotasks(50);
    await this.clock.advance(0);
    await flushMicrotasks(50);
  }

  /** Advances time in steps, letting everything run in between. */
  async advance(ms: number, step = 500): Promise<void> {
    for (let t = 0; t < ms; t += step) {
      await this.clock.advance(Math.min(step, ms - t));
      await flushMicrotasks(20);
    }
  }

  async dispose(): Promise<void> {
    await this.workers.dispose();
    this.prober.dispose();
    await this.status.dispose();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
