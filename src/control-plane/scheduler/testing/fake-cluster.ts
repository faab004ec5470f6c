import type { Node, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { flushMicrotasks, type Clock } from '../../../lib/clock.js';
import type { EventType, Listers, ObjectLister, Ports } from '../framework/interfaces.js';
import { Scheduler, type SchedulerOptions } from '../scheduler.js';
import { bump } from './builders.js';

export interface RecordedEvent {
  object: string;
  type: EventType;
  reason: string;
  message: string;
}

/** Pod.status is readonly in kubernetes-types; tests build new versions freely. */
export function setStatus(p: Pod, status: PodStatus): void {
  Object.assign(p, { status });
}

function lister<T extends { metadata?: { name?: string; namespace?: string } }>(
  items: () => Iterable<T>,
): ObjectLister<T> {
  return {
    get: (name, ns) =>
      [...items()].find((o) => o.metadata?.name === name && (ns === undefined || o.metadata?.namespace === ns)),
    list: (ns) => [...items()].filter((o) => ns === undefined || o.metadata?.namespace === ns),
  };
}

/**
 * An in-memory API for scheduler tests: the ports apply writes to its pods
 * and deliver the resulting informer events to the scheduler synchronously,
 * like an apiserver with an instantaneous watch.
 */
export class FakeCluster {
  readonly pods = new Map<string, Pod>();
  readonly nodes = new Map<string, Node>();
  readonly pdbs: PodDisruptionBudget[] = [];
  readonly events: RecordedEvent[] = [];
  readonly bindCalls: { pod: string; node: string }[] = [];
  /** Set to make the next binds fail. */
  failBinds = 0;
  scheduler!: Scheduler;
  private rv = 100;

  readonly ports: Ports = {
    binder: {
      bind: async (pod, nodeName) => {
        const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
        if (this.failBinds > 0) {
          this.failBinds--;
          throw new Error(`binding ${key} failed`);
        }
        const cur = this.pods.get(key);
        if (!cur) throw Object.assign(new Error(`pods "${pod.metadata?.name}" not found`), { reason: 'NotFound' });
        this.bindCalls.push({ pod: key, node: nodeName });
        this.update(cur, (p) => {
          p.spec!.nodeName = nodeName;
          setStatus(p, { ...p.status, conditions: [{ type: 'PodScheduled', status: 'True' }] });
        });
      },
    },
    statusUpdater: {
      podScheduledFalse: async (pod, reason, message, nnn) => {
        const cur = this.pods.get(`${pod.metadata?.namespace}/${pod.metadata?.name}`);
        if (!cur) return;
        this.update(cur, (p) => {
          const conds = (p.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
          conds.push({ type: 'PodScheduled', status: 'False', reason, message });
          const st = { ...p.status, conditions: conds };
          if (nnn !== undefined) st.nominatedNodeName = nnn || undefined;
          setStatus(p, st);
        });
      },
      setNominatedNode: async (pod, nodeName) => {
        const cur = this.pods.get(`${pod.metadata?.namespace}/${pod.metadata?.name}`);
        if (!cur) return;
        this.update(cur, (p) => {
          setStatus(p, { ...p.status, nominatedNodeName: nodeName || undefined });
        });
      },
    },
    events: {
      event: (obj, type, reason, message) => {
        const o = obj.metadata?.namespace
          ? `${obj.metadata.namespace}/${obj.metadata.name}`
          : (obj.metadata?.name ?? '');
        this.events.push({ object: o, type, reason, message });
      },
    },
    deleter: {
      deletePod: async (pod: Pod, condition: PodCondition) => {
        const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
        const cur = this.pods.get(key);
        if (!cur) throw Object.assign(new Error('not found'), { reason: 'NotFound' });
        const withCond = bump(cur, (p) => {
          setStatus(p, { ...p.status, conditions: [...(p.status?.conditions ?? []), condition] });
        });
        this.pods.delete(key);
        this.scheduler.deletePod(withCond);
      },
    },
  };

  readonly listers: Listers = {
    pdbs: lister(() => this.pdbs),
    pods: lister(() => this.pods.values()),
  };

  create(opts: Omit<SchedulerOptions, 'ports'> & { clock?: Clock } = {}): Scheduler {
    this.scheduler = new Scheduler({ ...opts, ports: this.ports, listers: { ...this.listers, ...opts.listers } });
    return this.scheduler;
  }

  addNode(node: Node): void {
    this.nodes.set(node.metadata!.name!, node);
    this.scheduler.addNode(node);
  }

  addPod(pod: Pod): void {
    this.pods.set(`${pod.metadata?.namespace}/${pod.metadata?.name}`, pod);
    this.scheduler.addPod(pod);
  }

  deletePod(key: string): void {
    const p = this.pods.get(key);
    if (!p) return;
    this.pods.delete(key);
    this.scheduler.deletePod(p);
  }

  update(cur: Pod, patch: (p: Pod) => void): Pod {
    const next = structuredClone(cur);
    patch(next);
    next.metadata = { ...next.metadata, resourceVersion: String(++this.rv) };
    this.pods.set(`${next.metadata.namespace}/${next.metadata.name}`, next);
    this.scheduler.updatePod(cur, next);
    return next;
  }

  pod(key: string): Pod | undefined {
    return this.pods.get(key.includes('/') ? key : `default/${key}`);
  }

  nodeOf(name: string): string | undefined {
    return this.pod(name)?.spec?.nodeName;
  }

  eventsFor(name: string, reason?: string): RecordedEvent[] {
    const key = name.includes('/') ? name : `default/${name}`;
    return this.events.filter((e) => e.object === key && (!reason || e.reason === reason));
  }

  /**
   * Pops and schedules until the active queue is empty, letting bindings and
   * other port calls settle between pods (pods waiting at Permit stay waiting).
   */
  async drain(max = 100_000): Promise<number> {
    let n = 0;
    for (; n < max; n++) {
      await flushMicrotasks(3);
      const q = this.scheduler.queue.tryPop();
      if (!q) break;
      this.scheduler.scheduleOne(q);
    }
    await flushMicrotasks(5);
    return n;
  }
}
