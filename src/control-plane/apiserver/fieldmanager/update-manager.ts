/**
 * Ownership tracking for every write that is not an apply — create, update
 * (PUT), json/merge/strategic patches, subresource writes (apimachinery
 * `FieldManager.Update` and the managers it wraps). The handler calls
 * `trackUpdate` with the stored object and the object about to be stored; the
 * writer's `Update` entry (one per manager, API version and subresource) gains
 * every field the write added or changed, and other managers lose those fields
 * and the removed ones.
 *
 * Upstream rules kept here:
 * - managedFields sent by the client replace the stored ones when they decode
 *   (so `kubectl edit` and migrations can rewrite them); `[]` or `[{}]` clears
 *   them; invalid or absent ones keep the stored entries; subresource writes
 *   always keep the stored entries;
 * - an existing object without managedFields stays untracked until an apply;
 * - at most 10 Update entries survive: the oldest merge into `ancient-changes`;
 * - any failure keeps the stored entries rather than failing the write.
 */
import { compareObjects } from './compare.js';
import type { FieldSet } from './field-set.js';
import { jsonClone, type JsonObject } from './go-json.js';
import {
  emptyManaged,
  encodeManagedFields,
  fieldManagerMaxLength,
  formatTime,
  isPrintable,
  isResetManagedFields,
  managedFieldsStripped,
  managerIdentifier,
  metadataOf,
  setManagedFields,
  tryDecodeManagedFields,
  withoutManagedFields,
  type Managed,
  type VersionedSet,
} from './managed-fields.js';
import { defaultResetFields, excludeFields, strippedFields, updateOwners } from './ownership.js';
import type { TypeNode } from './type-schema.js';
import { validateTyped } from './typed-value.js';

export interface TrackUpdateOptions {
  /** The stored object; undefined on create. */
  readonly oldObj: JsonObject | undefined;
  /** The object about to be stored. */
  readonly newObj: JsonObject;
  /** The `fieldManager` query parameter; empty falls back to the user agent. */
  readonly manager: string;
  readonly userAgent?: string;
  /** The request's group/version (`apps/v1`). */
  readonly apiVersion: string;
  readonly now: Date | number;
  readonly schema: TypeNode;
  readonly subresource?: string;
  /** Fields this endpoint resets (default: `defaultResetFields(subresource)`). */
  readonly resetFields?: FieldSet;
}

/** Update entries kept before the oldest are merged (apimachinery `DefaultMaxUpdateManagers`). */
export const maxUpdateManagers = 10;

const currentOperation = 'current-operation';

/**
 * The manager name a request without `fieldManager` gets: the user agent up to
 * its first `/`, without unprintable characters, cut at 128 bytes
 * (`kube-controller-manager/v1.32.0 (linux/amd64) ...` -> `kube-controller-manager`).
 */
export function managerFromUserAgent(userAgent: string): string {
  const prefix = userAgent.split('/')[0];
  let out = '';
  let bytes = 0;
  for (const ch of prefix) {
    if (!isPrintable(ch)) continue;
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > fieldManagerMaxLength) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/** A copy of `newObj` with `metadata.managedFields` updated for this write. */
export function trackUpdate(opts: TrackUpdateOptions): JsonObject {
  const result = withoutManagedFields(opts.newObj);
  const managed = decodeLiveOrNew(opts);
  const isCreate = opts.oldObj === undefined;
  const oldUID = metadataOf(opts.oldObj)?.uid;
  if (managed.fields.size === 0 && !isCreate && typeof oldUID === 'string' && oldUID !== '') {
    return result; // untracked object: stays untracked
  }
  // Only read from here on (compared, validated), so a shallow view of the stored object does.
  const old = opts.oldObj ? managedFieldsStripped(opts.oldObj) : {};
  if (validateTyped(old, opts.schema, true).length || validateTyped(result, opts.schema, true).length) {
    // Not representable as a typed value: keep the stored entries, as upstream does.
    const stored = metadataOf(opts.oldObj)?.managedFields;
    const meta = metadataOf(result);
    if (meta && Array.isArray(stored)) meta.managedFields = jsonClone(stored);
    return result;
  }

  const reset = opts.resetFields ?? defaultResetFields(opts.subresource);
  const comparison = excludeFields(compareObjects(old, result, opts.schema), reset);
  const owners = updateOwners(managed.fields, comparison, currentOperation, true);
  const times = new Map(managed.times);
  const mine = comparison.modified
    .union(comparison.added)
    .difference(comparison.removed)
    .recursiveDifference(reset)
    .difference(strippedFields);
  if (!mine.isEmpty()) {
    const name = opts.manager || managerFromUserAgent(opts.userAgent ?? '') || 'unknown';
    const id = managerIdentifier({
      manager: name,
      operation: 'Update',
      apiVersion: opts.apiVersion,
      subresource: opts.subresource,
    });
    const previous = owners.get(id);
    owners.set(id, { set: previous ? mine.union(previous.set) : mine, apiVersion: opts.apiVersion, applied: false });
    times.set(id, formatTime(opts.now));
  }
  capUpdateManagers(owners, times, maxUpdateManagers);
  setManagedFields(result, encodeManagedFields({ fields: owners, times }));
  return result;
}

function decodeLiveOrNew(opts: TrackUpdateOptions): Managed {
  const liveEntries = metadataOf(opts.oldObj)?.managedFields;
  const fromLive = () => tryDecodeManagedFields(liveEntries) ?? emptyManaged();
  if (opts.subresource) return fromLive();
  const sent = metadataOf(opts.newObj)?.managedFields;
  if (isResetManagedFields(sent)) return emptyManaged();
  const decoded = tryDecodeManagedFields(sent);
  return decoded && decoded.fields.size > 0 ? decoded : fromLive();
}

const seconds = (t: string | undefined) => (t === undefined ? 0 : Math.floor(Date.parse(t) / 1000) || 0);

/**
 * Keeps at most `max` Update entries (apimachinery `capManagersManager`): the
 * oldest entries fold into one `ancient-changes` entry per API version.
 * Modifies `fields` and `times` in place.
 */
export function capUpdateManagers(fields: Map<string, VersionedSet>, times: Map<string, string>, max: number): void {
  const updaters = [...fields].filter(([, vs]) => !vs.applied).map(([id]) => id);
  if (updaters.length <= max) return;
  updaters.sort((a, b) => seconds(times.get(a)) - seconds(times.get(b)) || (a < b ? -1 : a > b ? 1 : 0));
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > max; i++) {
    const id = updaters[i];
    const vs = fields.get(id)!;
    const version = vs.apiVersion;
    const bucket = managerIdentifier({ manager: 'ancient-changes', operation: 'Update', apiVersion: version });
    const first = firstOfVersion.get(version);
    if (first === undefined) {
      firstOfVersion.set(version, id);
      continue;
    }
    if (!fields.has(bucket)) {
      fields.set(bucket, fields.get(first)!);
      fields.delete(first);
    }
    fields.set(bucket, { set: vs.set.union(fields.get(bucket)!.set), apiVersion: version, applied: false });
    fields.delete(id);
    length--;
    const time = times.get(id);
    if (time === undefined) times.delete(bucket);
    else times.set(bucket, time);
  }
}
