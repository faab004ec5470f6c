import type { KubeObject, ResourceClient, RestClient } from '../../src/client/index.js';
import { componentUsers, inProcessRest, serviceAccountUser } from '../../src/cmd/in-process.js';
import {
  type RunningControllerManager,
  startControllerManager,
} from '../../src/control-plane/controller-manager/controller-manager.js';
import { allControllers } from '../../src/control-plane/controller-manager/registry.js';
import { type SimNodes, type SimNodesOptions, startSimNodes } from '../../src/node/sim/sim-nodes.js';
import type { TestCluster } from './control-plane.js';

/** An in-process client of the test cluster with cluster-admin rights (system:masters). */
export function adminRest(c: TestCluster, component = 'kubets-test'): RestClient {
  return inProcessRest(
    c.cp.apiserver,
    { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] },
    component,
  );
}

/**
 * Simulated nodes for a test cluster, talking to it in process. By default
 * they also bind unscheduled pods (`bindUnscheduled`), standing in for the
 * scheduler until it lands. Dispose the result (the nodes stay registered).
 */
export function startTestSimNodes(c: TestCluster, o: Partial<Omit<SimNodesOptions, 'rest'>> = {}): Promise<SimNodes> {
  return startSimNodes({ count: 3, bindUnscheduled: true, ...o, rest: adminRest(c, 'kubets-sim') });
}

/**
 * A controller-manager for a cluster started with `controllers: []`, so a
 * test can stop and restart it (e.g. mid-rollout) — the same in-process
 * identity and wiring `kubets server` uses.
 */
export function startTestControllerManager(c: TestCluster, enabled: string[]): Promise<RunningControllerManager> {
  return startControllerManager({
    rest: inProcessRest(c.cp.apiserver, componentUsers.controllerManager, 'kube-controller-manager'),
    restFor: (sa) => inProcessRest(c.cp.apiserver, serviceAccountUser(sa), 'kube-controller-manager'),
    controllers: allControllers(),
    enabled,
  });
}

/** Polls `check` until it returns a truthy value (bounded); returns that value. */
export async function eventually<T>(
  check: () => Promise<T> | T,
  what: string,
  timeoutMs = 30_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * Lists then watches `client` from the list's resourceVersion, calling
 * `onEvent` with the current set of objects (by name) after the initial list
 * and after every event, until the returned stop function is called.
 */
export async function watchObjects<T extends KubeObject>(
  client: ResourceClient<T>,
  selector: { labelSelector?: string },
  onEvent: (objects: ReadonlyMap<string, T>, type: string, obj?: T) => void,
): Promise<() => Promise<void>> {
  const objects = new Map<string, T>();
  const list = await client.list(selector);
  for (const o of list.items) objects.set(o.metadata!.name!, o);
  onEvent(objects, 'LIST');
  const w = await client.watch({ ...selector, resourceVersion: list.metadata?.resourceVersion });
  const done = (async () => {
    try {
      for await (const ev of w) {
        if (ev.type === 'BOOKMARK') continue;
        const o = ev.object as T;
        if (ev.type === 'DELETED') objects.delete(o.metadata!.name!);
        else objects.set(o.metadata!.name!, o);
        onEvent(objects, ev.type, o);
      }
    } catch {
      // closed
    }
  })();
  return async () => {
    w.close();
    await done;
  };
}
