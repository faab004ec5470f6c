import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerRuntime } from '../../runtime/index.js';
export interface KubeletServerDeps {
  nodeName: string;
  runtime: ContainerRuntime;
  /** Pods bound to this node as the kubelet currently knows them. */
  pods(): Pod[];
  getPod(namespace: string, name: string): Pod | undefined;
  /** CRI container id of a pod's container (latest attempt), or of its previous attempt. */
  containerId(podUid: string, container: string, previous?: boolean): string | undefined;
  /** The pod's IP, or undefined when it has none yet. */
  podIP(podUid: string): string | undefined;
  /** The pod's ready sandbox (port-forward goes through CRI into its network namespace), if any. */
  sandboxId(podUid: string): string | undefined;
  /** For authorizing non-apiserver callers: SubjectAccessReview through the API. */
  authorize(
    user: { username: string; groups: string[] },
    attrs: { verb: string; resource: string; subresource: string; namespace: string; name: string },
  ): Promise<boolean>;
}
