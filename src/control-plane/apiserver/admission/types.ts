import type { ResourceInfo } from '../../../api/scheme/types.js';
import type { RequestContext } from '../types.js';
import type { KubeObject } from '../watch-cache/types.js';

/**
 * Admission (upstream `apiserver/pkg/admission`): after authentication and
 * authorization, mutating plugins may change the incoming object, then — inside
 * the store, after the strategy's own validation — validating plugins may
 * reject it. Plugins see the served resource, the operation and both objects.
 */
export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface AdmissionAttributes {
  operation: AdmissionOperation;
  resource: ResourceInfo;
  subresource: string;
  namespace: string;
  name: string;
  /** The incoming object (CREATE/UPDATE); mutating plugins may change it in place. */
  object?: KubeObject;
  /** The stored object (UPDATE/DELETE). */
  oldObject?: KubeObject;
  dryRun: boolean;
  /** Operation options (CreateOptions/UpdateOptions/DeleteOptions...). */
  options?: unknown;
  ctx: RequestContext;
}

export interface MutatingAdmissionPlugin {
  readonly name: string;
  /** Whether this plugin looks at the request at all (cheap pre-check). */
  handles(a: AdmissionAttributes): boolean;
  admit(a: AdmissionAttributes): Promise<void> | void;
}

export interface ValidatingAdmissionPlugin {
  readonly name: string;
  handles(a: AdmissionAttributes): boolean;
  validate(a: AdmissionAttributes): Promise<void> | void;
}
