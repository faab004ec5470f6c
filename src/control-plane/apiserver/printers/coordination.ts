import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { FlowSchema, PriorityLevelConfiguration } from 'kubernetes-types/flowcontrol/v1.js';
import { ageColumn, column, docColumn, nameColumn, printer } from './columns.js';
import { age, compareStrings, nameOf } from './format.js';

/**
 * Control-plane coordination: Leases (upstream `printLease`) and API Priority
 * and Fairness objects (`printFlowSchema`, `printPriorityLevelConfiguration`).
 */

export const leasePrinter = printer(
  [nameColumn, docColumn('Holder', 'string', 'LeaseSpec.holderIdentity'), ageColumn],
  (obj: Lease, now) => [nameOf(obj), obj.spec?.holderIdentity ?? '', age(obj, now)],
);

/** FlowSchemas are listed in matching order: precedence, then name (upstream `FlowSchemaSequence`). */
function flowSchemaOrder(objects: readonly FlowSchema[]): FlowSchema[] {
  return [...objects].sort(
    (a, b) =>
      (a.spec?.matchingPrecedence ?? 0) - (b.spec?.matchingPrecedence ?? 0) || compareStrings(nameOf(a), nameOf(b)),
  );
}

export const flowSchemaPrinter = printer(
  [
    nameColumn,
    docColumn('PriorityLevel', 'string', 'PriorityLevelConfigurationReference.name'),
    docColumn('MatchingPrecedence', 'string', 'FlowSchemaSpec.matchingPrecedence'),
    docColumn('DistinguisherMethod', 'string', 'FlowSchemaSpec.distinguisherMethod'),
    ageColumn,
    column('MissingPL', 'string', 'references a broken or non-existent PriorityLevelConfiguration'),
  ],
  (obj: FlowSchema, now) => {
    const dangling = (obj.status?.conditions ?? []).find((c) => c.type === 'Dangling');
    return [
      nameOf(obj),
      obj.spec?.priorityLevelConfiguration?.name ?? '',
      obj.spec?.matchingPrecedence ?? 0,
      obj.spec?.distinguisherMethod?.type ?? '<none>',
      age(obj, now),
      dangling ? (dangling.status ?? '') : '?',
    ];
  },
  (objects) => flowSchemaOrder(objects as FlowSchema[]),
);

export const priorityLevelConfigurationPrinter = printer(
  [
    nameColumn,
    docColumn('Type', 'string', 'PriorityLevelConfigurationSpec.type'),
    docColumn('NominalConcurrencyShares', 'string', 'LimitedPriorityLevelConfiguration.nominalConcurrencyShares'),
    docColumn('Queues', 'string', 'QueuingConfiguration.queues'),
    docColumn('HandSize', 'string', 'QueuingConfiguration.handSize'),
    docColumn('QueueLengthLimit', 'string', 'QueuingConfiguration.queueLengthLimit'),
    ageColumn,
  ],
  (obj: PriorityLevelConfiguration, now) => {
    const limited = obj.spec?.limited;
    const queuing = limited?.limitResponse?.queuing;
    return [
      nameOf(obj),
      obj.spec?.type ?? '',
      limited ? (limited.nominalConcurrencyShares ?? 0) : '<none>',
      queuing ? (queuing.queues ?? 0) : '<none>',
      queuing ? (queuing.handSize ?? 0) : '<none>',
      queuing ? (queuing.queueLengthLimit ?? 0) : '<none>',
      age(obj, now),
    ];
  },
);
