import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerPort } from 'kubernetes-types/core/v1.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { runFilter, testHandle } from '../../testing/framework.js';
import { ErrReason, newNodePorts } from './node-ports.js';

const withPorts = (name: string, ports: ContainerPort[], nodeName?: string) =>
  makePod(name, { nodeName, containers: [{ name: 'c', image: 'x', ports }] });

test('NodePorts Filter (upstream TestNodePorts)', async (t) => {
  const cases: { name: string; want: ContainerPort[]; used: ContainerPort[]; fits: boolean }[] = [
    { name: 'nothing running', want: [{ containerPort: 80, hostPort: 8080 }], used: [], fits: true },
    {
      name: 'same port and protocol',
      want: [{ containerPort: 80, hostPort: 8080 }],
      used: [{ containerPort: 80, hostPort: 8080 }],
      fits: false,
    },
    {
      name: 'other protocol',
      want: [{ containerPort: 80, hostPort: 8080, protocol: 'UDP' }],
      used: [{ containerPort: 80, hostPort: 8080 }],
      fits: true,
    },
    {
      name: 'different host IPs',
      want: [{ containerPort: 80, hostPort: 8080, hostIP: '127.0.0.1' }],
      used: [{ containerPort: 80, hostPort: 8080, hostIP: '127.0.0.2' }],
      fits: true,
    },
    {
      name: '0.0.0.0 conflicts with a specific IP',
      want: [{ containerPort: 80, hostPort: 8080 }],
      used: [{ containerPort: 80, hostPort: 8080, hostIP: '127.0.0.1' }],
      fits: false,
    },
    {
      name: 'a specific IP conflicts with 0.0.0.0',
      want: [{ containerPort: 80, hostPort: 8080, hostIP: '10.0.0.1' }],
      used: [{ containerPort: 80, hostPort: 8080, hostIP: '0.0.0.0' }],
      fits: false,
    },
    {
      name: 'container ports without hostPort are ignored',
      want: [{ containerPort: 8080 }],
      used: [{ containerPort: 8080, hostPort: 8080 }],
      fits: true,
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const { handle, snapshot } = testHandle({ nodes: [makeNode('n')], pods: [withPorts('e', c.used, 'n')] });
      const s = runFilter(newNodePorts(), withPorts('p', c.want), snapshot.get('n')!);
      assert.equal(s === null, c.fits);
      if (s) assert.equal(s.message(), ErrReason);
      void handle;
    });
  }
});

test('sidecar host ports count, plain init container ports do not', () => {
  const e = makePod('e', {
    nodeName: 'n',
    initContainers: [
      { name: 'init', image: 'x', ports: [{ containerPort: 1, hostPort: 9001 }] },
      { name: 'side', image: 'x', restartPolicy: 'Always', ports: [{ containerPort: 1, hostPort: 9002 }] },
    ],
  });
  const { snapshot } = testHandle({ nodes: [makeNode('n')], pods: [e] });
  assert.deepEqual(snapshot.get('n')!.usedPorts.entries(), ['0.0.0.0/TCP/9002']);
});
