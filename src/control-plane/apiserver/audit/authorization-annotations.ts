/**
 * Audit annotation keys the authorization filter records on every request it
 * decides (upstream `endpoints/filters/authorization.go`): the decision is
 * `allow` or `forbid`; the reason is the authorizer's (possibly empty) text, or
 * `internal error` when the authorizer failed.
 */
export const decisionAnnotationKey = 'authorization.k8s.io/decision';
export const reasonAnnotationKey = 'authorization.k8s.io/reason';
