import { type DefaulterTable, type JsonObject, forEachObject, isEmptyString, structField } from './util.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/**
 * rbac.authorization.k8s.io/v1 defaulters (upstream `pkg/apis/rbac/v1/defaults.go`):
 * binding roleRefs and User/Group subjects get the RBAC API group.
 */
export const rbacDefaulters: DefaulterTable = {
  RoleBinding: defaultBinding,
  ClusterRoleBinding: defaultBinding,
};

function defaultBinding(binding: JsonObject): void {
  const roleRef = structField(binding, 'roleRef');
  if (roleRef && isEmptyString(roleRef.apiGroup)) roleRef.apiGroup = RBAC_GROUP;
  forEachObject(binding.subjects, (subject) => {
    if (!isEmptyString(subject.apiGroup)) return;
    if (subject.kind === 'User' || subject.kind === 'Group') subject.apiGroup = RBAC_GROUP;
    // Go omits the empty apiGroup of ServiceAccount subjects (omitempty).
    else if (subject.kind === 'ServiceAccount' && subject.apiGroup === '') delete subject.apiGroup;
  });
}
