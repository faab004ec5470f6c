import type { ControlPlaneConfig } from './control-plane.js';

/** One line saying what went wrong at startup and what to do about it. */
export function explainStartupError(err: unknown, config: ControlPlaneConfig): string {
  const e = err as NodeJS.ErrnoException & { code?: string };
  if (e?.code === 'EADDRINUSE') {
    return `port ${config.httpsPort} on ${config.bindAddress} is already in use; stop whatever listens there or pick another with --https-listen-port`;
  }
  if (e?.code === 'EACCES' && /listen/.test(String(e.message))) {
    return `not allowed to listen on port ${config.httpsPort}; use a port above 1024 or run as root`;
  }
  if (e?.code === 'EACCES' || e?.code === 'EPERM') {
    return `permission denied on ${e.path ?? config.dataDir}; run as root or choose a writable --data-dir`;
  }
  return err instanceof Error ? err.message : String(err);
}
