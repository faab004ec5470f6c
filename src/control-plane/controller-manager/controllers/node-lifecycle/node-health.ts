import type { Node, NodeCondition } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { formatTime, tryParseTime } from '../../../../api/values/time.js';
import { nodeCondition } from './taints.js';

interface HealthData {
  /** When we last saw the node alive (status heartbeat changed or lease renewed), epoch ms. */
  probeTimestamp: number;
  readyTransitionTimestamp: number;
  /** The Ready condition as last observed. */
  ready?: NodeCondition;
  leaseRenewTime?: number;
}

export interface HealthResult {
  gracePeriodMs: number;
  /** The Ready condition as the node reported it (a fake Unknown one when it never did). */
  observedReady: NodeCondition;
  /** The Ready condition after this check (Unknown once the grace period ran out). */
  currentReady: NodeCondition | undefined;
  /** A copy of the node with conditions set to Unknown, to write with updateStatus; absent when nothing changed. */
  update?: Node;
}

/** Conditions the controller turns Unknown (NetworkUnavailable belongs to the network, not the kubelet). */
const unknownOnTimeout = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

const timeOf = (s: string | undefined) => (s ? (tryParseTime(s) ?? 0) : 0);

/**
 * Node health bookkeeping (upstream `tryUpdateNodeHealth`): a node is alive
 * while its Ready condition's heartbeat changes or its Lease in
 * `kube-node-lease` is renewed; once neither happened for the grace period
 * (the startup grace period when the kubelet never posted status), its
 * Ready/MemoryPressure/DiskPressure/PIDPressure conditions become Unknown
 * with reason `NodeStatusUnknown` ("Kubelet stopped posting node status.") or
 * `NodeStatusNeverUpdated` ("Kubelet never posted node status."). Probe times
 * are the controller's clock, not the kubelet's, so clock skew does not matter.
 */
export class NodeHealthTracker {
  private readonly data = new Map<string, HealthData>();

  constructor(
    private readonly gracePeriodMs: number,
    private readonly startupGracePeriodMs: number,
  ) {}

  forget(name: string): void {
    this.data.delete(name);
  }

  /** Resets every node's probe time to `now` (leaving master disruption mode). */
  touchAll(now: number): void {
    for (const d of this.data.values()) {
      d.probeTimestamp = now;
      d.readyTransitionTimestamp = now;
    }
  }

  check(node: Node, lease: Lease | undefined, now: number): HealthResult {
    const name = node.metadata!.name!;
    const created = timeOf(node.metadata?.creationTimestamp);
    let health = this.data.get(name);
    const reported = nodeCondition(node, 'Ready');
    let observedReady: NodeCondition;
    let gracePeriodMs: number;
    if (!reported) {
      const at = node.metadata?.creationTimestamp;
      observedReady = { type: 'Ready', status: 'Unknown', lastHeartbeatTime: at, lastTransitionTime: at };
      gracePeriodMs = this.startupGracePeriodMs;
      if (!health) health = { probeTimestamp: created, readyTransitionTimestamp: created };
    } else {
      observedReady = reported;
      gracePeriodMs = this.gracePeriodMs;
    }
    const saved = health?.ready;
    if (!health) {
      health = { probeTimestamp: now, readyTransitionTimestamp: now };
    } else if ((!saved && reported) || (saved && !reported)) {
      health = { probeTimestamp: now, readyTransitionTimestamp: now, leaseRenewTime: health.leaseRenewTime };
    } else if (saved && reported && saved.lastHeartbeatTime !== reported.lastHeartbeatTime) {
      const transition =
        saved.lastTransitionTime !== reported.lastTransitionTime ? now : health.readyTransitionTimestamp;
      health = { probeTimestamp: now, readyTransitionTimestamp: transition, leaseRenewTime: health.leaseRenewTime };
    }
    health.ready = reported;
    const renew = timeOf(lease?.spec?.renewTime);
    if (lease && (health.leaseRenewTime === undefined || health.leaseRenewTime < renew)) {
      health.leaseRenewTime = renew;
      health.probeTimestamp = now;
    }
    this.data.set(name, health);

    let currentReady: NodeCondition | undefined = reported;
    let update: Node | undefined;
    if (now > health.probeTimestamp + gracePeriodMs) {
      const conditions: NodeCondition[] = structuredClone(node.status?.conditions ?? []);
      const stamp = formatTime(now);
      let changed = false;
      for (const type of unknownOnTimeout) {
        const c = conditions.find((x) => x.type === type);
        if (!c) {
          conditions.push({
            type,
            status: 'Unknown',
            reason: 'NodeStatusNeverUpdated',
            message: 'Kubelet never posted node status.',
            lastHeartbeatTime: node.metadata?.creationTimestamp,
            lastTransitionTime: stamp,
          });
          changed = true;
        } else if (c.status !== 'Unknown') {
          c.status = 'Unknown';
          c.reason = 'NodeStatusUnknown';
          c.message = 'Kubelet stopped posting node status.';
          c.lastTransitionTime = stamp;
          changed = true;
        }
      }
      currentReady = conditions.find((x) => x.type === 'Ready');
      if (changed && JSON.stringify(currentReady) !== JSON.stringify(observedReady)) {
        update = { ...structuredClone(node), status: { ...structuredClone(node.status ?? {}), conditions } };
        health.readyTransitionTimestamp = now;
      }
    }
    return { gracePeriodMs, observedReady, currentReady, update };
  }

  /**
   * Records what was actually written (the Unknown conditions), so the next
   * check does not mistake our own write for a kubelet heartbeat.
   */
  wrote(node: Node): void {
    const d = this.data.get(node.metadata!.name!);
    if (d) d.ready = nodeCondition(node, 'Ready');
  }
}
