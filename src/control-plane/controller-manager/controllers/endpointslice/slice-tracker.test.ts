import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { SliceTracker } from './slice-tracker.js';

const slice = (name: string, rv: string): EndpointSlice => ({
  metadata: { name, resourceVersion: rv },
  addressType: 'IPv4',
  endpoints: [],
});

test('the cache is stale until it holds our writes and misses our deletes', () => {
  const t = new SliceTracker();
  assert.equal(t.stale('ns/web', []), false);
  t.expect('ns/web', slice('a', '10'));
  assert.equal(t.stale('ns/web', []), true, 'a created slice is missing');
  assert.equal(t.stale('ns/web', [slice('a', '9')]), true, 'an older version is cached');
  assert.equal(t.stale('ns/web', [slice('a', '11')]), false);
  assert.equal(t.stale('ns/web', []), false, 'caught-up entries are forgotten');
  t.expect('ns/web', slice('b', '12'), true);
  assert.equal(t.stale('ns/web', [slice('b', '12')]), true, 'a deleted slice is still cached');
  t.observeDelete('ns/web', 'b');
  assert.equal(t.stale('ns/web', [slice('b', '12')]), false);
});
