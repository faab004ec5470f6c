import { TransportError } from './transport.js';

/** Codes meaning the connection never carried the request to the server. */
const notSentCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_INVALID_SESSION',
  'ERR_HTTP2_SESSION_ERROR',
]);

/** Failures no retry can fix: the peer's certificate or our TLS setup is wrong. */
const permanentCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_INVALID_URL',
]);

/**
 * Wraps a socket/TLS/HTTP2 error as a TransportError. `notSent` marks errors
 * raised before the request could reach the server (the caller knows: e.g. a
 * connect failure, or a reused idle keep-alive socket reset before any byte
 * of the response).
 */
export function classifyNetworkError(err: unknown, notSent: boolean): TransportError {
  if (err instanceof TransportError) return err;
  const e = (err ?? {}) as { code?: string; message?: string };
  const code = e.code;
  const permanent = code !== undefined && permanentCodes.has(code);
  return new TransportError(e.message ?? String(err), code, notSent || (code !== undefined && notSentCodes.has(code)), {
    cause: err,
    retryable: !permanent,
  });
}
