import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Affinity, Namespace, PodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { Code } from '../../framework/status.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { runFilter, runScore, testHandle } from '../../testing/framework.js';
import { newInterPodAffinity } from './inter-pod-affinity.js';

const term = (
  labels: Record<string, string>,
  topologyKey: string,
  extra: Partial<PodAffinityTerm> = {},
): PodAffinityTerm => ({
  labelSelector: { matchLabels: labels },
  topologyKey,
  ...extra,
});
const zone = 'topology.kubernetes.io/zone';
const host = 'kubernetes.io/hostname';
const nodes = () => [makeNode('a', { zone: 'z1' }), makeNode('b', { zone: 'z1' }), makeNode('c', { zone: 'z2' })];

function filterAll(
  pods: ReturnType<typeof makePod>[],
  pod: ReturnType<typeof makePod>,
  listers = {},
): Record<string, string | null> {
  const { handle, snapshot } = testHandle({ nodes: nodes(), pods, listers });
  const pl = newInterPodAffinity({}, handle);
  const out: Record<string, string | null> = {};
  for (const ni of snapshot.list()) out[ni.name] = runFilter(pl, pod, ni, snapshot.list())?.message() ?? null;
  return out;
}

const AFF = "node(s) didn't match pod affinity rules";
const ANTI = "node(s) didn't match pod anti-affinity rules";
const EXISTING = "node(s) didn't satisfy existing pods anti-affinity rules";

test('InterPodAffinity Filter (upstream TestRequiredAffinitySingleNode / MultipleNodes shapes)', async (t) => {
  const db = makePod('db', { nodeName: 'a', labels: { app: 'db' } });
  await t.test("required affinity by zone: nodes in the matching pod's zone", () => {
    const pod = makePod('p', {
      affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, zone)] } },
    });
    assert.deepEqual(filterAll([db], pod), { a: null, c: AFF, b: null });
  });
  await t.test('required affinity with no matching pod anywhere: unschedulable (and unresolvable)', () => {
    const pod = makePod('p', {
      affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'cache' }, zone)] } },
    });
    const { handle, snapshot } = testHandle({ nodes: nodes(), pods: [db] });
    const s = runFilter(newInterPodAffinity({}, handle), pod, snapshot.get('a')!, snapshot.list());
    assert.equal(s?.message(), AFF);
    assert.equal(s?.code, Code.UnschedulableAndUnresolvable);
  });
  await t.test('the first pod of a self-affine group may go anywhere', () => {
    const pod = makePod('p', {
      labels: { app: 'web' },
      affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, zone)] } },
    });
    assert.deepEqual(filterAll([db], pod), { a: null, c: null, b: null });
  });
  await t.test('required anti-affinity by host', () => {
    const pod = makePod('p', {
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, host)] } },
    });
    const r = filterAll([db], pod);
    assert.deepEqual(r, { a: ANTI, c: null, b: null });
  });
  await t.test("an existing pod's anti-affinity keeps matching pods out of its domain", () => {
    const guard = makePod('guard', {
      nodeName: 'c',
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, zone)] } },
    });
    assert.deepEqual(filterAll([guard], makePod('p', { labels: { app: 'web' } })), { a: null, c: EXISTING, b: null });
    assert.deepEqual(filterAll([guard], makePod('q', { labels: { app: 'other' } })), { a: null, c: null, b: null });
  });
  await t.test('terms only look at their namespaces', () => {
    const other = makePod('db', { nodeName: 'a', labels: { app: 'db' }, namespace: 'other' });
    const pod = makePod('p', {
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, host)] } },
    });
    assert.deepEqual(filterAll([other], pod), { a: null, c: null, b: null });
    const listed = makePod('p2', {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, host, { namespaces: ['other'] })],
        },
      },
    });
    assert.equal(filterAll([other], listed).a, ANTI);
  });
  await t.test('namespaceSelector selects namespaces by label', () => {
    const ns: Namespace[] = [
      { metadata: { name: 'other', labels: { team: 'x' } } },
      { metadata: { name: 'default', labels: {} } },
    ];
    const listers = { namespaces: { get: (n: string) => ns.find((x) => x.metadata?.name === n), list: () => ns } };
    const other = makePod('db', { nodeName: 'a', labels: { app: 'db' }, namespace: 'other' });
    const a: Affinity = {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          term({ app: 'db' }, host, { namespaceSelector: { matchLabels: { team: 'x' } } }),
        ],
      },
    };
    assert.equal(filterAll([other], makePod('p', { affinity: a }), listers).a, ANTI);
    const all: Affinity = {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, host, { namespaceSelector: {} })],
      },
    };
    assert.equal(
      filterAll([other], makePod('p', { affinity: all }), listers).a,
      ANTI,
      'an empty namespaceSelector selects all namespaces',
    );
  });
  await t.test('affinity terms must all match one pod', () => {
    const web = makePod('web', { nodeName: 'c', labels: { app: 'web' } });
    const pod = makePod('p', {
      affinity: {
        podAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, zone), term({ app: 'web' }, zone)],
        },
      },
    });
    assert.deepEqual(filterAll([db, web], pod), { a: AFF, c: AFF, b: AFF });
  });
});

test("InterPodAffinity Score: preferred terms and existing pods' terms", async (t) => {
  await t.test('preferred affinity towards a zone', () => {
    const { handle, snapshot } = testHandle({
      nodes: nodes(),
      pods: [makePod('db', { nodeName: 'c', labels: { app: 'db' } })],
    });
    const pod = makePod('p', {
      affinity: {
        podAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: term({ app: 'db' }, zone) }],
        },
      },
    });
    assert.deepEqual(runScore(newInterPodAffinity({}, handle), pod, snapshot.list()), [0, 100, 0]);
  });
  await t.test('preferred anti-affinity away from a host', () => {
    const { handle, snapshot } = testHandle({
      nodes: nodes(),
      pods: [makePod('db', { nodeName: 'a', labels: { app: 'db' } })],
    });
    const pod = makePod('p', {
      affinity: {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: term({ app: 'db' }, host) }],
        },
      },
    });
    assert.deepEqual(runScore(newInterPodAffinity({}, handle), pod, snapshot.list()), [0, 100, 100]);
  });
  await t.test("existing pods' required affinity counts at hardPodAffinityWeight", () => {
    const existing = makePod('e', {
      nodeName: 'b',
      affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, host)] } },
    });
    const { handle, snapshot } = testHandle({ nodes: nodes(), pods: [existing] });
    assert.deepEqual(
      runScore(newInterPodAffinity({}, handle), makePod('p', { labels: { app: 'web' } }), snapshot.list()),
      [0, 0, 100],
    );
    assert.deepEqual(
      runScore(
        newInterPodAffinity({ hardPodAffinityWeight: 0 }, handle),
        makePod('p', { labels: { app: 'web' } }),
        snapshot.list(),
      ),
      [0, 0, 0],
    );
  });
  await t.test('nothing relevant: skipped', () => {
    const { handle, snapshot } = testHandle({ nodes: nodes(), pods: [makePod('x', { nodeName: 'a' })] });
    assert.deepEqual(runScore(newInterPodAffinity({}, handle), makePod('p'), snapshot.list()), [0, 0, 0]);
  });
});
