import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOpenApiV2 } from './build-v2.js';
import { schemaForCustomResource } from './custom-resource-schema.js';
import { generateDefinitions } from './generator/generate-definitions.js';
import { deployments, pods, widgets } from './testing/resource-fixtures.js';

const { definitions: builtin } = generateDefinitions();
const defs = schemaForCustomResource(
  {
    group: 'example.com',
    version: 'v1',
    kind: 'Widget',
    listKind: 'WidgetList',
    plural: 'widgets',
    schema: {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] } as never,
            note: { type: 'string', nullable: true },
          },
        },
      },
    },
  },
  builtin,
);
const doc = buildOpenApiV2([deployments, pods, widgets], defs);

type Json = Record<string, any>;

function allRefs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) allRefs(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else allRefs(v, out);
    }
  }
  return out;
}

test('one Swagger 2.0 document covers every group-version', () => {
  assert.equal(doc.swagger, '2.0');
  assert.deepEqual(doc.security, [{ BearerToken: [] }]);
  for (const p of ['/api/v1/', '/api/v1/pods', '/apis/apps/v1/deployments', '/apis/example.com/v1/widgets']) {
    assert.ok(doc.paths[p], p);
  }
  const paths = Object.keys(doc.paths);
  assert.deepEqual(paths, [...paths].sort());
});

test('every $ref resolves under #/definitions', () => {
  const refs = allRefs(doc);
  assert.ok(refs.length > 100);
  for (const ref of refs) {
    assert.match(ref, /^#\/definitions\//);
    assert.ok(doc.definitions[ref.slice('#/definitions/'.length)], ref);
  }
});

test('PATCH operations carry fieldValidation, a body parameter and the patch content types', () => {
  const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch as Json;
  assert.equal(patch.operationId, 'patchAppsV1NamespacedDeployment');
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
  assert.deepEqual(
    patch.parameters.map((p: Json) => [p.in, p.name]),
    [
      ['body', 'body'],
      ['query', 'dryRun'],
      ['query', 'fieldManager'],
      ['query', 'fieldValidation'],
      ['query', 'force'],
    ],
  );
  assert.equal(patch.parameters[3].type, 'string');
  assert.ok(patch.consumes.includes('application/strategic-merge-patch+json'));
  assert.equal(patch.responses['200'].schema.$ref, '#/definitions/io.k8s.api.apps.v1.Deployment');
  const crPatch = doc.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}'].patch as Json;
  assert.equal(crPatch.consumes.includes('application/strategic-merge-patch+json'), false);
});

test('v3-only schema keywords are dropped from v2 definitions', () => {
  const spec = (doc.definitions['com.example.v1.Widget'] as Json).properties.spec.properties;
  assert.deepEqual(spec.port, { 'x-kubernetes-int-or-string': true });
  assert.deepEqual(spec.note, { type: 'string' });
  // The input definitions are left as they were.
  assert.equal(defs['com.example.v1.Widget'].properties!.spec.properties!.note.nullable, true);
  assert.equal(doc.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].format, 'int-or-string');
});
