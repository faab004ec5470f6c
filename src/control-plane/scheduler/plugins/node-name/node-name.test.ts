import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod } from '../../testing/builders.js';
import { runFilter, testHandle } from '../../testing/framework.js';
import { newNodeName } from './node-name.js';

test('NodeName Filter', () => {
  const { snapshot } = testHandle({ nodes: [makeNode('a'), makeNode('b')] });
  const pod = makePod('p');
  pod.spec!.nodeName = 'a';
  assert.equal(runFilter(newNodeName(), pod, snapshot.get('a')!), null);
  assert.equal(
    runFilter(newNodeName(), pod, snapshot.get('b')!)?.message(),
    "node(s) didn't match the requested node name",
  );
  assert.equal(runFilter(newNodeName(), makePod('q'), snapshot.get('b')!), null);
});
