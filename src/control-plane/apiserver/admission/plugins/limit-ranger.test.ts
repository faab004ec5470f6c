import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, LimitRange, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { LimitRanger } from './limit-ranger.js';
import { attrs, rejection } from './testing.js';

function ranger(...lrs: LimitRange[]) {
  return new LimitRanger({ listLimitRanges: (ns) => lrs.filter((l) => l.metadata?.namespace === ns) });
}

function lr(limits: NonNullable<LimitRange['spec']>['limits']): LimitRange {
  return { metadata: { name: 'limits', namespace: 'default' }, spec: { limits } };
}

function pod(containers: Container[], init?: Container[]): Pod {
  return { metadata: { name: 'web' }, spec: { containers, initContainers: init } };
}

test('defaults requests and limits from Container items and annotates the pod', async () => {
  const r = ranger(
    lr([{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m' } }]),
  );
  const p = pod(
    [
      { name: 'app', resources: { requests: { memory: '64Mi' } } },
      { name: 'side', resources: { limits: { cpu: '1' } } },
    ],
    [{ name: 'init' }],
  );
  const a = attrs({ resource: 'pods', object: p });
  assert.ok(r.handles(a));
  await r.admit(a);
  assert.deepEqual(p.spec!.containers[0]!.resources, {
    requests: { memory: '64Mi', cpu: '100m' },
    limits: { cpu: '500m', memory: '256Mi' },
  });
  // An explicit limit is kept; the unspecified request comes from defaultRequest.
  assert.deepEqual(p.spec!.containers[1]!.resources, {
    limits: { cpu: '1', memory: '256Mi' },
    requests: { cpu: '100m', memory: '256Mi' },
  });
  assert.equal(
    p.metadata!.annotations!['kubernetes.io/limit-ranger'],
    'LimitRanger plugin set: cpu request for container app; cpu, memory limit for container app; ' +
      'cpu, memory request for container side; memory limit for container side; ' +
      'cpu, memory request for init container init; cpu, memory limit for init container init',
  );
});

test('max implies the default limit and min the default request (LimitRange defaulting)', async () => {
  const p = pod([{ name: 'app' }]);
  await ranger(lr([{ type: 'Container', max: { cpu: '2' }, min: { memory: '10Mi' } }])).admit(
    attrs({ resource: 'pods', object: p }),
  );
  assert.deepEqual(p.spec!.containers[0]!.resources, { limits: { cpu: '2' }, requests: { memory: '10Mi', cpu: '2' } });
});

test('container and pod min/max/ratio violations use upstream messages', async () => {
  const cases: { limits: NonNullable<LimitRange['spec']>['limits']; pod: Pod; message: string }[] = [
    {
      limits: [{ type: 'Container', max: { cpu: '1' } }],
      pod: pod([{ name: 'app', resources: { limits: { cpu: '2' }, requests: { cpu: '2' } } }]),
      // One message per constraint: the limit is reported before the request.
      message: 'pods "web" is forbidden: maximum cpu usage per Container is 1, but limit is 2',
    },
    {
      limits: [{ type: 'Container', min: { memory: '100Mi' } }],
      pod: pod([{ name: 'app', resources: { requests: { memory: '50Mi' } } }]),
      message: 'pods "web" is forbidden: minimum memory usage per Container is 100Mi, but request is 50Mi',
    },
    {
      limits: [{ type: 'Container', min: { memory: '100Mi' } }],
      pod: pod([{ name: 'app' }]),
      message: 'pods "web" is forbidden: minimum memory usage per Container is 100Mi.  No request is specified',
    },
    {
      limits: [{ type: 'Container', maxLimitRequestRatio: { cpu: '2' } }],
      pod: pod([{ name: 'app', resources: { requests: { cpu: '250m' }, limits: { cpu: '1' } } }]),
      message:
        'pods "web" is forbidden: cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000',
    },
    {
      limits: [{ type: 'Pod', max: { memory: '1Gi' } }],
      pod: pod([
        { name: 'a', resources: { requests: { memory: '600Mi' }, limits: { memory: '600Mi' } } },
        { name: 'b', resources: { requests: { memory: '600Mi' }, limits: { memory: '600Mi' } } },
      ]),
      message: 'pods "web" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1200Mi',
    },
    {
      limits: [{ type: 'Container', max: { cpu: '1' }, min: { cpu: '500m' } }],
      pod: pod([
        { name: 'a', resources: { requests: { cpu: '100m' }, limits: { cpu: '1' } } },
        { name: 'b', resources: { requests: { cpu: '1' }, limits: { cpu: '3' } } },
      ]),
      message:
        'pods "web" is forbidden: [minimum cpu usage per Container is 500m, but request is 100m, maximum cpu usage per Container is 1, but limit is 3]',
    },
  ];
  for (const c of cases) {
    const e = await rejection(() => ranger(lr(c.limits)).validate(attrs({ resource: 'pods', object: c.pod })));
    assert.equal(e.code, 403);
    assert.equal(e.message, c.message);
  }
});

test('pod limits count sidecars and the largest init container', async () => {
  const p = pod(
    [{ name: 'app', resources: { requests: { cpu: '1' }, limits: { cpu: '1' } } }],
    [
      { name: 'side', restartPolicy: 'Always', resources: { requests: { cpu: '1' }, limits: { cpu: '1' } } },
      { name: 'setup', resources: { requests: { cpu: '3' }, limits: { cpu: '3' } } },
    ],
  );
  // app + side = 2; setup while side runs = 4 -> pod total 4.
  const e = await rejection(() =>
    ranger(lr([{ type: 'Pod', max: { cpu: '3500m' } }])).validate(attrs({ resource: 'pods', object: p })),
  );
  assert.equal(e.message, 'pods "web" is forbidden: maximum cpu usage per Pod is 3500m, but limit is 4');
  await ranger(lr([{ type: 'Pod', max: { cpu: '4' } }])).validate(attrs({ resource: 'pods', object: p }));
});

test('PVC storage min and max apply to requests', async () => {
  const claim = (storage: string): PersistentVolumeClaim => ({
    metadata: { name: 'data' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
  });
  const r = ranger(lr([{ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '10Gi' } }]));
  await r.validate(attrs({ resource: 'persistentvolumeclaims', object: claim('5Gi') }));
  const big = await rejection(() => r.validate(attrs({ resource: 'persistentvolumeclaims', object: claim('20Gi') })));
  assert.equal(
    big.message,
    'persistentvolumeclaims "data" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi',
  );
  const small = await rejection(() =>
    r.validate(attrs({ resource: 'persistentvolumeclaims', object: claim('100Mi') })),
  );
  assert.equal(
    small.message,
    'persistentvolumeclaims "data" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 100Mi',
  );
});

test('pod updates, subresources and terminating objects are not checked', async () => {
  const r = ranger(lr([{ type: 'Container', max: { cpu: '1' } }]));
  const big = pod([{ name: 'app', resources: { limits: { cpu: '5' } } }]);
  assert.equal(r.handles(attrs({ resource: 'pods', operation: 'UPDATE', object: big, oldObject: big })), false);
  assert.equal(r.handles(attrs({ resource: 'pods', subresource: 'status', operation: 'UPDATE', object: big })), false);
  const claimObj = { metadata: { name: 'c' }, spec: { resources: { requests: { storage: '1Gi' } } } };
  const deleting = { metadata: { name: 'c', deletionTimestamp: '2026-01-01T00:00:00Z' }, spec: {} };
  await ranger(lr([{ type: 'PersistentVolumeClaim', max: { storage: '1Mi' } }])).validate(
    attrs({ resource: 'persistentvolumeclaims', operation: 'UPDATE', object: claimObj, oldObject: deleting }),
  );
});
