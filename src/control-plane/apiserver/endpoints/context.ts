import type { Clock } from '../../../lib/clock.js';
import type { Logger } from '../../../lib/log.js';
import type { AdmissionChain } from '../admission/chain.js';
import type { ServedResource } from '../registry/served-resource.js';
import type { KubeObject } from '../watch-cache/types.js';
import type { FieldValidation } from './query.js';

/** What the REST handlers need from the server around them. */
export interface HandlerDeps {
  clock: Clock;
  log: Logger;
  admission: AdmissionChain;
  /**
   * Unknown/duplicate field handling for a decoded body (fieldValidation):
   * returns warnings (Warn), throws 400 (Strict), or does nothing (Ignore).
   */
  checkFields(r: ServedResource, obj: KubeObject, raw: Uint8Array | undefined, mode: FieldValidation): string[];
  /** managedFields bookkeeping for non-apply writes. */
  trackUpdate(
    r: ServedResource,
    old: KubeObject | undefined,
    obj: KubeObject,
    manager: string,
    subresource: string,
  ): KubeObject;
  /** Server-side apply of `config` onto `live` (undefined = create). */
  apply(
    r: ServedResource,
    live: KubeObject | undefined,
    config: KubeObject,
    manager: string,
    force: boolean,
  ): KubeObject;
}
