import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CustomResourceDefinition, JSONSchemaProps } from 'kubernetes-types/apiextensions/v1.js';
import type { HorizontalPodAutoscaler as HPAv1 } from 'kubernetes-types/autoscaling/v1.js';
import type { HorizontalPodAutoscaler as HPAv2 } from 'kubernetes-types/autoscaling/v2.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import type { ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { validateCustomResourceDefinition, validateCustomResourceDefinitionUpdate } from './apiextensions.js';
import { validateHorizontalPodAutoscaler } from './autoscaling.js';
import { validateLease } from './coordination.js';
import { validateEndpointSlice } from './discovery.js';
import { validateIngress, validateNetworkPolicy } from './networking.js';
import { validatePodDisruptionBudget } from './policy.js';
import {
  validateClusterRole,
  validateClusterRoleBinding,
  validateRole,
  validateRoleBinding,
  validateRoleBindingUpdate,
} from './rbac.js';
import { validatePriorityClass, validatePriorityClassUpdate } from './scheduling.js';
import { validateStorageClass, validateStorageClassUpdate } from './storage.js';
import { clone, kinds, messages } from './testdata.js';

const ns = (name: string) => ({ name, namespace: 'default', uid: 'u', resourceVersion: '1' });
const cluster = (name: string) => ({ name, uid: 'u', resourceVersion: '1' });

test('rbac roles: rules need verbs, groups and resources; URLs only cluster-wide', () => {
  const role: Role = { metadata: ns('reader'), rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] };
  assert.deepEqual(kinds(validateRole(role)), []);
  const cases: [string, Role['rules'], string[]][] = [
    ['no verbs', [{ apiGroups: [''], resources: ['pods'], verbs: [] }], ['FieldValueRequired rules[0].verbs']],
    [
      'no groups or resources',
      [{ verbs: ['get'] }],
      ['FieldValueRequired rules[0].apiGroups', 'FieldValueRequired rules[0].resources'],
    ],
    [
      'URLs in a Role',
      [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }],
      ['FieldValueInvalid rules[0].nonResourceURLs'],
    ],
  ];
  for (const [name, rules, want] of cases)
    assert.deepEqual(kinds(validateRole({ metadata: role.metadata, rules })), want, name);
  assert.deepEqual(
    messages(validateRole({ metadata: role.metadata, rules: [{ apiGroups: [''], resources: ['pods'], verbs: [] }] })),
    ['rules[0].verbs: Required value: verbs must contain at least one value'],
  );
  assert.deepEqual(
    kinds(
      validateClusterRole({
        metadata: cluster('system:health'),
        rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }],
      }),
    ),
    [],
  );
  assert.deepEqual(
    kinds(
      validateClusterRole({
        metadata: cluster('x'),
        rules: [{ verbs: ['get'], nonResourceURLs: ['/h'], resources: ['pods'] }],
      }),
    ),
    ['FieldValueInvalid rules[0].nonResourceURLs'],
  );
  assert.deepEqual(kinds(validateRole({ metadata: ns('a/b'), rules: [] })), ['FieldValueInvalid metadata.name']);
});

test('rbac bindings: roleRef and subjects', () => {
  const rb: RoleBinding = {
    metadata: ns('read-pods'),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
    subjects: [
      { kind: 'User', name: 'jane', apiGroup: 'rbac.authorization.k8s.io' },
      { kind: 'ServiceAccount', name: 'default', namespace: 'default' },
    ],
  };
  assert.deepEqual(kinds(validateRoleBinding(rb)), []);
  const cases: [string, Partial<RoleBinding>, string[]][] = [
    ['roleRef kind', { roleRef: { ...rb.roleRef, kind: 'Group' } }, ['FieldValueNotSupported roleRef.kind']],
    ['roleRef group', { roleRef: { ...rb.roleRef, apiGroup: 'rbac' } }, ['FieldValueNotSupported roleRef.apiGroup']],
    ['roleRef name', { roleRef: { ...rb.roleRef, name: '' } }, ['FieldValueRequired roleRef.name']],
    ['subject kind', { subjects: [{ kind: 'Robot', name: 'r' }] }, ['FieldValueNotSupported subjects[0].kind']],
    ['user apiGroup', { subjects: [{ kind: 'User', name: 'u' }] }, ['FieldValueNotSupported subjects[0].apiGroup']],
    [
      'sa apiGroup',
      { subjects: [{ kind: 'ServiceAccount', name: 'sa', apiGroup: 'rbac.authorization.k8s.io' }] },
      ['FieldValueNotSupported subjects[0].apiGroup'],
    ],
    [
      'subject name',
      { subjects: [{ kind: 'Group', name: '', apiGroup: 'rbac.authorization.k8s.io' }] },
      ['FieldValueRequired subjects[0].name'],
    ],
  ];
  for (const [name, extra, want] of cases)
    assert.deepEqual(kinds(validateRoleBinding({ ...rb, ...extra })), want, name);
  const crb: ClusterRoleBinding = {
    metadata: cluster('admins'),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'x' },
    subjects: [{ kind: 'ServiceAccount', name: 'sa' }],
  };
  assert.deepEqual(kinds(validateClusterRoleBinding(crb)), [
    'FieldValueNotSupported roleRef.kind',
    'FieldValueRequired subjects[0].namespace',
  ]);
  const changed = clone(rb);
  changed.roleRef.name = 'writer';
  assert.deepEqual(kinds(validateRoleBindingUpdate(changed, rb)), ['FieldValueInvalid roleRef']);
  assert.match(
    messages(validateRoleBindingUpdate(changed, rb))[0]!,
    /^roleRef: Invalid value: .*: cannot change roleRef$/,
  );
});

test('pod disruption budgets', () => {
  const pdb = { metadata: ns('web'), spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } };
  assert.deepEqual(kinds(validatePodDisruptionBudget(pdb)), []);
  assert.deepEqual(kinds(validatePodDisruptionBudget({ ...pdb, spec: { ...pdb.spec, maxUnavailable: '10%' } })), [
    'FieldValueInvalid spec',
  ]);
  assert.deepEqual(messages(validatePodDisruptionBudget({ ...pdb, spec: { maxUnavailable: '150%' } })), [
    'spec.maxUnavailable: Invalid value: "150%": must not be greater than 100%',
  ]);
  assert.deepEqual(kinds(validatePodDisruptionBudget({ ...pdb, spec: { minAvailable: -1 } })), [
    'FieldValueInvalid spec.minAvailable',
  ]);
  assert.deepEqual(
    kinds(validatePodDisruptionBudget({ ...pdb, spec: { minAvailable: 1, unhealthyPodEvictionPolicy: 'Never' } })),
    ['FieldValueNotSupported spec.unhealthyPodEvictionPolicy'],
  );
});

test('priority classes', () => {
  assert.deepEqual(kinds(validatePriorityClass({ metadata: cluster('high'), value: 1000 })), []);
  assert.deepEqual(messages(validatePriorityClass({ metadata: cluster('huge'), value: 1000000001 })), [
    'value: Forbidden: maximum allowed value of a user defined priority is 1000000000',
  ]);
  assert.deepEqual(kinds(validatePriorityClass({ metadata: cluster('system-node-critical'), value: 2000001000 })), []);
  assert.deepEqual(messages(validatePriorityClass({ metadata: cluster('system-custom'), value: 1 })), [
    "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-custom is not a known system priority class",
  ]);
  assert.deepEqual(kinds(validatePriorityClass({ metadata: cluster('p'), value: 1, preemptionPolicy: 'Always' })), [
    'FieldValueNotSupported preemptionPolicy',
  ]);
  assert.deepEqual(
    kinds(validatePriorityClassUpdate({ metadata: cluster('p'), value: 2 }, { metadata: cluster('p'), value: 1 })),
    ['FieldValueForbidden value'],
  );
});

test('leases and endpoint slices', () => {
  assert.deepEqual(
    kinds(validateLease({ metadata: ns('node-1'), spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 } })),
    [],
  );
  assert.deepEqual(
    kinds(validateLease({ metadata: ns('l'), spec: { leaseDurationSeconds: 0, leaseTransitions: -1 } })),
    ['FieldValueInvalid spec.leaseDurationSeconds', 'FieldValueInvalid spec.leaseTransitions'],
  );
  const es: EndpointSlice = {
    metadata: ns('web-abc'),
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.42.0.5'], conditions: { ready: true } }],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
  assert.deepEqual(kinds(validateEndpointSlice(es)), []);
  const bad = clone(es);
  bad.endpoints = [{ addresses: [] }, { addresses: ['fd00::1'] }, { addresses: ['169.254.1.1'] }];
  bad.ports = [
    { name: 'http', port: 1, protocol: 'TCP' },
    { name: 'http', port: 2 },
  ];
  assert.deepEqual(kinds(validateEndpointSlice(bad)), [
    'FieldValueRequired endpoints[0].addresses',
    'FieldValueInvalid endpoints[1].addresses[0]',
    'FieldValueInvalid endpoints[2].addresses[0]',
    'FieldValueDuplicate ports[1].name',
    'FieldValueRequired ports[1].protocol',
  ]);
  assert.deepEqual(kinds(validateEndpointSlice({ ...es, addressType: 'IPX' })), ['FieldValueNotSupported addressType']);
});

test('ingresses and network policies', () => {
  const ing: Ingress = {
    metadata: ns('web'),
    spec: {
      rules: [
        {
          host: 'web.example.com',
          http: {
            paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }],
          },
        },
      ],
    },
  };
  assert.deepEqual(kinds(validateIngress(ing)), []);
  const path = (p: object) => ({
    ...ing,
    spec: {
      rules: [
        {
          host: 'a.b',
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } }, ...p },
            ],
          },
        },
      ],
    },
  });
  const cases: [string, Ingress, string[]][] = [
    ['no rules or backend', { ...ing, spec: {} }, ['FieldValueInvalid spec']],
    ['IP host', { ...ing, spec: { rules: [{ host: '1.2.3.4' }] } }, ['FieldValueInvalid spec.rules[0].host']],
    ['wildcard host', { ...ing, spec: { rules: [{ host: '*.example.com' }] } }, []],
    ['pathType', path({ pathType: 'Regex' }), ['FieldValueNotSupported spec.rules[0].http.paths[0].pathType']],
    ['relative path', path({ path: 'x' }), ['FieldValueInvalid spec.rules[0].http.paths[0].path']],
    [
      'no port',
      path({ backend: { service: { name: 'web', port: {} } } }),
      ['FieldValueRequired spec.rules[0].http.paths[0].backend'],
    ],
    ['no backend', path({ backend: {} }), ['FieldValueInvalid spec.rules[0].http.paths[0].backend']],
  ];
  for (const [name, obj, want] of cases) assert.deepEqual(kinds(validateIngress(obj)), want, name);

  const np: NetworkPolicy = {
    metadata: ns('deny'),
    spec: {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }],
          ports: [{ port: 80, endPort: 90, protocol: 'TCP' }],
        },
      ],
    },
  };
  assert.deepEqual(kinds(validateNetworkPolicy(np)), []);
  const bad = clone(np);
  bad.spec!.policyTypes = ['Sideways'];
  bad.spec!.ingress = [
    {
      from: [{}, { ipBlock: { cidr: '10.0.0.0/8', except: ['192.168.0.0/16'] }, podSelector: {} }],
      ports: [{ port: 'http', endPort: 90 }],
    },
  ];
  assert.deepEqual(kinds(validateNetworkPolicy(bad)), [
    'FieldValueInvalid spec.ingress[0].ports[0].endPort',
    'FieldValueRequired spec.ingress[0].from[0]',
    'FieldValueInvalid spec.ingress[0].from[1].ipBlock.except[0]',
    'FieldValueForbidden spec.ingress[0].from[1]',
    'FieldValueNotSupported spec.policyTypes[0]',
  ]);
});

test('horizontal pod autoscalers (v1 and v2)', () => {
  const v1: HPAv1 = {
    apiVersion: 'autoscaling/v1',
    metadata: ns('web'),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 5,
      targetCPUUtilizationPercentage: 80,
    },
  };
  assert.deepEqual(kinds(validateHorizontalPodAutoscaler(v1)), []);
  assert.deepEqual(
    kinds(
      validateHorizontalPodAutoscaler({
        ...v1,
        spec: { ...v1.spec!, minReplicas: 0, maxReplicas: 0, targetCPUUtilizationPercentage: 0 },
      }),
    ),
    [
      'FieldValueInvalid spec.minReplicas',
      'FieldValueInvalid spec.maxReplicas',
      'FieldValueInvalid spec.metrics[0].resource.target.averageUtilization',
    ],
  );
  const v2: HPAv2 = {
    apiVersion: 'autoscaling/v2',
    metadata: ns('web'),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      maxReplicas: 3,
      metrics: [
        { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '10' } } },
      ],
      behavior: { scaleDown: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
    },
  };
  assert.deepEqual(kinds(validateHorizontalPodAutoscaler(v2)), []);
  const bad = clone(v2);
  bad.spec!.minReplicas = 4;
  bad.spec!.metrics = [
    { type: 'Resource', pods: { metric: { name: 'x' }, target: { type: 'AverageValue', averageValue: '1' } } },
  ];
  bad.spec!.behavior = { scaleDown: { policies: [] } };
  assert.deepEqual(kinds(validateHorizontalPodAutoscaler(bad)), [
    'FieldValueInvalid spec.maxReplicas',
    'FieldValueRequired spec.metrics[0].resource',
    'FieldValueRequired spec.behavior.scaleDown.policies',
  ]);
});

function crd(): CustomResourceDefinition {
  return {
    metadata: cluster('widgets.example.com'),
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } as JSONSchemaProps },
            },
          },
        },
      ],
    },
  };
}

test('custom resource definitions', () => {
  assert.deepEqual(kinds(validateCustomResourceDefinition(crd())), []);
  const cases: [string, (c: CustomResourceDefinition) => void, string[]][] = [
    ['name mismatch', (c) => (c.metadata!.name = 'gadgets.example.com'), ['FieldValueInvalid metadata.name']],
    [
      'group without dot',
      (c) => ((c.spec.group = 'example'), (c.metadata!.name = 'widgets.example')),
      ['FieldValueInvalid spec.group'],
    ],
    ['scope', (c) => (c.spec.scope = 'Global'), ['FieldValueNotSupported spec.scope']],
    ['no storage version', (c) => (c.spec.versions[0]!.storage = false), ['FieldValueInvalid spec.versions']],
    [
      'two storage versions',
      (c) => c.spec.versions.push({ ...c.spec.versions[0]!, name: 'v2' }),
      ['FieldValueInvalid spec.versions'],
    ],
    [
      'no schema',
      (c) => delete c.spec.versions[0]!.schema,
      ['FieldValueRequired spec.versions[0].schema.openAPIV3Schema'],
    ],
    [
      'root not object',
      (c) => (c.spec.versions[0]!.schema!.openAPIV3Schema!.type = 'string'),
      ['FieldValueInvalid spec.versions[0].schema.openAPIV3Schema.type'],
    ],
    [
      'property without type',
      (c) => (c.spec.versions[0]!.schema!.openAPIV3Schema!.properties = { spec: {} }),
      ['FieldValueRequired spec.versions[0].schema.openAPIV3Schema.properties[spec].type'],
    ],
    ['missing kind', (c) => (c.spec.names.kind = ''), ['FieldValueRequired spec.names.kind']],
    ['version name', (c) => (c.spec.versions[0]!.name = 'V1'), ['FieldValueInvalid spec.versions[0].name']],
  ];
  for (const [name, m, want] of cases) {
    const c = crd();
    m(c);
    assert.deepEqual(kinds(validateCustomResourceDefinition(c)), want, name);
  }
  assert.deepEqual(messages(validateCustomResourceDefinition({ ...crd(), metadata: cluster('x.example.com') })), [
    'metadata.name: Invalid value: "x.example.com": must be spec.names.plural+"."+spec.group',
  ]);
  const old = crd();
  old.status = {
    acceptedNames: old.spec.names,
    storedVersions: ['v1'],
    conditions: [{ type: 'Established', status: 'True' }],
  };
  const next = clone(old);
  next.spec.scope = 'Cluster';
  assert.deepEqual(kinds(validateCustomResourceDefinitionUpdate(next, old)), ['FieldValueInvalid spec.scope']);
});

test('storage classes', () => {
  const sc = {
    metadata: cluster('local'),
    provisioner: 'rancher.io/local-path',
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  };
  assert.deepEqual(kinds(validateStorageClass(sc)), []);
  assert.deepEqual(
    kinds(validateStorageClass({ ...sc, provisioner: '', reclaimPolicy: 'Recycle', volumeBindingMode: 'Later' })),
    [
      'FieldValueRequired provisioner',
      'FieldValueNotSupported reclaimPolicy',
      'FieldValueNotSupported volumeBindingMode',
    ],
  );
  assert.deepEqual(messages(validateStorageClassUpdate({ ...sc, parameters: { a: 'b' } }, sc)), [
    'parameters: Forbidden: updates to parameters are forbidden.',
  ]);
});
