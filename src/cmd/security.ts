import type { ApiServerOptions } from '../control-plane/apiserver/server.js';

/** Authentication, authorization and admission wiring (the security issue replaces the defaults). */
export function securityHooks(): Partial<ApiServerOptions> {
  return {};
}
