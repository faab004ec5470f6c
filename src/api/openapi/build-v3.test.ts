import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GroupVersionKind } from '../scheme/types.js';
import { buildOpenApiV3, type OpenApiV3Document } from './build-v3.js';
import { schemaForCustomResource } from './custom-resource-schema.js';
import { generateDefinitions } from './generator/generate-definitions.js';
import {
  clusterRoles,
  coreResources,
  deployments,
  pods,
  replicasets,
  tokenReviews,
  widgets,
} from './testing/resource-fixtures.js';
import { documentHash } from './v3-root.js';

const { definitions: defs } = generateDefinitions();

type Json = Record<string, any>;

const apps = buildOpenApiV3({ group: 'apps', version: 'v1' }, [deployments, pods], defs);
const core = buildOpenApiV3({ group: '', version: 'v1' }, coreResources, defs);

/** Every operation of the document as [path, method, operation]. */
function operations(doc: OpenApiV3Document): [string, string, Json][] {
  const out: [string, string, Json][] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) if (method !== 'parameters') out.push([path, method, op as Json]);
  }
  return out;
}

/**
 * kubectl's check (cli-runtime query_param_verifier_v3): the first PATCH
 * operation found for the GVK must list `fieldValidation` among its own query
 * parameters. Paths come from a Go map, so every matching PATCH must qualify.
 */
function patchOpsSupportFieldValidation(doc: OpenApiV3Document, gvk: GroupVersionKind): boolean {
  const matching = operations(doc).filter(
    ([, method, op]) =>
      method === 'patch' &&
      op['x-kubernetes-group-version-kind']?.group === gvk.group &&
      op['x-kubernetes-group-version-kind']?.version === gvk.version &&
      op['x-kubernetes-group-version-kind']?.kind === gvk.kind,
  );
  return (
    matching.length > 0 &&
    matching.every(([, , op]) =>
      (op.parameters ?? []).some((p: Json) => p.name === 'fieldValidation' && p.in === 'query'),
    )
  );
}

/** Every `$ref` anywhere in `value`. */
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

test('apps/v1: the item PATCH operation advertises fieldValidation and the Deployment GVK', () => {
  const item = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
  const patch = item.patch as Json;
  assert.equal(patch.operationId, 'patchAppsV1NamespacedDeployment');
  assert.equal(patch['x-kubernetes-action'], 'patch');
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
  assert.deepEqual(
    patch.parameters.map((p: Json) => p.name),
    ['dryRun', 'fieldManager', 'fieldValidation', 'force'],
  );
  assert.deepEqual(Object.keys(patch.requestBody.content), [
    'application/apply-patch+yaml',
    'application/json-patch+json',
    'application/merge-patch+json',
    'application/strategic-merge-patch+json',
  ]);
  assert.equal(
    patch.responses['200'].content['application/json'].schema.$ref,
    '#/components/schemas/io.k8s.api.apps.v1.Deployment',
  );
  // Shared path parameters move to the path item, as upstream does.
  assert.deepEqual(
    (item.parameters as Json[]).map((p) => [p.name, p.in, p.required ?? false]),
    [
      ['name', 'path', true],
      ['namespace', 'path', true],
      ['pretty', 'query', false],
    ],
  );
  assert.equal(patchOpsSupportFieldValidation(apps, { group: 'apps', version: 'v1', kind: 'Deployment' }), true);
  assert.equal(patchOpsSupportFieldValidation(apps, { group: 'autoscaling', version: 'v1', kind: 'Scale' }), true);
});

test('apps/v1: the document covers exactly the group-version paths upstream serves for deployments', () => {
  assert.equal(apps.openapi, '3.0.0');
  assert.deepEqual(Object.keys(apps.paths), [
    '/apis/apps/v1/',
    '/apis/apps/v1/deployments',
    '/apis/apps/v1/namespaces/{namespace}/deployments',
    '/apis/apps/v1/namespaces/{namespace}/deployments/{name}',
    '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale',
    '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status',
    '/apis/apps/v1/watch/deployments',
    '/apis/apps/v1/watch/namespaces/{namespace}/deployments',
    '/apis/apps/v1/watch/namespaces/{namespace}/deployments/{name}',
  ]);
  const ids = operations(apps).map(([, , op]) => op.operationId);
  assert.deepEqual(ids.sort(), [
    'createAppsV1NamespacedDeployment',
    'deleteAppsV1CollectionNamespacedDeployment',
    'deleteAppsV1NamespacedDeployment',
    'getAppsV1APIResources',
    'listAppsV1DeploymentForAllNamespaces',
    'listAppsV1NamespacedDeployment',
    'patchAppsV1NamespacedDeployment',
    'patchAppsV1NamespacedDeploymentScale',
    'patchAppsV1NamespacedDeploymentStatus',
    'readAppsV1NamespacedDeployment',
    'readAppsV1NamespacedDeploymentScale',
    'readAppsV1NamespacedDeploymentStatus',
    'replaceAppsV1NamespacedDeployment',
    'replaceAppsV1NamespacedDeploymentScale',
    'replaceAppsV1NamespacedDeploymentStatus',
    'watchAppsV1DeploymentListForAllNamespaces',
    'watchAppsV1NamespacedDeployment',
    'watchAppsV1NamespacedDeploymentList',
  ]);
  const scale = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].get as Json;
  assert.deepEqual(scale['x-kubernetes-group-version-kind'], { group: 'autoscaling', kind: 'Scale', version: 'v1' });
  assert.equal(
    scale.responses['200'].content['application/json'].schema.$ref,
    '#/components/schemas/io.k8s.api.autoscaling.v1.Scale',
  );
  const list = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments'].get as Json;
  assert.ok(list.responses['200'].content['application/json;stream=watch']);
  assert.ok(list.parameters.some((p: Json) => p.name === 'watch'));
});

test('every $ref resolves within the document, and refs never carry siblings', () => {
  for (const doc of [apps, core]) {
    const refs = allRefs(doc);
    assert.ok(refs.length > 100);
    for (const ref of refs) {
      assert.match(ref, /^#\/components\/schemas\//);
      assert.ok(doc.components.schemas[ref.slice('#/components/schemas/'.length)], `${ref} resolves`);
    }
    const withSiblings: string[] = [];
    const walk = (v: unknown, where: string): void => {
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`));
      else if (v && typeof v === 'object') {
        if ('$ref' in v && Object.keys(v).length > 1) withSiblings.push(where);
        for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`);
      }
    };
    walk(doc.components.schemas, 'schemas');
    assert.deepEqual(withSiblings, []);
  }
});

test('component schemas keep GVKs, descriptions and patch metadata, with v3 forms', () => {
  const dep = apps.components.schemas['io.k8s.api.apps.v1.Deployment'] as Json;
  assert.deepEqual(dep['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  assert.deepEqual(dep.properties.metadata, {
    allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }],
    description: defs['io.k8s.api.apps.v1.Deployment'].properties!.metadata.description,
  });
  assert.ok(apps.components.schemas['io.k8s.api.apps.v1.DeploymentList']);
  const containers = (apps.components.schemas['io.k8s.api.core.v1.PodSpec'] as Json).properties.containers;
  assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
  assert.deepEqual(containers.items, { $ref: '#/components/schemas/io.k8s.api.core.v1.Container' });
  const ios = apps.components.schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString'];
  assert.deepEqual(ios.oneOf, [{ type: 'integer' }, { type: 'string' }]);
  assert.equal(ios['x-kubernetes-int-or-string'], true);
  assert.equal(ios.format, 'int-or-string');
  assert.deepEqual(apps.components.schemas['io.k8s.apimachinery.pkg.api.resource.Quantity'].oneOf, [
    { type: 'string' },
    { type: 'number' },
  ]);
  // The shared definitions are not modified by building documents.
  assert.equal(
    defs['io.k8s.api.apps.v1.Deployment'].properties!.metadata.$ref,
    '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
  );
});

test('resources of other group-versions are ignored', () => {
  assert.equal(
    Object.keys(apps.paths).some((p) => p.startsWith('/api/v1')),
    false,
  );
  assert.equal(apps.components.schemas['io.k8s.api.core.v1.PodList'], undefined);
});

test('core/v1: subresources follow upstream operation naming and payloads', () => {
  const pod = '/api/v1/namespaces/{namespace}/pods/{name}';
  const id = (path: string, method: string): string => (core.paths[path][method] as Json).operationId;
  assert.equal(id('/api/v1/', 'get'), 'getCoreV1APIResources');
  assert.equal(id(`${pod}/log`, 'get'), 'readCoreV1NamespacedPodLog');
  assert.equal(id(`${pod}/exec`, 'get'), 'connectCoreV1GetNamespacedPodExec');
  assert.equal(id(`${pod}/exec`, 'post'), 'connectCoreV1PostNamespacedPodExec');
  assert.equal(id(`${pod}/portforward`, 'get'), 'connectCoreV1GetNamespacedPodPortforward');
  assert.equal(id(`${pod}/proxy/{path}`, 'head'), 'connectCoreV1HeadNamespacedPodProxyWithPath');
  assert.equal(id(`${pod}/binding`, 'post'), 'createCoreV1NamespacedPodBinding');
  assert.equal(id(`${pod}/eviction`, 'post'), 'createCoreV1NamespacedPodEviction');
  assert.equal(id(`${pod}/ephemeralcontainers`, 'patch'), 'patchCoreV1NamespacedPodEphemeralcontainers');
  assert.equal(id('/api/v1/namespaces/{name}/finalize', 'put'), 'replaceCoreV1NamespaceFinalize');
  assert.equal(id('/api/v1/nodes/{name}/proxy', 'delete'), 'connectCoreV1DeleteNodeProxy');
  assert.equal(
    id('/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token', 'post'),
    'createCoreV1NamespacedServiceAccountToken',
  );
  assert.equal(id('/api/v1/namespaces/{namespace}/endpoints', 'post'), 'createCoreV1NamespacedEndpoints');
  assert.equal((core.paths['/api/v1/namespaces/{namespace}/endpoints'].post as Json).description, 'create Endpoints');
  assert.equal((core.paths['/api/v1/namespaces/{namespace}/pods'].post as Json).description, 'create a Pod');

  const log = core.paths[`${pod}/log`].get as Json;
  assert.deepEqual(log.responses['200'].content['text/plain'].schema, { type: 'string' });
  const logParams = (core.paths[`${pod}/log`].parameters as Json[]).map((p) => p.name);
  assert.ok(['container', 'follow', 'tailLines', 'pretty', 'name', 'namespace'].every((n) => logParams.includes(n)));

  const exec = core.paths[`${pod}/exec`];
  assert.equal((exec.get as Json)['x-kubernetes-action'], 'connect');
  assert.deepEqual(
    (exec.parameters as Json[]).map((p) => p.name),
    ['command', 'container', 'name', 'namespace', 'stderr', 'stdin', 'stdout', 'tty'],
  );

  const eviction = core.paths[`${pod}/eviction`].post as Json;
  assert.equal(eviction.requestBody.content['*/*'].schema.$ref, '#/components/schemas/io.k8s.api.policy.v1.Eviction');
  assert.deepEqual(eviction['x-kubernetes-group-version-kind'], { group: 'policy', kind: 'Eviction', version: 'v1' });

  assert.equal(core.paths['/api/v1/nodes/{name}'].get !== undefined, true);
  assert.equal(
    Object.keys(core.paths).some((p) => p.includes('{namespace}/nodes')),
    false,
  );
  assert.equal(core.paths['/api/v1/namespaces'].delete, undefined, 'no deletecollection verb, no operation');

  const ids = operations(core).map(([, , op]) => op.operationId);
  assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  for (const r of coreResources) {
    assert.equal(patchOpsSupportFieldValidation(core, { group: '', version: 'v1', kind: r.kind }), true, r.kind);
  }
});

test('create-only and cluster-scoped resources of named groups', () => {
  const doc = buildOpenApiV3({ group: 'authentication.k8s.io', version: 'v1' }, [tokenReviews], defs);
  const item = doc.paths['/apis/authentication.k8s.io/v1/tokenreviews'];
  assert.deepEqual(Object.keys(item).sort(), ['parameters', 'post']);
  assert.equal((item.post as Json).operationId, 'createAuthenticationV1TokenReview');
  assert.deepEqual(
    (item.parameters as Json[]).map((p) => p.name),
    ['dryRun', 'fieldManager', 'fieldValidation', 'pretty'],
  );
  const rbac = buildOpenApiV3({ group: 'rbac.authorization.k8s.io', version: 'v1' }, [clusterRoles], defs);
  const get = rbac.paths['/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}'].get as Json;
  assert.equal(get.operationId, 'readRbacAuthorizationV1ClusterRole');
  assert.deepEqual(get.tags, ['rbacAuthorization_v1']);
});

test('custom resources: CRD-named schemas, no strategic merge patch, no protobuf', () => {
  const crdDefs = schemaForCustomResource(
    {
      group: 'example.com',
      version: 'v1',
      kind: 'Widget',
      listKind: 'WidgetList',
      plural: 'widgets',
      schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } },
    },
    defs,
  );
  const doc = buildOpenApiV3({ group: 'example.com', version: 'v1' }, [widgets], crdDefs);
  const item = doc.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}'];
  const patch = item.patch as Json;
  assert.equal(patch.operationId, 'patchExampleComV1NamespacedWidget');
  assert.deepEqual(Object.keys(patch.requestBody.content), [
    'application/apply-patch+yaml',
    'application/json-patch+json',
    'application/merge-patch+json',
  ]);
  assert.deepEqual(Object.keys(patch.responses['200'].content), ['application/json', 'application/yaml']);
  assert.equal(
    patch.responses['200'].content['application/json'].schema.$ref,
    '#/components/schemas/com.example.v1.Widget',
  );
  assert.equal(patchOpsSupportFieldValidation(doc, { group: 'example.com', version: 'v1', kind: 'Widget' }), true);
  const widget = doc.components.schemas['com.example.v1.Widget'] as Json;
  assert.deepEqual(widget['x-kubernetes-group-version-kind'], [
    { group: 'example.com', kind: 'Widget', version: 'v1' },
  ]);
  assert.equal(widget.properties.spec.properties.size.type, 'integer');
  assert.ok(doc.components.schemas['com.example.v1.WidgetList']);
  assert.ok(doc.components.schemas['io.k8s.api.autoscaling.v1.Scale']);
  for (const ref of allRefs(doc)) assert.ok(doc.components.schemas[ref.slice('#/components/schemas/'.length)], ref);
});

test('a resource without a definition is an error naming it', () => {
  assert.throws(
    () => buildOpenApiV3({ group: 'example.com', version: 'v1' }, [widgets], defs),
    /no definition com\.example\.v1\.Widget for resource widgets\.example\.com\/v1/,
  );
});

test('the same inputs give the same document; different resources a different hash', () => {
  const again = buildOpenApiV3({ group: 'apps', version: 'v1' }, [deployments], defs);
  const same = buildOpenApiV3({ group: 'apps', version: 'v1' }, [deployments], defs);
  assert.equal(JSON.stringify(again), JSON.stringify(same));
  const more = buildOpenApiV3({ group: 'apps', version: 'v1' }, [deployments, replicasets], defs);
  assert.notEqual(documentHash(JSON.stringify(more)), documentHash(JSON.stringify(again)));
  assert.equal(documentHash(JSON.stringify(same)), documentHash(JSON.stringify(again)));
  const pinned = buildOpenApiV3({ group: 'apps', version: 'v1' }, [deployments], defs, { version: 'v1.32.0' });
  assert.equal(pinned.info.version, 'v1.32.0');
  assert.equal(again.info.version, 'unversioned');
});
