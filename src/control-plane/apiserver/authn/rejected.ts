import { StatusError } from '../../../api/errors/status-error.js';

/**
 * A refused credential: on the wire a plain 401 `Unauthorized` (clients learn
 * nothing more), while `detail` keeps upstream's explanation for logs and for
 * TokenReview's `status.error` (e.g. `service account token has expired`).
 */
export class CredentialRejected extends StatusError {
  constructor(readonly detail: string) {
    super(401, 'Unauthorized', 'Unauthorized');
  }
}

export const rejected = (detail: string) => new CredentialRejected(detail);
