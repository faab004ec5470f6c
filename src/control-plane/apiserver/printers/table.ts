import { badRequest } from '../../../api/errors/status-error.js';
import { FieldPath, fieldErrorString } from '../../../api/validation/field-error.js';
import type { IncludeObject, PartialObjectMetadata, Printer, Table, TableListMeta, TableRow } from './types.js';

/**
 * Assembles a meta/v1 Table the way kube-apiserver answers a Table request:
 * the printer's columns and rows (`ConvertToTable`), then each row's object per
 * `includeObject` (`asTable` in the endpoint handlers). kubectl reads
 * NAMESPACE, labels and `kind/name` from the row objects, so the default
 * (`Metadata`) must carry a PartialObjectMetadata with kind and apiVersion.
 */

export interface BuildTableOptions {
  includeObject: IncludeObject;
  /** Wall clock, epoch milliseconds: every age is computed against it. */
  now: number;
  /**
   * The list's metadata when printing a list. Without it the table is for one
   * object (GET, or a watch event) and carries that object's resourceVersion.
   */
  listMeta?: TableListMeta;
  /** Omit columnDefinitions (`TableOptions.noHeaders`: watch events after the first). */
  noHeaders?: boolean;
  /** The Table group/version the client asked for; `meta.k8s.io/v1` unless it asked for v1beta1. */
  apiVersion?: 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1';
  /** Filled into `includeObject=Object` row objects that lack kind/apiVersion (list items may). */
  typeMeta?: { apiVersion: string; kind: string };
}

function listMetadata(opts: BuildTableOptions, objects: readonly any[]): TableListMeta {
  const meta: TableListMeta = {};
  if (opts.listMeta) {
    const { resourceVersion, continue: cont, remainingItemCount } = opts.listMeta;
    if (resourceVersion) meta.resourceVersion = resourceVersion;
    if (cont) meta.continue = cont;
    if (remainingItemCount != null) meta.remainingItemCount = remainingItemCount;
  } else if (objects.length === 1) {
    const rv = objects[0]?.metadata?.resourceVersion;
    if (rv) meta.resourceVersion = rv;
  }
  return meta;
}

function rowObject(obj: any, opts: BuildTableOptions, apiVersion: string): unknown {
  switch (opts.includeObject) {
    case 'None':
      return undefined;
    case 'Object':
      if (opts.typeMeta && (!obj.kind || !obj.apiVersion)) {
        return { ...obj, apiVersion: obj.apiVersion || opts.typeMeta.apiVersion, kind: obj.kind || opts.typeMeta.kind };
      }
      return obj;
    default: {
      const partial: PartialObjectMetadata = {
        kind: 'PartialObjectMetadata',
        apiVersion,
        metadata: obj.metadata ?? {},
      };
      return partial;
    }
  }
}

/**
 * Prints `objects` (one object, a page of a list, or a watch event's object)
 * into a Table. Objects are not modified; row objects share them.
 */
export function buildTable(printer: Printer, objects: readonly any[], opts: BuildTableOptions): Table {
  const apiVersion = opts.apiVersion ?? 'meta.k8s.io/v1';
  const ordered = printer.order ? printer.order(objects) : objects;
  const rows = ordered.map((obj): TableRow => {
    const printed = printer.print(obj, opts.now);
    if (printed.cells.length !== printer.columns.length) {
      throw new Error(`printer produced ${printed.cells.length} cells for ${printer.columns.length} columns`);
    }
    const row: TableRow = { cells: printed.cells };
    if (printed.conditions) row.conditions = printed.conditions;
    const object = rowObject(obj, opts, apiVersion);
    if (object !== undefined) row.object = object;
    return row;
  });
  // Keys in Go's field order: kind, apiVersion, metadata, columnDefinitions, rows.
  return {
    kind: 'Table',
    apiVersion,
    metadata: listMetadata(opts, objects),
    ...(opts.noHeaders ? {} : { columnDefinitions: printer.columns.map((c) => ({ ...c })) }),
    rows,
  };
}

/**
 * Validates the `includeObject` query parameter (upstream `ValidateTableOptions`):
 * empty means Metadata; anything else is a 400 BadRequest.
 */
export function parseIncludeObject(value: string | null | undefined): IncludeObject {
  if (value === null || value === undefined || value === '') return 'Metadata';
  if (value === 'None' || value === 'Metadata' || value === 'Object') return value;
  const err = FieldPath.root('includeObject').invalid(value, "must be 'Metadata', 'Object', 'None', or empty");
  throw badRequest(`Unable to convert to Table as requested: ${fieldErrorString(err)}`);
}
