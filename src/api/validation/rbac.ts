import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  Subject,
} from 'kubernetes-types/rbac/v1.js';
import { list, str } from './common.js';
import { FieldPath, type FieldError } from './field-error.js';
import { validateLabelSelector } from './label-selector.js';
import { nameIsDNSSubdomain, nameIsPathSegment, type NameValidator } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

/**
 * rbac.authorization.k8s.io/v1. Role and binding names are path segments (so
 * `system:controller:foo` is fine); roleRefs are immutable.
 */
export const rbacGroup = 'rbac.authorization.k8s.io';

/** ValidateRBACName: the full path-segment check whether or not the name is a generateName prefix. */
export const validateRBACName: NameValidator = (name) => nameIsPathSegment(name, false);

export function validatePolicyRule(rule: PolicyRule, namespaced: boolean, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (list(rule.verbs).length === 0) errs.push(path.child('verbs').required('verbs must contain at least one value'));
  const urls = list(rule.nonResourceURLs);
  if (urls.length > 0) {
    if (namespaced)
      errs.push(path.child('nonResourceURLs').invalid(urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (list(rule.apiGroups).length || list(rule.resources).length || list(rule.resourceNames).length)
      errs.push(
        path
          .child('nonResourceURLs')
          .invalid(urls, 'rules cannot apply to both regular resources and non-resource URLs'),
      );
    return errs;
  }
  if (list(rule.apiGroups).length === 0)
    errs.push(path.child('apiGroups').required('resource rules must supply at least one api group'));
  if (list(rule.resources).length === 0)
    errs.push(path.child('resources').required('resource rules must supply at least one resource'));
  return errs;
}

export function validateRole(role: Role): FieldError[] {
  const errs = validateObjectMeta(role.metadata, true, validateRBACName);
  list(role.rules).forEach((r, i) => errs.push(...validatePolicyRule(r, true, FieldPath.of('rules').index(i))));
  return errs;
}

export function validateRoleUpdate(role: Role, old: Role): FieldError[] {
  return [...validateRole(role), ...validateObjectMetaUpdate(role.metadata, old.metadata)];
}

export function validateClusterRole(role: ClusterRole): FieldError[] {
  const errs = validateObjectMeta(role.metadata, false, validateRBACName);
  list(role.rules).forEach((r, i) => errs.push(...validatePolicyRule(r, false, FieldPath.of('rules').index(i))));
  if (role.aggregationRule) {
    const p = FieldPath.of('aggregationRule', 'clusterRoleSelectors');
    const sels = list(role.aggregationRule.clusterRoleSelectors);
    if (sels.length === 0)
      errs.push(p.required('at least one clusterRoleSelector required if aggregationRule is non-nil'));
    sels.forEach((s, i) => errs.push(...validateLabelSelector(s, p.index(i))));
  }
  return errs;
}

export function validateClusterRoleUpdate(role: ClusterRole, old: ClusterRole): FieldError[] {
  return [...validateClusterRole(role), ...validateObjectMetaUpdate(role.metadata, old.metadata)];
}

export function validateSubject(subject: Subject, namespaced: boolean, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(subject.name);
  if (!name) errs.push(path.child('name').required());
  switch (subject.kind) {
    case 'ServiceAccount':
      if (name) errs.push(...nameIsDNSSubdomain(name, false).map((m) => path.child('name').invalid(name, m)));
      if (str(subject.apiGroup)) errs.push(path.child('apiGroup').notSupported(subject.apiGroup, ['']));
      if (!namespaced && !str(subject.namespace)) errs.push(path.child('namespace').required());
      break;
    case 'User':
    case 'Group':
      if (subject.apiGroup !== rbacGroup)
        errs.push(path.child('apiGroup').notSupported(str(subject.apiGroup), [rbacGroup]));
      break;
    default:
      errs.push(path.child('kind').notSupported(str(subject.kind), ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

function validateBinding(b: RoleBinding | ClusterRoleBinding, namespaced: boolean): FieldError[] {
  const errs = validateObjectMeta(b.metadata, namespaced, validateRBACName);
  const ref = b.roleRef ?? ({} as RoleBinding['roleRef']);
  const rp = FieldPath.of('roleRef');
  if (ref.apiGroup !== rbacGroup) errs.push(rp.child('apiGroup').notSupported(str(ref.apiGroup), [rbacGroup]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(str(ref.kind))) errs.push(rp.child('kind').notSupported(str(ref.kind), kinds));
  const name = str(ref.name);
  if (!name) errs.push(rp.child('name').required());
  else errs.push(...validateRBACName(name, false).map((m) => rp.child('name').invalid(name, m)));
  list(b.subjects).forEach((s, i) => errs.push(...validateSubject(s, namespaced, FieldPath.of('subjects').index(i))));
  return errs;
}

function validateBindingUpdate(
  b: RoleBinding | ClusterRoleBinding,
  old: RoleBinding | ClusterRoleBinding,
  namespaced: boolean,
): FieldError[] {
  const errs = [...validateBinding(b, namespaced), ...validateObjectMetaUpdate(b.metadata, old.metadata)];
  const n = b.roleRef ?? {};
  const o = old.roleRef ?? {};
  if (str(n.apiGroup) !== str(o.apiGroup) || str(n.kind) !== str(o.kind) || str(n.name) !== str(o.name))
    errs.push(FieldPath.of('roleRef').invalid(b.roleRef ?? null, 'cannot change roleRef'));
  return errs;
}

export const validateRoleBinding = (b: RoleBinding) => validateBinding(b, true);
export const validateRoleBindingUpdate = (b: RoleBinding, old: RoleBinding) => validateBindingUpdate(b, old, true);
export const validateClusterRoleBinding = (b: ClusterRoleBinding) => validateBinding(b, false);
export const validateClusterRoleBindingUpdate = (b: ClusterRoleBinding, old: ClusterRoleBinding) =>
  validateBindingUpdate(b, old, false);
