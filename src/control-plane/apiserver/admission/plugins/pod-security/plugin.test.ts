import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Namespace, Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import { auditAnnotationsOf } from '../../../audit/annotations.js';
import { PodSecurityAdmission, type PodSecurityOptions } from './plugin.js';
import { attrs, rejection } from '../testing.js';

function ns(name: string, labels: Record<string, string> = {}): Namespace {
  return { metadata: { name, labels } };
}

function plugin(namespaces: Namespace[], more: Partial<PodSecurityOptions> = {}) {
  return new PodSecurityAdmission({ getNamespace: (n) => namespaces.find((x) => x.metadata?.name === n), ...more });
}

const restrictedContainer: Container = {
  name: 'app',
  image: 'nginx',
  securityContext: {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
  },
};

function pod(spec: Partial<PodSpec>, name = 'x', meta: Pod['metadata'] = {}): Pod {
  return { metadata: { name, ...meta }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec } };
}

test('enforce restricted rejects a default pod with upstream message', async () => {
  const p = plugin([ns('prod', { 'pod-security.kubernetes.io/enforce': 'restricted' })]);
  const a = attrs({ resource: 'pods', namespace: 'prod', object: pod({}) });
  assert.ok(p.handles(a));
  const e = await rejection(() => p.validate(a));
  assert.equal(e.code, 403);
  assert.equal(
    e.message,
    'pods "x" is forbidden: violates PodSecurity "restricted:latest": ' +
      'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
      'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
      'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
      'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  );
  assert.deepEqual(auditAnnotationsOf(a.ctx), { 'pod-security.kubernetes.io/enforce-policy': 'restricted:latest' });
  assert.deepEqual(a.ctx.warnings, []);
  await p.validate(attrs({ resource: 'pods', namespace: 'prod', object: pod({ containers: [restrictedContainer] }) }));
});

test('baseline violations and their details', async () => {
  const p = plugin([ns('b', { 'pod-security.kubernetes.io/enforce': 'baseline' })]);
  const cases: [Partial<PodSpec>, string][] = [
    [{ hostNetwork: true, hostPID: true }, 'host namespaces (hostNetwork=true, hostPID=true)'],
    [
      {
        containers: [
          { name: 'a', securityContext: { privileged: true } },
          { name: 'b', securityContext: { privileged: true } },
        ],
      },
      'privileged (containers "a", "b" must not set securityContext.privileged=true)',
    ],
    [
      { containers: [{ name: 'a', securityContext: { capabilities: { add: ['NET_ADMIN', 'CHOWN', 'SYS_ADMIN'] } } }] },
      'non-default capabilities (container "a" must not include "NET_ADMIN", "SYS_ADMIN" in securityContext.capabilities.add)',
    ],
    [{ volumes: [{ name: 'host', hostPath: { path: '/' } }] }, 'hostPath volumes (volume "host")'],
    [
      {
        containers: [
          {
            name: 'a',
            ports: [
              { containerPort: 80, hostPort: 8080 },
              { containerPort: 81, hostPort: 80 },
            ],
          },
        ],
      },
      'hostPort (container "a" uses hostPorts 80, 8080)',
    ],
    [
      {
        securityContext: {
          sysctls: [
            { name: 'net.core.somaxconn', value: '1' },
            { name: 'net.ipv4.tcp_rmem', value: '1' },
          ],
        },
      },
      'forbidden sysctls (net.core.somaxconn)',
    ],
    [
      { securityContext: { seccompProfile: { type: 'Unconfined' } } },
      'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")',
    ],
    [
      { containers: [{ name: 'a', securityContext: { procMount: 'Unmasked' } }] },
      'procMount (container "a" must not set securityContext.procMount to "Unmasked")',
    ],
    [
      { securityContext: { seLinuxOptions: { type: 'spc_t', user: 'root' } } },
      'seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set)',
    ],
    [
      { containers: [{ name: 'a', securityContext: { appArmorProfile: { type: 'Unconfined' } } }] },
      'forbidden AppArmor profile (container "a" must not set AppArmor profile type to "Unconfined")',
    ],
    [
      { securityContext: { windowsOptions: { hostProcess: true } }, hostNetwork: true },
      'host namespaces (hostNetwork=true), hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)',
    ],
  ];
  for (const [spec, detail] of cases) {
    const e = await rejection(() => p.validate(attrs({ resource: 'pods', namespace: 'b', object: pod(spec) })));
    assert.equal(e.message, `pods "x" is forbidden: violates PodSecurity "baseline:latest": ${detail}`);
  }
  // Allowed at baseline: default capabilities, container_t, runtime/default AppArmor annotation, safe sysctls.
  await p.validate(
    attrs({
      resource: 'pods',
      namespace: 'b',
      object: pod(
        {
          containers: [
            {
              name: 'a',
              securityContext: { capabilities: { add: ['CHOWN'] }, seLinuxOptions: { type: 'container_t' } },
            },
          ],
          securityContext: { sysctls: [{ name: 'net.ipv4.tcp_keepalive_time', value: '60' }] },
        },
        'x',
        { annotations: { 'container.apparmor.security.beta.kubernetes.io/a': 'runtime/default' } },
      ),
    }),
  );
});

test('versions: older policy versions apply the checks of that release', async () => {
  const tcp = { securityContext: { sysctls: [{ name: 'net.ipv4.tcp_rmem', value: '4096 87380 6291456' }] } };
  const at = (version: string) =>
    plugin([
      ns('v', {
        'pod-security.kubernetes.io/enforce': 'baseline',
        'pod-security.kubernetes.io/enforce-version': version,
      }),
    ]);
  await at('v1.32').validate(attrs({ resource: 'pods', namespace: 'v', object: pod(tcp) }));
  const old = await rejection(() =>
    at('v1.31').validate(attrs({ resource: 'pods', namespace: 'v', object: pod(tcp) })),
  );
  assert.equal(
    old.message,
    'pods "x" is forbidden: violates PodSecurity "baseline:v1.31": forbidden sysctls (net.ipv4.tcp_rmem)',
  );
  // runAsUser=0 is only forbidden from v1.23 on.
  const root = pod({
    containers: [{ ...restrictedContainer, securityContext: { ...restrictedContainer.securityContext, runAsUser: 0 } }],
  });
  const restrictedAt = (version: string) =>
    plugin([
      ns('r', {
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': version,
      }),
    ]);
  await restrictedAt('v1.22').validate(attrs({ resource: 'pods', namespace: 'r', object: root }));
  const e = await rejection(() =>
    restrictedAt('v1.23').validate(attrs({ resource: 'pods', namespace: 'r', object: root })),
  );
  assert.equal(
    e.message,
    'pods "x" is forbidden: violates PodSecurity "restricted:v1.23": runAsUser=0 (container "app" must not set runAsUser=0)',
  );
});

test('restricted overrides baseline checks instead of repeating them', async () => {
  const p = plugin([ns('r', { 'pod-security.kubernetes.io/enforce': 'restricted' })]);
  const spec: Partial<PodSpec> = {
    containers: [
      {
        ...restrictedContainer,
        securityContext: {
          ...restrictedContainer.securityContext,
          capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] },
        },
      },
    ],
    volumes: [
      { name: 'h', hostPath: { path: '/x' } },
      { name: 'n', nfs: { server: 's', path: '/' } },
      { name: 'ok', emptyDir: {} },
    ],
  };
  const e = await rejection(() => p.validate(attrs({ resource: 'pods', namespace: 'r', object: pod(spec) })));
  assert.equal(
    e.message,
    'pods "x" is forbidden: violates PodSecurity "restricted:latest": ' +
      'unrestricted capabilities (container "app" must not include "SYS_ADMIN" in securityContext.capabilities.add), ' +
      'restricted volume types (volumes "h", "n" use restricted volume types "hostPath", "nfs")',
  );
});

test('warn and audit modes: warnings and audit annotations, never a rejection', async () => {
  const p = plugin([
    ns('dev', { 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/audit': 'baseline' }),
  ]);
  const a = attrs({
    resource: 'pods',
    namespace: 'dev',
    object: pod({ hostNetwork: true, containers: [restrictedContainer] }),
  });
  await p.validate(a);
  assert.deepEqual(a.ctx.warnings, [
    'would violate PodSecurity "restricted:latest": host namespaces (hostNetwork=true)',
  ]);
  assert.deepEqual(auditAnnotationsOf(a.ctx), {
    'pod-security.kubernetes.io/enforce-policy': 'privileged:latest',
    'pod-security.kubernetes.io/audit-violations':
      'would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true)',
  });
});

test('workload templates are warned about but never rejected', async () => {
  const p = plugin([ns('prod', { 'pod-security.kubernetes.io/enforce': 'restricted' })]);
  const deploy = {
    metadata: { name: 'web' },
    spec: {
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'x', securityContext: { privileged: true } }] },
      },
    },
  };
  const a = attrs({ resource: 'deployments', namespace: 'prod', object: deploy });
  assert.ok(p.handles(a));
  await p.validate(a);
  assert.equal(a.ctx.warnings.length, 1);
  assert.match(
    a.ctx.warnings[0]!,
    /^would violate PodSecurity "restricted:latest": privileged \(container "c" must not set securityContext.privileged=true\), allowPrivilegeEscalation != false/,
  );
  const cron = {
    metadata: { name: 'c' },
    spec: { jobTemplate: { spec: { template: { spec: { hostPID: true, containers: [restrictedContainer] } } } } },
  };
  const b = attrs({ resource: 'cronjobs', namespace: 'prod', object: cron });
  await p.validate(b);
  assert.deepEqual(b.ctx.warnings, ['would violate PodSecurity "restricted:latest": host namespaces (hostPID=true)']);
});

test('exemptions, privileged namespaces, insignificant updates and ignored subresources', async () => {
  const labels = { 'pod-security.kubernetes.io/enforce': 'restricted' };
  const p = plugin([ns('prod', labels), ns('kube-system', labels)], {
    exemptions: {
      namespaces: ['kube-system'],
      usernames: ['system:serviceaccount:kube-system:daemon-set-controller'],
      runtimeClasses: ['kata'],
    },
  });
  const bad = pod({ hostNetwork: true });
  await p.validate(attrs({ resource: 'pods', namespace: 'kube-system', object: bad }));
  await p.validate(
    attrs({
      resource: 'pods',
      namespace: 'prod',
      object: bad,
      user: { username: 'system:serviceaccount:kube-system:daemon-set-controller' },
    }),
  );
  const kata = attrs({
    resource: 'pods',
    namespace: 'prod',
    object: pod({ hostNetwork: true, runtimeClassName: 'kata' }),
  });
  await p.validate(kata);
  assert.equal(auditAnnotationsOf(kata.ctx)['pod-security.kubernetes.io/exempt'], 'runtimeClass');
  // Label-only updates of an existing violating pod pass; an image change is checked again.
  const old = pod({ hostNetwork: true }, 'x', { resourceVersion: '3' });
  const relabelled = pod({ hostNetwork: true }, 'x', { labels: { a: 'b' } });
  await p.validate(
    attrs({ resource: 'pods', namespace: 'prod', operation: 'UPDATE', name: 'x', object: relabelled, oldObject: old }),
  );
  const reimaged = pod({ hostNetwork: true, containers: [{ name: 'c', image: 'nginx:2' }] });
  await assert.rejects(() =>
    p.validate(
      attrs({ resource: 'pods', namespace: 'prod', operation: 'UPDATE', name: 'x', object: reimaged, oldObject: old }),
    ),
  );
  assert.equal(
    p.handles(attrs({ resource: 'pods', namespace: 'prod', subresource: 'status', operation: 'UPDATE', object: bad })),
    false,
  );
  assert.equal(
    p.handles(
      attrs({
        resource: 'pods',
        namespace: 'prod',
        subresource: 'ephemeralcontainers',
        operation: 'UPDATE',
        object: bad,
      }),
    ),
    true,
  );
  await plugin([ns('open')]).validate(attrs({ resource: 'pods', namespace: 'open', object: bad }));
});

test('namespace labels are validated, and tightening enforce warns about existing pods', async () => {
  const existing: Pod[] = [
    pod({ hostNetwork: true }, 'net-b', {
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true }],
    }),
    pod({ hostNetwork: true }, 'net-a', {
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true }],
    }),
    pod({ hostNetwork: true }, 'solo'),
    pod({ containers: [{ name: 'c', securityContext: { privileged: true } }] }, 'priv'),
    pod({}, 'fine'),
  ];
  const p = plugin([], { listPods: () => existing });
  const bad = await rejection(() =>
    p.validate(attrs({ resource: 'namespaces', object: ns('n', { 'pod-security.kubernetes.io/enforce': 'strict' }) })),
  );
  assert.equal(bad.code, 422);
  assert.equal(
    bad.message,
    'Namespace "n" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted',
  );
  const a = attrs({
    resource: 'namespaces',
    operation: 'UPDATE',
    name: 'n',
    object: ns('n', { 'pod-security.kubernetes.io/enforce': 'baseline' }),
    oldObject: ns('n'),
  });
  await p.validate(a);
  assert.deepEqual(a.ctx.warnings, [
    'existing pods in namespace "n" violate the new PodSecurity enforce level "baseline:latest"',
    'net-a (and 2 other pods): host namespaces',
    'priv: privileged',
  ]);
  // Relaxing the level does not dry-run anything.
  const relax = attrs({
    resource: 'namespaces',
    operation: 'UPDATE',
    name: 'n',
    object: ns('n', { 'pod-security.kubernetes.io/enforce': 'baseline' }),
    oldObject: ns('n', { 'pod-security.kubernetes.io/enforce': 'restricted' }),
  });
  await p.validate(relax);
  assert.deepEqual(relax.ctx.warnings, []);
});
