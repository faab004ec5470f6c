import type { Node, Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound } from '../../api/errors/status-error.js';
import {
  EventBroadcaster,
  ResourceClient,
  SharedInformerFactory,
  type KubeObject,
  type RestClient,
  type SharedIndexInformer,
} from '../../client/index.js';
import { type Clock, realClock } from '../../lib/clock.js';
import { type Logger, nullLogger } from '../../lib/log.js';
import type { ResolvedConfiguration } from './config/types.js';
import type { EventResource } from './framework/events.js';
import type { Listers, ObjectLister, Ports } from './framework/interfaces.js';
import { Scheduler } from './scheduler.js';

export interface SchedulerComponentOptions {
  rest: RestClient;
  config?: ResolvedConfiguration;
  clock?: Clock;
  log?: Logger;
}

export interface RunningScheduler {
  scheduler: Scheduler;
  stop(): Promise<void>;
}

const pods = { group: '', version: 'v1', resource: 'pods' };
const rfc3339 = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

function lister<T>(inf: SharedIndexInformer<KubeObject>): ObjectLister<T> {
  return {
    get: (name: string, ns?: string) => inf.lister().get(ns ?? '', name) as T | undefined,
    list: (ns?: string) => (ns === undefined ? inf.lister().list() : inf.lister().namespace(ns).list()) as T[],
  } as ObjectLister<T>;
}

/**
 * kube-scheduler as a component: informers feed the scheduling queue and cache
 * (handlers only hand objects over), and the scheduler's ports write through the
 * API — `pods/binding` to bind, `pods/status` for PodScheduled=False and
 * nominations, events, and victim deletion for preemption.
 */
export async function startScheduler(o: SchedulerComponentOptions): Promise<RunningScheduler> {
  const clock = o.clock ?? realClock;
  const log = o.log ?? nullLogger;
  const stop = new AbortController();
  const informers = new SharedInformerFactory({ rest: o.rest, clock, log });
  const broadcaster = new EventBroadcaster({ rest: o.rest, clock });
  const recorder = broadcaster.newRecorder({ component: 'default-scheduler' });
  const podClient = (ns: string) => new ResourceClient<Pod & KubeObject>(o.rest, pods, ns);

  const ports: Ports = {
    binder: {
      async bind(pod, nodeName) {
        await o.rest.request({
          method: 'POST',
          path: `/api/v1/namespaces/${pod.metadata!.namespace}/pods/${pod.metadata!.name}/binding`,
          body: {
            apiVersion: 'v1',
            kind: 'Binding',
            metadata: { name: pod.metadata!.name, namespace: pod.metadata!.namespace, uid: pod.metadata!.uid },
            target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
          },
        });
      },
    },
    statusUpdater: {
      async podScheduledFalse(pod, reason, message, nominatedNodeName) {
        const cond = {
          type: 'PodScheduled',
          status: 'False',
          reason,
          message,
          lastProbeTime: null,
          lastTransitionTime: rfc3339(clock.now()),
        };
        const status: Record<string, unknown> = { conditions: [cond] };
        if (nominatedNodeName !== undefined) status.nominatedNodeName = nominatedNodeName || null;
        try {
          await podClient(pod.metadata!.namespace!).patch(
            pod.metadata!.name!,
            'strategic',
            { metadata: { uid: pod.metadata!.uid }, status },
            { subresource: 'status' },
          );
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
      },
      async setNominatedNode(pod, nodeName) {
        try {
          await podClient(pod.metadata!.namespace!).patch(
            pod.metadata!.name!,
            'merge',
            { status: { nominatedNodeName: nodeName || null } },
            { subresource: 'status' },
          );
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      },
    },
    events: {
      event: (obj, type, reason, message) => recorder.event(obj as unknown as KubeObject, type, reason, message),
    },
    deleter: {
      async deletePod(pod: Pod, condition: PodCondition) {
        const c = podClient(pod.metadata!.namespace!);
        try {
          await c.patch(
            pod.metadata!.name!,
            'strategic',
            { status: { conditions: [condition] } },
            { subresource: 'status' },
          );
          await c.delete(pod.metadata!.name!, { preconditions: { uid: pod.metadata!.uid } });
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
      },
    },
  };

  const inf = (group: string, version: string, resource: string) =>
    informers.forResource<KubeObject>({ group, version, resource });
  const podInf = inf('', 'v1', 'pods');
  const nodeInf = inf('', 'v1', 'nodes');
  const listers: Listers = {
    pods: lister(podInf),
    pdbs: lister(inf('policy', 'v1', 'poddisruptionbudgets')),
    namespaces: lister(inf('', 'v1', 'namespaces')),
    pvcs: lister(inf('', 'v1', 'persistentvolumeclaims')),
    pvs: lister(inf('', 'v1', 'persistentvolumes')),
    storageClasses: lister(inf('storage.k8s.io', 'v1', 'storageclasses')),
    csiNodes: lister(inf('storage.k8s.io', 'v1', 'csinodes')),
    csiDrivers: lister(inf('storage.k8s.io', 'v1', 'csidrivers')),
    services: lister(inf('', 'v1', 'services')),
    replicationControllers: lister(inf('', 'v1', 'replicationcontrollers')),
    replicaSets: lister(inf('apps', 'v1', 'replicasets')),
    statefulSets: lister(inf('apps', 'v1', 'statefulsets')),
  };
  const scheduler = new Scheduler({ config: o.config, ports, listers, clock, log });
  podInf.addEventHandler({
    onAdd: (p) => scheduler.addPod(p as unknown as Pod),
    onUpdate: (a, b) => scheduler.updatePod(a as unknown as Pod, b as unknown as Pod),
    onDelete: (p) => scheduler.deletePod(((p as { obj?: Pod }).obj ?? p) as Pod),
  });
  nodeInf.addEventHandler({
    onAdd: (n) => scheduler.addNode(n as unknown as Node),
    onUpdate: (a, b) => scheduler.updateNode(a as unknown as Node, b as unknown as Node),
    onDelete: (n) => scheduler.deleteNode(((n as { obj?: Node }).obj ?? n) as Node),
  });
  // Other objects plugins care about requeue unschedulable pods when they change.
  const forward = (res: EventResource, i: SharedIndexInformer<KubeObject>) =>
    i.addEventHandler({
      onAdd: (x) => scheduler.onClusterEvent(res, 'Add', undefined, x),
      onUpdate: (a, b) => scheduler.onClusterEvent(res, 'Update', a, b),
      onDelete: (x) => scheduler.onClusterEvent(res, 'Delete', x, undefined),
    });
  forward('PersistentVolumeClaim', inf('', 'v1', 'persistentvolumeclaims'));
  forward('PersistentVolume', inf('', 'v1', 'persistentvolumes'));
  forward('StorageClass', inf('storage.k8s.io', 'v1', 'storageclasses'));
  forward('CSINode', inf('storage.k8s.io', 'v1', 'csinodes'));
  forward('Namespace', inf('', 'v1', 'namespaces'));
  informers.start(stop.signal);
  await informers.waitForCacheSync(stop.signal);
  const running = scheduler.run(stop.signal).catch((err) => log.error('scheduler stopped with an error', { err }));
  return {
    scheduler,
    async stop() {
      stop.abort();
      scheduler.stop();
      await running;
      await informers.shutdown();
      await broadcaster.shutdown();
    },
  };
}
