import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults, hasDefaults } from './apply-defaults.js';

/**
 * Request bodies exactly as kubectl v1.32 sends them (captured with
 * `kubectl.1.32 create ... --dry-run=client -o json`), and the object a v1.32
 * kube-apiserver returns for them — minus what registries and admission add
 * (uid, resourceVersion, timestamps, clusterIP, Job selector, pod
 * serviceAccountName/tolerations...), which are not defaulting.
 */
interface Case {
  name: string;
  group: string;
  body: any;
  want: any;
}

const meta = (name: string, extra: object = {}) => ({ name, creationTimestamp: null, ...extra });
const container = (name: string, image: string, pull: string) => ({
  name,
  image,
  resources: {},
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
  imagePullPolicy: pull,
});
const podSpecDefaults = {
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 30,
  dnsPolicy: 'ClusterFirst',
  securityContext: {},
  schedulerName: 'default-scheduler',
};

const cases: Case[] = [
  {
    name: 'kubectl create deployment web --image=nginx',
    group: 'apps',
    body: {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: meta('web', { labels: { app: 'web' } }),
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { creationTimestamp: null, labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {} }] },
        },
        strategy: {},
      },
      status: {},
    },
    want: {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: meta('web', { labels: { app: 'web' } }),
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { creationTimestamp: null, labels: { app: 'web' } },
          spec: { containers: [container('nginx', 'nginx', 'Always')], ...podSpecDefaults },
        },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      },
      status: {},
    },
  },
  {
    name: 'kubectl run web --image=nginx:1.27',
    group: '',
    body: {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: meta('web', { labels: { run: 'web' } }),
      spec: {
        containers: [{ name: 'web', image: 'nginx:1.27', resources: {} }],
        restartPolicy: 'Always',
        dnsPolicy: 'ClusterFirst',
      },
      status: {},
    },
    want: {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: meta('web', { labels: { run: 'web' } }),
      spec: {
        containers: [container('web', 'nginx:1.27', 'IfNotPresent')],
        ...podSpecDefaults,
        enableServiceLinks: true,
      },
      status: {},
    },
  },
  {
    name: 'kubectl create job j --image=busybox',
    group: 'batch',
    body: {
      kind: 'Job',
      apiVersion: 'batch/v1',
      metadata: meta('j'),
      spec: {
        template: {
          metadata: { creationTimestamp: null },
          spec: { containers: [{ name: 'j', image: 'busybox', resources: {} }], restartPolicy: 'Never' },
        },
      },
      status: {},
    },
    want: {
      kind: 'Job',
      apiVersion: 'batch/v1',
      metadata: meta('j'),
      spec: {
        parallelism: 1,
        completions: 1,
        backoffLimit: 6,
        completionMode: 'NonIndexed',
        suspend: false,
        podReplacementPolicy: 'TerminatingOrFailed',
        manualSelector: false,
        template: {
          metadata: { creationTimestamp: null },
          spec: { containers: [container('j', 'busybox', 'Always')], ...podSpecDefaults, restartPolicy: 'Never' },
        },
      },
      status: {},
    },
  },
  {
    name: 'kubectl create cronjob cj --image=busybox --schedule=*/5 * * * *',
    group: 'batch',
    body: {
      kind: 'CronJob',
      apiVersion: 'batch/v1',
      metadata: meta('cj'),
      spec: {
        schedule: '*/5 * * * *',
        jobTemplate: {
          metadata: { name: 'cj', creationTimestamp: null },
          spec: {
            template: {
              metadata: { creationTimestamp: null },
              spec: { containers: [{ name: 'cj', image: 'busybox', resources: {} }], restartPolicy: 'OnFailure' },
            },
          },
        },
      },
      status: {},
    },
    want: {
      kind: 'CronJob',
      apiVersion: 'batch/v1',
      metadata: meta('cj'),
      spec: {
        schedule: '*/5 * * * *',
        concurrencyPolicy: 'Allow',
        suspend: false,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 1,
        jobTemplate: {
          metadata: { name: 'cj', creationTimestamp: null },
          spec: {
            template: {
              metadata: { creationTimestamp: null },
              spec: {
                containers: [container('cj', 'busybox', 'Always')],
                ...podSpecDefaults,
                restartPolicy: 'OnFailure',
              },
            },
          },
        },
      },
      status: {},
    },
  },
  {
    name: 'kubectl create service clusterip svc --tcp=80:8080',
    group: '',
    body: {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: meta('svc', { labels: { app: 'svc' } }),
      spec: {
        ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }],
        selector: { app: 'svc' },
        type: 'ClusterIP',
      },
      status: { loadBalancer: {} },
    },
    want: {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: meta('svc', { labels: { app: 'svc' } }),
      spec: {
        ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }],
        selector: { app: 'svc' },
        type: 'ClusterIP',
        sessionAffinity: 'None',
        internalTrafficPolicy: 'Cluster',
      },
      status: { loadBalancer: {} },
    },
  },
  {
    name: 'kubectl create service nodeport np --tcp=80',
    group: '',
    body: {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: meta('np', { labels: { app: 'np' } }),
      spec: {
        ports: [{ name: '80', protocol: 'TCP', port: 80, targetPort: 80 }],
        selector: { app: 'np' },
        type: 'NodePort',
      },
      status: { loadBalancer: {} },
    },
    want: {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: meta('np', { labels: { app: 'np' } }),
      spec: {
        ports: [{ name: '80', protocol: 'TCP', port: 80, targetPort: 80 }],
        selector: { app: 'np' },
        type: 'NodePort',
        sessionAffinity: 'None',
        externalTrafficPolicy: 'Cluster',
        internalTrafficPolicy: 'Cluster',
      },
      status: { loadBalancer: {} },
    },
  },
  {
    name: 'kubectl create namespace ns1',
    group: '',
    body: { kind: 'Namespace', apiVersion: 'v1', metadata: meta('ns1'), spec: {}, status: {} },
    want: {
      kind: 'Namespace',
      apiVersion: 'v1',
      metadata: meta('ns1', { labels: { 'kubernetes.io/metadata.name': 'ns1' } }),
      spec: {},
      status: { phase: 'Active' },
    },
  },
  {
    name: 'kubectl create secret generic s --from-literal=a=b',
    group: '',
    body: { kind: 'Secret', apiVersion: 'v1', metadata: meta('s'), data: { a: 'Yg==' } },
    want: { kind: 'Secret', apiVersion: 'v1', metadata: meta('s'), data: { a: 'Yg==' }, type: 'Opaque' },
  },
  {
    name: 'kubectl create configmap c (no data: the Go default map is invisible)',
    group: '',
    body: { kind: 'ConfigMap', apiVersion: 'v1', metadata: meta('c') },
    want: { kind: 'ConfigMap', apiVersion: 'v1', metadata: meta('c') },
  },
  {
    name: 'kubectl create serviceaccount sa',
    group: '',
    body: { kind: 'ServiceAccount', apiVersion: 'v1', metadata: meta('sa') },
    want: { kind: 'ServiceAccount', apiVersion: 'v1', metadata: meta('sa') },
  },
  {
    name: 'kubectl create pdb pdb --selector=app=web --min-available=1',
    group: 'policy',
    body: {
      kind: 'PodDisruptionBudget',
      apiVersion: 'policy/v1',
      metadata: meta('pdb'),
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } },
      status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 },
    },
    want: {
      kind: 'PodDisruptionBudget',
      apiVersion: 'policy/v1',
      metadata: meta('pdb'),
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } },
      status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 },
    },
  },
  {
    name: 'kubectl create priorityclass pc --value=1000',
    group: 'scheduling.k8s.io',
    body: { kind: 'PriorityClass', apiVersion: 'scheduling.k8s.io/v1', metadata: meta('pc'), value: 1000 },
    want: {
      kind: 'PriorityClass',
      apiVersion: 'scheduling.k8s.io/v1',
      metadata: meta('pc'),
      value: 1000,
      preemptionPolicy: 'PreemptLowerPriority',
    },
  },
  {
    name: 'kubectl create ingress ing --rule=foo.com/bar=svc1:8080',
    group: 'networking.k8s.io',
    body: {
      kind: 'Ingress',
      apiVersion: 'networking.k8s.io/v1',
      metadata: meta('ing'),
      spec: {
        rules: [
          {
            host: 'foo.com',
            http: {
              paths: [
                { path: '/bar', pathType: 'Exact', backend: { service: { name: 'svc1', port: { number: 8080 } } } },
              ],
            },
          },
        ],
      },
    },
    want: {
      kind: 'Ingress',
      apiVersion: 'networking.k8s.io/v1',
      metadata: meta('ing'),
      spec: {
        rules: [
          {
            host: 'foo.com',
            http: {
              paths: [
                { path: '/bar', pathType: 'Exact', backend: { service: { name: 'svc1', port: { number: 8080 } } } },
              ],
            },
          },
        ],
      },
      status: { loadBalancer: {} },
    },
  },
  {
    name: 'kubectl create quota q --hard=pods=2',
    group: '',
    body: { kind: 'ResourceQuota', apiVersion: 'v1', metadata: meta('q'), spec: { hard: { pods: '2' } }, status: {} },
    want: { kind: 'ResourceQuota', apiVersion: 'v1', metadata: meta('q'), spec: { hard: { pods: '2' } }, status: {} },
  },
  {
    name: 'kubectl create clusterrolebinding crb --clusterrole=view --user=bob',
    group: 'rbac.authorization.k8s.io',
    body: {
      kind: 'ClusterRoleBinding',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: meta('crb'),
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    },
    want: {
      kind: 'ClusterRoleBinding',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: meta('crb'),
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    },
  },
];

for (const c of cases) {
  test(`defaults: ${c.name}`, () => {
    const obj = structuredClone(c.body);
    applyDefaults(c.group, c.body.kind, obj);
    assert.deepEqual(obj, c.want);
    // Idempotent: defaulting the result again changes nothing.
    applyDefaults(c.group, c.body.kind, obj);
    assert.deepEqual(obj, c.want);
  });
}

test('unknown kinds and non-objects are left alone', () => {
  const cr = { apiVersion: 'example.com/v1', kind: 'Widget', spec: {} };
  applyDefaults('example.com', 'Widget', cr);
  assert.deepEqual(cr, { apiVersion: 'example.com/v1', kind: 'Widget', spec: {} });
  // Same kind name in another group is not confused with the built-in.
  const notAPod = { kind: 'Pod', spec: {} };
  applyDefaults('example.com', 'Pod', notAPod);
  assert.deepEqual(notAPod, { kind: 'Pod', spec: {} });
  for (const v of [null, undefined, 'x', 3, []]) assert.doesNotThrow(() => applyDefaults('', 'Pod', v));
  assert.equal(hasDefaults('apps', 'Deployment'), true);
  assert.equal(hasDefaults('', 'ConfigMap'), false);
  assert.equal(hasDefaults('example.com', 'Widget'), false);
});

test('malformed nested values are left for validation to report', () => {
  const d: any = { apiVersion: 'apps/v1', kind: 'Deployment', spec: { strategy: 'fast', template: 7 } };
  applyDefaults('apps', 'Deployment', d);
  assert.equal(d.spec.strategy, 'fast');
  assert.equal(d.spec.template, 7);
  assert.equal(d.spec.replicas, 1);
  const p: any = { apiVersion: 'v1', kind: 'Pod', spec: { containers: ['x', null, { name: 'a', image: 'a:1' }] } };
  applyDefaults('', 'Pod', p);
  assert.deepEqual(p.spec.containers.slice(0, 2), ['x', null]);
  assert.equal(p.spec.containers[2].imagePullPolicy, 'IfNotPresent');
});
