import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodSpec } from 'kubernetes-types/core/v1.js';
import { validatePod } from './pod.js';
import { container, kinds, messages, pod } from './testdata.js';
test('a defaulted pod is valid', () => {
  assert.deepEqual(messages(validatePod(pod())), []);
});

test('pod spec checks report upstream paths and types', () => {
  const cases: [string, Partial<PodSpec>, string[]][] = [
    ['no containers', { containers: [] }, ['FieldValueRequired spec.containers']],
    [
      'missing image',
      { containers: [container('app', { image: '' })] },
      ['FieldValueRequired spec.containers[0].image'],
    ],
    ['bad container name', { containers: [container('App_1')] }, ['FieldValueInvalid spec.containers[0].name']],
    [
      'duplicate container names',
      { containers: [container('a'), container('a')] },
      ['FieldValueDuplicate spec.containers[1].name'],
    ],
    ['init name clashes', { initContainers: [container('app')] }, ['FieldValueDuplicate spec.initContainers[0].name']],
    [
      'terminationMessagePolicy',
      { containers: [container('a', { terminationMessagePolicy: 'Always' })] },
      ['FieldValueNotSupported spec.containers[0].terminationMessagePolicy'],
    ],
    [
      'imagePullPolicy',
      { containers: [container('a', { imagePullPolicy: 'Sometimes' })] },
      ['FieldValueNotSupported spec.containers[0].imagePullPolicy'],
    ],
    [
      'containerPort range',
      { containers: [container('a', { ports: [{ containerPort: 70000, protocol: 'TCP' }] })] },
      ['FieldValueInvalid spec.containers[0].ports[0].containerPort'],
    ],
    [
      'containerPort required',
      { containers: [container('a', { ports: [{ containerPort: 0, protocol: 'TCP' }] })] },
      ['FieldValueRequired spec.containers[0].ports[0].containerPort'],
    ],
    [
      'protocol',
      { containers: [container('a', { ports: [{ containerPort: 80, protocol: 'HTTP' }] })] },
      ['FieldValueNotSupported spec.containers[0].ports[0].protocol'],
    ],
    [
      'duplicate port names',
      {
        containers: [
          container('a', {
            ports: [
              { name: 'http', containerPort: 80, protocol: 'TCP' },
              { name: 'http', containerPort: 81, protocol: 'TCP' },
            ],
          }),
        ],
      },
      ['FieldValueDuplicate spec.containers[0].ports[1].name'],
    ],
    [
      'port name syntax',
      { containers: [container('a', { ports: [{ name: 'HTTP', containerPort: 80, protocol: 'TCP' }] })] },
      ['FieldValueInvalid spec.containers[0].ports[0].name', 'FieldValueInvalid spec.containers[0].ports[0].name'],
    ],
    [
      'host port conflict',
      {
        containers: [
          container('a', { ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] }),
          container('b', { ports: [{ containerPort: 81, hostPort: 8080, protocol: 'TCP' }] }),
        ],
      },
      ['FieldValueDuplicate spec.containers[1].ports[0].hostPort'],
    ],
    [
      'env name',
      { containers: [container('a', { env: [{ name: 'A=B', value: 'x' }] })] },
      ['FieldValueInvalid spec.containers[0].env[0].name'],
    ],
    [
      'relaxed env names are fine',
      { containers: [container('a', { env: [{ name: '1-weird.name', value: 'x' }] })] },
      [],
    ],
    [
      'env valueFrom and value',
      {
        containers: [
          container('a', {
            env: [{ name: 'A', value: 'x', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } }],
          }),
        ],
      },
      ['FieldValueInvalid spec.containers[0].env[0].valueFrom'],
    ],
    [
      'env valueFrom two sources',
      {
        containers: [
          container('a', {
            env: [
              {
                name: 'A',
                valueFrom: { configMapKeyRef: { name: 'c', key: 'k' }, secretKeyRef: { name: 's', key: 'k' } },
              },
            ],
          }),
        ],
      },
      ['FieldValueInvalid spec.containers[0].env[0].valueFrom'],
    ],
    [
      'env valueFrom empty',
      { containers: [container('a', { env: [{ name: 'A', valueFrom: {} }] })] },
      ['FieldValueInvalid spec.containers[0].env[0].valueFrom'],
    ],
    [
      'env fieldRef unsupported',
      {
        containers: [
          container('a', {
            env: [{ name: 'A', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.schedulerName' } } }],
          }),
        ],
      },
      ['FieldValueNotSupported spec.containers[0].env[0].valueFrom.fieldRef.fieldPath'],
    ],
    [
      'env label subscript',
      {
        containers: [
          container('a', {
            env: [{ name: 'A', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['app']" } } }],
          }),
        ],
      },
      [],
    ],
    [
      'envFrom without source',
      { containers: [container('a', { envFrom: [{ prefix: 'X_' }] })] },
      ['FieldValueInvalid spec.containers[0].envFrom'],
    ],
    [
      'mount of unknown volume',
      { containers: [container('a', { volumeMounts: [{ name: 'data', mountPath: '/data' }] })] },
      ['FieldValueNotFound spec.containers[0].volumeMounts[0].name'],
    ],
    [
      'mount paths unique',
      {
        volumes: [{ name: 'd', emptyDir: {} }],
        containers: [
          container('a', {
            volumeMounts: [
              { name: 'd', mountPath: '/x' },
              { name: 'd', mountPath: '/x' },
            ],
          }),
        ],
      },
      ['FieldValueInvalid spec.containers[0].volumeMounts[1].mountPath'],
    ],
    [
      'subPath backsteps',
      {
        volumes: [{ name: 'd', emptyDir: {} }],
        containers: [container('a', { volumeMounts: [{ name: 'd', mountPath: '/x', subPath: '../etc' }] })],
      },
      ['FieldValueInvalid spec.containers[0].volumeMounts.subPath'],
    ],
    ['volume without source', { volumes: [{ name: 'd' }] }, ['FieldValueRequired spec.volumes[0]']],
    [
      'volume with two sources',
      { volumes: [{ name: 'd', emptyDir: {}, hostPath: { path: '/tmp' } }] },
      ['FieldValueForbidden spec.volumes[0].hostPath'],
    ],
    [
      'duplicate volume names',
      {
        volumes: [
          { name: 'd', emptyDir: {} },
          { name: 'd', emptyDir: {} },
        ],
      },
      ['FieldValueDuplicate spec.volumes[1].name'],
    ],
    ['volume name syntax', { volumes: [{ name: 'D', emptyDir: {} }] }, ['FieldValueInvalid spec.volumes[0].name']],
    [
      'configMap volume name',
      { volumes: [{ name: 'c', configMap: { name: '' } }] },
      ['FieldValueRequired spec.volumes[0].configMap.name'],
    ],
    [
      'secret default mode',
      { volumes: [{ name: 's', secret: { secretName: 's', defaultMode: 0o1000 } }] },
      ['FieldValueInvalid spec.volumes[0].secret.defaultMode'],
    ],
    [
      'hostPath type',
      { volumes: [{ name: 'h', hostPath: { path: '/x', type: 'Dir' } }] },
      ['FieldValueNotSupported spec.volumes[0].hostPath.type'],
    ],
    [
      'pvc claimName',
      { volumes: [{ name: 'p', persistentVolumeClaim: { claimName: '' } }] },
      ['FieldValueRequired spec.volumes[0].persistentVolumeClaim.claimName'],
    ],
    [
      'limits below requests',
      { containers: [container('a', { resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } })] },
      ['FieldValueInvalid spec.containers[0].resources.requests'],
    ],
    [
      'bad quantity',
      { containers: [container('a', { resources: { limits: { memory: '12 giga' } } })] },
      ['FieldValueInvalid spec.containers[0].resources.limits[memory]'],
    ],
    [
      'negative quantity',
      { containers: [container('a', { resources: { requests: { cpu: '-1' } } })] },
      ['FieldValueInvalid spec.containers[0].resources.requests[cpu]'],
    ],
    [
      'unknown resource (two messages, as upstream)',
      { containers: [container('a', { resources: { requests: { gpu: '1' } } })] },
      [
        'FieldValueInvalid spec.containers[0].resources.requests[gpu]',
        'FieldValueInvalid spec.containers[0].resources.requests[gpu]',
      ],
    ],
    [
      'extended resource needs limit',
      { containers: [container('a', { resources: { requests: { 'example.com/gpu': '1' } } })] },
      ['FieldValueRequired spec.containers[0].resources.limits'],
    ],
    [
      'probe without handler',
      { containers: [container('a', { livenessProbe: { successThreshold: 1 } })] },
      ['FieldValueRequired spec.containers[0].livenessProbe'],
    ],
    [
      'probe with two handlers',
      { containers: [container('a', { readinessProbe: { exec: { command: ['true'] }, tcpSocket: { port: 80 } } })] },
      ['FieldValueForbidden spec.containers[0].readinessProbe.tcpSocket'],
    ],
    [
      'negative probe period',
      { containers: [container('a', { readinessProbe: { exec: { command: ['true'] }, periodSeconds: -1 } })] },
      ['FieldValueInvalid spec.containers[0].readinessProbe.periodSeconds'],
    ],
    [
      'liveness successThreshold',
      { containers: [container('a', { livenessProbe: { exec: { command: ['true'] }, successThreshold: 3 } })] },
      ['FieldValueInvalid spec.containers[0].livenessProbe.successThreshold'],
    ],
    [
      'httpGet port name',
      { containers: [container('a', { readinessProbe: { httpGet: { path: '/', port: '8080', scheme: 'HTTP' } } })] },
      ['FieldValueInvalid spec.containers[0].readinessProbe.httpGet.port'],
    ],
    [
      'init container probes',
      { initContainers: [container('init', { readinessProbe: { exec: { command: ['x'] } } })] },
      ['FieldValueForbidden spec.initContainers[0].readinessProbe'],
    ],
    [
      'sidecar init container may have probes',
      {
        initContainers: [container('init', { restartPolicy: 'Always', readinessProbe: { exec: { command: ['x'] } } })],
      },
      [],
    ],
    [
      'restartPolicy on regular container',
      { containers: [container('a', { restartPolicy: 'Always' })] },
      ['FieldValueForbidden spec.containers[0].restartPolicy'],
    ],
    ['restartPolicy', { restartPolicy: 'Sometimes' }, ['FieldValueNotSupported spec.restartPolicy']],
    ['dnsPolicy', { dnsPolicy: 'Google' }, ['FieldValueNotSupported spec.dnsPolicy']],
    ['dnsPolicy None needs config', { dnsPolicy: 'None' }, ['FieldValueRequired spec.dnsConfig']],
    [
      'terminationGracePeriodSeconds required',
      { terminationGracePeriodSeconds: undefined },
      ['FieldValueRequired spec.terminationGracePeriodSeconds'],
    ],
    ['activeDeadlineSeconds', { activeDeadlineSeconds: 0 }, ['FieldValueInvalid spec.activeDeadlineSeconds']],
    ['nodeSelector', { nodeSelector: { 'a b': 'c' } }, ['FieldValueInvalid spec.nodeSelector']],
    ['hostname', { hostname: 'a.b' }, ['FieldValueInvalid spec.hostname']],
    ['subdomain', { subdomain: 'A' }, ['FieldValueInvalid spec.subdomain']],
    ['serviceAccountName', { serviceAccountName: 'Bad' }, ['FieldValueInvalid spec.serviceAccountName']],
    [
      'toleration operator',
      { tolerations: [{ key: 'k', operator: 'Maybe' }] },
      ['FieldValueNotSupported spec.tolerations[0].operator'],
    ],
    [
      'toleration empty key needs Exists',
      { tolerations: [{ operator: 'Equal', value: 'v' }] },
      ['FieldValueInvalid spec.tolerations[0].operator'],
    ],
    [
      'toleration Exists with value',
      { tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] },
      ['FieldValueInvalid spec.tolerations[0].operator'],
    ],
    [
      'toleration seconds need NoExecute',
      { tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 }] },
      ['FieldValueInvalid spec.tolerations[0].effect'],
    ],
    [
      'toleration effect',
      { tolerations: [{ key: 'k', operator: 'Exists', effect: 'Never' }] },
      ['FieldValueNotSupported spec.tolerations[0].effect'],
    ],
    [
      'node affinity without terms',
      { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } } },
      [
        'FieldValueRequired spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms',
      ],
    ],
    [
      'node affinity operator',
      {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'Is' }] }],
            },
          },
        },
      },
      [
        'FieldValueInvalid spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator',
      ],
    ],
    [
      'preferred weight',
      {
        affinity: {
          nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: {} }] },
        },
      },
      ['FieldValueInvalid spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight'],
    ],
    [
      'pod affinity topologyKey',
      {
        affinity: {
          podAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { labelSelector: { matchLabels: { a: 'b' } }, topologyKey: '' },
            ],
          },
        },
      },
      [
        'FieldValueRequired spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey',
        // An empty qualified name fails both the emptiness and the regex check, as upstream.
        'FieldValueInvalid spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey',
        'FieldValueInvalid spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey',
      ],
    ],
    [
      'topology spread maxSkew',
      { topologySpreadConstraints: [{ maxSkew: 0, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }] },
      ['FieldValueInvalid spec.topologySpreadConstraints[0].maxSkew'],
    ],
    [
      'security context runAsUser',
      { securityContext: { runAsUser: -1 } },
      ['FieldValueInvalid spec.securityContext.runAsUser'],
    ],
    [
      'container privilege escalation',
      { containers: [container('a', { securityContext: { privileged: true, allowPrivilegeEscalation: false } })] },
      ['FieldValueInvalid spec.containers[0].securityContext'],
    ],
    [
      'seccomp type',
      { securityContext: { seccompProfile: { type: 'Strict' } } },
      ['FieldValueNotSupported spec.securityContext.seccompProfile.type'],
    ],
    [
      'sysctl name',
      { securityContext: { sysctls: [{ name: 'Net!', value: '1' }] } },
      ['FieldValueInvalid spec.securityContext.sysctls[0].name'],
    ],
    [
      'hostNetwork hostPort must match',
      {
        hostNetwork: true,
        containers: [container('a', { ports: [{ containerPort: 80, hostPort: 81, protocol: 'TCP' }] })],
      },
      ['FieldValueInvalid spec.containers[0].ports[0].hostPort'],
    ],
    [
      'ephemeral containers on create',
      {
        ephemeralContainers: [
          { name: 'debug', image: 'x', terminationMessagePolicy: 'File', imagePullPolicy: 'Always' },
        ],
      },
      ['FieldValueForbidden spec.ephemeralContainers'],
    ],
    [
      'image with whitespace',
      { containers: [container('a', { image: ' busybox ' })] },
      ['FieldValueInvalid spec.containers[0].image'],
    ],
    ['os name', { os: { name: 'plan9' } }, ['FieldValueNotSupported spec.os']],
  ];
  for (const [name, spec, want] of cases) assert.deepEqual(kinds(validatePod(pod(spec))), want, name);
});

test('exact messages for the common pod errors', () => {
  assert.deepEqual(messages(validatePod(pod({ containers: [container('app', { image: '' })] }))), [
    'spec.containers[0].image: Required value',
  ]);
  assert.deepEqual(messages(validatePod(pod({ restartPolicy: 'Sometimes' }))), [
    'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
  ]);
  assert.deepEqual(
    messages(validatePod(pod({ containers: [container('a', { ports: [{ containerPort: 80, protocol: 'HTTP' }] })] }))),
    ['spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'],
  );
  assert.deepEqual(
    messages(
      validatePod(
        pod({ containers: [container('a', { resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } })] }),
      ),
    ),
    ['spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'],
  );
  assert.deepEqual(messages(validatePod(pod({ volumes: [{ name: 'd' }] }))), [
    'spec.volumes[0]: Required value: must specify a volume type',
  ]);
  assert.deepEqual(
    messages(validatePod(pod({ containers: [container('a', { volumeMounts: [{ name: 'x', mountPath: '/x' }] })] }))),
    ['spec.containers[0].volumeMounts[0].name: Not found: "x"'],
  );
});

test('projected service account tokens need a service account; mirror pods need a node', () => {
  const p = pod({
    volumes: [
      { name: 't', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }] } },
    ],
  });
  assert.deepEqual(kinds(validatePod(p)), [
    'FieldValueForbidden spec.volumes[0].projected.sources[0].serviceAccountToken',
  ]);
  p.spec!.serviceAccountName = 'default';
  assert.deepEqual(kinds(validatePod(p)), []);
  const m = pod();
  m.metadata!.annotations = { 'kubernetes.io/config.mirror': 'x', 'controller.kubernetes.io/pod-deletion-cost': '1.5' };
  assert.deepEqual(kinds(validatePod(m)), [
    'FieldValueInvalid metadata.annotations[kubernetes.io/config.mirror]',
    'FieldValueInvalid metadata.annotations[controller.kubernetes.io/pod-deletion-cost]',
  ]);
});
