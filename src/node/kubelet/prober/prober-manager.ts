/**
 * Probe workers (pkg/kubelet/prober/worker.go): one per container and probe
 * type, probing every `periodSeconds` once the container has run for
 * `initialDelaySeconds`, and recording a result only after
 * `successThreshold`/`failureThreshold` equal outcomes in a row. Liveness
 * starts as success, readiness as failure, startup as not started — except
 * that a container the API already shows ready (or started) stays so until
 * its first result, so a restarted kubelet does not flip Ready pods to
 * NotReady (upstream v1.32 does, kubernetes#100277; KEP-4781 fixes it this
 * way). Liveness and readiness wait for the startup probe. A failed liveness or startup probe
 * is held (no more probing) until the pod worker replaces the container: the
 * worker restarts with the new container ID. Result changes wake the pod worker.
 */
import type { Container, Pod, PodStatus, Probe } from 'kubernetes-types/core/v1.js';
import { parseTime } from '../../../api/values/time.js';
import type { Clock, Timer } from '../../../lib/clock.js';
import type { Logger } from '../../../lib/log.js';
import type { KubeletRuntime } from '../pleg/runtime-state.js';
import type { ProbeView } from '../status/container-status.js';
import { runProbe } from './probe-runner.js';

export type ProbeType = 'liveness' | 'readiness' | 'startup';

const noStatusRetryMs = 200;

const probeNames: Record<ProbeType, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

export interface ProberManagerOptions {
  runtime: Pick<KubeletRuntime, 'execSync'>;
  clock: Clock;
  log: Logger;
  /** The kubelet's latest status of the pod (container IDs and states, pod IP). */
  podStatus(uid: string): PodStatus | undefined;
  /** A result changed or a restart is due: the pod worker should sync. */
  onChange(uid: string): void;
  /** Records an event on the pod (Unhealthy). */
  event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

function probeOf(c: Container, type: ProbeType): Probe | undefined {
  return type === 'liveness' ? c.livenessProbe : type === 'readiness' ? c.readinessProbe : c.startupProbe;
}

class ProbeWorker {
  containerId: string | undefined;
  private last: 'success' | 'failure' | undefined;
  private run = 0;
  private onHold = false;
  private timer: Timer | undefined;
  private busy = false;
  stopped = false;

  constructor(
    private readonly mgr: ProberManager,
    public pod: Pod,
    readonly container: Container,
    readonly type: ProbeType,
  ) {}

  get probe(): Probe {
    return probeOf(this.container, this.type)!;
  }

  private get uid(): string {
    return this.pod.metadata!.uid!;
  }

  schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer?.cancel();
    this.timer = this.mgr.clock.setTimeout(() => void this.tick(), delayMs);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.mgr.clearResults(this.uid, this.container.name, this.containerId);
  }

  async tick(): Promise<void> {
    if (this.stopped || this.busy) return;
    this.busy = true;
    let next = (this.probe.periodSeconds ?? 10) * 1000;
    try {
      const wait = await this.doProbe();
      if (wait === 'stop') {
        this.stopped = true;
        return;
      }
      if (typeof wait === 'number') next = Math.min(next, wait);
    } catch (err) {
      this.mgr.log.warn('probe worker failed', { pod: this.pod.metadata?.name, container: this.container.name, err });
    } finally {
      this.busy = false;
    }
    this.schedule(next);
  }

  /** One probe round; returns 'stop' when the pod is finished, or ms until it should look again. */
  private async doProbe(): Promise<'stop' | number | undefined> {
    const status = this.mgr.options.podStatus(this.uid);
    // No status yet (the pod's first sync, e.g. after a kubelet restart): probe as soon as there is one.
    if (!status) return noStatusRetryMs;
    if (status.phase === 'Succeeded' || status.phase === 'Failed') return 'stop';
    const cs = [...(status.containerStatuses ?? []), ...(status.initContainerStatuses ?? [])].find(
      (s) => s.name === this.container.name,
    );
    const id = cs?.containerID?.replace(/^[^:]*:\/\//, '');
    if (!cs || !id) return undefined;
    if (id !== this.containerId) {
      this.mgr.clearResults(this.uid, this.container.name, this.containerId);
      this.containerId = id;
      this.last = undefined;
      this.run = 0;
      this.onHold = false;
      if (this.type === 'liveness') this.mgr.setResult(this.uid, this.container.name, id, 'liveness', true);
    }
    if (this.onHold) return undefined;
    if (!cs.state?.running) {
      if (this.type === 'readiness') this.mgr.setResult(this.uid, this.container.name, id, 'readiness', false);
      return undefined;
    }
    if (this.type === 'startup' && cs.started) return undefined;
    if (this.type !== 'startup' && this.container.startupProbe && !cs.started) return undefined;
    const startedAt = parseTime(cs.state.running.startedAt ?? '');
    const delayMs = (this.probe.initialDelaySeconds ?? 0) * 1000 - (this.mgr.clock.now() - startedAt);
    if (delayMs > 0) return delayMs;

    const timeoutMs = (this.probe.timeoutSeconds ?? 1) * 1000;
    const podIP = status.podIP ?? status.hostIP ?? '';
    let result: 'success' | 'failure';
    try {
      const out = await runProbe(this.probe, {
        runtime: this.mgr.options.runtime,
        containerId: id,
        container: this.container,
        podIP,
        timeoutMs,
      });
      result = out.result;
      if (result === 'failure') {
        this.mgr.options.event(
          this.pod,
          'Warning',
          'Unhealthy',
          `${probeNames[this.type]} probe failed: ${out.output}`,
        );
      }
    } catch (err) {
      result = 'failure';
      this.mgr.options.event(
        this.pod,
        'Warning',
        'Unhealthy',
        `${probeNames[this.type]} probe errored: ${(err as Error).message}`,
      );
    }
    if (this.stopped || id !== this.containerId) return undefined;
    this.run = result === this.last ? this.run + 1 : 1;
    this.last = result;
    const threshold =
      result === 'failure'
        ? (this.probe.failureThreshold ?? 3)
        : this.type === 'readiness'
          ? (this.probe.successThreshold ?? 1)
          : 1;
    if (this.run < threshold) return undefined;
    this.mgr.setResult(this.uid, this.container.name, id, this.type, result === 'success');
    if (result === 'failure' && this.type !== 'readiness') {
      // The pod worker restarts the container; probing resumes with the next container ID.
      this.onHold = true;
      this.run = 0;
    }
    return undefined;
  }
}

export class ProberManager {
  readonly clock: Clock;
  readonly log: Logger;
  private readonly workers = new Map<string, ProbeWorker[]>();
  /** `${uid}/${container}/${containerId}/${type}` -> passing. */
  private readonly results = new Map<string, boolean>();

  constructor(readonly options: ProberManagerOptions) {
    this.clock = options.clock;
    this.log = options.log;
  }

  /** Starts workers for the pod's probes (idempotent; an updated pod object replaces the old one). */
  addPod(pod: Pod): void {
    const uid = pod.metadata!.uid!;
    const existing = this.workers.get(uid);
    if (existing) {
      for (const w of existing) w.pod = pod;
      return;
    }
    const list: ProbeWorker[] = [];
    const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
    for (const c of [...sidecars, ...(pod.spec?.containers ?? [])]) {
      for (const type of ['startup', 'liveness', 'readiness'] as ProbeType[]) {
        if (probeOf(c, type)) list.push(new ProbeWorker(this, pod, c, type));
      }
    }
    this.workers.set(uid, list);
    for (const w of list) w.schedule(0);
  }

  removePod(uid: string): void {
    for (const w of this.workers.get(uid) ?? []) w.stop();
    this.workers.delete(uid);
  }

  /** Probes the pod's containers now (called when their containers change). */
  poke(uid: string): void {
    for (const w of this.workers.get(uid) ?? []) if (!w.stopped) w.schedule(0);
  }

  dispose(): void {
    for (const uid of [...this.workers.keys()]) this.removePod(uid);
  }

  setResult(uid: string, container: string, id: string, type: ProbeType, passing: boolean): void {
    const key = `${uid}/${container}/${id}/${type}`;
    if (this.results.get(key) === passing) return;
    this.results.set(key, passing);
    this.options.onChange(uid);
  }

  clearResults(uid: string, container: string, id: string | undefined): void {
    if (!id) return;
    for (const t of ['liveness', 'readiness', 'startup']) this.results.delete(`${uid}/${container}/${id}/${t}`);
  }

  private result(uid: string, container: string, id: string, type: ProbeType): boolean | undefined {
    return this.results.get(`${uid}/${container}/${id}/${type}`);
  }

  /** The probe type whose failure means the container must be restarted, if any. */
  failed(uid: string, container: string, id: string): 'liveness' | 'startup' | undefined {
    if (this.result(uid, container, id, 'startup') === false) return 'startup';
    if (this.result(uid, container, id, 'liveness') === false) return 'liveness';
    return undefined;
  }

  /** Readiness and startup as the status generator asks for them. */
  view(pod: Pod): ProbeView {
    const uid = pod.metadata!.uid!;
    const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
    const spec = (name: string) => all.find((c) => c.name === name);
    // Before a container's first probe result (a kubelet restart), what the API already says of
    // that very container stands, so a restart does not flap Ready pods (KEP-4781).
    const inApi = (name: string, id: string) =>
      [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find(
        (s) => s.name === name && s.containerID?.endsWith(`://${id}`) && s.state?.running,
      );
    return {
      ready: (name, id) =>
        spec(name)?.readinessProbe
          ? (this.result(uid, name, id, 'readiness') ?? inApi(name, id)?.ready === true)
          : undefined,
      started: (name, id) =>
        spec(name)?.startupProbe
          ? (this.result(uid, name, id, 'startup') ?? inApi(name, id)?.started === true)
          : undefined,
    };
  }
}
