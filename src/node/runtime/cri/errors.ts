/**
 * Errors from CRI calls. Every failed call becomes a CriError carrying the gRPC
 * status code, so callers branch on `code` (e.g. NOT_FOUND after a concurrent
 * removal) instead of parsing text. A runtime that is not listening at all gets
 * its own subclass and the message operators need: where we looked and what to do.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';

export { GrpcStatus };

/** `UNAVAILABLE` -> `Unavailable`, as Go's codes.Code prints. */
export function grpcCodeName(code: number): string {
  const name = GrpcStatus[code];
  if (typeof name !== 'string') return `Code(${code})`;
  return name
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

export class CriError extends Error {
  override name = 'CriError';
  constructor(
    /** The RPC, e.g. `RunPodSandbox`. */
    readonly method: string,
    /** The gRPC status code. */
    readonly code: number,
    /** The server's (or transport's) error text. */
    readonly details: string,
    message = `CRI ${method}: rpc error: code = ${grpcCodeName(code)} desc = ${details}`,
  ) {
    super(message);
  }
}

/** The runtime's socket does not answer (missing, refused, or the daemon died). */
export class RuntimeUnavailableError extends CriError {
  override name = 'RuntimeUnavailableError';
  constructor(
    method: string,
    details: string,
    readonly socketPath: string,
    runtimeName = 'containerd',
  ) {
    super(
      method,
      GrpcStatus.UNAVAILABLE,
      details,
      `${runtimeName} is not running at ${socketPath}: start it or pass --container-runtime-endpoint`,
    );
  }
}

/** The call's deadline passed before the runtime answered. */
export class CriTimeoutError extends CriError {
  override name = 'CriTimeoutError';
  constructor(method: string, details: string, timeoutMs: number, socketPath: string) {
    super(
      method,
      GrpcStatus.DEADLINE_EXCEEDED,
      details,
      `CRI ${method} at ${socketPath} timed out after ${timeoutMs}ms`,
    );
  }
}

export function isCriError(err: unknown, code?: number): err is CriError {
  return err instanceof CriError && (code === undefined || err.code === code);
}

/** True for NOT_FOUND, which idempotent cleanup (stop/remove of a vanished object) treats as success. */
export function isCriNotFound(err: unknown): boolean {
  return isCriError(err, GrpcStatus.NOT_FOUND);
}

export function isRuntimeUnavailable(err: unknown): err is RuntimeUnavailableError {
  return err instanceof RuntimeUnavailableError;
}
