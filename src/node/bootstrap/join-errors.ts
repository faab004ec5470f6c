import { isTransportError, type TransportError } from '../../client/index.js';

/**
 * Errors of the join flow, each one line saying what happened and what to do
 * (issue 11: "a wrong token, an unreachable server — one line"). `code` lets
 * the CLI choose an exit status and tests assert the kind.
 */
export type JoinErrorCode =
  'token-rejected' | 'unreachable' | 'ca-mismatch' | 'forbidden' | 'denied' | 'timeout' | 'invalid';

export class JoinError extends Error {
  override name = 'JoinError';
  constructor(
    readonly code: JoinErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const tokenRejected = (url: string, cause?: unknown) =>
  new JoinError('token-rejected', `the join token was rejected by ${url}: check \`kubets token list\` on the server`, {
    cause,
  });

export const unreachable = (url: string, err: unknown) =>
  new JoinError(
    'unreachable',
    `cannot reach the server at ${url} (${(err as Error).message}): check --server and that \`kubets server\` is running and reachable from this host`,
    { cause: err },
  );

/** TLS failures that mean "this server's certificate does not chain to the CA we trust". */
const untrustedCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);

export const caMismatch = (url: string, detail: string, cause?: unknown) =>
  new JoinError('ca-mismatch', `CA mismatch: ${detail} (${url}); the data dir or token may belong to another cluster`, {
    cause,
  });

/** Turns a failed request into the join error it means (undefined: not one we explain). */
export function explainTransportError(url: string, err: unknown): JoinError | undefined {
  if (!isTransportError(err)) return undefined;
  const code = (err as TransportError).code;
  if (code && untrustedCodes.has(code))
    return caMismatch(url, `the server presents a certificate that is not signed by the cluster CA (${code})`, err);
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return new JoinError(
      'ca-mismatch',
      `the server's certificate does not cover ${new URL(url).hostname} (${err.message}): use an address in its certificate, or add it with --tls-san on the server`,
      { cause: err },
    );
  return unreachable(url, err);
}
