import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ResourceQuota } from 'kubernetes-types/core/v1.js';
import { AdmissionChain } from '../chain.js';
import { defaultAdmissionPlugins, type AdmissionLookups } from './index.js';
import { attrs, rejection } from './testing.js';

function lookups(quota: ResourceQuota): AdmissionLookups {
  return {
    getNamespace: (n) =>
      n === 'default'
        ? { metadata: { name: 'default', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } }
        : undefined,
    getServiceAccount: (ns, n) => (n === 'default' ? { metadata: { name: 'default', namespace: ns } } : undefined),
    getPod: () => undefined,
    listPods: () => [],
    getNode: () => undefined,
    listLimitRanges: () => [
      {
        metadata: { name: 'lr', namespace: 'default' },
        spec: { limits: [{ type: 'Container', default: { cpu: '200m' } }] },
      },
    ],
    listQuotas: () => [quota],
    updateQuotaStatus: async (_q, used) => {
      quota.status!.used = used;
    },
    listPriorityClasses: () => [],
    listStorageClasses: () => [],
    listMutatingWebhookConfigurations: () => [],
    listValidatingWebhookConfigurations: () => [],
    resolveService: () => 'https://127.0.0.1:1',
  };
}

test('the default chain admits a pod through every built-in plugin, in upstream order', async () => {
  const quota: ResourceQuota = {
    metadata: { name: 'q', namespace: 'default', resourceVersion: '1' },
    status: { hard: { 'limits.cpu': '1', pods: '5' }, used: { 'limits.cpu': '0', pods: '0' } },
  };
  const plugins = defaultAdmissionPlugins(lookups(quota));
  try {
    assert.deepEqual(
      plugins.mutating.map((p) => p.name),
      [
        'LimitRanger',
        'ServiceAccount',
        'TaintNodesByCondition',
        'Priority',
        'DefaultTolerationSeconds',
        'DefaultStorageClass',
        'MutatingAdmissionWebhook',
      ],
    );
    assert.deepEqual(
      plugins.validating.map((p) => p.name),
      [
        'NamespaceLifecycle',
        'LimitRanger',
        'ServiceAccount',
        'NodeRestriction',
        'PodSecurity',
        'Priority',
        'ValidatingAdmissionWebhook',
        'ResourceQuota',
      ],
    );
    const chain = new AdmissionChain(plugins.mutating, plugins.validating);
    const pod: Pod = { metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } };
    const a = attrs({ resource: 'pods', object: pod });
    await chain.admit(a);
    await chain.validate(a);
    assert.equal(pod.spec!.serviceAccountName, 'default');
    assert.equal(pod.spec!.priority, 0);
    assert.deepEqual(pod.spec!.containers[0]!.resources, { limits: { cpu: '200m' }, requests: { cpu: '200m' } });
    assert.equal(pod.spec!.tolerations!.length, 2);
    assert.equal(pod.spec!.volumes![0]!.name.startsWith('kube-api-access-'), true);
    assert.deepEqual(quota.status!.used, { 'limits.cpu': '200m', pods: '1' });

    const privileged: Pod = {
      metadata: { name: 'root' },
      spec: { containers: [{ name: 'c', securityContext: { privileged: true } }] },
    };
    const e = await rejection(async () => {
      const b = attrs({ resource: 'pods', object: privileged });
      await chain.admit(b);
      await chain.validate(b);
    });
    assert.equal(
      e.message,
      'pods "root" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)',
    );
    assert.deepEqual(quota.status!.used, { 'limits.cpu': '200m', pods: '1' }, 'a rejected pod is not charged');
  } finally {
    plugins.dispose();
  }
});

test('plugins can be disabled', () => {
  const quota: ResourceQuota = { metadata: { name: 'q' } };
  const plugins = defaultAdmissionPlugins(lookups(quota), {
    disabled: ['PodSecurity', 'ResourceQuota', 'MutatingAdmissionWebhook'],
  });
  assert.equal(
    plugins.validating.some((p) => p.name === 'PodSecurity' || p.name === 'ResourceQuota'),
    false,
  );
  assert.equal(
    plugins.mutating.some((p) => p.name === 'MutatingAdmissionWebhook'),
    false,
  );
  plugins.dispose();
});
