import { fieldDocs, type FieldDocKey } from './column-docs.js';
import type { PrintedRow, Printer, TableColumnDefinition } from './types.js';

/**
 * Column-definition builders and the columns most printers share, so each
 * printer file reads like upstream's column tables.
 */

export interface ColumnOptions {
  format?: string;
  priority?: number;
}

/** A column whose description is given literally (upstream's hand-written descriptions). */
export function column(
  name: string,
  type: string,
  description: string,
  opts: ColumnOptions = {},
): TableColumnDefinition {
  return { name, type, format: opts.format ?? '', description, priority: opts.priority ?? 0 };
}

/** A column described by an API field's documentation (upstream's `X{}.SwaggerDoc()[field]`). */
export function docColumn(
  name: string,
  type: string,
  doc: FieldDocKey,
  opts: ColumnOptions = {},
): TableColumnDefinition {
  return column(name, type, fieldDocs[doc], opts);
}

/** A priority-1 (`-o wide`) column. */
export function wide(def: TableColumnDefinition): TableColumnDefinition {
  return { ...def, priority: 1 };
}

export const nameColumn = docColumn('Name', 'string', 'ObjectMeta.name', { format: 'name' });
export const ageColumn = docColumn('Age', 'string', 'ObjectMeta.creationTimestamp');
export const containersColumn = column('Containers', 'string', 'Names of each container in the template.', {
  priority: 1,
});
export const imagesColumn = column('Images', 'string', 'Images referenced by each container in the template.', {
  priority: 1,
});

/** Builds a Printer from its columns and a row function. */
export function printer(
  columns: readonly TableColumnDefinition[],
  print: (obj: any, now: number) => PrintedRow | PrintedRow['cells'],
  order?: Printer['order'],
): Printer {
  return {
    columns,
    print(obj, now) {
      const r = print(obj, now);
      return Array.isArray(r) ? { cells: r } : r;
    },
    ...(order ? { order } : {}),
  };
}
