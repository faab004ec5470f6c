import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageTag } from './image-reference.js';

const digest = `sha256:${'a'.repeat(64)}`;

test('imageTag follows ParseImageName', () => {
  const cases: [unknown, string][] = [
    ['nginx', 'latest'],
    ['nginx:latest', 'latest'],
    ['nginx:1.25', '1.25'],
    ['library/nginx:1.25-alpine', '1.25-alpine'],
    [`nginx@${digest}`, ''],
    [`nginx:latest@${digest}`, 'latest'],
    [`nginx:1.2@${digest}`, '1.2'],
    ['localhost:5000/app', 'latest'],
    ['localhost:5000/app:v1', 'v1'],
    ['localhost/app:v1', 'v1'],
    ['registry.example.com/team/app', 'latest'],
    ['registry.example.com:443/team/sub/app:2', '2'],
    ['MyRegistry.io/app', 'latest'],
    ['[::1]:5000/app:dev', 'dev'],
    ['docker.io/library/busybox', 'latest'],
    ['index.docker.io/busybox:1', '1'],
    ['busybox:LATEST', 'LATEST'],
    ['my_app__x/a-b.c:t', 't'],
    // Not parseable: upstream ignores the error and sees no tag.
    ['Nginx', ''],
    ['nginx:', ''],
    ['', ''],
    [' nginx', ''],
    ['nginx:tag with space', ''],
    ['a'.repeat(64).replace(/a/g, 'f'), ''],
    [`nginx@sha256:short`, ''],
    [`${'a'.repeat(260)}`, ''],
    [undefined, ''],
    [42, ''],
  ];
  for (const [image, want] of cases) assert.equal(imageTag(image), want, String(image));
});
