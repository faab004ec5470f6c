/**
 * `metadata.managedFields` as the field manager sees it (apimachinery
 * `util/managedfields/internal/managedfields.go`): one versioned field set per
 * manager identity, plus the time each was last changed. A manager's identity is
 * its name, operation and subresource — and, for `Update`, the API version — so
 * one manager updating through two versions owns two entries, while an applier
 * keeps one entry across versions. Identities are JSON strings as upstream
 * builds them, which also orders them the way conflict messages list managers.
 */
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1.js';
import type { FieldError, FieldPath } from '../../../api/validation/field-error.js';
import { FieldSet } from './field-set.js';
import { goQuoteJSON, isJsonObject, jsonClone, type JsonObject } from './go-json.js';

export type Operation = 'Apply' | 'Update';

export interface ManagerIdentity {
  readonly manager: string;
  readonly operation: Operation;
  /** Only part of an Update manager's identity. */
  readonly apiVersion?: string;
  readonly subresource?: string;
}

export interface VersionedSet {
  readonly set: FieldSet;
  readonly apiVersion: string;
  /** True for an Apply entry. */
  readonly applied: boolean;
}

export interface Managed {
  /** Manager identity (see `managerIdentifier`) -> owned fields. */
  readonly fields: Map<string, VersionedSet>;
  /** Manager identity -> RFC 3339 time of its last change, when known. */
  readonly times: Map<string, string>;
}

export const emptyManaged = (): Managed => ({ fields: new Map(), times: new Map() });

/** Upper bound of a field manager name, in bytes (apimachinery `FieldManagerMaxLength`). */
export const fieldManagerMaxLength = 128;

/** The identity key upstream builds (`BuildManagerIdentifier`): `{"manager":"kubectl","operation":"Apply"}`. */
export function managerIdentifier(id: ManagerIdentity): string {
  const parts: string[] = [];
  if (id.manager) parts.push(`"manager":${goQuoteJSON(id.manager)}`);
  parts.push(`"operation":${goQuoteJSON(id.operation)}`);
  if (id.operation === 'Update' && id.apiVersion) parts.push(`"apiVersion":${goQuoteJSON(id.apiVersion)}`);
  if (id.subresource) parts.push(`"subresource":${goQuoteJSON(id.subresource)}`);
  return `{${parts.join(',')}}`;
}

/**
 * Parsed identities, by identifier. Every write re-encodes its object's
 * entries, and a cluster has few distinct managers, so parsing each
 * identifier once saves a JSON.parse per entry per write. Bounded: cleared
 * when full (distinct identities beyond the bound are only re-parsed).
 */
const parsedIdentities = new Map<string, ManagerIdentity>();
const maxParsedIdentities = 4096;

/** The identity an identifier encodes. The result is shared between callers: never mutate it. */
export function parseManagerIdentifier(identifier: string): ManagerIdentity {
  const known = parsedIdentities.get(identifier);
  if (known) return known;
  const o = JSON.parse(identifier) as Partial<ManagerIdentity>;
  const id: ManagerIdentity = Object.freeze({
    manager: o.manager ?? '',
    operation: o.operation === 'Apply' ? 'Apply' : 'Update',
    apiVersion: o.apiVersion,
    subresource: o.subresource,
  });
  if (parsedIdentities.size >= maxParsedIdentities) parsedIdentities.clear();
  parsedIdentities.set(identifier, id);
  return id;
}

/** `2024-05-01T10:00:00Z`: metav1.Time is RFC 3339 with whole seconds, in UTC. */
export function formatTime(t: Date | number): string {
  const iso = (typeof t === 'number' ? new Date(t) : t).toISOString();
  // Years 0-9999 print as `YYYY-MM-DDTHH:mm:ss.sssZ` (24 characters); others carry a sign and more digits.
  return iso.length === 24 ? `${iso.slice(0, 19)}Z` : iso.replace(/\.\d+Z$/, 'Z');
}

const unixSeconds = (t: string | undefined) => {
  const ms = t === undefined ? NaN : Date.parse(t);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
};

export class ManagedFieldsError extends Error {
  override name = 'ManagedFieldsError';
}

/**
 * Decodes managedFields entries. Throws ManagedFieldsError for entries upstream
 * rejects (bad operation, empty apiVersion, missing or unknown fieldsType,
 * malformed fieldsV1); callers then fall back as upstream does.
 */
export function decodeManagedFields(entries: unknown): Managed {
  const managed = emptyManaged();
  if (entries === undefined || entries === null) return managed;
  if (!Array.isArray(entries)) throw new ManagedFieldsError('managedFields must be a list');
  entries.forEach((raw, i) => {
    if (!isJsonObject(raw)) throw new ManagedFieldsError(`managed fields entry ${i} must be an object`);
    const e = raw as ManagedFieldsEntry;
    if (e.operation !== 'Apply' && e.operation !== 'Update') {
      throw new ManagedFieldsError('operation must be `Apply` or `Update`');
    }
    if (!e.apiVersion) throw new ManagedFieldsError('apiVersion must not be empty');
    if (!e.fieldsType) throw new ManagedFieldsError(`missing fieldsType in managed fields entry ${i}`);
    if (e.fieldsType !== 'FieldsV1') {
      throw new ManagedFieldsError(`invalid fieldsType ${goQuoteJSON(e.fieldsType)} in managed fields entry ${i}`);
    }
    const id = managerIdentifier({
      manager: e.manager ?? '',
      operation: e.operation,
      apiVersion: e.apiVersion,
      subresource: e.subresource,
    });
    let set: FieldSet;
    try {
      set = FieldSet.fromFieldsV1(e.fieldsV1);
    } catch (err) {
      throw new ManagedFieldsError(
        `error decoding set of entry ${i}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    managed.fields.set(id, { set, apiVersion: e.apiVersion, applied: e.operation === 'Apply' });
    if (typeof e.time === 'string' && !Number.isNaN(Date.parse(e.time)))
      managed.times.set(id, formatTime(new Date(e.time)));
    else managed.times.delete(id);
  });
  return managed;
}

/** Decodes, or returns undefined when the entries are invalid. */
export function tryDecodeManagedFields(entries: unknown): Managed | undefined {
  try {
    return decodeManagedFields(entries);
  } catch (err) {
    if (err instanceof ManagedFieldsError) return undefined;
    throw err;
  }
}

/**
 * The wire entries, sorted as upstream: Apply before Update, then by time
 * (oldest first), manager, apiVersion and subresource. Undefined when no
 * manager owns anything (the field is then omitted).
 */
export function encodeManagedFields(managed: Managed): ManagedFieldsEntry[] | undefined {
  const out: ManagedFieldsEntry[] = [];
  for (const [id, vs] of managed.fields) {
    const who = parseManagerIdentifier(id);
    const entry: ManagedFieldsEntry = {};
    if (who.manager) entry.manager = who.manager;
    entry.operation = vs.applied ? 'Apply' : who.operation;
    entry.apiVersion = vs.apiVersion;
    const time = managed.times.get(id);
    if (time !== undefined) entry.time = time;
    entry.fieldsType = 'FieldsV1';
    entry.fieldsV1 = vs.set.toFieldsV1();
    if (who.subresource) entry.subresource = who.subresource;
    out.push(entry);
  }
  if (!out.length) return undefined;
  const cmp = (a = '', b = '') => (a < b ? -1 : a > b ? 1 : 0);
  return out.sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      unixSeconds(p.time) - unixSeconds(q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource, q.subresource),
  );
}

/**
 * Whether a client asks to clear managedFields: an empty list, or a list with
 * one empty entry (`[{}]`). Omitting the field keeps the stored entries.
 */
export function isResetManagedFields(entries: unknown): boolean {
  if (!Array.isArray(entries)) return false;
  if (entries.length === 0) return true;
  if (entries.length !== 1) return false;
  const e = entries[0] as unknown;
  return isJsonObject(e) && Object.values(e).every((v) => v === undefined || v === null || v === '');
}

// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

export function isPrintable(ch: string): boolean {
  // ASCII fast path: U+0020..U+007E are all printable, every other ASCII character is a control.
  if (ch.length === 1 && ch.charCodeAt(0) < 0x80) return ch >= ' ' && ch <= '~';
  return printable.test(ch);
}

/** Printable ASCII only: valid as a manager name as long as it fits in 128 bytes. */
const printableAscii = /^[\x20-\x7e]*$/;

/** apimachinery `ValidateFieldManager`: at most 128 bytes, printable characters only. */
export function validateFieldManager(manager: string, fldPath: FieldPath): FieldError[] {
  if (manager.length <= fieldManagerMaxLength && printableAscii.test(manager)) return [];
  const errs: FieldError[] = [];
  if (Buffer.byteLength(manager, 'utf8') > fieldManagerMaxLength)
    errs.push(fldPath.tooLong(manager, fieldManagerMaxLength));
  let offset = 0;
  for (const ch of manager) {
    if (!isPrintable(ch)) {
      const code = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      errs.push(fldPath.invalid(manager, `invalid character U+${code} (at position ${offset})`));
    }
    offset += Buffer.byteLength(ch, 'utf8');
  }
  return errs;
}

/** apimachinery `ValidateManagedFields`, for ObjectMeta validation of client-sent entries. */
export function validateManagedFields(entries: readonly ManagedFieldsEntry[], fldPath: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  entries.forEach((e, i) => {
    const p = fldPath.index(i);
    if (e.operation !== 'Apply' && e.operation !== 'Update') {
      errs.push(p.child('operation').invalid(e.operation ?? '', 'must be `Apply` or `Update`'));
    }
    if (e.fieldsType && e.fieldsType !== 'FieldsV1') {
      errs.push(p.child('fieldsType').invalid(e.fieldsType, 'must be `FieldsV1`'));
    }
    errs.push(...validateFieldManager(e.manager ?? '', p.child('manager')));
    if ((e.subresource ?? '').length > 128) errs.push(p.child('subresource').tooLong(e.subresource, 128));
  });
  return errs;
}

export function metadataOf(obj: JsonObject | undefined): JsonObject | undefined {
  return obj && isJsonObject(obj.metadata) ? obj.metadata : undefined;
}

/** A deep copy of `obj` without `metadata.managedFields`. */
export function withoutManagedFields(obj: JsonObject): JsonObject {
  const copy = jsonClone(obj);
  const meta = metadataOf(copy);
  if (meta) delete meta.managedFields;
  return copy;
}

/**
 * `obj` as seen without `metadata.managedFields`, for read-only use
 * (comparison, typed validation): only the object and its metadata are
 * copied, shallowly; every other value is shared with `obj`.
 */
export function managedFieldsStripped(obj: JsonObject): JsonObject {
  const meta = metadataOf(obj);
  if (!meta || !('managedFields' in meta)) return obj;
  const { managedFields: _omitted, ...rest } = meta;
  return { ...obj, metadata: rest };
}

/** Stores encoded entries in `obj` (in place); undefined removes the field. */
export function setManagedFields(obj: JsonObject, entries: readonly ManagedFieldsEntry[] | undefined): void {
  if (entries) {
    const meta = isJsonObject(obj.metadata) ? obj.metadata : (obj.metadata = {});
    meta.managedFields = jsonClone(entries) as unknown as JsonObject[];
  } else if (isJsonObject(obj.metadata)) {
    delete obj.metadata.managedFields;
  }
}
