/**
 * The node's heartbeat Lease (pkg/kubelet/nodelease, component-helpers
 * lease controller): `kube-node-lease/<node>`, holder the node, 40 s duration,
 * owned by the Node so it goes with it. Renewed every 10 s by updating the
 * last Lease seen (optimistic concurrency: a conflict refetches); a failed
 * renewal is retried after 200 ms doubling up to 7 s.
 */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { isConflict, isNotFound } from '../../../api/errors/status-error.js';
import { formatMicroTime } from '../../../api/values/time.js';
import { gvr, typed, type ResourceClient, type RestClient } from '../../../client/index.js';
import { Backoff } from '../../../lib/backoff.js';
import type { Clock, Timer } from '../../../lib/clock.js';
import type { Logger } from '../../../lib/log.js';

export const nodeLeaseNamespace = 'kube-node-lease';

export interface NodeLeaseOptions {
  rest: RestClient;
  nodeName: string;
  /** The Node's UID (owner reference); empty until registered. */
  nodeUid(): string;
  durationSeconds: number;
  renewIntervalMs: number;
  clock: Clock;
  log: Logger;
}

export class NodeLease {
  private readonly leases: ResourceClient<Lease>;
  private lease: Lease | undefined;
  private timer: Timer | undefined;
  private stopped = false;
  private readonly retry = new Backoff({ initialMs: 200, maxMs: 7000, factor: 2 });
  renewals = 0;

  constructor(private readonly o: NodeLeaseOptions) {
    this.leases = typed<Lease>(o.rest, gvr('coordination.k8s.io', 'v1', 'leases'), nodeLeaseNamespace);
  }

  private desired(renewTime: string): Lease {
    const uid = this.o.nodeUid();
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.o.nodeName,
        namespace: nodeLeaseNamespace,
        ...(uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.o.nodeName, uid }] } : {}),
      },
      spec: { holderIdentity: this.o.nodeName, leaseDurationSeconds: this.o.durationSeconds, renewTime },
    };
  }

  /** Creates or renews the Lease once. */
  async renew(): Promise<void> {
    const renewTime = formatMicroTime(this.o.clock.now());
    if (!this.lease) {
      try {
        this.lease = await this.leases.get(this.o.nodeName);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.lease = await this.leases.create(this.desired(renewTime));
        this.renewals++;
        return;
      }
    }
    const want = this.desired(renewTime);
    const next: Lease = {
      ...this.lease,
      metadata: {
        ...this.lease.metadata,
        ownerReferences: this.lease.metadata?.ownerReferences?.length
          ? this.lease.metadata.ownerReferences
          : want.metadata?.ownerReferences,
      },
      spec: { ...this.lease.spec, ...want.spec },
    };
    try {
      this.lease = await this.leases.update(next);
      this.renewals++;
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) this.lease = undefined;
      throw err;
    }
  }

  start(): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.renew().then(
        () => {
          this.retry.reset();
          if (!this.stopped) this.timer = this.o.clock.setTimeout(tick, this.o.renewIntervalMs);
        },
        (err: unknown) => {
          const delay = this.retry.next();
          this.o.log.warn('failed to renew node lease; retrying', { delayMs: delay, err });
          if (!this.stopped) this.timer = this.o.clock.setTimeout(tick, delay);
        },
      );
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }
}
