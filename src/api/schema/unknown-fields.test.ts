import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { defaultDefinitionsPath, loadDefinitions } from '../openapi/definitions.js';
import { dropUnknownFields, findUnknownFields, strictFieldIssues } from './unknown-fields.js';
import { definitions } from './testdata/builtin-definitions.js';

const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';
const HOLDER = 'io.k8s.api.example.v1.Holder';

function deployment(spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = { name: 'web' }) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web', 'app.kubernetes.io/name': 'web' } },
        spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }] },
      },
      ...spec,
    },
  };
}

test('findUnknownFields reports paths the way the strict decoder does', () => {
  const cases: { name: string; root: string; obj: unknown; want: string[] }[] = [
    { name: 'a valid object', root: DEPLOYMENT, obj: deployment(), want: [] },
    { name: 'unknown spec field', root: DEPLOYMENT, obj: deployment({ bogus: 1 }), want: ['spec.bogus'] },
    {
      name: 'unknown field in a container list item',
      root: DEPLOYMENT,
      obj: deployment({ template: { spec: { containers: [{ name: 'a' }, { name: 'b', imagee: 'x' }] } } }),
      want: ['spec.template.spec.containers[1].imagee'],
    },
    {
      name: 'nested list of objects',
      root: DEPLOYMENT,
      obj: deployment({
        template: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 1, nodeport: 2 }] }] } },
      }),
      want: ['spec.template.spec.containers[0].ports[0].nodeport'],
    },
    {
      name: 'field names are case-sensitive',
      root: DEPLOYMENT,
      obj: deployment({ template: { spec: { containers: [{ name: 'a', Image: 'x' }] } } }),
      want: ['spec.template.spec.containers[0].Image'],
    },
    {
      name: 'map keys (labels, nodeSelector, overhead) are never unknown',
      root: DEPLOYMENT,
      obj: deployment({
        template: {
          metadata: { labels: { anything: 'x' } },
          spec: { nodeSelector: { zone: 'a' }, overhead: { cpu: '1' } },
        },
      }),
      want: [],
    },
    {
      name: 'metadata is ObjectMeta',
      root: DEPLOYMENT,
      obj: deployment({}, { name: 'x', app: 'web' }),
      want: ['metadata.app'],
    },
    {
      name: 'apiVersion and kind are known at the root only',
      root: DEPLOYMENT,
      obj: deployment({ template: { apiVersion: 'v1', kind: 'PodTemplate' } }),
      want: ['spec.template.apiVersion', 'spec.template.kind'],
    },
    {
      name: 'several unknown fields in document order',
      root: DEPLOYMENT,
      obj: { zeta: 1, ...deployment({ bogus: 1 }), alpha: 2 },
      want: ['zeta', 'spec.bogus', 'alpha'],
    },
    {
      name: 'an unknown object is reported once, not its contents',
      root: DEPLOYMENT,
      obj: deployment({ strategy2: { rollingUpdate: { x: 1 } } }),
      want: ['spec.strategy2'],
    },
    {
      name: 'RawExtension and apiextensions JSON accept anything',
      root: HOLDER,
      obj: { apiVersion: 'x/v1', kind: 'Holder', raw: { kind: 'Foo', any: { deep: [1] } }, json: { a: [{ b: 1 }] } },
      want: [],
    },
    {
      name: 'FieldsV1 inside managedFields is opaque, the entry is not',
      root: HOLDER,
      obj: { metadata: { managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': {} }, operation2: 'x' }] } },
      want: ['metadata.managedFields[0].operation2'],
    },
    {
      name: 'an empty struct knows no fields',
      root: HOLDER,
      obj: { empty: { a: 1, b: 2 } },
      want: ['empty.a', 'empty.b'],
    },
    {
      name: 'values of a map of objects are checked, keys with dots included',
      root: HOLDER,
      obj: { selectors: { 'a.b': { matchLabels: { x: 'y' }, matchExpressionz: [] } }, anything: { q: { r: 1 } } },
      want: ['selectors.a.b.matchExpressionz'],
    },
    {
      name: 'type mismatches are not unknown fields',
      root: DEPLOYMENT,
      obj: deployment({ replicas: { x: 1 }, maxSurge: { y: 1 } }),
      want: [],
    },
  ];
  for (const c of cases) assert.deepEqual(findUnknownFields(c.obj, c.root, definitions), c.want, c.name);
});

test('findUnknownFields options: sorted keys for YAML bodies, a path prefix for embedded metadata', () => {
  const obj = { zeta: 1, ...deployment({ bogus: 1 }), alpha: 2 };
  assert.deepEqual(findUnknownFields(obj, DEPLOYMENT, definitions, { sortKeys: true }), [
    'alpha',
    'spec.bogus',
    'zeta',
  ]);
  assert.deepEqual(
    findUnknownFields(
      { name: 'x', unknownEmbeddedMeta: 1 },
      'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
      definitions,
      {
        prefix: 'spec.embeddedObj.metadata',
      },
    ),
    ['spec.embeddedObj.metadata.unknownEmbeddedMeta'],
  );
  assert.throws(() => findUnknownFields({}, 'io.k8s.api.nope.v1.Nope', definitions), /unknown OpenAPI definition/);
});

test('dropUnknownFields removes exactly the unknown fields', () => {
  const obj = deployment({ bogus: 1, template: { spec: { containers: [{ name: 'a', imagee: 'x' }] } } });
  (obj.spec as Record<string, unknown>).selector = { matchLabels: { 'a.b': 'c' } };
  const holder = { selectors: { 'a.b': { matchLabels: { x: 'y' }, extra: 1 } } };
  // `template` keeps its original key position, so the decoder meets it before `bogus`.
  assert.deepEqual(dropUnknownFields(obj, DEPLOYMENT, definitions), [
    'spec.template.spec.containers[0].imagee',
    'spec.bogus',
  ]);
  assert.deepEqual(obj.spec, {
    replicas: 2,
    selector: { matchLabels: { 'a.b': 'c' } },
    template: { spec: { containers: [{ name: 'a' }] } },
  });
  assert.deepEqual(dropUnknownFields(holder, HOLDER, definitions), ['selectors.a.b.extra']);
  assert.deepEqual(holder, { selectors: { 'a.b': { matchLabels: { x: 'y' } } } });
  assert.deepEqual(findUnknownFields(obj, DEPLOYMENT, definitions), []);
});

test('strictFieldIssues interleaves duplicates and unknown fields in decoder order', () => {
  // The body of kube-apiserver's field_validation_test (invalidBodyJSON), as parsed and scanned.
  const obj = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x', unknownMeta: 'y', labels: { app: 'nginx' } },
    spec: {
      unknown1: 'val1',
      unknownDupe: 'valDupe2',
      paused: false,
      selector: { matchLabels: { app: 'nginx' } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          containers: [{ name: 'nginx', image: 'nginx:latest', unknownNested: 'val1', imagePullPolicy: 'Never' }],
        },
      },
    },
  };
  const duplicates = [
    'metadata.name',
    'spec.unknownDupe',
    'spec.paused',
    'spec.template.spec.containers[0].imagePullPolicy',
  ];
  assert.deepEqual(strictFieldIssues(obj, DEPLOYMENT, definitions, { duplicates }), [
    'duplicate field "metadata.name"',
    'unknown field "metadata.unknownMeta"',
    'unknown field "spec.unknown1"',
    'unknown field "spec.unknownDupe"',
    'duplicate field "spec.paused"',
    'unknown field "spec.template.spec.containers[0].unknownNested"',
    'duplicate field "spec.template.spec.containers[0].imagePullPolicy"',
  ]);
});

test('strictFieldIssues drops duplicates the decoder never sees and keeps the rest', () => {
  const obj = { metadata: { labels: { a: 'b' } }, raw: { x: 1 }, bogus: { y: 1 } };
  const duplicates = ['raw.x', 'bogus.y', 'metadata.labels.a', 'metadata.gone'];
  assert.deepEqual(strictFieldIssues(obj, HOLDER, definitions, { duplicates }), [
    'duplicate field "metadata.labels.a"',
    'unknown field "bogus"',
    'duplicate field "metadata.gone"',
  ]);
  const many = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`f${i}`, i]));
  assert.equal(strictFieldIssues(many, HOLDER, definitions).length, 100);
});

test(
  'the generated Pod definition flags a misspelled container field',
  { skip: !existsSync(defaultDefinitionsPath()) },
  () => {
    const defs = loadDefinitions();
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: { a: 'b' }, annotations: { c: 'd' } },
      spec: {
        containers: [{ name: 'c', image: 'busybox', imagee: 'x', resources: { limits: { cpu: '1' } } }],
        nodeSelector: { zone: 'a' },
        bogus: true,
      },
    };
    assert.deepEqual(findUnknownFields(pod, 'io.k8s.api.core.v1.Pod', defs), [
      'spec.containers[0].imagee',
      'spec.bogus',
    ]);
  },
);
