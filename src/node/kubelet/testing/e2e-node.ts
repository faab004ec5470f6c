/**
 * A real node for end-to-end tests: a throwaway containerd with the local
 * images, a kubelet acting as `system:node:<name>` against the caller's API
 * server, and helpers to create pods, wait on them, exec in their containers
 * and restart the kubelet. `dispose()` stops the kubelet and removes the
 * runtime with everything it ran (containers, mounts, bridge, cgroups).
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ServiceAccount } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists } from '../../../api/errors/status-error.js';
import { gvr, typed, type ResourceClient, type RestClient } from '../../../client/index.js';
import type { ExecResult } from '../../runtime/index.js';
import { startContainerdEnv, type ContainerdEnv } from '../../runtime/testing/containerd-env.js';
import type { KubeletOptions } from '../config.js';
import type { Kubelet } from '../kubelet.js';
import { startTestKubelet, testKubeletOptions } from './test-node.js';

export interface E2eNodeOptions {
  /** Cluster-admin client (creates namespaces and pods, reads everything). */
  admin: RestClient;
  /** A client authenticated as `system:node:<nodeName>` in `system:nodes`. */
  nodeRest: RestClient;
  nodeName: string;
  namespace: string;
  kubelet?: Partial<KubeletOptions>;
}

export class E2eNode {
  kubelet!: Kubelet;
  readonly pods: ResourceClient<Pod>;

  constructor(
    readonly o: E2eNodeOptions,
    readonly env: ContainerdEnv,
  ) {
    this.pods = typed<Pod>(o.admin, gvr('', 'v1', 'pods'), o.namespace);
  }

  get nodeName(): string {
    return this.o.nodeName;
  }

  async startKubelet(extra: Partial<KubeletOptions> = {}): Promise<Kubelet> {
    this.kubelet = await startTestKubelet({
      rest: this.o.nodeRest,
      env: this.env,
      nodeName: this.o.nodeName,
      ...this.o.kubelet,
      ...extra,
    });
    return this.kubelet;
  }

  /** The options the kubelet runs with (data dir, volumes...). */
  kubeletOptions(): KubeletOptions {
    return testKubeletOptions({ rest: this.o.nodeRest, env: this.env, nodeName: this.o.nodeName, ...this.o.kubelet });
  }

  /** Creates a pod bound to this node (no service-account token unless asked). */
  create(pod: Pod): Promise<Pod> {
    return this.pods.create({
      ...pod,
      metadata: { namespace: this.o.namespace, ...pod.metadata },
      spec: { nodeName: this.o.nodeName, automountServiceAccountToken: false, ...pod.spec! },
    });
  }

  /** Polls the pod until `pred` holds; throws with its last status after `timeoutMs`. */
  async waitFor(name: string, pred: (p: Pod) => boolean, timeoutMs = 30_000): Promise<Pod> {
    const deadline = Date.now() + timeoutMs;
    let last: Pod | undefined;
    for (;;) {
      try {
        last = await this.pods.get(name);
        if (pred(last)) return last;
      } catch {
        last = undefined;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `pod ${name} did not reach the awaited state in ${timeoutMs}ms; last status: ${JSON.stringify(last?.status)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Waits until the pod is gone from the API. */
  async waitGone(name: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.pods.get(name);
      } catch {
        return;
      }
      if (Date.now() > deadline) throw new Error(`pod ${name} still exists after ${timeoutMs}ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The CRI ID of a container of the pod, from its status. */
  containerId(pod: Pod, container: string): string {
    const cs = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find(
      (s) => s.name === container,
    );
    const id = cs?.containerID?.replace(/^[^:]*:\/\//, '');
    if (!id) throw new Error(`no container ID for ${container} in ${pod.metadata?.name}`);
    return id;
  }

  /** Runs a command in a running container of the pod. */
  async exec(name: string, container: string, cmd: string[]): Promise<ExecResult> {
    const pod = await this.pods.get(name);
    return this.env.runtime.execSync(this.containerId(pod, container), cmd, 10);
  }

  async dispose(): Promise<void> {
    try {
      await this.kubelet?.dispose();
    } finally {
      await this.env.dispose();
    }
  }
}

/** Starts containerd and the kubelet; waits until the namespace's default ServiceAccount exists. */
export async function startE2eNode(o: E2eNodeOptions): Promise<E2eNode> {
  const env = await startContainerdEnv({ images: ['busybox', 'httpd'] });
  const node = new E2eNode(o, env);
  try {
    try {
      await typed(o.admin, gvr('', 'v1', 'namespaces')).create({ metadata: { name: o.namespace } });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    const sas = typed<ServiceAccount>(o.admin, gvr('', 'v1', 'serviceaccounts'), o.namespace);
    for (let i = 0; ; i++) {
      try {
        await sas.get('default');
        break;
      } catch (err) {
        if (i > 300) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await node.startKubelet();
    return node;
  } catch (err) {
    await node.dispose().catch(() => undefined);
    throw err;
  }
}
