import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, NodeSelectorTerm, PodSpec, Taint } from 'kubernetes-types/core/v1.js';
import { addOrUpdateToleration, defaultDaemonTolerations, nodeShouldRunDaemonPod } from './node-predicates.js';

const node = (name: string, labels: Record<string, string> = {}, taints: Taint[] = []): Node => ({
  metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
  spec: { taints },
});

const ds = (spec: Partial<PodSpec> = {}): DaemonSet => ({
  metadata: { name: 'd', namespace: 'ns' },
  spec: {
    selector: { matchLabels: { app: 'd' } },
    template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } },
  },
});

const terms = (...t: NodeSelectorTerm[]): Partial<PodSpec> => ({
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: t } } },
});

test('nodeShouldRunDaemonPod: taints, tolerations and the default daemon tolerations', () => {
  const t = (key: string, effect: string, value?: string): Taint => ({ key, effect, ...(value ? { value } : {}) });
  // [name, node taints, pod spec, shouldRun, shouldContinueRunning]
  const cases: [string, Taint[], Partial<PodSpec>, boolean, boolean][] = [
    ['untainted', [], {}, true, true],
    ['NoSchedule blocks new pods but keeps running ones', [t('dedicated', 'NoSchedule', 'x')], {}, false, true],
    ['NoExecute evicts', [t('dedicated', 'NoExecute', 'x')], {}, false, false],
    ['PreferNoSchedule is ignored', [t('dedicated', 'PreferNoSchedule')], {}, true, true],
    [
      'tolerated by value',
      [t('dedicated', 'NoSchedule', 'x')],
      { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'x', effect: 'NoSchedule' }] },
      true,
      true,
    ],
    [
      'wrong value is not tolerated',
      [t('dedicated', 'NoSchedule', 'x')],
      { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'y' }] },
      false,
      true,
    ],
    [
      'an Exists toleration without key tolerates everything',
      [t('a', 'NoExecute')],
      { tolerations: [{ operator: 'Exists' }] },
      true,
      true,
    ],
    ['not-ready NoExecute is tolerated by default', [t('node.kubernetes.io/not-ready', 'NoExecute')], {}, true, true],
    [
      'unreachable NoExecute is tolerated by default',
      [t('node.kubernetes.io/unreachable', 'NoExecute')],
      {},
      true,
      true,
    ],
    ['unschedulable is tolerated by default', [t('node.kubernetes.io/unschedulable', 'NoSchedule')], {}, true, true],
    [
      'memory pressure is tolerated by default',
      [t('node.kubernetes.io/memory-pressure', 'NoSchedule')],
      {},
      true,
      true,
    ],
    ['disk pressure is tolerated by default', [t('node.kubernetes.io/disk-pressure', 'NoSchedule')], {}, true, true],
    ['pid pressure is tolerated by default', [t('node.kubernetes.io/pid-pressure', 'NoSchedule')], {}, true, true],
    ['not-ready NoSchedule is not', [t('node.kubernetes.io/not-ready', 'NoSchedule')], {}, false, true],
    [
      'network-unavailable is not, without hostNetwork',
      [t('node.kubernetes.io/network-unavailable', 'NoSchedule')],
      {},
      false,
      true,
    ],
    [
      'network-unavailable is, with hostNetwork',
      [t('node.kubernetes.io/network-unavailable', 'NoSchedule')],
      { hostNetwork: true },
      true,
      true,
    ],
  ];
  for (const [name, taints, spec, shouldRun, shouldContinueRunning] of cases)
    assert.deepEqual(
      nodeShouldRunDaemonPod(node('n1', {}, taints), ds(spec)),
      { shouldRun, shouldContinueRunning },
      name,
    );
});

test('nodeShouldRunDaemonPod: nodeName, nodeSelector and required node affinity', () => {
  const n = node('n1', { zone: 'a', disk: 'ssd', cores: '8' });
  const expr = (key: string, operator: string, values?: string[]) => ({
    matchExpressions: [{ key, operator, ...(values ? { values } : {}) }],
  });
  // [name, pod spec, shouldRun]
  const cases: [string, Partial<PodSpec>, boolean][] = [
    ['nodeName matches', { nodeName: 'n1' }, true],
    ['nodeName elsewhere', { nodeName: 'n2' }, false],
    ['nodeSelector matches', { nodeSelector: { zone: 'a', disk: 'ssd' } }, true],
    ['nodeSelector misses', { nodeSelector: { zone: 'b' } }, false],
    ['In', terms(expr('zone', 'In', ['a', 'b'])), true],
    ['In misses', terms(expr('zone', 'In', ['b'])), false],
    ['NotIn', terms(expr('zone', 'NotIn', ['b'])), true],
    ['NotIn on a missing label', terms(expr('gpu', 'NotIn', ['x'])), true],
    ['Exists', terms(expr('disk', 'Exists')), true],
    ['DoesNotExist', terms(expr('disk', 'DoesNotExist')), false],
    ['Gt', terms(expr('cores', 'Gt', ['4'])), true],
    ['Lt', terms(expr('cores', 'Lt', ['4'])), false],
    ['Gt with a non-integer label never matches', terms(expr('zone', 'Gt', ['1'])), false],
    ['malformed: In without values', terms(expr('zone', 'In', [])), false],
    ['terms are ORed', terms(expr('zone', 'In', ['b']), expr('disk', 'In', ['ssd'])), true],
    [
      'requirements in a term are ANDed',
      terms({
        matchExpressions: [
          ...expr('zone', 'In', ['a']).matchExpressions,
          ...expr('disk', 'In', ['hdd']).matchExpressions,
        ],
      }),
      false,
    ],
    ['an empty term matches nothing', terms({}), false],
    ['no terms match nothing', terms(), false],
    [
      'matchFields metadata.name In',
      terms({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }),
      true,
    ],
    [
      'matchFields metadata.name NotIn',
      terms({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n1'] }] }),
      false,
    ],
    [
      'matchFields needs exactly one value',
      terms({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1', 'n2'] }] }),
      false,
    ],
  ];
  for (const [name, spec, shouldRun] of cases)
    assert.equal(nodeShouldRunDaemonPod(n, ds(spec)).shouldRun, shouldRun, name);
});

test('addOrUpdateToleration replaces a matching toleration that differs and keeps identical ones', () => {
  const spec: PodSpec = {
    containers: [],
    tolerations: [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'other', operator: 'Exists' },
    ],
  };
  for (const t of defaultDaemonTolerations(false)) addOrUpdateToleration(spec, t);
  assert.deepEqual(spec.tolerations, [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'other', operator: 'Exists' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ]);
  assert.equal(addOrUpdateToleration(spec, { key: 'other', operator: 'Exists' }), false);
  assert.equal(defaultDaemonTolerations(true).at(-1)!.key, 'node.kubernetes.io/network-unavailable');
});
