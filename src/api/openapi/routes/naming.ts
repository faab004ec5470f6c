/**
 * Upstream naming of OpenAPI operations and tags. kube-apiserver derives both
 * from the route path: the group with `.k8s.io` trimmed, camel-cased at every
 * non-alphanumeric character (`rbac.authorization.k8s.io` -> `RbacAuthorization`,
 * the legacy group -> `Core`), then the version.
 */
import type { GroupVersion } from '../../scheme/types.js';

/** Camel-cases at non-alphanumeric characters, dropping them. */
export function toOperationIdPart(s: string, capitalizeFirst: boolean): string {
  let out = '';
  let upNext = capitalizeFirst;
  for (const ch of s) {
    if (/[A-Za-z0-9]/.test(ch)) {
      out += upNext ? ch.toUpperCase() : ch;
      upNext = false;
    } else {
      upNext = true;
    }
  }
  return out;
}

function groupPart(gv: GroupVersion): string {
  return gv.group === '' ? 'core' : gv.group.replace(/\.k8s\.io$/, '');
}

/** `AppsV1`, `CoreV1`, `RbacAuthorizationV1`: inserted after the verb of every operationId. */
export function operationIdInfix(gv: GroupVersion): string {
  return toOperationIdPart(groupPart(gv), true) + toOperationIdPart(gv.version, true);
}

/** `apps_v1`, `core_v1`, `rbacAuthorization_v1`. */
export function operationTag(gv: GroupVersion): string {
  return `${toOperationIdPart(groupPart(gv), false)}_${toOperationIdPart(gv.version, false)}`;
}

/** `/api/v1` or `/apis/<group>/<version>`. */
export function groupVersionPrefix(gv: GroupVersion): string {
  return gv.group === '' ? `/api/${gv.version}` : `/apis/${gv.group}/${gv.version}`;
}

/** Go's strings.Title for one lower-case word: `status` -> `Status`. */
export function title(word: string): string {
  return word ? word[0].toUpperCase() + word.slice(1) : word;
}
