import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChangeTracker } from './change-tracker.js';
import { service, slice } from './testing/objects.js';

const keys = (t: ChangeTracker) => t.drain().map((c) => c.key);

test('drain reports exactly the ports whose rules change', () => {
  const t = new ChangeTracker('node-1');
  t.onServiceUpsert(service('a', { clusterIP: '10.43.0.1' }));
  t.onServiceUpsert(service('b', { clusterIP: '10.43.0.2' }));
  t.onSliceUpsert(slice('a', [{ ip: '10.0.0.1' }]));
  assert.equal(t.pending, true);
  const first = t.drain();
  assert.deepEqual(
    first.map((c) => [c.key, c.previous, c.current?.endpoints.length]),
    [
      ['ns/a:http/TCP', undefined, 1],
      ['ns/b:http/TCP', undefined, 0],
    ],
  );
  assert.equal(t.pending, false);
  assert.equal(t.state.servicePorts.size, 2);

  // An identical update (a resync, a status-only change) is not a change.
  t.onServiceUpsert(service('a', { clusterIP: '10.43.0.1' }));
  t.onSliceUpsert(slice('a', [{ ip: '10.0.0.1' }]));
  assert.deepEqual(keys(t), []);

  // One endpoint change touches one port, and says what it was before.
  t.onSliceUpsert(slice('a', [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }]));
  const [c] = t.drain();
  assert.equal(c!.key, 'ns/a:http/TCP');
  assert.deepEqual(
    c!.previous!.endpoints.map((e) => e.ip),
    ['10.0.0.1'],
  );
  assert.deepEqual(
    c!.current!.endpoints.map((e) => e.ip),
    ['10.0.0.1', '10.0.0.2'],
  );
  assert.equal(c!.current!.sp, c!.previous!.sp, 'unchanged port info is kept by reference');
  assert.equal(t.state.endpoints.get('ns/a:http/TCP')!.length, 2);
});

test('port removal, renames and deletion of the Service', () => {
  const t = new ChangeTracker('node-1');
  t.onServiceUpsert(
    service('a', {
      ports: [
        { name: 'http', port: 80 },
        { name: 'https', port: 443 },
      ],
    }),
  );
  t.onSliceUpsert(slice('a', [{ ip: '10.0.0.1' }]));
  assert.deepEqual(keys(t), ['ns/a:http/TCP', 'ns/a:https/TCP']);
  t.onServiceUpsert(service('a', { ports: [{ name: 'https', port: 8443 }] }));
  const changes = t.drain();
  assert.deepEqual(
    changes.map((c) => [c.key, Boolean(c.previous), Boolean(c.current)]),
    [
      ['ns/a:https/TCP', true, true],
      ['ns/a:http/TCP', true, false],
    ],
  );
  assert.deepEqual([...t.state.servicePorts.keys()], ['ns/a:https/TCP']);
  assert.equal(t.state.endpoints.has('ns/a:http/TCP'), false);
  t.onServiceDelete(service('a'));
  assert.deepEqual(
    t.drain().map((c) => [c.key, Boolean(c.current)]),
    [['ns/a:https/TCP', false]],
  );
  assert.equal(t.state.servicePorts.size, 0);
  // Slices of a Service that does not exist produce nothing until it appears.
  t.onSliceUpsert(slice('later', [{ ip: '10.0.0.9' }]));
  assert.deepEqual(keys(t), []);
  t.onServiceUpsert(service('later'));
  const [added] = t.drain();
  assert.deepEqual(
    added!.current!.endpoints.map((e) => e.ip),
    ['10.0.0.9'],
  );
});
