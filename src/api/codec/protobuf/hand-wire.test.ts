import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../errors/status-error.js';
import { decodeProtobuf } from './envelope.js';

/*
 * Bodies built byte by byte from upstream field numbers with helpers that share
 * nothing with the codec's writer, so encoder and decoder cannot hide a common
 * mistake. Each expectation is the JSON Go would print for the same struct.
 */
type Bytes = number[];
const varint = (n: number): Bytes => {
  const out: Bytes = [];
  while (n > 127) {
    out.push((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
};
const text = (s: string): Bytes => [...Buffer.from(s, 'utf8')];
/** A length-delimited field. */
const ld = (num: number, ...payload: (Bytes | string)[]): Bytes => {
  const body = payload.flatMap((p) => (typeof p === 'string' ? text(p) : p));
  return [...varint((num << 3) | 2), ...varint(body.length), ...body];
};
/** A varint field (non-negative values). */
const vi = (num: number, n: number): Bytes => [...varint(num << 3), ...varint(n)];
/** A map<string,string> entry. */
const entry = (num: number, k: string, v: string | Bytes) => ld(num, ld(1, k), ld(2, v));
const envelope = (apiVersion: string, kind: string, raw: Bytes) =>
  Uint8Array.from([
    0x6b,
    0x38,
    0x73,
    0x00,
    ...ld(1, ld(1, apiVersion), ld(2, kind)),
    ...ld(2, raw),
    ...ld(3),
    ...ld(4),
  ]);

function failure(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError, `expected a StatusError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

test('a Deployment as Go writes it: explicit zeros, empty structs, quantities, int-or-strings', () => {
  const metadata = ld(1, ld(1, 'web'), ld(3, 'prod'), vi(7, 0), ld(8), entry(11, 'app', 'web'));
  const container = ld(
    2,
    ld(1, 'nginx'),
    ld(2, 'nginx:1.27'),
    ld(6, vi(2, 0), vi(3, 80), ld(4, 'TCP')),
    ld(8, ld(1, ld(1, 'cpu'), ld(2, ld(1, '500m')))),
    ld(13, ''),
    ld(14, ''),
    vi(16, 0),
    vi(18, 0),
  );
  const podSpec = ld(2, container, ld(3, 'Always'), vi(4, 30), ld(6, 'ClusterFirst'), vi(11, 0));
  const template = ld(3, ld(1, ld(8), entry(11, 'app', 'web')), podSpec);
  const strategy = ld(
    4,
    ld(1, 'RollingUpdate'),
    ld(2, ld(1, vi(1, 0), vi(2, 1), ld(3, '')), ld(2, vi(1, 1), vi(2, 0), ld(3, '25%'))),
  );
  const spec = ld(2, vi(1, 0), ld(2, entry(1, 'app', 'web')), template, strategy, vi(5, 0), vi(6, 10), vi(7, 0));
  const status = ld(3, vi(1, 0), vi(2, 0));
  const got = decodeProtobuf(envelope('apps/v1', 'Deployment', [...metadata, ...spec, ...status]));
  assert.equal(got.apiVersion, 'apps/v1');
  assert.equal(got.kind, 'Deployment');
  assert.deepEqual(got.object, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'prod', labels: { app: 'web' } },
    spec: {
      replicas: 0, // *int32: an explicit zero is kept
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'nginx:1.27',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              resources: { limits: { cpu: '500m' } },
            },
          ],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
        },
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: '25%' } },
      revisionHistoryLimit: 10,
    },
    status: {}, // a non-pointer struct: present, so {} even with only zeros inside
  });
});

test('bytes become base64 and binaryData/data maps decode', () => {
  const raw = [
    ...ld(1, ld(1, 'cfg')),
    ...entry(2, 'a', 'yes'),
    ...entry(2, 'empty', ''),
    ...entry(3, 'bin', [0, 1, 2, 255]),
    ...vi(4, 1),
  ];
  assert.deepEqual(decodeProtobuf(envelope('v1', 'ConfigMap', raw)).object, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cfg' },
    data: { a: 'yes', empty: '' },
    binaryData: { bin: 'AAEC/w==' },
    immutable: true,
  });
  // A string field keeps a leading byte-order mark: strings are bytes to Go.
  const bom = decodeProtobuf(envelope('v1', 'ConfigMap', entry(2, 'k', '\ufeffv'))).object;
  assert.deepEqual(bom.data, { k: '\ufeffv' });
  const secret = [...ld(1, ld(1, 's')), ...entry(2, 'pw', 's3cr3t'), ...ld(3, 'Opaque')];
  assert.deepEqual(decodeProtobuf(envelope('v1', 'Secret', secret)).object, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's' },
    data: { pw: 'czNjcjN0' },
    type: 'Opaque',
  });
});

test('required zero values stay; times become RFC3339', () => {
  // SelfSubjectAccessReview: status.allowed has no omitempty, so false is printed.
  const sar = [
    ...ld(1),
    ...ld(2, ld(1, ld(1, 'default'), ld(2, 'create'), ld(3, ''), ld(5, 'pods'))),
    ...ld(3, vi(1, 0), vi(4, 0), ld(2, '')),
  ];
  assert.deepEqual(decodeProtobuf(envelope('authorization.k8s.io/v1', 'SelfSubjectAccessReview', sar)).object, {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    metadata: {},
    spec: { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } },
    status: { allowed: false },
  });
  // TokenRequest status: token (no omitempty) and a Time; nanos are ignored like upstream.
  const tr = [...ld(2, ld(1, 'api'), vi(4, 3600)), ...ld(3, ld(1, 'tok'), ld(2, vi(1, 1767225600), vi(2, 999)))];
  assert.deepEqual(decodeProtobuf(envelope('authentication.k8s.io/v1', 'TokenRequest', tr)).object, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { audiences: ['api'], expirationSeconds: 3600 },
    status: { token: 'tok', expirationTimestamp: '2026-01-01T00:00:00Z' },
  });
});

test('service ports: a zero IntOrString on a value field is dropped, on a required field kept', () => {
  const svc = ld(2, ld(1, ld(1, 'http'), ld(2, 'TCP'), vi(3, 80), ld(4, vi(1, 0), vi(2, 0), ld(3, '')), vi(5, 0)));
  assert.deepEqual(decodeProtobuf(envelope('v1', 'Service', svc)).object, {
    apiVersion: 'v1',
    kind: 'Service',
    spec: { ports: [{ name: 'http', protocol: 'TCP', port: 80 }] },
  });
  const probe = ld(10, ld(1, ld(2, ld(1, '/healthz'), ld(2, vi(1, 0), vi(2, 0), ld(3, '')))), vi(2, 0), vi(3, 1));
  const pod = ld(2, ld(2, ld(1, 'c'), probe));
  assert.deepEqual(decodeProtobuf(envelope('v1', 'Pod', pod)).object, {
    apiVersion: 'v1',
    kind: 'Pod',
    spec: { containers: [{ name: 'c', livenessProbe: { httpGet: { path: '/healthz', port: 0 }, timeoutSeconds: 1 } }] },
  });
});

test('volumes inline their source; downward API quantities at zero are dropped', () => {
  const volume = ld(1, ld(1, 'cfg'), ld(2, ld(19, ld(1, ld(1, 'app-config')), vi(3, 420))));
  const env = ld(7, ld(1, 'LIMIT'), ld(3, ld(2, ld(1, ''), ld(2, 'limits.cpu'), ld(3, ld(1, '0')))));
  const pod = ld(2, volume, ld(2, ld(1, 'c'), env));
  assert.deepEqual(decodeProtobuf(envelope('v1', 'Pod', pod)).object, {
    apiVersion: 'v1',
    kind: 'Pod',
    spec: {
      volumes: [{ name: 'cfg', configMap: { name: 'app-config', defaultMode: 420 } }],
      containers: [
        { name: 'c', env: [{ name: 'LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } }] },
      ],
    },
  });
});

test('packed and unpacked repeated numbers, negative int64, unknown fields', () => {
  const rule = (values: Bytes) => ld(11, ld(1, ld(1, 'FailJob'), ld(2, ld(2, 'In'), values)));
  const packed = [...ld(2, rule(ld(3, [1, 2, 42])))];
  const unpacked = [...ld(2, rule([...vi(3, 1), ...vi(3, 2), ...vi(3, 42)]))];
  for (const raw of [packed, unpacked]) {
    const job = decodeProtobuf(envelope('batch/v1', 'Job', raw)).object;
    assert.deepEqual(job.spec, {
      podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1, 2, 42] } }] },
    });
  }
  // -5 as a 10-byte varint in a *int64; unknown fields 99 (varint) and 100 (bytes) skipped.
  const minus5 = [0x50, 0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
  const meta = ld(1, ld(1, 'x'), minus5, vi(99, 7), ld(100, 'junk'));
  assert.deepEqual(decodeProtobuf(envelope('v1', 'Namespace', meta)).object, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'x', deletionGracePeriodSeconds: -5 },
  });
});

test('a singular message repeated on the wire merges; a later scalar wins', () => {
  const raw = [...ld(1, ld(1, 'a')), ...ld(1, ld(3, 'ns'), ld(1, 'b')), ...vi(2, 5), ...vi(2, 7)];
  assert.deepEqual(decodeProtobuf(envelope('scheduling.k8s.io/v1', 'PriorityClass', raw)).object, {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'b', namespace: 'ns' },
    value: 7,
  });
});

test('DeleteOptions decode under any group version', () => {
  const raw = [...vi(1, 0), ...ld(4, 'Foreground'), ...ld(5, 'All')];
  for (const apiVersion of ['v1', 'apps/v1', 'meta.k8s.io/v1']) {
    assert.deepEqual(decodeProtobuf(envelope(apiVersion, 'DeleteOptions', raw)).object, {
      apiVersion,
      kind: 'DeleteOptions',
      gracePeriodSeconds: 0,
      propagationPolicy: 'Foreground',
      dryRun: ['All'],
    });
  }
});

test('structural errors name the problem', () => {
  assert.equal(
    failure(() => decodeProtobuf(envelope('v1', 'Namespace', ld(1, vi(1, 5))))).message,
    'proto: wrong wireType = 0 for field Name',
  );
  assert.equal(
    failure(() => decodeProtobuf(envelope('v1', 'Namespace', ld(1, [0x00, 0x01])))).message,
    'proto: ObjectMeta: illegal tag 0 (wire type 0)',
  );
  assert.equal(
    failure(() => decodeProtobuf(envelope('v1', 'Namespace', [0x0a, 0x05, 0x0a]))).message,
    'unexpected EOF',
  );
});
