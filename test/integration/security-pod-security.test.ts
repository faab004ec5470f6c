import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminIdentity, ok, type Identity } from './fixtures/security/identities.js';

/**
 * Issue 5 acceptance: PodSecurity admission with the `restricted` level
 * rejects a privileged pod with upstream's message (checks in upstream's
 * order: baseline IDs sorted, then restricted IDs sorted); warn mode and
 * namespace relabelling produce upstream's warnings.
 */
const privilegedPod = (name: string, ns: string) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns },
    spec: { containers: [{ name: 'c', image: 'busybox:1.36', securityContext: { privileged: true } }] },
  });

const restrictedPod = (name: string, ns: string) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'c',
          image: 'busybox:1.36',
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  });

const restrictedViolations =
  'privileged (container "c" must not set securityContext.privileged=true), ' +
  'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
  'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
  'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
  'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';

describe('security: PodSecurity admission with real kubectl', () => {
  let c: TestCluster;
  let admin: Identity;

  before(async () => {
    c = await startTestCluster();
    admin = adminIdentity(c);
    const namespaces: [string, Record<string, string>][] = [
      ['psa-restricted', { 'pod-security.kubernetes.io/enforce': 'restricted' }],
      [
        'psa-pinned',
        { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.30' },
      ],
      ['psa-baseline', { 'pod-security.kubernetes.io/enforce': 'baseline' }],
      ['psa-warn', { 'pod-security.kubernetes.io/warn': 'restricted' }],
      ['psa-none', {}],
    ];
    for (const [name, labels] of namespaces) {
      ok(
        await admin.kubectl(['create', '-f', '-'], {
          stdin: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }),
        }),
        `ns ${name}`,
      );
      // Pods need the namespace's default ServiceAccount (ServiceAccount admission).
      await waitForSA(name);
    }
  });

  async function waitForSA(ns: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if ((await admin.kubectl(['get', 'serviceaccount', 'default', '-n', ns])).code === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no default ServiceAccount in ${ns}`);
  }

  after(async () => {
    await c?.dispose();
  });

  const podExists = async (name: string, ns: string) =>
    (await admin.kubectl(['get', 'pod', name, '-n', ns])).code === 0;

  test("restricted rejects a privileged pod with upstream's message", async () => {
    const r = await admin.kubectl(['create', '-f', '-'], { stdin: privilegedPod('priv', 'psa-restricted') });
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      `Error from server (Forbidden): error when creating "STDIN": pods "priv" is forbidden: violates PodSecurity "restricted:latest": ${restrictedViolations}`,
    );
    assert.equal(await podExists('priv', 'psa-restricted'), false);
  });

  test('restricted with a pinned version names that version', async () => {
    const r = await admin.kubectl(['create', '-f', '-'], { stdin: privilegedPod('priv', 'psa-pinned') });
    assert.equal(
      r.stderr.trim(),
      `Error from server (Forbidden): error when creating "STDIN": pods "priv" is forbidden: violates PodSecurity "restricted:v1.30": ${restrictedViolations}`,
    );
  });

  test('restricted admits a compliant pod', async () => {
    const r = ok(
      await admin.kubectl(['create', '-f', '-'], { stdin: restrictedPod('good', 'psa-restricted') }),
      'create',
    );
    assert.equal(r.stdout.trim(), 'pod/good created');
    assert.equal(r.stderr.trim(), '');
  });

  test('baseline rejects only what baseline forbids', async () => {
    const r = await admin.kubectl(['create', '-f', '-'], { stdin: privilegedPod('priv', 'psa-baseline') });
    assert.equal(
      r.stderr.trim(),
      'Error from server (Forbidden): error when creating "STDIN": pods "priv" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)',
    );
    const plain = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'plain', namespace: 'psa-baseline' },
      spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
    });
    ok(await admin.kubectl(['create', '-f', '-'], { stdin: plain }), 'plain pod under baseline');
  });

  test("warn mode admits the pod and prints upstream's warning", async () => {
    const r = ok(await admin.kubectl(['create', '-f', '-'], { stdin: privilegedPod('priv', 'psa-warn') }), 'create');
    assert.equal(r.stdout.trim(), 'pod/priv created');
    assert.equal(
      r.stderr.trim(),
      'Warning: would violate PodSecurity "restricted:latest": privileged (container "c" must not set securityContext.privileged=true), ' +
        'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
        'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
        'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
        'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
  });

  test('no label means privileged: the pod is admitted silently', async () => {
    const r = ok(await admin.kubectl(['create', '-f', '-'], { stdin: privilegedPod('priv', 'psa-none') }), 'create');
    assert.equal(r.stderr.trim(), '');
  });

  test('labelling a namespace with running violators warns about the existing pods', async () => {
    const r = ok(
      await admin.kubectl(['label', 'namespace', 'psa-none', 'pod-security.kubernetes.io/enforce=restricted']),
      'label',
    );
    assert.equal(r.stdout.trim(), 'namespace/psa-none labeled');
    assert.equal(
      r.stderr.trim(),
      'Warning: existing pods in namespace "psa-none" violate the new PodSecurity enforce level "restricted:latest"\n' +
        'Warning: priv: privileged, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
    );
    // The existing pod stays; new ones are held to the new level.
    assert.equal(await podExists('priv', 'psa-none'), true);
    const again = await admin.kubectl(['create', '-f', '-'], { stdin: privilegedPod('priv2', 'psa-none') });
    assert.match(again.stderr, /pods "priv2" is forbidden: violates PodSecurity "restricted:latest": privileged/);
  });

  test('an invalid level label is refused on the namespace', async () => {
    const r = await admin.kubectl([
      'label',
      'namespace',
      'psa-baseline',
      'pod-security.kubernetes.io/enforce=strict',
      '--overwrite',
    ]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      'The Namespace "psa-baseline" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted',
    );
  });
});
