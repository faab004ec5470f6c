import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Logger } from '../../../lib/log.js';
import {
  QueueingHint,
  eventMatches,
  isWildCard,
  type ClusterEvent,
  type ClusterEventWithHint,
  type EventResource,
} from '../framework/events.js';
import type { QueuedPodInfo } from '../framework/interfaces.js';

/** Where an event sends a parked pod: nowhere, to backoffQ/activeQ after backoff, or straight to activeQ. */
export type Strategy = 'skip' | 'afterBackoff' | 'immediately';

/** The per-profile hints the policy reads. */
export interface HintSource {
  queueingHints: ReadonlyMap<string, readonly ClusterEventWithHint[]>;
}

const schedulerNameOf = (pod: Pod) => pod.spec?.schedulerName ?? 'default-scheduler';

/**
 * Decides whether a cluster event may make a rejected pod schedulable
 * (upstream isPodWorthRequeuing): only events registered by the plugins that
 * rejected it count, filtered by their QueueingHints; a Queue from a plugin
 * that returned Pending skips the backoff. A pod rejected by no plugin in
 * particular (an error) is retried on any event.
 */
export class RequeuePolicy {
  private eventsOfInterest: { resource: EventResource; actionType: number }[] | undefined;

  constructor(
    private readonly profileFor: (schedulerName: string) => HintSource | undefined,
    private readonly log: Logger,
  ) {}

  setEventsOfInterest(events: readonly { resource: EventResource; actionType: number }[]): void {
    this.eventsOfInterest = [...events];
  }

  /** Whether any plugin registered for the event (others are dropped without looking at pods). */
  isEventOfInterest(event: ClusterEvent): boolean {
    if (isWildCard(event) || !this.eventsOfInterest) return true;
    for (const e of this.eventsOfInterest) if (eventMatches(e, event)) return true;
    return false;
  }

  strategy(q: QueuedPodInfo, event: ClusterEvent, oldObj: unknown, newObj: unknown): Strategy {
    if (q.unschedulablePlugins.size + q.pendingPlugins.size === 0) return 'afterBackoff';
    if (isWildCard(event)) {
      // A wildcard event aimed at one pod (ForceActivate) concerns only that pod.
      const target = newObj as Pod | undefined;
      if (target?.metadata?.uid !== undefined && target.metadata.uid !== q.podInfo.uid) return 'skip';
      return 'afterBackoff';
    }
    const profile = this.profileFor(schedulerNameOf(q.podInfo.pod));
    if (!profile) return 'afterBackoff';
    for (const p of q.pendingPlugins) if (this.queues(profile, p, q, event, oldObj, newObj)) return 'immediately';
    for (const p of q.unschedulablePlugins) {
      if (q.pendingPlugins.has(p)) continue;
      if (this.queues(profile, p, q, event, oldObj, newObj)) return 'afterBackoff';
    }
    return 'skip';
  }

  /** Whether one of the plugin's registrations matches the event and its hint says Queue (a failing hint does). */
  private queues(
    profile: HintSource,
    plugin: string,
    q: QueuedPodInfo,
    event: ClusterEvent,
    oldObj: unknown,
    newObj: unknown,
  ): boolean {
    for (const reg of profile.queueingHints.get(plugin) ?? []) {
      if (!eventMatches(reg.event, event)) continue;
      if (!reg.hint) return true;
      try {
        if (reg.hint(q.podInfo.pod, oldObj, newObj) === QueueingHint.Queue) return true;
      } catch (e) {
        this.log.warn('queueing hint failed; requeuing', { plugin, pod: q.podInfo.key, err: e });
        return true;
      }
    }
    return false;
  }
}
