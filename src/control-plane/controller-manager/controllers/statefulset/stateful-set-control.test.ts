import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { formatTime } from '../../../../api/values/time.js';
import { FakeClock } from '../../../../lib/clock.js';
import { nullLogger } from '../../../../lib/log.js';
import { controllerRefOf } from '../replicaset/controller-ref.js';
import type { ControllerHistoryInterface } from '../history/history-client.js';
import { hashControllerRevision, revisionRaw } from '../history/controller-history.js';
import type { StatefulPodControlInterface } from './stateful-pod-control.js';
import { StatefulSetControl } from './stateful-set-control.js';

/**
 * An in-memory cluster for the control loop: pods and revisions held in maps,
 * writes recorded as actions, pod lifecycle driven by the test.
 */
class World {
  readonly clock = new FakeClock();
  readonly pods = new Map<string, Pod>();
  revisions: ControllerRevision[] = [];
  actions: string[] = [];
  set: StatefulSet;
  private uid = 0;
  readonly control: StatefulSetControl;

  constructor(replicas: number, extra: Partial<NonNullable<StatefulSet['spec']>> = {}) {
    this.set = {
      metadata: { name: 'web', namespace: 'ns', uid: 'set-uid', generation: 1 },
      spec: {
        replicas,
        serviceName: 'web',
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        revisionHistoryLimit: 10,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'img:1' }] } },
        ...extra,
      },
      status: { replicas: 0 },
    };
    const podControl: StatefulPodControlInterface = {
      createStatefulPod: async (_set, pod) => {
        this.actions.push(`create ${pod.metadata!.name}`);
        this.pods.set(pod.metadata!.name!, {
          ...pod,
          metadata: { ...pod.metadata, uid: `pod-${++this.uid}`, creationTimestamp: formatTime(this.clock.now()) },
          status: { phase: 'Pending' },
        });
      },
      updateStatefulPod: async (_set, pod) => {
        this.actions.push(`update ${pod.metadata!.name}`);
        this.pods.set(pod.metadata!.name!, pod);
      },
      deleteStatefulPod: async (_set, pod) => {
        this.actions.push(`delete ${pod.metadata!.name}`);
        const cur = this.pods.get(pod.metadata!.name!)!;
        this.pods.set(pod.metadata!.name!, {
          ...cur,
          metadata: { ...cur.metadata, deletionTimestamp: formatTime(this.clock.now()) },
        });
      },
      claimsMatchRetentionPolicy: async () => true,
      updatePodClaimForRetentionPolicy: async () => {},
      podClaimIsStale: async () => false,
      createMissingPersistentVolumeClaims: async () => {},
    };
    const history: ControllerHistoryInterface = {
      list: (parent) =>
        this.revisions.filter((r) => !controllerRefOf(r) || controllerRefOf(r)!.uid === parent.metadata?.uid),
      create: async (_parent, revision, collisions) => {
        const hash = hashControllerRevision(revisionRaw(revision), collisions.value);
        const created = {
          ...revision,
          metadata: { ...revision.metadata, name: `web-${hash}`, creationTimestamp: formatTime(this.clock.now()) },
        };
        this.actions.push(`revision ${created.revision}`);
        this.revisions.push(created);
        return created;
      },
      updateRevision: async (revision, n) => {
        this.actions.push(`renumber ${revision.revision}->${n}`);
        const updated = { ...revision, revision: n };
        this.revisions = this.revisions.map((r) => (r.metadata!.name === revision.metadata!.name ? updated : r));
        return updated;
      },
      delete: async (revision) => {
        this.actions.push(`drop revision ${revision.revision}`);
        this.revisions = this.revisions.filter((r) => r.metadata!.name !== revision.metadata!.name);
      },
      adopt: async (_p, _a, _k, r) => r,
      release: async (_p, r) => r,
    };
    this.control = new StatefulSetControl({
      podControl,
      history,
      updateStatus: async (_set, status: StatefulSetStatus) => {
        this.set = { ...this.set, status: structuredClone(status) };
      },
      clock: this.clock,
      log: nullLogger,
    });
  }

  /** One sync; returns (and clears) the recorded actions. */
  async sync(): Promise<string[]> {
    this.actions = [];
    await this.control.updateStatefulSet(this.set, [...this.pods.values()]);
    return this.actions.filter((a) => !a.startsWith('revision') && !a.startsWith('drop') && !a.startsWith('renumber'));
  }

  ready(...names: string[]): void {
    const now = formatTime(this.clock.now());
    for (const n of names) {
      const p = this.pods.get(n)!;
      this.pods.set(n, {
        ...p,
        status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] },
      });
    }
  }

  /** Terminating pods finish deleting. */
  reap(): void {
    for (const [n, p] of this.pods) if (p.metadata?.deletionTimestamp) this.pods.delete(n);
  }

  /** Reaps, then keeps syncing and readying new pods until nothing happens. */
  async settle(max = 50): Promise<void> {
    for (let i = 0; i < max; i++) {
      this.reap();
      const acted = await this.sync();
      const pending = [...this.pods.values()]
        .filter((p) => p.status?.phase === 'Pending')
        .map((p) => p.metadata!.name!);
      if (pending.length) this.ready(...pending);
      if (acted.length === 0 && pending.length === 0) return;
    }
    throw new Error('did not settle');
  }

  image(name: string): string | undefined {
    return this.pods.get(name)?.spec?.containers[0]?.image;
  }

  revisionOf(name: string): string | undefined {
    return this.pods.get(name)?.metadata?.labels?.['controller-revision-hash'];
  }

  setImage(image: string): void {
    const s = structuredClone(this.set);
    s.spec!.template!.spec!.containers[0]!.image = image;
    this.set = { ...s, metadata: { ...s.metadata, generation: (s.metadata?.generation ?? 0) + 1 } };
  }
}

test('OrderedReady creates one pod at a time, each after its predecessor is Running and Ready', async () => {
  const w = new World(3);
  assert.deepEqual(await w.sync(), ['create web-0']);
  assert.deepEqual(await w.sync(), [], 'web-0 is not ready yet');
  w.ready('web-0');
  assert.deepEqual(await w.sync(), ['create web-1']);
  w.ready('web-1');
  assert.deepEqual(await w.sync(), ['create web-2']);
  w.ready('web-2');
  assert.deepEqual(await w.sync(), []);
  const s = w.set.status!;
  assert.deepEqual(
    [s.replicas, s.readyReplicas, s.availableReplicas, s.currentReplicas, s.updatedReplicas, s.observedGeneration],
    [3, 3, 3, 3, 3, 1],
  );
  assert.equal(s.currentRevision, s.updateRevision);
  assert.equal(w.revisions.length, 1);
});

test('Parallel creates every pod in one pass and scales down without waiting', async () => {
  const w = new World(4, { podManagementPolicy: 'Parallel' });
  assert.deepEqual((await w.sync()).sort(), ['create web-0', 'create web-1', 'create web-2', 'create web-3']);
  w.set = { ...w.set, spec: { ...w.set.spec!, replicas: 1 } };
  assert.deepEqual((await w.sync()).sort(), ['delete web-1', 'delete web-2', 'delete web-3']);
});

test('OrderedReady scale-down deletes the highest ordinal first and waits for it to terminate', async () => {
  const w = new World(3);
  await w.settle();
  w.set = { ...w.set, spec: { ...w.set.spec!, replicas: 1 } };
  assert.deepEqual(await w.sync(), ['delete web-2']);
  assert.deepEqual(await w.sync(), [], 'waits for web-2 to terminate');
  w.reap();
  assert.deepEqual(await w.sync(), ['delete web-1']);
});

test('RollingUpdate replaces pods in reverse ordinal order, one at a time, stopping at the partition', async () => {
  const w = new World(3, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } });
  await w.settle();
  const oldRev = w.set.status!.currentRevision!;
  w.setImage('img:2');
  assert.deepEqual(await w.sync(), ['delete web-2']);
  const newRev = w.set.status!.updateRevision!;
  assert.notEqual(newRev, oldRev);
  w.reap();
  assert.deepEqual(await w.sync(), ['create web-2']);
  assert.equal(w.image('web-2'), 'img:2');
  assert.equal(w.revisionOf('web-2'), newRev);
  assert.deepEqual(await w.sync(), [], 'web-2 must be Ready before web-1 goes');
  w.ready('web-2');
  assert.deepEqual(await w.sync(), ['delete web-1']);
  await w.settle();
  assert.equal(w.image('web-0'), 'img:1', 'below the partition');
  assert.equal(w.image('web-1'), 'img:2');
  const s = w.set.status!;
  assert.deepEqual([s.currentRevision, s.updateRevision, s.currentReplicas, s.updatedReplicas], [oldRev, newRev, 1, 2]);

  w.set = {
    ...w.set,
    spec: { ...w.set.spec!, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } },
  };
  await w.settle();
  assert.equal(w.image('web-0'), 'img:2');
  const done = w.set.status!;
  assert.deepEqual(
    [done.currentRevision, done.updateRevision, done.currentReplicas, done.updatedReplicas],
    [newRev, newRev, 3, 3],
  );
});

test('rollingUpdate.maxUnavailable lets several pods be replaced at once', async () => {
  const w = new World(5, {
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 2 } },
  });
  await w.settle();
  w.setImage('img:2');
  assert.deepEqual(await w.sync(), ['delete web-4', 'delete web-3']);
  assert.deepEqual(await w.sync(), [], 'two unavailable: the budget is used');
  await w.settle();
  for (const i of [0, 1, 2, 3, 4]) assert.equal(w.image(`web-${i}`), 'img:2');
});

test('OnDelete never deletes for an update; a deleted pod comes back at the update revision', async () => {
  const w = new World(2, { updateStrategy: { type: 'OnDelete' } });
  await w.settle();
  w.setImage('img:2');
  assert.deepEqual(await w.sync(), []);
  const p = w.pods.get('web-1')!;
  w.pods.set('web-1', { ...p, metadata: { ...p.metadata, deletionTimestamp: formatTime(w.clock.now()) } });
  w.reap();
  assert.deepEqual(await w.sync(), ['create web-1']);
  assert.equal(w.image('web-1'), 'img:2');
  assert.equal(w.image('web-0'), 'img:1');
});

test('failed pods are deleted and recreated under the same name', async () => {
  const w = new World(2);
  await w.settle();
  const p = w.pods.get('web-0')!;
  w.pods.set('web-0', { ...p, status: { phase: 'Failed' } });
  assert.deepEqual(await w.sync(), ['delete web-0']);
  w.reap();
  assert.deepEqual(await w.sync(), ['create web-0']);
  assert.notEqual(w.pods.get('web-0')!.metadata!.uid, p.metadata!.uid);
});

test('minReadySeconds: the next pod waits until its predecessor has been Ready long enough', async () => {
  const w = new World(2, { minReadySeconds: 10 });
  await w.sync();
  w.ready('web-0');
  assert.deepEqual(await w.sync(), []);
  assert.equal(w.set.status!.availableReplicas, 0);
  await w.clock.advance(10_001);
  assert.deepEqual(await w.sync(), ['create web-1']);
  assert.equal(w.set.status!.availableReplicas, 1);
});

test('a rollback renumbers the earlier revision; history beyond the limit is pruned unless live', async () => {
  const w = new World(1, { revisionHistoryLimit: 1 });
  await w.settle();
  w.setImage('img:2');
  await w.settle();
  w.setImage('img:3');
  await w.settle();
  // The sync after completion sees revision 3 as current; the pruning happens there.
  await w.sync();
  // Revisions 1 (img:1, not live) and 2 (img:2, not live) exceed the limit of 1 non-live revision.
  assert.deepEqual(w.revisions.map((r) => r.revision).sort(), [2, 3]);
  w.setImage('img:2');
  w.actions = [];
  await w.control.updateStatefulSet(w.set, [...w.pods.values()]);
  assert.ok(w.actions.includes('renumber 2->4'), w.actions.join(', '));
  assert.ok(!w.actions.some((a) => a.startsWith('revision ')), 'no new revision');
  await w.settle();
  await w.sync();
  assert.equal(w.image('web-0'), 'img:2');
  assert.deepEqual(w.revisions.map((r) => r.revision).sort(), [3, 4]);
});

test('spec.ordinals.start shifts the ordinals; a set being deleted gets status only', async () => {
  const w = new World(2, { ordinals: { start: 5 } });
  await w.settle();
  assert.deepEqual([...w.pods.keys()].sort(), ['web-5', 'web-6']);
  w.set = {
    ...w.set,
    metadata: { ...w.set.metadata, deletionTimestamp: formatTime(w.clock.now()) },
    spec: { ...w.set.spec!, replicas: 0 },
  };
  assert.deepEqual(await w.sync(), []);
  assert.equal(w.set.status!.replicas, 2);
});
