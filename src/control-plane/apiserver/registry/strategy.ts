import type { FieldError } from '../../../api/validation/field-error.js';
import type { ResourceInfo } from '../../../api/scheme/types.js';
import type { RequestContext } from '../types.js';
import type { KubeObject } from '../watch-cache/types.js';

/** DeleteOptions as the store understands them (metav1.DeleteOptions, defaulted). */
export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

/**
 * What differs per resource (upstream `rest.RESTCreateStrategy` /
 * `RESTUpdateStrategy` / `RESTDeleteStrategy`); the generic store does the rest
 * (DESIGN.md convention 5). Hooks run inside the store's write path, after
 * defaulting and mutating admission, before validation and the storage write.
 */
export interface ResourceStrategy {
  readonly info: ResourceInfo;
  /** The resource has a status subresource: main writes keep the stored status. */
  readonly hasStatus: boolean;
  /** metadata.generation starts at 1 and increments when anything but metadata/status changes. */
  readonly tracksGeneration: boolean;
  /** PUT to a missing name creates it. */
  readonly allowCreateOnUpdate: boolean;
  /** PUT without metadata.resourceVersion overwrites (otherwise 409 unless the RV matches). */
  readonly allowUnconditionalUpdate: boolean;
  /** DELETE answers with the deleted object instead of a Success Status. */
  readonly returnDeletedObject: boolean;
  /** Objects expire this many seconds after their last write (events). */
  readonly ttlSeconds?: number;

  /** Adjusts a new object (reset status, allocate, set finalizers...). */
  prepareForCreate(ctx: RequestContext, obj: KubeObject): void | Promise<void>;
  /** Adjusts an update of the main resource (`old` is the stored object). */
  prepareForUpdate(ctx: RequestContext, obj: KubeObject, old: KubeObject): void | Promise<void>;
  validate(obj: KubeObject): FieldError[];
  validateUpdate(obj: KubeObject, old: KubeObject): FieldError[];
  /**
   * Seconds of graceful deletion for this delete (undefined = delete at once).
   * Pods use their terminationGracePeriodSeconds when bound to a node.
   */
  gracePeriod(obj: KubeObject, opts: DeleteOptions): number | undefined;
  /** Default propagation when the client did not choose one. */
  defaultPropagation(obj: KubeObject): 'Orphan' | 'Background' | 'Foreground';
  /** Runs after an object is really removed from storage (release allocations). */
  afterDelete?(obj: KubeObject): void | Promise<void>;
  /**
   * Called on DELETE with a copy of the object: returning true keeps the object,
   * marked for deletion (the copy's changes are stored), even without
   * finalizers or a grace period — namespaces wait for their `spec.finalizers`.
   */
  markForDeletion?(obj: KubeObject): boolean;
  /**
   * Whether an object marked for deletion whose metadata.finalizers are gone may
   * now be removed (namespaces: only once `spec.finalizers` is empty too).
   */
  canRemove?(obj: KubeObject): boolean;
}

/** The strategy for a subresource write (status, scale...): which parts of the stored object it may change. */
export interface SubresourceStrategy {
  prepareForUpdate(ctx: RequestContext, obj: KubeObject, old: KubeObject): void | Promise<void>;
  validateUpdate(obj: KubeObject, old: KubeObject): FieldError[];
}
