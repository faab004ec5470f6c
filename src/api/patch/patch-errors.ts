import { badRequest, StatusError } from '../errors/status-error.js';

/**
 * How patch failures become StatusErrors (kube-apiserver `handlers/patch.go`):
 *
 * - The body cannot be decoded (not JSON, a JSON patch that is not an array of
 *   objects, a merge/strategic patch that is not an object): 400 BadRequest with
 *   the decoder's message.
 * - A well-formed JSON patch whose operations cannot be applied (missing path,
 *   failed `test`, unknown op): 422 Invalid with the generic message and the
 *   detail in a cause, exactly as upstream's `NewGenericServerResponse(422)`.
 * - A strategic merge patch with malformed directives (bad `$retainKeys`,
 *   `$setElementOrder`, `$deleteFromPrimitiveList`, a merge-list element
 *   without its merge key, an unknown `$patch` value): 400 BadRequest with the
 *   upstream `mergepatch` message. (Upstream answers some of these with a 500
 *   carrying the same message; they are client errors, so kubets says 400.)
 * - Lists of lists and patches contradicting `$retainKeys`: 422 like upstream.
 */
export const genericInvalidMessage = 'the server rejected our request due to an error in our request';

export function patchUnprocessable(detail: string): StatusError {
  return new StatusError(422, 'Invalid', genericInvalidMessage, {
    causes: [{ reason: 'UnexpectedServerResponse', message: detail }],
  });
}

export function patchBadRequest(message: string): StatusError {
  return badRequest(message);
}

/** Upstream `mergepatch` sentinel messages. */
export const mergePatchMessages = {
  badJSONDoc: 'invalid JSON document',
  noListOfLists: 'lists of lists are not supported',
  badPrimitiveList: 'invalid patch format of primitive list',
  badRetainKeys: 'invalid patch format of retainKeys',
  badSetElementOrder: 'invalid patch format of setElementOrder list',
  contentNotMatchRetainKeys: "patch content doesn't match retainKeys list",
} as const;
