/**
 * Delegated authorization for a component's secure port (upstream
 * `DelegatingAuthorizer`): each decision is a SubjectAccessReview the API
 * server evaluates with its own authorizers (RBAC, Node, ...), so a
 * component grants exactly what the cluster's RBAC says. The component's own
 * client needs `create` on `subjectaccessreviews` (the
 * `system:auth-delegator` role; kube-scheduler and kube-controller-manager
 * have it through their bootstrap roles).
 */
import type { SubjectAccessReview } from 'kubernetes-types/authorization/v1.js';
import { gvr, typed, type RestClient } from '../../client/index.js';
import type { ComponentAuthorizer } from './component-server.js';

export function subjectAccessReviewAuthorizer(rest: RestClient): ComponentAuthorizer {
  const reviews = typed<SubjectAccessReview>(rest, gvr('authorization.k8s.io', 'v1', 'subjectaccessreviews'));
  return async (user, attrs) => {
    const review = await reviews.create({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: user.username,
        groups: user.groups,
        nonResourceAttributes: { verb: attrs.verb, path: attrs.path },
      },
    });
    return review.status?.allowed === true;
  };
}
