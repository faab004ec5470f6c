import { forbidden, StatusError } from '../../../api/errors/status-error.js';
import type { Attributes } from './types.js';

/**
 * The text of a 403 (upstream `endpoints/handlers/responsewriters.forbiddenMessage`),
 * which kubectl prints verbatim after `Error from server (Forbidden): `.
 */
export function forbiddenMessage(a: Attributes): string {
  const user = JSON.stringify(a.user.username);
  if (!a.isResourceRequest) return `User ${user} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const what = `User ${user} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)}`;
  return a.namespace ? `${what} in the namespace ${JSON.stringify(a.namespace)}` : `${what} at the cluster scope`;
}

/**
 * The 403 StatusError for a refused request (upstream `responsewriters.Forbidden`
 * + `apierrors.NewForbidden`): `pods "web" is forbidden: User ... : <reason>`,
 * details naming the resource (without subresource) and object. Non-resource
 * requests have no resource, so the message starts with `forbidden: `.
 */
export function forbiddenError(a: Attributes, reason = ''): StatusError {
  const msg = reason ? `${forbiddenMessage(a)}: ${reason}` : forbiddenMessage(a);
  if (!a.resource && !a.apiGroup) return new StatusError(403, 'Forbidden', `forbidden: ${msg}`, {});
  return forbidden({ group: a.apiGroup, resource: a.resource }, a.name, msg);
}
