import { parseRFC3339, translateTimestampSince } from '../../../api/values/human-duration.js';
import { fieldDocs } from './column-docs.js';
import { column, nameColumn, printer } from './columns.js';
import { defaultPrinter } from './default-printer.js';
import { nameOf } from './format.js';
import { goPrint } from './go-format.js';
import { compileJsonPath, type JsonPath } from './jsonpath.js';
import type { Cell, Printer } from './types.js';

/**
 * Printing for custom resources from a CRD version's `additionalPrinterColumns`
 * (apiextensions-apiserver `tableconvertor`): a Name column, then one column per
 * definition whose cell is the first JSONPath match, formatted by column type.
 */

/** A CRD `additionalPrinterColumns` entry. */
export interface CustomColumnDefinition {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

/** Columns served when a CRD version declares none: an Age column. */
export const defaultCustomColumns: readonly CustomColumnDefinition[] = [
  {
    name: 'Age',
    type: 'date',
    description: fieldDocs['ObjectMeta.creationTimestamp'],
    jsonPath: '.metadata.creationTimestamp',
  },
];

/** `cellForJSONValue`: a non-string column's cell; null when the value does not fit the type. */
export function cellForJSONValue(type: string, value: unknown, now: number): Cell {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'string':
      return typeof value === 'string' ? value : null;
    case 'date': {
      if (typeof value !== 'string') return null;
      // metav1.Time.UnmarshalQueryParameter: "" and "null" are the zero time.
      if (value === '' || value === 'null') return '<unknown>';
      return parseRFC3339(value) === undefined ? '<invalid>' : translateTimestampSince(value, now);
    }
  }
  return null;
}

/** One cell: the first match; strings print the way kubectl's JSONPath printer would. */
function customCell(path: JsonPath, type: string, obj: unknown, now: number): Cell {
  let results: unknown[];
  try {
    results = path.find(obj);
  } catch {
    return null;
  }
  if (results.length === 0) return null;
  const value = results[0];
  return type === 'string' ? goPrint(value) : cellForJSONValue(type, value, now);
}

/**
 * A printer for custom columns. An empty list means the default Age column (as
 * for a CRD version without `additionalPrinterColumns`); a column whose JSONPath
 * does not parse makes the whole printer fall back to the default printer, as
 * upstream does with an invalid printer specification.
 */
export function customColumnsPrinter(columns: readonly CustomColumnDefinition[]): Printer {
  const defs = columns.length > 0 ? columns : defaultCustomColumns;
  let paths: JsonPath[];
  try {
    paths = defs.map((c) => compileJsonPath(`{${c.jsonPath}}`));
  } catch {
    return defaultPrinter;
  }
  const headers = [
    nameColumn,
    ...defs.map((c) =>
      column(c.name, c.type, c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}`, {
        format: c.format ?? '',
        priority: c.priority ?? 0,
      }),
    ),
  ];
  return printer(headers, (obj: any, now) => [
    nameOf(obj),
    ...defs.map((c, i) => customCell(paths[i]!, c.type, obj, now)),
  ]);
}
