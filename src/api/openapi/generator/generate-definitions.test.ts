import { test } from 'node:test';
import assert from 'node:assert/strict';
import { definitionForGVK } from '../definitions.js';
import { forEachRef } from '../schema-convert.js';
import { refName, type Definitions, type SchemaObject } from '../schema-types.js';
import { stableStringify } from '../stable-json.js';
import { generateDefinitions } from './generate-definitions.js';

// One run against the installed kubernetes-types and the project's patch table.
const { definitions: defs } = generateDefinitions();

const core = 'io.k8s.api.core.v1';
const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1';

function def(name: string): SchemaObject {
  const d = defs[name];
  assert.ok(d, `definition ${name} exists`);
  return d;
}

function prop(defName: string, field: string): SchemaObject {
  const p = def(defName).properties?.[field];
  assert.ok(p, `${defName}.${field} exists`);
  return p;
}

/** Kinds served per group-version, with the upstream Go package the definitions live in. */
const served: { group: string; version: string; pkg: string; kinds: string[] }[] = [
  {
    group: '',
    version: 'v1',
    pkg: 'io.k8s.api.core.v1',
    kinds: [
      'Binding',
      'ComponentStatus',
      'ConfigMap',
      'Endpoints',
      'Event',
      'LimitRange',
      'Namespace',
      'Node',
      'PersistentVolume',
      'PersistentVolumeClaim',
      'Pod',
      'PodTemplate',
      'ReplicationController',
      'ResourceQuota',
      'Secret',
      'Service',
      'ServiceAccount',
    ],
  },
  {
    group: 'apps',
    version: 'v1',
    pkg: 'io.k8s.api.apps.v1',
    kinds: ['ControllerRevision', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet'],
  },
  { group: 'batch', version: 'v1', pkg: 'io.k8s.api.batch.v1', kinds: ['CronJob', 'Job'] },
  {
    group: 'autoscaling',
    version: 'v1',
    pkg: 'io.k8s.api.autoscaling.v1',
    kinds: ['HorizontalPodAutoscaler', 'Scale'],
  },
  { group: 'autoscaling', version: 'v2', pkg: 'io.k8s.api.autoscaling.v2', kinds: ['HorizontalPodAutoscaler'] },
  { group: 'policy', version: 'v1', pkg: 'io.k8s.api.policy.v1', kinds: ['Eviction', 'PodDisruptionBudget'] },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    pkg: 'io.k8s.api.rbac.v1',
    kinds: ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'],
  },
  { group: 'coordination.k8s.io', version: 'v1', pkg: 'io.k8s.api.coordination.v1', kinds: ['Lease'] },
  { group: 'discovery.k8s.io', version: 'v1', pkg: 'io.k8s.api.discovery.v1', kinds: ['EndpointSlice'] },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    pkg: 'io.k8s.api.networking.v1',
    kinds: ['Ingress', 'IngressClass', 'NetworkPolicy'],
  },
  { group: 'events.k8s.io', version: 'v1', pkg: 'io.k8s.api.events.v1', kinds: ['Event'] },
  {
    group: 'storage.k8s.io',
    version: 'v1',
    pkg: 'io.k8s.api.storage.v1',
    kinds: ['CSIDriver', 'CSINode', 'CSIStorageCapacity', 'StorageClass', 'VolumeAttachment'],
  },
  { group: 'scheduling.k8s.io', version: 'v1', pkg: 'io.k8s.api.scheduling.v1', kinds: ['PriorityClass'] },
  { group: 'node.k8s.io', version: 'v1', pkg: 'io.k8s.api.node.v1', kinds: ['RuntimeClass'] },
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    pkg: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1',
    kinds: ['CustomResourceDefinition'],
  },
  {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    pkg: 'io.k8s.api.admissionregistration.v1',
    kinds: [
      'MutatingWebhookConfiguration',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
      'ValidatingWebhookConfiguration',
    ],
  },
  {
    group: 'authentication.k8s.io',
    version: 'v1',
    pkg: 'io.k8s.api.authentication.v1',
    kinds: ['SelfSubjectReview', 'TokenRequest', 'TokenReview'],
  },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    pkg: 'io.k8s.api.authorization.v1',
    kinds: ['LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview'],
  },
  {
    group: 'certificates.k8s.io',
    version: 'v1',
    pkg: 'io.k8s.api.certificates.v1',
    kinds: ['CertificateSigningRequest'],
  },
];

/** Kinds served without a list (create-only reviews, subresource kinds). */
const noList = new Set([
  'Binding',
  'Scale',
  'Eviction',
  'SelfSubjectReview',
  'TokenRequest',
  'TokenReview',
  'LocalSubjectAccessReview',
  'SelfSubjectAccessReview',
  'SelfSubjectRulesReview',
  'SubjectAccessReview',
]);

test('every served kind (and its list) has an upstream-named definition carrying its GVK', () => {
  for (const gv of served) {
    for (const kind of gv.kinds) {
      for (const k of noList.has(kind) ? [kind] : [kind, `${kind}List`]) {
        const found = definitionForGVK(defs, { group: gv.group, version: gv.version, kind: k });
        assert.equal(found?.name, `${gv.pkg}.${k}`, `${gv.group}/${gv.version} ${k}`);
        assert.deepEqual(found.schema['x-kubernetes-group-version-kind'], [
          { group: gv.group, kind: k, version: gv.version },
        ]);
      }
    }
  }
});

test('PodSpec.containers: merge by name, array of Container refs', () => {
  const p = prop(`${core}.PodSpec`, 'containers');
  assert.equal(p.type, 'array');
  assert.equal(p.items?.$ref, `#/definitions/${core}.Container`);
  assert.equal(p['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(p['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(p['x-kubernetes-list-type'], 'map');
  assert.deepEqual(p['x-kubernetes-list-map-keys'], ['name']);
});

test('patch metadata from the table lands on the upstream fields', () => {
  const cases: [string, string, string, string][] = [
    [`${core}.Container`, 'env', 'merge', 'name'],
    [`${core}.Container`, 'ports', 'merge', 'containerPort'],
    [`${core}.Container`, 'volumeMounts', 'merge', 'mountPath'],
    [`${core}.PodSpec`, 'volumes', 'merge,retainKeys', 'name'],
    [`${meta}.ObjectMeta`, 'ownerReferences', 'merge', 'uid'],
  ];
  for (const [d, field, strategy, key] of cases) {
    const p = prop(d, field);
    assert.equal(p['x-kubernetes-patch-strategy'], strategy, `${d}.${field} strategy`);
    assert.equal(p['x-kubernetes-patch-merge-key'], key, `${d}.${field} merge key`);
  }
});

test('PodSpec.tolerations is an atomic list without a patch strategy', () => {
  const p = prop(`${core}.PodSpec`, 'tolerations');
  assert.equal(p.type, 'array');
  assert.equal(p.items?.$ref, `#/definitions/${core}.Toleration`);
  assert.equal(p['x-kubernetes-list-type'], 'atomic');
  assert.equal('x-kubernetes-patch-strategy' in p, false);
  assert.equal('x-kubernetes-patch-merge-key' in p, false);
});

test('descriptions come from the declarations', () => {
  assert.match(def(`${core}.PodSpec`).description ?? '', /^PodSpec is a description of a pod\./);
  assert.match(prop(`${core}.Container`, 'name').description ?? '', /^Name of the container specified as a DNS_LABEL/);
  // Multi-paragraph comments keep upstream's blank-line paragraph breaks.
  assert.match(def(`${meta}.FieldsV1`).description ?? '', /^FieldsV1 stores a set of fields.*\n\nEach key is/s);
});

test('required lists exactly the non-optional properties', () => {
  assert.deepEqual(def(`${core}.Container`).required, ['name']);
  assert.deepEqual(def(`${core}.PodSpec`).required, ['containers']);
  assert.equal(def(`${meta}.ObjectMeta`).required, undefined);
  assert.deepEqual(def(`${core}.PodList`).required, ['items']);
});

test('special types have upstream shapes and are referenced by $ref', () => {
  assert.equal(def('io.k8s.apimachinery.pkg.api.resource.Quantity').type, 'string');
  assert.match(def('io.k8s.apimachinery.pkg.api.resource.Quantity').description ?? '', /fixed-point representation/);
  const ios = def('io.k8s.apimachinery.pkg.util.intstr.IntOrString');
  assert.equal(ios.type, 'string');
  assert.equal(ios.format, 'int-or-string');
  for (const t of ['Time', 'MicroTime']) {
    assert.equal(def(`${meta}.${t}`).type, 'string');
    assert.equal(def(`${meta}.${t}`).format, 'date-time');
  }
  assert.equal(def('io.k8s.apimachinery.pkg.runtime.RawExtension').type, 'object');
  const json = def('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON');
  assert.equal(json['x-kubernetes-preserve-unknown-fields'], true);
  assert.equal(json.type, undefined);

  assert.equal(
    prop('io.k8s.api.apps.v1.RollingUpdateDeployment', 'maxSurge').$ref,
    '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString',
  );
  assert.equal(prop(`${meta}.ObjectMeta`, 'creationTimestamp').$ref, `#/definitions/${meta}.Time`);
  const limits = prop(`${core}.ResourceRequirements`, 'limits');
  assert.equal(limits.type, 'object');
  assert.deepEqual(limits.additionalProperties, {
    $ref: '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity',
  });
});

test('numeric and byte formats follow upstream', () => {
  assert.deepEqual(
    [prop(`${core}.ContainerPort`, 'containerPort').type, prop(`${core}.ContainerPort`, 'containerPort').format],
    ['integer', 'int32'],
  );
  assert.equal(prop(`${meta}.ObjectMeta`, 'generation').format, 'int64');
  assert.equal(prop(`${core}.PodSecurityContext`, 'supplementalGroups').items?.format, 'int64');
  assert.deepEqual(prop(`${core}.Secret`, 'data').additionalProperties, { type: 'string', format: 'byte' });
  const maximum = prop('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps', 'maximum');
  assert.deepEqual([maximum.type, maximum.format], ['number', 'double']);
});

test('meta kinds registered in every group carry all their GVKs', () => {
  const gvks = def(`${meta}.DeleteOptions`)['x-kubernetes-group-version-kind'] ?? [];
  assert.ok(gvks.some((g) => g.group === '' && g.version === 'v1'));
  assert.ok(gvks.some((g) => g.group === 'apps' && g.version === 'v1' && g.kind === 'DeleteOptions'));
  assert.deepEqual(def(`${meta}.Status`)['x-kubernetes-group-version-kind'], [
    { group: '', version: 'v1', kind: 'Status' },
  ]);
});

test('the v1.32 supplement restores fields kubernetes-types lacks and drops removed ones', () => {
  const crdSchema = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps';
  assert.equal(prop(crdSchema, 'x-kubernetes-preserve-unknown-fields').type, 'boolean');
  assert.equal(
    prop(crdSchema, 'x-kubernetes-validations').items?.$ref,
    '#/definitions/io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.ValidationRule',
  );
  assert.equal(prop('io.k8s.api.admissionregistration.v1.RuleWithOperations', 'resources').type, 'array');
  assert.match(prop('io.k8s.api.authorization.v1.ResourceRule', 'resources').description ?? '', /"\*\/foo" represents/);
  assert.deepEqual(def('io.k8s.api.authorization.v1.ResourceRule').required, ['verbs']);
  assert.equal(prop(`${core}.Volume`, 'image').$ref, `#/definitions/${core}.ImageVolumeSource`);
  assert.equal(prop(`${core}.LinuxContainerUser`, 'uid').format, 'int64');
  assert.equal(def(`${core}.PodResourceClaim`).properties?.source, undefined);
  assert.equal(defs[`${core}.ClaimSource`], undefined);
});

test('every $ref resolves to a definition', () => {
  const dangling: string[] = [];
  for (const [name, schema] of Object.entries(defs)) {
    forEachRef(schema, (ref) => {
      if (!defs[refName(ref)]) dangling.push(`${name} -> ${ref}`);
    });
  }
  assert.deepEqual(dangling, []);
});

test('output is deterministic', () => {
  const again: Definitions = generateDefinitions().definitions;
  assert.equal(stableStringify(again), stableStringify(defs));
});

test('an injected patch table is applied, and unknown rows become warnings', () => {
  const { definitions, warnings: w } = generateDefinitions({
    patchTable: {
      [`${core}.PodSpec`]: { tolerations: { strategy: 'merge', mergeKey: 'key', mapType: 'atomic' } },
      [`${core}.NoSuchKind`]: { x: { listType: 'atomic' } },
      [`${core}.Container`]: { noSuchField: { listType: 'atomic' } },
    },
  });
  const tol = definitions[`${core}.PodSpec`].properties!.tolerations;
  assert.equal(tol['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(tol['x-kubernetes-patch-merge-key'], 'key');
  assert.equal(tol['x-kubernetes-map-type'], 'atomic');
  // Without the project table, containers carries no patch metadata.
  assert.equal(definitions[`${core}.PodSpec`].properties!.containers['x-kubernetes-patch-strategy'], undefined);
  assert.deepEqual(w, [
    `patch table names unknown property ${core}.Container.noSuchField`,
    `patch table names unknown definition ${core}.NoSuchKind`,
  ]);
});
