import { docColumn, printer } from './columns.js';
import { formatRFC3339, nameOf } from './format.js';

/**
 * The apiserver's default table convertor (`rest.NewDefaultTableConvertor`),
 * for kinds without a printer (Role, ClusterRole, LimitRange,
 * CustomResourceDefinition, ...): NAME and CREATED AT, the creation time in UTC
 * RFC 3339 (Go's zero time when unset), not an age.
 */
export const defaultPrinter = printer(
  [
    docColumn('Name', 'string', 'ObjectMeta.name', { format: 'name' }),
    docColumn('Created At', 'date', 'ObjectMeta.creationTimestamp'),
  ],
  (obj: { metadata?: { name?: string; creationTimestamp?: string } }) => [
    nameOf(obj),
    formatRFC3339(obj.metadata?.creationTimestamp),
  ],
);
