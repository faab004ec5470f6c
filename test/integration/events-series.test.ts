import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event as CoreEvent, Node } from 'kubernetes-types/core/v1.js';
import type { Event as EventsV1Event } from 'kubernetes-types/events/v1.js';
import { ResourceClient, type KubeObject } from '../../src/client/index.js';
import { componentUsers, inProcessRest } from '../../src/cmd/in-process.js';
import { type RunningScheduler, startScheduler } from '../../src/control-plane/scheduler/component.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest, eventually } from '../harness/sim.js';

/**
 * The real scheduler records through events.k8s.io/v1; repeats of a
 * FailedScheduling become one event with a series, readable through both
 * event APIs and shown by `kubectl describe` as `(xN over ...)`.
 */
describe('events.k8s.io/v1 series from the scheduler', () => {
  let c: TestCluster;
  let scheduler: RunningScheduler;
  before(async () => {
    c = await startTestCluster({ controllers: ['serviceaccount'], scheduler: false });
    scheduler = await startScheduler({
      rest: inProcessRest(c.cp.apiserver, componentUsers.scheduler, 'kube-scheduler'),
      // A short refresh heartbeat, so counts beyond 2 reach the server within the test.
      eventSeries: { refreshMs: 500 },
    });
  });
  after(async () => {
    await scheduler?.stop();
    await c?.dispose();
  });

  test('FailedScheduling repeats become one series shown by kubectl describe', async () => {
    const rest = adminRest(c);
    const pods = new ResourceClient<KubeObject>(rest, { group: '', version: 'v1', resource: 'pods' }, 'default');
    const v1Events = new ResourceClient<EventsV1Event & KubeObject>(
      rest,
      { group: 'events.k8s.io', version: 'v1', resource: 'events' },
      'default',
    );
    const coreEvents = new ResourceClient<CoreEvent & KubeObject>(
      rest,
      { group: '', version: 'v1', resource: 'events' },
      'default',
    );
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'picky' },
      spec: { nodeSelector: { disk: 'ssd' }, containers: [{ name: 'c', image: 'busybox' }] },
    } as KubeObject;
    await eventually(() => pods.create(pod), 'the pod created (once the default ServiceAccount exists)');
    const failed = async () =>
      (await v1Events.list()).items.filter((e) => e.regarding?.name === 'picky' && e.reason === 'FailedScheduling');
    await eventually(async () => (await failed()).length === 1, 'a first FailedScheduling event');
    // With no node at all each attempt is an error (not unschedulable): retried on backoff (1 s, 2 s, 4 s...).
    for (const want of [2, 3, 4]) {
      await eventually(
        async () => (await failed()).some((e) => (e.series?.count ?? 0) >= want),
        `count ${want}`,
        20_000,
      );
    }
    // The regarding reference carries the pod's resourceVersion (as upstream's key does), so the attempt
    // before the PodScheduled=False status write is a separate singleton; every later one joins one series.
    const all = await failed();
    assert.ok(all.length <= 2, `${all.length} event objects`);
    const ev = all.find((e) => e.series)!;
    assert.ok(ev);
    assert.equal(ev.reportingController, 'default-scheduler');
    assert.match(ev.reportingInstance ?? '', /^default-scheduler-.+/);
    assert.equal(ev.action, 'Scheduling');
    assert.equal(ev.type, 'Warning');
    assert.equal(ev.note, 'no nodes available to schedule pods');
    assert.ok((ev.series?.count ?? 0) >= 4);
    assert.ok(ev.eventTime && ev.series?.lastObservedTime && ev.series.lastObservedTime > ev.eventTime);
    assert.equal(ev.deprecatedCount, undefined);

    // The same object through core/v1, with upstream's field mapping.
    const core = (await coreEvents.list({ fieldSelector: 'involvedObject.name=picky,reason=FailedScheduling' })).items;
    assert.equal(core.length, all.length);
    const same = core.find((e) => e.metadata!.name === ev.metadata!.name)!;
    assert.ok(same);
    assert.equal(same.message, ev.note);
    assert.equal(same.reportingComponent, 'default-scheduler');
    assert.equal(same.reportingInstance, ev.reportingInstance);
    assert.deepEqual(same.involvedObject, ev.regarding);
    assert.equal(same.action, 'Scheduling');
    assert.equal(same.eventTime, ev.eventTime);
    assert.ok((same.series?.count ?? 0) >= 4);
    assert.equal(same.count, undefined, 'no legacy count: describe reads the series');

    const r = await c.kubectl(['describe', 'pod', 'picky']);
    assert.equal(r.code, 0, r.stderr);
    const line = r.stdout.split('\n').find((l) => l.includes('FailedScheduling') && l.includes('(x'));
    assert.ok(line, r.stdout);
    assert.match(
      line,
      /Warning\s+FailedScheduling\s+\S+ \(x[4-9]\d* over \S+\)\s+default-scheduler\s+no nodes available to schedule pods/,
    );
  });

  test('a Scheduled event is a separate, Normal "Binding" event', async () => {
    const rest = adminRest(c);
    const nodes = new ResourceClient<Node & KubeObject>(rest, { group: '', version: 'v1', resource: 'nodes' });
    const created = await nodes.create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'fast', labels: { disk: 'ssd' } },
    } as Node & KubeObject);
    const resources = { cpu: '4', memory: '8Gi', pods: '110' };
    const ready = [{ type: 'Ready', status: 'True' }];
    const withStatus = await nodes.updateStatus({
      ...created,
      status: { allocatable: resources, capacity: resources, conditions: ready },
    });
    // Admission tainted it not-ready at creation; no node-lifecycle controller runs here to lift that.
    await nodes.update({ ...withStatus, spec: { ...withStatus.spec, taints: [] } });
    const v1Events = new ResourceClient<EventsV1Event & KubeObject>(
      rest,
      { group: 'events.k8s.io', version: 'v1', resource: 'events' },
      'default',
    );
    const ev = await eventually(
      async () => (await v1Events.list()).items.find((e) => e.regarding?.name === 'picky' && e.reason === 'Scheduled'),
      'a Scheduled event',
    );
    assert.equal(ev.action, 'Binding');
    assert.equal(ev.type, 'Normal');
    assert.equal(ev.note, 'Successfully assigned default/picky to fast');
    assert.equal(ev.series, undefined);
  });
});
