/**
 * Node registration and status reporting (kubelet_node_status.go): the Node
 * is created (or, when it exists, its kubelet labels are patched back in),
 * then every update period the status is computed and PATCHed to
 * `nodes/<name>/status` when it changed — or, unchanged, once per report
 * period, the heartbeat the node lifecycle controller falls back to when the
 * Lease is missing. Heartbeat times alone are not a change.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Node, NodeCondition, NodeStatus } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists } from '../../../api/errors/status-error.js';
import { formatTime } from '../../../api/values/time.js';
import { gvr, typed, type ResourceClient } from '../../../client/index.js';
import type { Timer } from '../../../lib/clock.js';
import type { KubeletConfig, NodePressure } from '../config.js';
import type { HostInfo } from './host-info.js';
import { nodeLabels, nodeObject, nodeStatus, type Readiness } from './node-status.js';
import type { Image } from '../../runtime/index.js';

export interface NodeStatusSources {
  host: HostInfo;
  kubeletPort(): number;
  runtimeVersion(): Promise<string>;
  readiness(): Promise<Readiness>;
  images(): Promise<Image[]>;
  /** The pressure conditions the eviction manager reports. */
  pressure(): NodePressure;
  /** Called with the node's Ready condition when it changes (for the NodeReady/NodeNotReady events). */
  onReadyChange?(ready: boolean): void;
}

/** How long the fast status update keeps trying after start (upstream nodeReadyGracePeriod). */
const nodeReadyGracePeriodMs = 120_000;

function withoutHeartbeats(s: NodeStatus): NodeStatus {
  return { ...s, conditions: s.conditions?.map((c) => ({ ...c, lastHeartbeatTime: undefined })) };
}

export class NodeStatusManager {
  private readonly nodes: ResourceClient<Node>;
  private last: NodeStatus | undefined;
  private lastReportAt = -Infinity;
  private timer: Timer | undefined;
  private busy: Promise<void> | undefined;
  private stopped = false;
  /** The registered Node's UID (for the Lease's owner reference). */
  uid = '';

  constructor(
    private readonly cfg: KubeletConfig,
    private readonly src: NodeStatusSources,
  ) {
    this.nodes = typed<Node>(cfg.rest, gvr('', 'v1', 'nodes'));
  }

  private async compute(previous: NodeCondition[] | undefined): Promise<NodeStatus> {
    const [runtimeVersion, readiness, images] = await Promise.all([
      this.src.runtimeVersion(),
      this.src.readiness(),
      this.src.images().catch(() => []),
    ]);
    return nodeStatus({
      cfg: this.cfg,
      host: this.src.host,
      kubeletPort: this.src.kubeletPort(),
      runtimeVersion,
      readiness,
      pressure: this.src.pressure(),
      images,
      now: formatTime(this.cfg.clock.now()),
      previous,
    });
  }

  /** Creates the Node, or adopts an existing one (restoring the kubelet's labels); returns it. */
  async register(): Promise<Node> {
    const status = await this.compute(undefined);
    let node: Node;
    try {
      node = await this.nodes.create(nodeObject(this.cfg, status));
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      node = await this.nodes.get(this.cfg.nodeName);
      const want = nodeLabels(this.cfg);
      const missing = Object.entries(want).filter(([k, v]) => node.metadata?.labels?.[k] !== v);
      if (missing.length > 0) {
        node = await this.nodes.patch(this.cfg.nodeName, 'strategic', {
          metadata: { labels: Object.fromEntries(missing) },
        });
      }
    }
    this.uid = node.metadata?.uid ?? '';
    this.cfg.log.info('node registered', { node: this.cfg.nodeName });
    await this.report(true, node.status?.conditions);
    return node;
  }

  start(): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      void this.report(false).finally(() => {
        if (!this.stopped) this.timer = this.cfg.clock.setTimeout(tick, this.cfg.nodeStatusUpdateFrequencyMs);
      });
    };
    this.timer = this.cfg.clock.setTimeout(tick, this.cfg.nodeStatusUpdateFrequencyMs);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** Whether the status last written said Ready. */
  get ready(): boolean {
    return this.last?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  }

  /**
   * Upstream `fastStatusUpdateOnce`: right after start, every 100 ms, work
   * out whether the node would now be Ready (runtime and network up, PLEG
   * healthy) and patch the status the moment it is, rather than at the next
   * update period. Ends once a Ready status is written, the API already
   * shows the node Ready (`apiReady`), or after the 2 min grace period.
   */
  async fastStatusUpdateOnce(apiReady: () => boolean, signal: AbortSignal): Promise<void> {
    const start = this.cfg.clock.monotonic();
    while (!signal.aborted && !this.stopped) {
      if (this.ready || apiReady()) return;
      if (this.cfg.clock.monotonic() - start >= nodeReadyGracePeriodMs) {
        this.cfg.log.warn('node not becoming ready in time after startup');
        return;
      }
      const readiness = await this.src.readiness().catch(() => undefined);
      if (readiness?.ready) {
        this.cfg.log.info('fast updating node status as it just became ready');
        await this.report(false);
        if (this.ready) return;
      }
      await this.cfg.clock.sleep(100, signal).catch(() => undefined);
    }
  }

  /** Computes the status and patches it if it changed or the report period passed (`force`: always). */
  report(force: boolean, previous?: NodeCondition[]): Promise<void> {
    this.busy ??= this.doReport(force, previous)
      .catch((err: unknown) => this.cfg.log.warn('node status update failed', { err }))
      .finally(() => (this.busy = undefined));
    return this.busy;
  }

  private async doReport(force: boolean, previous?: NodeCondition[]): Promise<void> {
    const status = await this.compute(previous ?? this.last?.conditions);
    const now = this.cfg.clock.monotonic();
    const changed = !this.last || !isDeepStrictEqual(withoutHeartbeats(status), withoutHeartbeats(this.last));
    if (!force && !changed && now - this.lastReportAt < this.cfg.nodeStatusReportFrequencyMs) return;
    await this.nodes.patch(this.cfg.nodeName, 'strategic', { status }, { subresource: 'status' });
    const wasReady = this.last?.conditions?.find((c) => c.type === 'Ready')?.status;
    const isReady = status.conditions?.find((c) => c.type === 'Ready')?.status;
    this.last = status;
    this.lastReportAt = now;
    if (wasReady !== isReady) this.src.onReadyChange?.(isReady === 'True');
  }
}
