/**
 * The server-side printing model: what `kubectl get` asks for with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (meta/v1 Table).
 * A Printer turns one wire object (the JSON shape served at the requested
 * version) into one row of cells; `buildTable` (table.ts) assembles the Table.
 */

/**
 * A column, serialized with all five keys like Go's TableColumnDefinition
 * (none are omitempty). `priority` 0 is shown by default, 1 only with `-o wide`;
 * the server always sends both and kubectl filters.
 */
export interface TableColumnDefinition {
  name: string;
  /** OpenAPI type: `string`, `integer`, `number`, `boolean`, or `date` (custom columns). */
  type: string;
  /** `name` for the column kubectl treats as the object name; otherwise usually empty. */
  format: string;
  description: string;
  priority: number;
}

/** A cell as JSON: Go printers produce strings, int64s and bools; custom columns may produce null. */
export type Cell = string | number | boolean | null;

/** metav1.TableRowCondition; `Completed` is the only type upstream defines. */
export interface TableRowCondition {
  type: 'Completed';
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

/** What a printer produces for one object. */
export interface PrintedRow {
  cells: Cell[];
  conditions?: TableRowCondition[];
}

/**
 * Prints one kind. `print` must return exactly one cell per column, in column
 * order, and must not mutate the object (it may be shared with caches). `now` is
 * the wall clock in epoch milliseconds, injected so ages are testable.
 */
export interface Printer {
  readonly columns: readonly TableColumnDefinition[];
  print(obj: any, now: number): PrintedRow;
  /** Orders a list before printing, for the few kinds upstream sorts (FlowSchema). */
  order?(objects: readonly any[]): readonly any[];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** meta/v1 PartialObjectMetadata, the row object for `includeObject=Metadata` (the default). */
export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: string;
  metadata: Record<string, unknown>;
}

export interface TableRow {
  cells: Cell[];
  conditions?: TableRowCondition[];
  /** Absent for includeObject=None; PartialObjectMetadata for Metadata; the full object for Object. */
  object?: unknown;
}

export interface TableListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: TableListMeta;
  /** Omitted when headers were not asked for (watch events after the first). */
  columnDefinitions?: TableColumnDefinition[];
  rows: TableRow[];
}
