import { isDNS1123Label, isDNS1123Subdomain } from '../../../../api/validation/names.js';

/**
 * ServiceAccount user names and groups (upstream `apiserver/pkg/authentication/serviceaccount`):
 * `system:serviceaccount:<ns>:<name>` in `system:serviceaccounts` and
 * `system:serviceaccounts:<ns>`.
 */
export const serviceAccountUsernamePrefix = 'system:serviceaccount:';
export const allServiceAccountsGroup = 'system:serviceaccounts';
export const serviceAccountGroupPrefix = 'system:serviceaccounts:';

export function makeUsername(namespace: string, name: string): string {
  return `${serviceAccountUsernamePrefix}${namespace}:${name}`;
}

export function makeGroupNames(namespace: string): string[] {
  return [allServiceAccountsGroup, serviceAccountGroupPrefix + namespace];
}

/** Namespace and name of a ServiceAccount user name; undefined when it is not a valid one. */
export function splitUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(serviceAccountUsernamePrefix)) return undefined;
  const parts = username.slice(serviceAccountUsernamePrefix.length).split(':');
  if (parts.length !== 2) return undefined;
  const [namespace, name] = parts as [string, string];
  if (isDNS1123Label(namespace).length || isDNS1123Subdomain(name).length) return undefined;
  return { namespace, name };
}
