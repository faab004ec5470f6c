/**
 * The kubelet's side of the kubelet-server contract (server/types.ts): its
 * pods as the informer has them, container IDs from the last runtime state
 * each pod worker saw, pod IPs from the status manager, and authorization of
 * non-apiserver callers through a SubjectAccessReview.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { SubjectAccessReview } from 'kubernetes-types/authorization/v1.js';
import { gvr, typed, type Lister, type RestClient } from '../../client/index.js';
import type { ContainerRuntime } from '../runtime/index.js';
import { readySandbox } from './pleg/runtime-state.js';
import type { PodSyncer } from './pod-workers/pod-sync.js';
import type { KubeletServerDeps } from './server/types.js';
import type { StatusManager } from './status/status-manager.js';

export interface ServerDepsSources {
  nodeName: string;
  runtime: ContainerRuntime;
  rest: RestClient;
  pods: Lister<Pod>;
  podByUid(uid: string): Pod | undefined;
  syncer: PodSyncer;
  status: StatusManager;
}

export function kubeletServerDeps(s: ServerDepsSources): KubeletServerDeps {
  const reviews = typed<SubjectAccessReview>(s.rest, gvr('authorization.k8s.io', 'v1', 'subjectaccessreviews'));
  return {
    nodeName: s.nodeName,
    runtime: s.runtime,
    pods: () => s.pods.list(),
    getPod: (namespace, name) => s.pods.get(namespace, name),
    containerId(podUid, container, previous) {
      const attempts = (s.syncer.lastState(podUid)?.containers ?? []).filter((c) => c.name === container);
      return attempts[previous ? 1 : 0]?.id;
    },
    podIP(podUid) {
      return s.status.get(podUid)?.podIP ?? s.podByUid(podUid)?.status?.podIP;
    },
    sandboxId(podUid) {
      const state = s.syncer.lastState(podUid);
      return state ? readySandbox(state)?.id : undefined;
    },
    async authorize(user, attrs) {
      const review = await reviews.create({
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: user.username,
          groups: user.groups,
          resourceAttributes: {
            verb: attrs.verb,
            resource: attrs.resource,
            subresource: attrs.subresource,
            namespace: attrs.namespace,
            name: attrs.name,
          },
        },
      });
      return review.status?.allowed === true;
    },
  };
}
