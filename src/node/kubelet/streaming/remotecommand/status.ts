/**
 * What goes on the error stream when the command is over (kubelet
 * `ServeExec`): protocol v4 and later carry a JSON metav1.Status — Success,
 * or Failure with reason NonZeroExitCode and an ExitCode cause that clients
 * turn into their exit code — marshalled the way Go does it (no kind or
 * apiVersion, zero fields omitted). v1–v3 carry only a failure's message.
 */
import { StatusError, internalError } from '../../../../api/errors/status-error.js';
import type { RemoteCommandResult } from './types.js';

export const NON_ZERO_EXIT_CODE_REASON = 'NonZeroExitCode';
export const EXIT_CODE_CAUSE_TYPE = 'ExitCode';

export interface ExecStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
  };
  code?: number;
}

export function statusForResult(r: RemoteCommandResult, command: readonly string[]): ExecStatus {
  if (r.exitCode === 0) return { metadata: {}, status: 'Success' };
  const detail = r.message ?? `error executing command [${command.join(' ')}], exit code ${r.exitCode}`;
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: ${detail}`,
    reason: NON_ZERO_EXIT_CODE_REASON,
    details: { causes: [{ reason: EXIT_CODE_CAUSE_TYPE, message: String(r.exitCode) }] },
  };
}

/** A handler that threw: StatusErrors keep their reason; anything else is "error executing command in container". */
export function statusForError(err: unknown): ExecStatus {
  const se =
    err instanceof StatusError
      ? err
      : internalError(`error executing command in container: ${err instanceof Error ? err.message : String(err)}`);
  const s: ExecStatus = { metadata: {}, status: 'Failure', message: se.message, reason: se.reason };
  if (se.details && Object.keys(se.details).length > 0) s.details = se.details;
  if (se.code) s.code = se.code;
  return s;
}

/** The bytes for the error stream under `protocol`; undefined when nothing is to be written. */
export function encodeStatus(status: ExecStatus, protocol: string): Buffer | undefined {
  if (/^v[45]\./.test(protocol)) return Buffer.from(JSON.stringify(status));
  // v1–v3: plain text, and only for failures.
  return status.status === 'Success' ? undefined : Buffer.from(status.message ?? '');
}
