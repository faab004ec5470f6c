import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import { podPrinter, podTemplatePrinter } from './pod.js';
import { ago, columnNames, DAY, MINUTE, NOW, printed, rowOf, SECOND } from './testing.js';

const running = (name: string, extra: Partial<ContainerStatus> = {}): ContainerStatus => ({
  name,
  image: 'busybox',
  imageID: '',
  ready: true,
  restartCount: 0,
  started: true,
  state: { running: { startedAt: ago(DAY) } },
  ...extra,
});
const waiting = (name: string, reason: string, extra: Partial<ContainerStatus> = {}): ContainerStatus => ({
  name,
  image: 'busybox',
  imageID: '',
  ready: false,
  restartCount: 0,
  state: { waiting: { reason } },
  ...extra,
});
const terminated = (
  name: string,
  t: { exitCode: number; reason?: string; signal?: number },
  extra: Partial<ContainerStatus> = {},
): ContainerStatus => ({
  name,
  image: 'busybox',
  imageID: '',
  ready: false,
  restartCount: 0,
  state: { terminated: { ...t, finishedAt: ago(MINUTE) } },
  ...extra,
});
const lastTerminated = (finishedAgo: number) => ({
  lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(finishedAgo) } },
});

function pod(opts: {
  containers?: string[];
  init?: { name: string; restartPolicy?: string }[];
  phase?: string;
  reason?: string;
  statuses?: ContainerStatus[];
  initStatuses?: ContainerStatus[];
  conditions?: { type: string; status: string; reason?: string }[];
  deleting?: boolean;
}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-1',
      namespace: 'default',
      creationTimestamp: ago(DAY + 3 * 3600 * SECOND),
      ...(opts.deleting ? { deletionTimestamp: ago(10 * SECOND) } : {}),
    },
    spec: {
      containers: (opts.containers ?? ['app']).map((name) => ({ name, image: 'busybox' })),
      ...(opts.init ? { initContainers: opts.init.map((c) => ({ image: 'busybox', ...c })) } : {}),
    },
    status: {
      phase: opts.phase ?? 'Running',
      ...(opts.reason ? { reason: opts.reason } : {}),
      ...(opts.conditions ? { conditions: opts.conditions } : {}),
      ...(opts.statuses ? { containerStatuses: opts.statuses } : {}),
      ...(opts.initStatuses ? { initContainerStatuses: opts.initStatuses } : {}),
    },
  };
}

test('pod columns are the v1.32 set, wide ones at priority 1', () => {
  assert.deepEqual(columnNames(podPrinter), [
    'Name',
    'Ready',
    'Status',
    'Restarts',
    'Age',
    'IP*',
    'Node*',
    'Nominated Node*',
    'Readiness Gates*',
  ]);
  assert.equal(podPrinter.columns[0]!.format, 'name');
  assert.equal(podPrinter.columns[3]!.type, 'string');
});

test('pod READY / STATUS / RESTARTS for every status family', () => {
  const initialized = { type: 'Initialized', status: 'True' };
  const cases: { name: string; pod: Pod; want: [string, string, string] }[] = [
    { name: 'pending, nothing reported', pod: pod({ phase: 'Pending' }), want: ['0/1', 'Pending', '0'] },
    {
      name: 'running and ready',
      pod: pod({ containers: ['a', 'b'], statuses: [running('a'), running('b')] }),
      want: ['2/2', 'Running', '0'],
    },
    {
      name: 'running, one not ready',
      pod: pod({ containers: ['a', 'b'], statuses: [running('a'), running('b', { ready: false })] }),
      want: ['1/2', 'Running', '0'],
    },
    {
      name: 'creating',
      pod: pod({ phase: 'Pending', statuses: [waiting('app', 'ContainerCreating')] }),
      want: ['0/1', 'ContainerCreating', '0'],
    },
    {
      name: 'image pull error',
      pod: pod({ phase: 'Pending', statuses: [waiting('app', 'ErrImagePull')] }),
      want: ['0/1', 'ErrImagePull', '0'],
    },
    {
      name: 'crash loop with last restart time',
      pod: pod({
        statuses: [waiting('app', 'CrashLoopBackOff', { restartCount: 5, ...lastTerminated(5 * MINUTE) })],
      }),
      want: ['0/1', 'CrashLoopBackOff', '5 (5m ago)'],
    },
    {
      name: 'restarts without a last termination time',
      pod: pod({ statuses: [running('app', { restartCount: 4 })] }),
      want: ['1/1', 'Running', '4'],
    },
    {
      name: 'restarts summed, latest restart wins',
      pod: pod({
        containers: ['a', 'b'],
        statuses: [
          running('a', { restartCount: 1, ...lastTerminated(2 * DAY) }),
          running('b', { restartCount: 2, ...lastTerminated(90 * SECOND) }),
        ],
      }),
      want: ['2/2', 'Running', '3 (90s ago)'],
    },
    {
      name: 'succeeded',
      pod: pod({ phase: 'Succeeded', statuses: [terminated('app', { exitCode: 0, reason: 'Completed' })] }),
      want: ['0/1', 'Completed', '0'],
    },
    {
      name: 'failed with reason',
      pod: pod({ phase: 'Failed', statuses: [terminated('app', { exitCode: 1, reason: 'Error' })] }),
      want: ['0/1', 'Error', '0'],
    },
    {
      name: 'terminated without reason: exit code',
      pod: pod({ phase: 'Failed', statuses: [terminated('app', { exitCode: 137 })] }),
      want: ['0/1', 'ExitCode:137', '0'],
    },
    {
      name: 'terminated without reason: signal',
      pod: pod({ phase: 'Failed', statuses: [terminated('app', { exitCode: 0, signal: 9 })] }),
      want: ['0/1', 'Signal:9', '0'],
    },
    {
      name: 'one completed, one running, pod Ready',
      pod: pod({
        containers: ['a', 'b'],
        conditions: [{ type: 'Ready', status: 'True' }],
        statuses: [running('a'), terminated('b', { exitCode: 0, reason: 'Completed' })],
      }),
      want: ['1/2', 'Running', '0'],
    },
    {
      name: 'one completed, one running, pod not Ready',
      pod: pod({
        containers: ['a', 'b'],
        conditions: [{ type: 'Ready', status: 'False' }],
        statuses: [running('a'), terminated('b', { exitCode: 0, reason: 'Completed' })],
      }),
      want: ['1/2', 'NotReady', '0'],
    },
    {
      name: 'first of two init containers running',
      pod: pod({
        phase: 'Pending',
        init: [{ name: 'i1' }, { name: 'i2' }],
        initStatuses: [running('i1', { ready: false }), waiting('i2', 'PodInitializing')],
        statuses: [waiting('app', 'PodInitializing')],
      }),
      want: ['0/1', 'Init:0/2', '0'],
    },
    {
      name: 'second init container pending',
      pod: pod({
        phase: 'Pending',
        init: [{ name: 'i1' }, { name: 'i2' }],
        initStatuses: [terminated('i1', { exitCode: 0, reason: 'Completed' }), waiting('i2', 'PodInitializing')],
      }),
      want: ['0/1', 'Init:1/2', '0'],
    },
    {
      name: 'init container crash looping counts init restarts',
      pod: pod({
        phase: 'Pending',
        init: [{ name: 'i1' }],
        initStatuses: [waiting('i1', 'CrashLoopBackOff', { restartCount: 3, ...lastTerminated(2 * MINUTE) })],
        statuses: [waiting('app', 'PodInitializing', { restartCount: 7 })],
      }),
      want: ['0/1', 'Init:CrashLoopBackOff', '3 (2m ago)'],
    },
    {
      name: 'init container failed with reason',
      pod: pod({
        phase: 'Pending',
        init: [{ name: 'i1' }],
        initStatuses: [terminated('i1', { exitCode: 1, reason: 'Error' })],
      }),
      want: ['0/1', 'Init:Error', '0'],
    },
    {
      name: 'init container failed without reason',
      pod: pod({ phase: 'Pending', init: [{ name: 'i1' }], initStatuses: [terminated('i1', { exitCode: 2 })] }),
      want: ['0/1', 'Init:ExitCode:2', '0'],
    },
    {
      name: 'init container killed by a signal',
      pod: pod({
        phase: 'Pending',
        init: [{ name: 'i1' }],
        initStatuses: [terminated('i1', { exitCode: 137, signal: 9 })],
      }),
      want: ['0/1', 'Init:Signal:9', '0'],
    },
    {
      name: 'init done, app container starting',
      pod: pod({
        phase: 'Pending',
        init: [{ name: 'i1' }],
        initStatuses: [terminated('i1', { exitCode: 0, reason: 'Completed' }, { restartCount: 2 })],
        statuses: [waiting('app', 'PodInitializing')],
      }),
      want: ['0/1', 'PodInitializing', '0'],
    },
    {
      name: 'started sidecar counts as a ready container and its restarts stay counted',
      pod: pod({
        init: [{ name: 'proxy', restartPolicy: 'Always' }],
        conditions: [initialized],
        initStatuses: [running('proxy', { restartCount: 1, ...lastTerminated(10 * MINUTE) })],
        statuses: [running('app', { restartCount: 2, ...lastTerminated(3 * MINUTE) })],
      }),
      want: ['2/2', 'Running', '3 (3m ago)'],
    },
    {
      name: 'sidecar not started yet holds initialization',
      pod: pod({
        phase: 'Pending',
        init: [{ name: 'proxy', restartPolicy: 'Always' }],
        initStatuses: [running('proxy', { started: false, ready: false })],
        statuses: [waiting('app', 'PodInitializing')],
      }),
      want: ['0/2', 'Init:0/1', '0'],
    },
    {
      name: 'sidecar crashing after initialization: Init reason stays, restarts count sidecar and app',
      pod: pod({
        init: [{ name: 'proxy', restartPolicy: 'Always' }],
        conditions: [initialized],
        initStatuses: [
          waiting('proxy', 'CrashLoopBackOff', { started: false, restartCount: 4, ...lastTerminated(MINUTE) }),
        ],
        statuses: [running('app', { restartCount: 1, ...lastTerminated(DAY) })],
      }),
      want: ['1/2', 'Init:CrashLoopBackOff', '5 (60s ago)'],
    },
    {
      name: 'terminating',
      pod: pod({ deleting: true, statuses: [running('app')] }),
      want: ['1/1', 'Terminating', '0'],
    },
    {
      name: 'deleted after completion stays Completed',
      pod: pod({
        deleting: true,
        phase: 'Succeeded',
        statuses: [terminated('app', { exitCode: 0, reason: 'Completed' })],
      }),
      want: ['0/1', 'Completed', '0'],
    },
    {
      name: 'node lost',
      pod: pod({ deleting: true, reason: 'NodeLost', statuses: [running('app')] }),
      want: ['1/1', 'Unknown', '0'],
    },
    {
      name: 'scheduling gated',
      pod: pod({
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }],
      }),
      want: ['0/1', 'SchedulingGated', '0'],
    },
    {
      name: 'evicted (status reason)',
      pod: pod({ phase: 'Failed', reason: 'Evicted' }),
      want: ['0/1', 'Evicted', '0'],
    },
  ];
  for (const c of cases) {
    const r = rowOf(podPrinter, c.pod);
    assert.deepEqual([r.Ready, r.Status, r.Restarts], c.want, c.name);
  }
});

test('pod row conditions mark finished pods Completed', () => {
  assert.deepEqual(printed(podPrinter, pod({ phase: 'Succeeded' })).conditions, [
    { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
  ]);
  assert.deepEqual(printed(podPrinter, pod({ phase: 'Failed' })).conditions, [
    { type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' },
  ]);
  assert.equal(printed(podPrinter, pod({ phase: 'Running' })).conditions, undefined);
});

test('pod name, age and wide cells', () => {
  const p = pod({ statuses: [running('app')] });
  assert.deepEqual(rowOf(podPrinter, p), {
    Name: 'web-1',
    Ready: '1/1',
    Status: 'Running',
    Restarts: '0',
    Age: '27h',
    IP: '<none>',
    Node: '<none>',
    'Nominated Node': '<none>',
    'Readiness Gates': '<none>',
  });

  const wide: Pod = {
    ...p,
    spec: {
      ...p.spec!,
      nodeName: 'node-1',
      readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }],
    },
    status: {
      ...p.status,
      podIPs: [{ ip: '10.42.0.7' }, { ip: 'fd00::7' }],
      nominatedNodeName: 'node-2',
      conditions: [
        { type: 'example.com/lb', status: 'True' },
        { type: 'example.com/dns', status: 'False' },
      ],
    },
  };
  const r = rowOf(podPrinter, wide);
  assert.deepEqual([r.IP, r.Node, r['Nominated Node'], r['Readiness Gates']], ['10.42.0.7', 'node-1', 'node-2', '1/2']);
  // podIP is authoritative when both are set and differ.
  assert.equal(rowOf(podPrinter, { ...wide, status: { ...wide.status, podIP: '10.42.0.9' } }).IP, '10.42.0.9');
  assert.equal(rowOf(podPrinter, pod({}), NOW - 2 * DAY).Age, '<invalid>');
});

test('pod template: containers, images and pod labels', () => {
  const r = rowOf(podTemplatePrinter, {
    metadata: { name: 'tpl' },
    template: {
      metadata: { labels: { tier: 'web', app: 'shop' } },
      spec: {
        containers: [
          { name: 'app', image: 'shop:1' },
          { name: 'proxy', image: 'envoy:2' },
        ],
      },
    },
  });
  assert.deepEqual(r, {
    Name: 'tpl',
    Containers: 'app,proxy',
    Images: 'shop:1,envoy:2',
    'Pod Labels': 'app=shop,tier=web',
  });
});
