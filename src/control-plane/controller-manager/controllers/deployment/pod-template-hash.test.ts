import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { dumpForHash, type GoType } from './go-dump.js';
import { goQuantity } from './go-quantity.js';
import { quantityType } from './go-type-kit.js';
import { computeHash, equalIgnoreHash, fnv32a, safeEncodeString, templateDump } from './pod-template-hash.js';

test('fnv32a matches the FNV-1a reference vectors', () => {
  for (const [input, want] of [
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ] as const) {
    assert.equal(fnv32a(Buffer.from(input)), want, input);
  }
});

test('safeEncodeString maps characters onto the vowel-free alphabet', () => {
  assert.equal(safeEncodeString('1234567890'), '56789bcdf4');
  assert.equal(safeEncodeString(''), '');
});

const str: GoType = { k: 'string', name: 'string' };
const i64: GoType = { k: 'int', name: 'int64' };
const sample: GoType = {
  k: 'struct',
  name: 'v1.Sample',
  fields: () => [
    ['Name', 'name', str],
    ['Count', 'count', { k: 'ptr', elem: i64 }],
    ['Missing', 'missing', { k: 'ptr', elem: i64 }],
    ['Labels', 'labels', { k: 'map', key: str, elem: str }],
    ['Items', 'items', { k: 'slice', elem: str }],
    ['Empty', 'empty', { k: 'slice', elem: str }],
    ['Ptrs', 'ptrs', { k: 'slice', elem: { k: 'ptr', elem: i64 } }],
  ],
};

test('dump follows go-spew %#v: types, raw strings, <nil>, sorted maps, untyped elements', () => {
  const out = dumpForHash(sample, {
    name: 'web',
    count: 30,
    labels: { b: '2', a: '1' },
    items: ['x', 'y'],
    empty: [],
    ptrs: [1, null],
  });
  assert.equal(
    out,
    '(v1.Sample){Name:(string)web Count:(*int64)30 Missing:(*int64)<nil> Labels:(map[string]string)map[a:1 b:2] ' +
      'Items:([]string)[x y] Empty:([]string)<nil> Ptrs:([]*int64)[<*>1 <nil>]}',
  );
});

test('quantities decode into resource.Quantity fields as the int64 fast path leaves them', () => {
  const cases: [unknown, { value: bigint; scale: number; s: string; format: string }][] = [
    ['500m', { value: 500n, scale: -3, s: '500m', format: 'DecimalSI' }],
    ['1Gi', { value: 1073741824n, scale: 0, s: '1Gi', format: 'BinarySI' }],
    ['8Mi', { value: 8388608n, scale: 0, s: '', format: 'BinarySI' }],
    ['1000m', { value: 1n, scale: 0, s: '1', format: 'DecimalSI' }],
    ['1000', { value: 1n, scale: 3, s: '1k', format: 'DecimalSI' }],
    ['0', { value: 0n, scale: 0, s: '0', format: 'DecimalSI' }],
    [2, { value: 2n, scale: 0, s: '2', format: 'DecimalSI' }],
  ];
  for (const [input, want] of cases) {
    const q = goQuantity(input)!;
    assert.deepEqual({ value: q.i.value, scale: q.i.scale, s: q.s, format: q.format }, want, String(input));
    assert.equal(q.d, undefined);
  }
  assert.equal(
    dumpForHash(quantityType, '500m'),
    '(resource.Quantity){i:(resource.int64Amount){value:(int64)500 scale:(resource.Scale)-3} ' +
      'd:(resource.infDecAmount){Dec:(*inf.Dec)<nil>} s:(string)500m Format:(resource.Format)DecimalSI}',
  );
});

const template = (image: string, extra: Partial<PodTemplateSpec['spec']> = {}): PodTemplateSpec => ({
  metadata: { labels: { app: 'web' } },
  spec: {
    containers: [
      {
        name: 'nginx',
        image,
        resources: { limits: { cpu: '500m' } },
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        imagePullPolicy: 'IfNotPresent',
      },
    ],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    securityContext: {},
    schedulerName: 'default-scheduler',
    ...extra,
  },
});

test('template dump lays out PodTemplateSpec in v1.32 field order', () => {
  const d = templateDump(template('nginx:1.25'));
  assert.ok(
    d.startsWith(
      '(v1.PodTemplateSpec){ObjectMeta:(v1.ObjectMeta){Name:(string) GenerateName:(string) Namespace:(string) ',
    ),
  );
  assert.ok(
    d.includes(
      'CreationTimestamp:(v1.Time){Time:(time.Time){wall:(uint64)0 ext:(int64)0 loc:(*time.Location)<nil>}} DeletionTimestamp:(*v1.Time)<nil>',
    ),
  );
  assert.ok(d.includes('Labels:(map[string]string)map[app:web] Annotations:(map[string]string)map[]'));
  assert.ok(
    d.includes('Containers:([]v1.Container)[{Name:(string)nginx Image:(string)nginx:1.25 Command:([]string)<nil>'),
  );
  assert.ok(
    d.includes('Limits:(v1.ResourceList)map[cpu:{i:(resource.int64Amount){value:(int64)500 scale:(resource.Scale)-3}'),
  );
  assert.ok(
    d.includes(
      'TerminationGracePeriodSeconds:(*int64)30 ActiveDeadlineSeconds:(*int64)<nil> DNSPolicy:(v1.DNSPolicy)ClusterFirst',
    ),
  );
  assert.ok(d.includes('SecurityContext:(*v1.PodSecurityContext){SELinuxOptions:(*v1.SELinuxOptions)<nil>'));
  assert.ok(
    d.endsWith(
      'SchedulingGates:([]v1.PodSchedulingGate)<nil> ResourceClaims:([]v1.PodResourceClaim)<nil> Resources:(*v1.ResourceRequirements)<nil>}}',
    ),
  );
});

test('computeHash is stable, template-sensitive and salted by the collision count', () => {
  const a = computeHash(template('nginx:1.25'));
  assert.match(a, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  assert.equal(computeHash(template('nginx:1.25')), a);
  assert.notEqual(computeHash(template('nginx:1.26')), a);
  assert.notEqual(computeHash(template('nginx:1.25'), 1), a);
  assert.equal(computeHash(template('nginx:1.25'), null), a);
  // Semantically equal inputs hash alike: empty lists are nil, quantities compare by value.
  assert.equal(computeHash(template('nginx:1.25', { volumes: [] })), a);
  const t = template('nginx:1.25');
  t.spec!.containers[0]!.resources = { limits: { cpu: '0.5' } };
  assert.equal(computeHash(t), a);
});

test('regression pin: the hash of a defaulted nginx template', () => {
  // Pinned from this implementation (no upstream cluster to compare with here): a change
  // means every existing ReplicaSet name would change, so it must be deliberate.
  const t: PodTemplateSpec = {
    metadata: { labels: { app: 'web' } },
    spec: {
      containers: [
        {
          name: 'nginx',
          image: 'nginx:1.14.2',
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          resources: { limits: { cpu: '500m', memory: '1Gi' } },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      securityContext: {},
      schedulerName: 'default-scheduler',
    },
  };
  assert.equal(computeHash(t), '5b849bb57f');
  assert.equal(computeHash(t, 1), '6c97dddf98');
});

test('templates using unmodeled volume plugins still hash deterministically', () => {
  const t = template('nginx:1.25', { volumes: [{ name: 'd', rbd: { image: 'i', monitors: ['m'] } }] });
  assert.ok(templateDump(t).startsWith('kubets-json:'));
  assert.equal(computeHash(t), computeHash(structuredClone(t)));
});

// Templates are compared by a cached key per object: inputs are immutable (informer objects).
test('equalIgnoreHash ignores only the pod-template-hash label', () => {
  const a = template('nginx:1.25');
  const b = structuredClone(a);
  b.metadata!.labels!['pod-template-hash'] = 'abc';
  assert.equal(equalIgnoreHash(a, b), true);
  const c = structuredClone(b);
  c.metadata!.labels!.extra = 'x';
  assert.equal(equalIgnoreHash(a, c), false);
  assert.equal(equalIgnoreHash(a, template('nginx:1.26')), false);
});
