import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowSchemaPrinter, leasePrinter, priorityLevelConfigurationPrinter } from './coordination.js';
import { ago, DAY, rowOf, SECOND } from './testing.js';

const meta = (name: string) => ({ name, creationTimestamp: ago(DAY * 30) });

test('lease: holder identity', () => {
  assert.deepEqual(
    rowOf(leasePrinter, {
      metadata: meta('kube-scheduler'),
      spec: { holderIdentity: 'node-1_1b2c', leaseDurationSeconds: 15 },
    }),
    { Name: 'kube-scheduler', Holder: 'node-1_1b2c', Age: '30d' },
  );
  assert.equal(rowOf(leasePrinter, { metadata: meta('free'), spec: {} }).Holder, '');
});

test('flow schemas print in matching order with the dangling marker', () => {
  const fs = (name: string, precedence: number, dangling?: string) => ({
    metadata: meta(name),
    spec: {
      priorityLevelConfiguration: { name: 'workload-low' },
      matchingPrecedence: precedence,
      ...(name === 'exempt' ? {} : { distinguisherMethod: { type: 'ByUser' } }),
    },
    status: dangling ? { conditions: [{ type: 'Dangling', status: dangling }] } : {},
  });
  const ordered = flowSchemaPrinter.order!([
    fs('service-accounts', 9000),
    fs('exempt', 1, 'False'),
    fs('catch-all', 10000),
    fs('b-same', 9000),
  ]);
  assert.deepEqual(
    ordered.map((o) => o.metadata.name),
    ['exempt', 'b-same', 'service-accounts', 'catch-all'],
  );
  assert.deepEqual(rowOf(flowSchemaPrinter, fs('exempt', 1, 'False')), {
    Name: 'exempt',
    PriorityLevel: 'workload-low',
    MatchingPrecedence: 1,
    DistinguisherMethod: '<none>',
    Age: '30d',
    MissingPL: 'False',
  });
  const r = rowOf(flowSchemaPrinter, fs('global', 5000));
  assert.deepEqual([r.DistinguisherMethod, r.MissingPL], ['ByUser', '?']);
});

test('priority level configurations: limited and exempt', () => {
  assert.deepEqual(
    rowOf(priorityLevelConfigurationPrinter, {
      metadata: meta('workload-low'),
      spec: {
        type: 'Limited',
        limited: {
          nominalConcurrencyShares: 100,
          limitResponse: { type: 'Queue', queuing: { queues: 128, handSize: 6, queueLengthLimit: 50 } },
        },
      },
    }),
    {
      Name: 'workload-low',
      Type: 'Limited',
      NominalConcurrencyShares: 100,
      Queues: 128,
      HandSize: 6,
      QueueLengthLimit: 50,
      Age: '30d',
    },
  );
  const exempt = rowOf(priorityLevelConfigurationPrinter, {
    metadata: { name: 'exempt', creationTimestamp: ago(5 * SECOND) },
    spec: { type: 'Exempt', exempt: {} },
  });
  assert.deepEqual(
    [exempt.NominalConcurrencyShares, exempt.Queues, exempt.HandSize, exempt.QueueLengthLimit, exempt.Age],
    ['<none>', '<none>', '<none>', '<none>', '5s'],
  );
  const reject = rowOf(priorityLevelConfigurationPrinter, {
    metadata: meta('r'),
    spec: { type: 'Limited', limited: { nominalConcurrencyShares: 5, limitResponse: { type: 'Reject' } } },
  });
  assert.deepEqual([reject.NominalConcurrencyShares, reject.Queues], [5, '<none>']);
});
