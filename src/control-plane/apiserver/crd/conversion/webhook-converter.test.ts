import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../../../api/errors/status-error.js';
import { PostError } from '../../admission/plugins/webhook/client.js';
import type { KubeObject } from '../../watch-cache/types.js';
import { nopConverter } from './converter.js';
import { webhookConverter } from './webhook-converter.js';

const uid = 'req-uid-1';
const obj = (name: string, apiVersion = 'stable.example.com/v1', extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion,
  kind: 'CronTab',
  metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { app: 'a' }, generation: 1 },
  spec: { cronSpec: '* * * * */5' },
  ...extra,
});

interface Sent {
  cfg: unknown;
  body: {
    apiVersion: string;
    kind: string;
    request: { uid: string; desiredAPIVersion: string; objects: KubeObject[] };
  };
  timeoutMs: number;
}

/** A converter whose webhook answers with `answer(request)`; records what was posted. */
function harness(answer: (req: Sent['body']) => unknown, versions = ['v1']) {
  const sent: Sent[] = [];
  const client = {
    post: (cfg: unknown, body: unknown, timeoutMs: number) => {
      sent.push({ cfg, body: body as Sent['body'], timeoutMs });
      return Promise.resolve(answer(body as Sent['body']));
    },
  };
  const conv = webhookConverter({
    client: client as never,
    clientConfig: { url: 'https://127.0.0.1:1/convert' },
    conversionReviewVersions: versions,
    uid: () => uid,
  });
  return { conv, sent };
}

/** A well-behaved webhook: renames spec.cronSpec <-> spec.schedule and sets apiVersion. */
function rename(req: Sent['body']): unknown {
  const convertedObjects = req.request.objects.map((o) => {
    const spec = { ...(o.spec as Record<string, unknown>) };
    if (req.request.desiredAPIVersion.endsWith('/v2')) {
      spec.schedule = spec.cronSpec;
      delete spec.cronSpec;
    }
    return { ...o, apiVersion: req.request.desiredAPIVersion, spec };
  });
  return {
    apiVersion: req.apiVersion,
    kind: 'ConversionReview',
    response: { uid: req.request.uid, convertedObjects, result: { status: 'Success' } },
  };
}

test('converts in one review, skipping objects already at the desired version, keeping order', async () => {
  const { conv, sent } = harness(rename);
  const input = [obj('a'), obj('b', 'stable.example.com/v2'), obj('c')];
  const out = await conv.convert(input, 'stable.example.com/v2', { list: true });
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.timeoutMs, 30_000);
  assert.equal(sent[0]!.body.apiVersion, 'apiextensions.k8s.io/v1');
  assert.equal(sent[0]!.body.kind, 'ConversionReview');
  assert.equal(sent[0]!.body.request.uid, uid);
  assert.equal(sent[0]!.body.request.desiredAPIVersion, 'stable.example.com/v2');
  assert.deepEqual(
    sent[0]!.body.request.objects.map((o) => o.metadata.name),
    ['a', 'c'],
  );
  assert.deepEqual(
    out.map((o) => [o.metadata.name, o.apiVersion, (o.spec as { schedule?: string }).schedule]),
    [
      ['a', 'stable.example.com/v2', '* * * * */5'],
      ['b', 'stable.example.com/v2', undefined],
      ['c', 'stable.example.com/v2', '* * * * */5'],
    ],
  );
  assert.equal(out[1], input[1], 'an object already at the version is returned as is');
  assert.equal(input[0]!.apiVersion, 'stable.example.com/v1', 'inputs are not mutated');
});

test('nothing to convert: the webhook is not called', async () => {
  const { conv, sent } = harness(rename);
  const out = await conv.convert([obj('a', 'stable.example.com/v2')], 'stable.example.com/v2');
  assert.equal(sent.length, 0);
  assert.equal(out.length, 1);
});

test('the review version is the first supported entry of conversionReviewVersions', async () => {
  const beta = harness(rename, ['v2', 'v1beta1', 'v1']);
  await beta.conv.convert([obj('a')], 'stable.example.com/v2');
  assert.equal(beta.sent[0]!.body.apiVersion, 'apiextensions.k8s.io/v1beta1');
  const none = harness(rename, ['v3']);
  await assert.rejects(none.conv.convert([obj('a')], 'stable.example.com/v2'), {
    message: 'no supported conversion review versions',
  });
});

test('v1beta1 answers are not checked for kind and uid', async () => {
  const { conv } = harness(
    (req) => {
      const r = rename(req) as { response: { uid: string } };
      return { response: { ...r.response, uid: 'other' } };
    },
    ['v1beta1'],
  );
  const out = await conv.convert([obj('a')], 'stable.example.com/v2');
  assert.equal(out[0]!.apiVersion, 'stable.example.com/v2');
});

const prefix = 'conversion webhook for stable.example.com/v1, Kind=CronTab';
const withResponse = (f: (r: Record<string, unknown>, req: Sent['body']) => unknown) => (req: Sent['body']) => {
  const full = rename(req) as { response: Record<string, unknown> };
  return { ...full, response: f(full.response, req) };
};
const editObject = (f: (o: Record<string, any>) => void) =>
  withResponse((r) => {
    const objs = structuredClone(r.convertedObjects) as Record<string, any>[];
    f(objs[0]!);
    return { ...r, convertedObjects: objs };
  });

const failures: { name: string; answer: (req: Sent['body']) => unknown; message: string; list?: boolean }[] = [
  {
    name: 'wrong review kind',
    answer: (req) => ({ ...(rename(req) as object), kind: 'AdmissionReview' }),
    message: `${prefix} failed: expected webhook response of apiextensions.k8s.io/v1, Kind=ConversionReview, got apiextensions.k8s.io/v1, Kind=AdmissionReview`,
  },
  {
    name: 'no response',
    answer: () => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview' }),
    message: `${prefix} failed: no response provided`,
  },
  {
    name: 'uid mismatch',
    answer: withResponse((r) => ({ ...r, uid: 'nope' })),
    message: `${prefix} failed: expected response.uid="${uid}", got "nope"`,
  },
  {
    name: 'failure with a message',
    answer: withResponse((r) => ({ ...r, result: { status: 'Failure', message: 'cannot convert' } })),
    message: `${prefix} failed: cannot convert`,
  },
  {
    name: 'failure without a message',
    answer: withResponse((r) => ({ ...r, result: { status: 'Failure' } })),
    message: `${prefix} failed: response.result.status was 'Failure', not 'Success'`,
  },
  {
    name: 'too few objects',
    answer: withResponse((r) => ({ ...r, convertedObjects: [] })),
    message: `${prefix} returned 0 objects, expected 1`,
  },
  {
    name: 'wrong groupVersion',
    answer: editObject((o) => (o.apiVersion = 'stable.example.com/v1')),
    message: `${prefix} returned invalid object at index 0: invalid groupVersion (expected stable.example.com/v2, received stable.example.com/v1)`,
  },
  {
    name: 'wrong kind',
    answer: editObject((o) => (o.kind = 'Other')),
    message: `${prefix} returned invalid object at index 0: invalid kind (expected CronTab, received Other)`,
  },
  {
    name: 'renamed',
    answer: editObject((o) => (o.metadata.name = 'z')),
    message: `${prefix} returned invalid object: must have the same name: a != z`,
  },
  {
    name: 'uid changed',
    answer: editObject((o) => (o.metadata.uid = 'x')),
    message: `${prefix} returned invalid object: must have the same UID: uid-a != x`,
  },
  {
    name: 'metadata missing',
    answer: editObject((o) => delete o.metadata),
    message: `${prefix} returned invalid object: must have the same name: a != `,
  },
  {
    name: 'labels not a map',
    answer: editObject((o) => (o.metadata.labels = ['x'])),
    message: `${prefix} returned invalid metadata: invalid metadata.labels of type []interface {} in converted object`,
  },
  {
    name: 'label value not a string',
    answer: editObject((o) => (o.metadata.labels = { app: 3 })),
    message: `${prefix} returned invalid metadata: metadata.labels[app] must be a string, but is int64 in converted object`,
  },
  {
    name: 'invalid new label',
    answer: editObject((o) => (o.metadata.labels = { 'bad key!': 'v' })),
    message: `${prefix} returned invalid metadata: metadata.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
  },
  {
    name: 'list: wrong kind at the second position',
    list: true,
    answer: withResponse((r) => {
      const objs = structuredClone(r.convertedObjects) as Record<string, any>[];
      objs[1]!.kind = 'Other';
      return { ...r, convertedObjects: objs };
    }),
    message:
      'conversion webhook for stable.example.com/v1, Kind=CronTabList returned invalid converted object at index 2: invalid kind (expected CronTab, received Other)',
  },
];

for (const f of failures) {
  test(`bad webhook answer → 500: ${f.name}`, async () => {
    const { conv } = harness(f.answer);
    const input = f.list ? [obj('a'), obj('b')] : [obj('a')];
    const err = await conv.convert(input, 'stable.example.com/v2', { list: f.list }).then(
      () => assert.fail('conversion should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 500);
    assert.equal(err.reason, '');
    assert.equal(err.message, f.message);
  });
}

test('a failed POST is wrapped with the source GVK', async () => {
  const conv = webhookConverter({
    client: {
      post: () => Promise.reject(new PostError('Post "https://127.0.0.1:1/convert?timeout=30s": EOF')),
    },
    clientConfig: { url: 'https://127.0.0.1:1/convert' },
    conversionReviewVersions: ['v1'],
  });
  await assert.rejects(conv.convert([obj('a')], 'stable.example.com/v2'), {
    message: `${prefix} failed: Post "https://127.0.0.1:1/convert?timeout=30s": EOF`,
  });
});

test('metadata comes from the original except labels and annotations', async () => {
  const { conv } = harness(
    editObject((o) => {
      o.metadata.labels = { app: 'b', added: 'yes' };
      o.metadata.annotations = { note: 'converted' };
      o.metadata.generation = 99;
      o.metadata.finalizers = ['sneaky'];
    }),
  );
  const [out] = await conv.convert([obj('a')], 'stable.example.com/v2');
  assert.deepEqual(out!.metadata, {
    name: 'a',
    namespace: 'default',
    uid: 'uid-a',
    generation: 1,
    labels: { app: 'b', added: 'yes' },
    annotations: { note: 'converted' },
  });
});

test('labels dropped by the webhook are dropped', async () => {
  const { conv } = harness(editObject((o) => delete o.metadata.labels));
  const [out] = await conv.convert([obj('a')], 'stable.example.com/v2');
  assert.equal(out!.metadata.labels, undefined);
});

test('nopConverter only changes apiVersion', async () => {
  const input = [obj('a'), obj('b', 'stable.example.com/v2')];
  const out = await nopConverter.convert(input, 'stable.example.com/v2');
  assert.deepEqual(out[0], { ...input[0], apiVersion: 'stable.example.com/v2' });
  assert.equal(out[1], input[1]);
  assert.equal(input[0]!.apiVersion, 'stable.example.com/v1');
});
