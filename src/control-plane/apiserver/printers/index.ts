/**
 * Server-side Table printing: what `kubectl get` shows. The REST layer picks a
 * printer (`printerFor` for built-in kinds, `customColumnsPrinter` for custom
 * resources) and renders with `buildTable`.
 */
export { buildTable, parseIncludeObject, type BuildTableOptions } from './table.js';
export { printerFor, hasPrinter } from './registry.js';
export { customColumnsPrinter, defaultCustomColumns, type CustomColumnDefinition } from './custom-columns.js';
export { defaultPrinter } from './default-printer.js';
export { compileJsonPath, JsonPathError, type JsonPath } from './jsonpath.js';
export type {
  Cell,
  IncludeObject,
  PartialObjectMetadata,
  PrintedRow,
  Printer,
  Table,
  TableColumnDefinition,
  TableListMeta,
  TableRow,
  TableRowCondition,
} from './types.js';
