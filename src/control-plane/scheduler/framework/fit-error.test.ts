import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FitError, fitErrorMessage, newDiagnosis } from './fit-error.js';
import { NodeToStatus } from './node-to-status.js';
import { Code, Status } from './status.js';

const U = (...r: string[]) => new Status(Code.Unschedulable, r);
const UU = (...r: string[]) => new Status(Code.UnschedulableAndUnresolvable, r);

test('FitError message: upstream format', async (t) => {
  const cases: {
    name: string;
    numNodes: number;
    statuses?: Record<string, Status>;
    absent?: Status;
    preFilterMsg?: string;
    postFilterMsg?: string;
    want: string;
  }[] = [
    {
      name: 'reasons counted and sorted as strings',
      numNodes: 3,
      statuses: {
        n1: U('Insufficient cpu'),
        n2: UU('node(s) had untolerated taint {k: v}'),
        n3: UU('node(s) had untolerated taint {k: v}'),
      },
      want: '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {k: v}.',
    },
    {
      name: 'several reasons of one node count separately',
      numNodes: 2,
      statuses: { n1: U('Insufficient cpu', 'Insufficient memory'), n2: U('Insufficient cpu') },
      want: '0/2 nodes are available: 1 Insufficient memory, 2 Insufficient cpu.',
    },
    {
      name: 'string sort puts 10 before 2',
      numNodes: 12,
      statuses: Object.fromEntries([
        ...Array.from({ length: 10 }, (_, i) => [`a${i}`, U('b')]),
        ['x', U('a')],
        ['y', U('a')],
      ]),
      want: '0/12 nodes are available: 10 b, 2 a.',
    },
    {
      name: 'absent nodes take the absent status reasons',
      numNodes: 5,
      statuses: { n1: U('Insufficient cpu') },
      absent: UU("node(s) didn't satisfy plugin(s) [NodeAffinity]"),
      want: "0/5 nodes are available: 1 Insufficient cpu, 4 node(s) didn't satisfy plugin(s) [NodeAffinity].",
    },
    {
      name: 'PreFilter message replaces the histogram',
      numNodes: 3,
      statuses: { n1: U('ignored') },
      preFilterMsg: 'pod has unbound immediate PersistentVolumeClaims',
      postFilterMsg: 'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
      want: '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    },
    {
      name: 'PostFilter message appended after a space, no extra period',
      numNodes: 3,
      statuses: {
        n1: U('Insufficient cpu'),
        n2: UU('node(s) had untolerated taint {k: v}'),
        n3: UU('node(s) had untolerated taint {k: v}'),
      },
      postFilterMsg:
        'preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.',
      want: '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {k: v}. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.',
    },
    {
      name: 'a status without reasons contributes nothing',
      numNodes: 1,
      statuses: { n1: new Status(Code.Unschedulable) },
      want: '0/1 nodes are available:',
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const m = new NodeToStatus(c.absent);
      for (const [n, s] of Object.entries(c.statuses ?? {})) m.set(n, s);
      const d = newDiagnosis(m);
      d.preFilterMsg = c.preFilterMsg ?? '';
      d.postFilterMsg = c.postFilterMsg ?? '';
      assert.equal(fitErrorMessage(c.numNodes, d), c.want);
      assert.equal(new FitError('ns/p', c.numNodes, d).message, c.want);
    });
  }
});

test('FitError message follows later diagnosis changes (PostFilter runs after the error is built)', () => {
  const m = new NodeToStatus();
  m.set('n1', U('Insufficient cpu'));
  const err = new FitError('default/p', 1, newDiagnosis(m));
  err.diagnosis.postFilterMsg = 'preemption: not eligible due to preemptionPolicy=Never.';
  assert.equal(
    err.message,
    '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.',
  );
  assert.ok(err instanceof Error);
});
