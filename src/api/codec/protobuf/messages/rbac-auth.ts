import type { PackageSpec } from '../schema.js';

/** k8s.io/api/rbac/v1 (package `rbac`). Spec syntax: schema.ts. */
export const rbacMessages: PackageSpec = {
  PolicyRule: {
    verbs: '1 []string',
    apiGroups: '2 []string',
    resources: '3 []string',
    resourceNames: '4 []string',
    nonResourceURLs: '5 []string',
  },
  Subject: { kind: '1 string!', apiGroup: '2 string', name: '3 string!', namespace: '4 string' },
  RoleRef: { apiGroup: '1 string!', kind: '2 string!', name: '3 string!' },
  Role: { metadata: '1 meta.ObjectMeta', rules: '2 []PolicyRule' },
  RoleBinding: { metadata: '1 meta.ObjectMeta', subjects: '2 []Subject', roleRef: '3 RoleRef' },
  ClusterRole: { metadata: '1 meta.ObjectMeta', rules: '2 []PolicyRule', aggregationRule: '3 AggregationRule' },
  AggregationRule: { clusterRoleSelectors: '1 []meta.LabelSelector' },
  ClusterRoleBinding: { metadata: '1 meta.ObjectMeta', subjects: '2 []Subject', roleRef: '3 RoleRef' },
};

/** k8s.io/api/authentication/v1 (package `authentication`). Spec syntax: schema.ts. */
export const authenticationMessages: PackageSpec = {
  TokenRequest: { metadata: '1 meta.ObjectMeta', spec: '2 TokenRequestSpec', status: '3 TokenRequestStatus' },
  TokenRequestSpec: {
    audiences: '1 []string',
    boundObjectRef: '3 BoundObjectReference',
    expirationSeconds: '4 *int64',
  },
  BoundObjectReference: { kind: '1 string', apiVersion: '2 string', name: '3 string', uid: '4 string' },
  TokenRequestStatus: { token: '1 string!', expirationTimestamp: '2 time!' },
  TokenReview: { metadata: '1 meta.ObjectMeta', spec: '2 TokenReviewSpec', status: '3 TokenReviewStatus' },
  TokenReviewSpec: { token: '1 string', audiences: '2 []string' },
  TokenReviewStatus: { authenticated: '1 bool', user: '2 UserInfo', error: '3 string', audiences: '4 []string' },
  SelfSubjectReview: { metadata: '1 meta.ObjectMeta', status: '2 SelfSubjectReviewStatus' },
  SelfSubjectReviewStatus: { userInfo: '1 UserInfo' },
  UserInfo: { username: '1 string', uid: '2 string', groups: '3 []string', extra: '4 map<string,strings>' },
};

/** k8s.io/api/authorization/v1 (package `authorization`). Spec syntax: schema.ts. */
export const authorizationMessages: PackageSpec = {
  SelfSubjectAccessReview: {
    metadata: '1 meta.ObjectMeta',
    spec: '2 SelfSubjectAccessReviewSpec',
    status: '3 SubjectAccessReviewStatus',
  },
  SelfSubjectAccessReviewSpec: {
    resourceAttributes: '1 ResourceAttributes',
    nonResourceAttributes: '2 NonResourceAttributes',
  },
  SubjectAccessReview: {
    metadata: '1 meta.ObjectMeta',
    spec: '2 SubjectAccessReviewSpec',
    status: '3 SubjectAccessReviewStatus',
  },
  LocalSubjectAccessReview: {
    metadata: '1 meta.ObjectMeta',
    spec: '2 SubjectAccessReviewSpec',
    status: '3 SubjectAccessReviewStatus',
  },
  SubjectAccessReviewSpec: {
    resourceAttributes: '1 ResourceAttributes',
    nonResourceAttributes: '2 NonResourceAttributes',
    user: '3 string',
    groups: '4 []string',
    extra: '5 map<string,strings>',
    uid: '6 string',
  },
  ResourceAttributes: {
    namespace: '1 string',
    verb: '2 string',
    group: '3 string',
    version: '4 string',
    resource: '5 string',
    subresource: '6 string',
    name: '7 string',
    fieldSelector: '8 FieldSelectorAttributes',
    labelSelector: '9 LabelSelectorAttributes',
  },
  FieldSelectorAttributes: { rawSelector: '1 string', requirements: '2 []meta.FieldSelectorRequirement' },
  LabelSelectorAttributes: { rawSelector: '1 string', requirements: '2 []meta.LabelSelectorRequirement' },
  NonResourceAttributes: { path: '1 string', verb: '2 string' },
  SubjectAccessReviewStatus: { allowed: '1 bool!', reason: '2 string', evaluationError: '3 string', denied: '4 bool' },
  SelfSubjectRulesReview: {
    metadata: '1 meta.ObjectMeta',
    spec: '2 SelfSubjectRulesReviewSpec',
    status: '3 SubjectRulesReviewStatus',
  },
  SelfSubjectRulesReviewSpec: { namespace: '1 string' },
  SubjectRulesReviewStatus: {
    resourceRules: '1 []ResourceRule',
    nonResourceRules: '2 []NonResourceRule',
    incomplete: '3 bool!',
    evaluationError: '4 string',
  },
  ResourceRule: { verbs: '1 []string', apiGroups: '2 []string', resources: '3 []string', resourceNames: '4 []string' },
  NonResourceRule: { verbs: '1 []string', nonResourceURLs: '2 []string' },
};
