import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from './apply-defaults.js';

/** Defaults a copy of `body`, checks idempotency, and returns the copy without apiVersion/kind. */
function run(group: string, kind: string, body: object): any {
  const obj: any = { kind, ...structuredClone(body) };
  applyDefaults(group, kind, obj);
  const again = structuredClone(obj);
  applyDefaults(group, kind, again);
  assert.deepEqual(again, obj, `${kind} defaulting is idempotent`);
  delete obj.kind;
  delete obj.apiVersion;
  return obj;
}

test('Service variants', () => {
  const ports = [
    { port: 80 },
    { port: 443, targetPort: 'https', protocol: 'TCP' },
    { port: 53, targetPort: 0, protocol: 'UDP' },
  ];
  const cases: [object, object][] = [
    [
      { ports },
      {
        type: 'ClusterIP',
        sessionAffinity: 'None',
        internalTrafficPolicy: 'Cluster',
        ports: [
          { port: 80, protocol: 'TCP', targetPort: 80 },
          { port: 443, targetPort: 'https', protocol: 'TCP' },
          { port: 53, targetPort: 53, protocol: 'UDP' },
        ],
      },
    ],
    [
      { type: 'LoadBalancer', ports: [{ port: 80 }] },
      {
        type: 'LoadBalancer',
        sessionAffinity: 'None',
        externalTrafficPolicy: 'Cluster',
        internalTrafficPolicy: 'Cluster',
        allocateLoadBalancerNodePorts: true,
        ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
      },
    ],
    [
      { type: 'ExternalName', externalName: 'example.com' },
      { type: 'ExternalName', externalName: 'example.com', sessionAffinity: 'None' },
    ],
    [
      { externalIPs: ['192.0.2.1'], sessionAffinity: 'ClientIP' },
      {
        type: 'ClusterIP',
        externalIPs: ['192.0.2.1'],
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        externalTrafficPolicy: 'Cluster',
        internalTrafficPolicy: 'Cluster',
      },
    ],
    [
      {
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
        internalTrafficPolicy: 'Local',
      },
      {
        type: 'ClusterIP',
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
        internalTrafficPolicy: 'Local',
      },
    ],
    [
      { sessionAffinity: 'None', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } },
      { type: 'ClusterIP', sessionAffinity: 'None', internalTrafficPolicy: 'Cluster' },
    ],
  ];
  for (const [spec, want] of cases) assert.deepEqual(run('', 'Service', { spec }).spec, want, JSON.stringify(spec));
  const lb = run('', 'Service', {
    spec: { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false },
    status: { loadBalancer: { ingress: [{ ip: '192.0.2.9' }, { hostname: 'lb.example.com' }] } },
  });
  assert.equal(lb.spec.allocateLoadBalancerNodePorts, false);
  assert.deepEqual(lb.status, {
    loadBalancer: { ingress: [{ ip: '192.0.2.9', ipMode: 'VIP' }, { hostname: 'lb.example.com' }] },
  });
});

test('core kinds: Namespace, PV, PVC, Endpoints, LimitRange, Node, Event', () => {
  assert.deepEqual(run('', 'Namespace', { metadata: { generateName: 'ns-' } }), {
    metadata: { generateName: 'ns-' },
    spec: {},
    status: { phase: 'Active' },
  });
  assert.deepEqual(
    run('', 'Namespace', { metadata: { name: 'x', labels: { a: 'b' } }, status: { phase: 'Terminating' } }),
    {
      metadata: { name: 'x', labels: { a: 'b', 'kubernetes.io/metadata.name': 'x' } },
      spec: {},
      status: { phase: 'Terminating' },
    },
  );
  assert.deepEqual(run('', 'PersistentVolume', { spec: { capacity: { storage: '1Gi' }, hostPath: { path: '/d' } } }), {
    spec: {
      capacity: { storage: '1Gi' },
      hostPath: { path: '/d', type: '' },
      persistentVolumeReclaimPolicy: 'Retain',
      volumeMode: 'Filesystem',
    },
    status: { phase: 'Pending' },
  });
  assert.deepEqual(run('', 'PersistentVolumeClaim', { spec: { accessModes: ['ReadWriteOnce'] } }), {
    spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem', resources: {} },
    status: { phase: 'Pending' },
  });
  assert.deepEqual(
    run('', 'PersistentVolumeClaim', { spec: { volumeMode: 'Block', resources: { requests: { storage: '1' } } } }).spec,
    {
      volumeMode: 'Block',
      resources: { requests: { storage: '1' } },
    },
  );
  assert.deepEqual(
    run('', 'Endpoints', {
      subsets: [{ addresses: [{ ip: '10.42.0.5' }], ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] }],
    }),
    {
      subsets: [
        {
          addresses: [{ ip: '10.42.0.5' }],
          ports: [
            { port: 80, protocol: 'TCP' },
            { port: 53, protocol: 'UDP' },
          ],
        },
      ],
    },
  );
  assert.deepEqual(
    run('', 'LimitRange', {
      spec: {
        limits: [
          {
            type: 'Container',
            max: { cpu: '2', memory: '1Gi' },
            min: { cpu: '100m', memory: '10Mi' },
            default: { cpu: '1' },
          },
          { type: 'Pod', max: { cpu: '4' } },
          { type: 'Container', min: { cpu: '50m' } },
        ],
      },
    }).spec.limits,
    [
      {
        type: 'Container',
        max: { cpu: '2', memory: '1Gi' },
        min: { cpu: '100m', memory: '10Mi' },
        default: { cpu: '1', memory: '1Gi' },
        defaultRequest: { cpu: '1', memory: '1Gi' },
      },
      { type: 'Pod', max: { cpu: '4' } },
      { type: 'Container', min: { cpu: '50m' }, defaultRequest: { cpu: '50m' } },
    ],
  );
  const node = run('', 'Node', { metadata: { name: 'n' }, status: { capacity: { cpu: '2', pods: '110' } } });
  assert.deepEqual(node.status.allocatable, { cpu: '2', pods: '110' });
  assert.notEqual(node.status.allocatable, node.status.capacity);
  assert.deepEqual(node.spec, {});
  assert.deepEqual(node.status.daemonEndpoints, { kubeletEndpoint: { Port: 0 } });
  assert.equal(node.status.nodeInfo.kubeletVersion, '');
  const kept = run('', 'Node', {
    status: { capacity: { cpu: '2' }, allocatable: { cpu: '1' }, nodeInfo: { kubeletVersion: 'v1.32.0' } },
  });
  assert.deepEqual(kept.status.allocatable, { cpu: '1' });
  assert.equal(kept.status.nodeInfo.kubeletVersion, 'v1.32.0');
  assert.equal(kept.status.nodeInfo.architecture, '');
  assert.deepEqual(
    run('', 'Event', {
      metadata: { name: 'e' },
      involvedObject: { kind: 'Pod', name: 'p' },
      reason: 'Started',
      message: 'm',
      count: 1,
    }),
    {
      metadata: { name: 'e' },
      involvedObject: { kind: 'Pod', name: 'p' },
      reason: 'Started',
      message: 'm',
      count: 1,
      source: {},
      firstTimestamp: null,
      lastTimestamp: null,
      eventTime: null,
      reportingComponent: '',
      reportingInstance: '',
    },
  );
});

test('events.k8s.io Event, Lease, EndpointSlice, Role', () => {
  assert.deepEqual(
    run('events.k8s.io', 'Event', { eventTime: '2026-01-01T00:00:00.000000Z', reason: 'R', note: 'n' }),
    {
      eventTime: '2026-01-01T00:00:00.000000Z',
      reason: 'R',
      note: 'n',
      regarding: {},
      deprecatedSource: {},
      deprecatedFirstTimestamp: null,
      deprecatedLastTimestamp: null,
    },
  );
  assert.deepEqual(run('coordination.k8s.io', 'Lease', { metadata: { name: 'l' } }), {
    metadata: { name: 'l' },
    spec: {},
  });
  assert.deepEqual(run('discovery.k8s.io', 'EndpointSlice', { addressType: 'IPv4' }), {
    addressType: 'IPv4',
    endpoints: null,
    ports: null,
  });
  assert.deepEqual(
    run('discovery.k8s.io', 'EndpointSlice', {
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.42.0.1'] }, { addresses: ['10.42.0.2'], conditions: { ready: true } }],
      ports: [{ port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }],
    }),
    {
      addressType: 'IPv4',
      endpoints: [
        { addresses: ['10.42.0.1'], conditions: {} },
        { addresses: ['10.42.0.2'], conditions: { ready: true } },
      ],
      ports: [
        { port: 80, name: '', protocol: 'TCP' },
        { name: 'dns', port: 53, protocol: 'UDP' },
      ],
    },
  );
  assert.deepEqual(run('rbac.authorization.k8s.io', 'ClusterRole', { aggregationRule: { clusterRoleSelectors: [] } }), {
    aggregationRule: { clusterRoleSelectors: [] },
    rules: null,
  });
  const rules = [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }];
  assert.deepEqual(run('rbac.authorization.k8s.io', 'Role', { rules }), { rules });
});

test('RBAC bindings', () => {
  assert.deepEqual(
    run('rbac.authorization.k8s.io', 'RoleBinding', {
      roleRef: { kind: 'Role', name: 'r' },
      subjects: [
        { kind: 'User', name: 'u' },
        { kind: 'Group', name: 'g' },
        { kind: 'ServiceAccount', name: 'sa', namespace: 'ns' },
        { kind: 'User', name: 'x', apiGroup: 'custom' },
      ],
    }),
    {
      roleRef: { kind: 'Role', name: 'r', apiGroup: 'rbac.authorization.k8s.io' },
      subjects: [
        { kind: 'User', name: 'u', apiGroup: 'rbac.authorization.k8s.io' },
        { kind: 'Group', name: 'g', apiGroup: 'rbac.authorization.k8s.io' },
        { kind: 'ServiceAccount', name: 'sa', namespace: 'ns' },
        { kind: 'User', name: 'x', apiGroup: 'custom' },
      ],
    },
  );
});

test('networking: NetworkPolicy and IngressClass', () => {
  assert.deepEqual(run('networking.k8s.io', 'NetworkPolicy', { spec: {} }).spec, {
    podSelector: {},
    policyTypes: ['Ingress'],
  });
  assert.deepEqual(
    run('networking.k8s.io', 'NetworkPolicy', {
      spec: {
        podSelector: { matchLabels: { a: 'b' } },
        ingress: [{ ports: [{ port: 80 }] }],
        egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }],
      },
    }).spec,
    {
      podSelector: { matchLabels: { a: 'b' } },
      ingress: [{ ports: [{ port: 80, protocol: 'TCP' }] }],
      egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }],
      policyTypes: ['Ingress', 'Egress'],
    },
  );
  assert.deepEqual(
    run('networking.k8s.io', 'NetworkPolicy', { spec: { policyTypes: ['Egress'], podSelector: {} } }).spec,
    {
      podSelector: {},
      policyTypes: ['Egress'],
    },
  );
  assert.deepEqual(run('networking.k8s.io', 'IngressClass', {}), { spec: {} });
  assert.deepEqual(
    run('networking.k8s.io', 'IngressClass', { spec: { controller: 'x/y', parameters: { kind: 'K', name: 'n' } } })
      .spec,
    {
      controller: 'x/y',
      parameters: { kind: 'K', name: 'n', scope: 'Cluster' },
    },
  );
});

test('storage, scheduling', () => {
  assert.deepEqual(run('storage.k8s.io', 'StorageClass', { provisioner: 'p' }), {
    provisioner: 'p',
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'Immediate',
  });
  assert.deepEqual(
    run('storage.k8s.io', 'StorageClass', {
      provisioner: 'p',
      reclaimPolicy: 'Retain',
      volumeBindingMode: 'WaitForFirstConsumer',
    }),
    {
      provisioner: 'p',
      reclaimPolicy: 'Retain',
      volumeBindingMode: 'WaitForFirstConsumer',
    },
  );
  assert.deepEqual(run('storage.k8s.io', 'CSIDriver', { metadata: { name: 'd' } }).spec, {
    attachRequired: true,
    podInfoOnMount: false,
    storageCapacity: false,
    fsGroupPolicy: 'ReadWriteOnceWithFSType',
    volumeLifecycleModes: ['Persistent'],
    requiresRepublish: false,
    seLinuxMount: false,
  });
  assert.deepEqual(
    run('storage.k8s.io', 'VolumeAttachment', {
      spec: { attacher: 'a', nodeName: 'n', source: { inlineVolumeSpec: { hostPath: { path: '/x' } } } },
    }),
    {
      spec: { attacher: 'a', nodeName: 'n', source: { inlineVolumeSpec: { hostPath: { path: '/x', type: '' } } } },
      status: { attached: false },
    },
  );
  assert.deepEqual(run('scheduling.k8s.io', 'PriorityClass', {}), {
    value: 0,
    preemptionPolicy: 'PreemptLowerPriority',
  });
  assert.deepEqual(run('scheduling.k8s.io', 'PriorityClass', { value: 5, preemptionPolicy: 'Never' }), {
    value: 5,
    preemptionPolicy: 'Never',
  });
});

test('apiextensions CustomResourceDefinition', () => {
  const crd = run('apiextensions.k8s.io', 'CustomResourceDefinition', {
    spec: {
      group: 'example.com',
      names: { kind: 'Widget', plural: 'widgets' },
      scope: 'Namespaced',
      versions: [
        { name: 'v1beta1', served: true, storage: false },
        { name: 'v1', served: true, storage: true },
      ],
    },
  });
  assert.deepEqual(crd.spec.names, { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' });
  assert.deepEqual(crd.spec.conversion, { strategy: 'None' });
  assert.deepEqual(crd.status, { storedVersions: ['v1'], acceptedNames: { kind: '', plural: '' } });
  const webhook = run('apiextensions.k8s.io', 'CustomResourceDefinition', {
    spec: {
      names: { kind: 'W', plural: 'ws', singular: 'dub', listKind: 'Ws' },
      conversion: {
        strategy: 'Webhook',
        webhook: { clientConfig: { service: { namespace: 'n', name: 's' } }, conversionReviewVersions: ['v1'] },
      },
    },
    status: { storedVersions: ['v1alpha1'] },
  });
  assert.deepEqual(webhook.spec.names, { kind: 'W', plural: 'ws', singular: 'dub', listKind: 'Ws' });
  assert.deepEqual(webhook.spec.conversion.webhook.clientConfig.service, { namespace: 'n', name: 's', port: 443 });
  assert.deepEqual(webhook.status.storedVersions, ['v1alpha1']);
});

test('admissionregistration webhooks and policies', () => {
  const common = {
    failurePolicy: 'Fail',
    matchPolicy: 'Equivalent',
    namespaceSelector: {},
    objectSelector: {},
    timeoutSeconds: 10,
  };
  const hook = {
    name: 'h.example.com',
    clientConfig: { service: { namespace: 'n', name: 's' } },
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
  };
  const wantHook = {
    ...hook,
    clientConfig: { service: { namespace: 'n', name: 's', port: 443 } },
    rules: [{ ...hook.rules[0], scope: '*' }],
    ...common,
  };
  assert.deepEqual(
    run('admissionregistration.k8s.io', 'ValidatingWebhookConfiguration', { webhooks: [hook] }).webhooks,
    [wantHook],
  );
  assert.deepEqual(run('admissionregistration.k8s.io', 'MutatingWebhookConfiguration', { webhooks: [hook] }).webhooks, [
    { ...wantHook, reinvocationPolicy: 'Never' },
  ]);
  const explicit = { ...hook, failurePolicy: 'Ignore', timeoutSeconds: 3, clientConfig: { url: 'https://x' } };
  const got = run('admissionregistration.k8s.io', 'ValidatingWebhookConfiguration', { webhooks: [explicit] })
    .webhooks[0];
  assert.equal(got.failurePolicy, 'Ignore');
  assert.equal(got.timeoutSeconds, 3);
  assert.deepEqual(got.clientConfig, { url: 'https://x' });
  const rule = { operations: ['CREATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'] };
  const policy = run('admissionregistration.k8s.io', 'ValidatingAdmissionPolicy', {
    spec: { matchConstraints: { resourceRules: [rule] }, validations: [{ expression: 'true' }] },
  });
  assert.deepEqual(policy, {
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [{ ...rule, scope: '*' }],
        matchPolicy: 'Equivalent',
        namespaceSelector: {},
        objectSelector: {},
      },
      validations: [{ expression: 'true' }],
    },
    status: {},
  });
  const binding = run('admissionregistration.k8s.io', 'ValidatingAdmissionPolicyBinding', {
    spec: { policyName: 'p', validationActions: ['Deny'], matchResources: { excludeResourceRules: [rule] } },
  });
  assert.deepEqual(binding.spec.matchResources, {
    excludeResourceRules: [{ ...rule, scope: '*' }],
    matchPolicy: 'Equivalent',
    namespaceSelector: {},
    objectSelector: {},
  });
  const noMatch = run('admissionregistration.k8s.io', 'ValidatingAdmissionPolicyBinding', {
    spec: { policyName: 'p' },
  });
  assert.deepEqual(noMatch, { spec: { policyName: 'p' } });
});

test('flowcontrol and apiregistration', () => {
  assert.deepEqual(
    run('flowcontrol.apiserver.k8s.io', 'FlowSchema', { spec: { priorityLevelConfiguration: { name: 'x' } } }),
    {
      spec: { priorityLevelConfiguration: { name: 'x' }, matchingPrecedence: 1000 },
      status: {},
    },
  );
  assert.deepEqual(
    run('flowcontrol.apiserver.k8s.io', 'PriorityLevelConfiguration', {
      spec: { type: 'Limited', limited: { limitResponse: { type: 'Queue', queuing: { queues: 16 } } } },
    }).spec,
    {
      type: 'Limited',
      limited: {
        nominalConcurrencyShares: 30,
        lendablePercent: 0,
        limitResponse: { type: 'Queue', queuing: { queues: 16, handSize: 8, queueLengthLimit: 50 } },
      },
    },
  );
  assert.deepEqual(
    run('flowcontrol.apiserver.k8s.io', 'PriorityLevelConfiguration', {
      spec: { type: 'Limited', limited: { nominalConcurrencyShares: 0 } },
    }).spec.limited,
    { nominalConcurrencyShares: 0, lendablePercent: 0 },
  );
  assert.deepEqual(
    run('flowcontrol.apiserver.k8s.io', 'PriorityLevelConfiguration', { spec: { type: 'Exempt', exempt: {} } }).spec,
    {
      type: 'Exempt',
      exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 },
    },
  );
  assert.deepEqual(
    run('apiregistration.k8s.io', 'APIService', {
      spec: {
        group: 'metrics.k8s.io',
        version: 'v1beta1',
        service: { namespace: 'kube-system', name: 'metrics-server' },
      },
    }),
    {
      spec: {
        group: 'metrics.k8s.io',
        version: 'v1beta1',
        service: { namespace: 'kube-system', name: 'metrics-server', port: 443 },
      },
      status: {},
    },
  );
});
