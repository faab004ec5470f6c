/**
 * Server-side apply (`application/apply-patch+yaml`), the field manager's Apply
 * path (apimachinery `managedfields/internal` + structured-merge-diff
 * `merge.Updater.Apply`). Pure: the PATCH handler decodes the body, calls
 * `applyPatch` with the live object (undefined to create) and stores the result.
 *
 * 1. The config is merged into the live object (structured merge).
 * 2. Fields the manager applied last time but no longer sets are pruned, unless
 *    another manager (or the new config) owns them.
 * 3. Other managers owning fields whose value the apply changes are conflicts:
 *    a 409 without `force`, a change of owner with it.
 * 4. The manager's Apply entry becomes exactly the config's field set; its time
 *    moves only when the object changed.
 */
import { badRequest, invalid, StatusError } from '../../../api/errors/status-error.js';
import { FieldPath } from '../../../api/validation/field-error.js';
import { compareObjects } from './compare.js';
import { ApplyConflicts, conflictError } from './conflicts.js';
import type { FieldSet } from './field-set.js';
import { jsonClone, jsonEqual, type JsonObject } from './go-json.js';
import {
  decodeManagedFields,
  encodeManagedFields,
  formatTime,
  ManagedFieldsError,
  managerIdentifier,
  metadataOf,
  setManagedFields,
  withoutManagedFields,
  type Managed,
  type VersionedSet,
} from './managed-fields.js';
import { allowedConflictsFromLastApplied, kubectlApplyManager, syncLastApplied } from './last-applied.js';
import { mergeValues } from './merge.js';
import { defaultResetFields, excludeFields, strippedFields, updateOwners } from './ownership.js';
import { removeItems } from './remove-items.js';
import { ensureNamedFieldsAreMembers, fieldSetOf } from './to-field-set.js';
import type { TypeNode } from './type-schema.js';
import { gvkString, typedObjectError, validateTyped } from './typed-value.js';

export interface ApplyOptions {
  /** The stored object; undefined when the apply creates it. */
  readonly live: JsonObject | undefined;
  /** The applied configuration (the decoded request body). */
  readonly config: JsonObject;
  /** The `fieldManager` query parameter (required). */
  readonly manager: string;
  /** The `force` query parameter: take ownership instead of failing on conflicts. */
  readonly force?: boolean;
  /** The request's group/version (`apps/v1`); the config must use it. */
  readonly apiVersion: string;
  /** The resource's kind; when given, the config's kind must match. */
  readonly kind?: string;
  readonly now: Date | number;
  readonly schema: TypeNode;
  /** Set when applying to a subresource (`status`); part of the manager identity. */
  readonly subresource?: string;
  /** Fields this endpoint resets (default: `defaultResetFields(subresource)`). */
  readonly resetFields?: FieldSet;
}

export interface ApplyResult {
  /** The object to store (or return, when nothing changed). */
  readonly object: JsonObject;
  /** False when the apply changed no field (only ownership, if anything). */
  readonly changed: boolean;
}

export function applyPatch(opts: ApplyOptions): ApplyResult {
  checkRequest(opts);
  const { schema } = opts;
  const config = jsonClone(opts.config);
  const resetFields = opts.resetFields ?? defaultResetFields(opts.subresource);

  const configErrors = validateTyped(config, schema, false);
  if (configErrors.length) throw typedObjectError('patch', config, configErrors);
  if (opts.live) {
    const liveErrors = validateTyped(opts.live, schema, true);
    if (liveErrors.length) throw typedObjectError('live', opts.live, liveErrors);
  }

  let managed: Managed;
  try {
    managed = decodeManagedFields(metadataOf(opts.live)?.managedFields);
  } catch (err) {
    if (!(err instanceof ManagedFieldsError)) throw err;
    throw new StatusError(500, '', `failed to decode managed fields: ${err.message}`);
  }
  const live = opts.live ? withoutManagedFields(opts.live) : {};
  const run = (force: boolean) => applyToObject({ ...opts, config, resetFields }, live, managed, force);

  let result: { object: JsonObject; managed: Managed; changed: boolean };
  try {
    result = run(opts.force === true);
  } catch (err) {
    if (!(err instanceof ApplyConflicts)) throw err;
    if (opts.manager !== kubectlApplyManager) throw conflictError(err.conflicts);
    // Client-side apply upgrade: conflicts on fields the annotation accounts for are forced.
    const allowed = allowedConflictsFromLastApplied(opts.live, opts.apiVersion, schema);
    if (!allowed) throw conflictError(err.conflicts);
    const remaining = err.conflicts.filter((c) => !allowed.has(c.path));
    if (remaining.length) throw conflictError(remaining);
    result = run(true);
  }

  const object = result.object;
  const synced = opts.manager === kubectlApplyManager && syncLastApplied(object, config);
  setManagedFields(object, encodeManagedFields(result.managed));
  return { object, changed: result.changed || synced || !opts.live };
}

function checkRequest(opts: ApplyOptions): void {
  if (!opts.manager) {
    throw invalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [
      FieldPath.root('fieldManager').required('is required for apply patch'),
    ]);
  }
  const configVersion = typeof opts.config.apiVersion === 'string' ? opts.config.apiVersion : '';
  const configKind = typeof opts.config.kind === 'string' ? opts.config.kind : '';
  if (opts.kind !== undefined && (configVersion !== opts.apiVersion || configKind !== opts.kind)) {
    throw badRequest(`invalid object type: ${gvkString(configVersion, configKind)}`);
  }
  if (configVersion !== opts.apiVersion) {
    throw badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${configVersion}, expected: ${opts.apiVersion}`,
    );
  }
  const mf = metadataOf(opts.config)?.managedFields;
  if (mf !== undefined && mf !== null) throw badRequest('metadata.managedFields must be nil');
}

function applyToObject(
  opts: ApplyOptions & { resetFields: FieldSet },
  live: JsonObject,
  managed: Managed,
  force: boolean,
): { object: JsonObject; managed: Managed; changed: boolean } {
  const { schema, resetFields } = opts;
  const id = managerIdentifier({ manager: opts.manager, operation: 'Apply', subresource: opts.subresource });
  const merged = (mergeValues(live, opts.config, schema) as JsonObject | undefined) ?? {};
  const lastSet = managed.fields.get(id);
  const set = fieldSetOf(opts.config, schema).recursiveDifference(resetFields);

  const managers = new Map(managed.fields);
  managers.set(id, { set, apiVersion: opts.apiVersion, applied: true });
  const pruned = prune(merged, managers, lastSet, schema);
  const comparison = excludeFields(compareObjects(live, pruned, schema), resetFields);
  const owners = updateOwners(managers, comparison, id, force);

  const times = new Map(managed.times);
  const changed = !jsonEqual(live, pruned);
  if (changed) times.set(id, formatTime(opts.now));
  const mine = owners.get(id);
  if (mine) {
    const kept = mine.set.difference(strippedFields);
    if (kept.isEmpty()) owners.delete(id);
    else owners.set(id, { ...mine, set: kept });
  }
  return { object: changed ? pruned : jsonClone(live), managed: { fields: owners, times }, changed };
}

/**
 * Removes what the applier set last time and no longer sets, unless someone
 * (another manager, or the new config) owns it (structured-merge-diff `prune`,
 * `addBackOwnedItems`, `addBackDanglingItems`).
 */
function prune(
  merged: JsonObject,
  managers: ReadonlyMap<string, VersionedSet>,
  lastSet: VersionedSet | undefined,
  schema: TypeNode,
): JsonObject {
  if (!lastSet || lastSet.set.isEmpty()) return merged;
  const ensure = (s: FieldSet) => ensureNamedFieldsAreMembers(s, schema);
  const setOf = (o: unknown) => ensure(fieldSetOf(o ?? {}, schema));
  const last = ensure(lastSet.set);
  let owned: FieldSet | undefined;
  for (const vs of managers.values()) owned = owned ? owned.union(vs.set) : vs.set;

  const mergedSet = setOf(merged);
  let pruned = removeItems(merged, last, schema);
  pruned = removeItems(merged, mergedSet.difference(setOf(pruned).union(ensure(owned!))), schema);
  const dangling = mergedSet.difference(setOf(pruned)).intersection(last);
  return (removeItems(merged, dangling, schema) as JsonObject | undefined) ?? {};
}
