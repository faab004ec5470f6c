import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod } from '../../testing/builders.js';
import { runScore, testHandle } from '../../testing/framework.js';
import { newImageLocality, normalizedImageName } from './image-locality.js';

const mb = 1024 * 1024;

test('normalized image names get :latest', () => {
  assert.equal(normalizedImageName('nginx'), 'nginx:latest');
  assert.equal(normalizedImageName('registry:5000/nginx'), 'registry:5000/nginx:latest');
  assert.equal(normalizedImageName('nginx:1.25'), 'nginx:1.25');
});

test('ImageLocality Score (upstream TestImageLocalityPriority shapes)', () => {
  const nodes = [
    makeNode('n1', { images: [{ names: ['gcr.io/40:latest'], sizeBytes: 40 * mb }] }),
    makeNode('n2', { images: [{ names: ['gcr.io/300:latest', 'gcr.io/300:v1'], sizeBytes: 300 * mb }] }),
    makeNode('n3'),
  ];
  const { handle, snapshot } = testHandle({ nodes });
  const pod = makePod('p', {
    containers: [
      { name: 'a', image: 'gcr.io/40' },
      { name: 'b', image: 'gcr.io/300' },
    ],
  });
  // n1: 40MB * 1/3 < 23MB -> 0; n2: 300MB / 3 = 100MB -> 100 * (100-23) / (2000-23) = 3
  assert.deepEqual(runScore(newImageLocality(undefined, handle), pod, snapshot.list()), [0, 3, 0]);
  const big = makePod('q', { containers: [{ name: 'a', image: 'gcr.io/300:v1' }] });
  // one container: 100MB -> 100 * 77 / 977 = 7
  assert.deepEqual(runScore(newImageLocality(undefined, handle), big, snapshot.list()), [0, 7, 0]);
});
