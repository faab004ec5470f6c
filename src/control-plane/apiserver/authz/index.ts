/** Authorization building blocks; see each module for the upstream behaviour it follows. */
export * from './types.js';
export { forbiddenError, forbiddenMessage } from './forbidden.js';
export { PrivilegedGroupsAuthorizer, systemMasters } from './privileged-groups.js';
export { UnionAuthorizer, UnionRuleResolver } from './union.js';
export { RbacAuthorizer } from './rbac/rbac-authorizer.js';
export { RbacRuleResolver, subjectAppliesTo, type RbacSource } from './rbac/rule-resolver.js';
export { ruleAllows, rulesAllow } from './rbac/rule-matching.js';
export { RbacEscalationGuard, confirmNoEscalation, type RbacWriteRequest } from './rbac/escalation.js';
export { covers, compactRules, compactString } from './rbac/covers.js';
export { aggregatedRules, aggregateAll } from './rbac/aggregation.js';
export {
  bootstrapPolicy,
  bootstrapClusterRoles,
  bootstrapClusterRoleBindings,
  bootstrapRoles,
  bootstrapRoleBindings,
  autoupdateAnnotation,
  type BootstrapPolicy,
} from './rbac/bootstrap-policy.js';
export { NodeGraph, type VertexType } from './node/graph.js';
export { NodeAuthorizer, nodeIdentity, type NodeAuthorizerOptions } from './node/node-authorizer.js';
