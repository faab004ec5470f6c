import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { containerSecurity, verifyRunAsNonRoot } from './security-context.js';

const pod = (psc: NonNullable<Pod['spec']>['securityContext'], c: Container): Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
  spec: { securityContext: psc, containers: [c] },
});

test('containerSecurity merges pod and container contexts', () => {
  const c: Container = {
    name: 'c',
    securityContext: {
      runAsUser: 1000,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };
  const p = pod({ runAsUser: 5, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000] }, c);
  assert.deepEqual(containerSecurity(p, c), {
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] },
    noNewPrivileges: true,
    supplementalGroups: [2000, 4000],
    unmaskedProc: false,
    seccomp: 'RuntimeDefault',
    runAsUser: 1000,
    runAsGroup: 3000,
  });
  const priv: Container = { name: 'c', securityContext: { privileged: true, allowPrivilegeEscalation: false } };
  assert.equal(containerSecurity(pod({}, priv), priv).noNewPrivileges, false);
  assert.equal(containerSecurity(pod({}, { name: 'c' }), { name: 'c' }, 65534).runAsUser, 65534);
  assert.equal(containerSecurity(pod({}, { name: 'c' }), { name: 'c' }, undefined, 'nobody').runAsUsername, 'nobody');
});

test('verifyRunAsNonRoot', () => {
  const c: Container = { name: 'app' };
  const cases: [NonNullable<Pod['spec']>['securityContext'], number | undefined, string, string | undefined][] = [
    [{}, undefined, '', undefined],
    [{ runAsNonRoot: true, runAsUser: 1000 }, 0, '', undefined],
    [
      { runAsNonRoot: true, runAsUser: 0 },
      1000,
      '',
      `container's runAsUser breaks non-root policy (pod: "p_ns(u1)", container: app)`,
    ],
    [
      { runAsNonRoot: true },
      undefined,
      '',
      'container has runAsNonRoot and image will run as root (pod: "p_ns(u1)", container: app)',
    ],
    [
      { runAsNonRoot: true },
      0,
      '',
      'container has runAsNonRoot and image will run as root (pod: "p_ns(u1)", container: app)',
    ],
    [{ runAsNonRoot: true }, 65534, '', undefined],
    [
      { runAsNonRoot: true },
      undefined,
      'nobody',
      'container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root (pod: "p_ns(u1)", container: app)',
    ],
  ];
  for (const [psc, uid, user, want] of cases) assert.equal(verifyRunAsNonRoot(pod(psc, c), c, uid, user), want);
});
