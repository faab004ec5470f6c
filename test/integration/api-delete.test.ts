import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { KubectlProcess, eventually, getJson, kubectlFails, kubectlOk, runPod } from './api-helpers.js';

/**
 * Acceptance: `kubectl delete` with each propagation policy and `--wait`,
 * `kubectl wait` (conditions, jsonpath, delete), and `--dry-run=server` on
 * every kind of write. The propagation tests check the API half (finalizer +
 * deletionTimestamp, removal once the finalizer is gone) in a way that holds
 * with or without the garbage collector; the last test is the full cascade
 * through the garbage collector and namespace controller (issue 6).
 */

interface Meta {
  metadata: {
    name: string;
    uid: string;
    resourceVersion: string;
    finalizers?: string[];
    deletionTimestamp?: string;
    ownerReferences?: { uid: string }[];
  };
  data?: Record<string, string>;
  spec?: { replicas?: number };
}

const ns = 'del';

describe('kubectl delete, wait and --dry-run=server', () => {
  let c: TestCluster;
  const ok = (args: string[], stdin?: string) => kubectlOk(c, args, stdin === undefined ? undefined : { stdin });
  const gone = async (args: string[]) => {
    const r = await c.kubectl(['get', ...args]);
    return r.code !== 0 && /NotFound/.test(r.stderr);
  };
  const cmWithFinalizer = (name: string, finalizer = 'example.com/hold') =>
    ok(
      ['create', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: ns, finalizers: [finalizer] },
      }),
    );
  /** A ConfigMap owned by Deployment `owner` (controller, blockOwnerDeletion), as JSON for `create -f -`. */
  const dependent = (name: string, owner: string, uid: string, finalizers: string[] = []) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name,
        namespace: ns,
        finalizers,
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'Deployment', name: owner, uid, controller: true, blockOwnerDeletion: true },
        ],
      },
    });
  const dropFinalizers = (kind: string, name: string) =>
    ok(['patch', kind, name, '-n', ns, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);

  before(async () => {
    c = await startTestCluster();
    await ok(['create', 'namespace', ns]);
  });
  after(async () => {
    await c?.dispose();
  });

  test('delete (Background, the default) removes the object before kubectl returns', async () => {
    await ok(['create', 'configmap', 'bg', '-n', ns]);
    assert.equal((await ok(['delete', 'configmap', 'bg', '-n', ns])).trim(), 'configmap "bg" deleted');
    assert.ok(await gone(['configmap', 'bg', '-n', ns]));
    await ok(['create', 'deployment', 'bg', '-n', ns, '--image=nginx']);
    assert.equal(
      (await ok(['delete', 'deployment', 'bg', '-n', ns, '--cascade=background'])).trim(),
      'deployment.apps "bg" deleted',
    );
    assert.ok(await gone(['deployment', 'bg', '-n', ns]));
    const missing = await kubectlFails(c, ['delete', 'configmap', 'bg', '-n', ns]);
    assert.match(missing.stderr, /Error from server \(NotFound\): configmaps "bg" not found/);
    const ignored = await ok(['delete', 'configmap', 'bg', '-n', ns, '--ignore-not-found']);
    assert.equal(ignored, '');
  });

  test('delete --cascade=foreground: the owner keeps the foregroundDeletion finalizer while a blocking dependent exists', async () => {
    // The dependent is held by its own finalizer, so the owner stays whether or not a garbage collector runs.
    await ok(['create', 'deployment', 'fg', '-n', ns, '--image=nginx']);
    const owner = await getJson<Meta>(c, ['deployment', 'fg', '-n', ns]);
    await ok(['create', '-f', '-'], dependent('fg-dep', 'fg', owner.metadata.uid, ['example.com/hold']));
    const out = await ok(['delete', 'deployment', 'fg', '-n', ns, '--cascade=foreground', '--wait=false']);
    assert.equal(out.trim(), 'deployment.apps "fg" deleted');
    const d = await getJson<Meta>(c, ['deployment', 'fg', '-n', ns]);
    assert.deepEqual(d.metadata.finalizers, ['foregroundDeletion']);
    assert.match(d.metadata.deletionTimestamp ?? '', /^\d{4}-\d\d-\d\dT/);
    assert.match(await ok(['get', 'deployments', '-n', ns, '-o', 'name']), /deployment\.apps\/fg/, 'still listed');
    // Removing the last finalizer completes the deletion (what the garbage collector does once dependents are gone).
    await dropFinalizers('deployment', 'fg');
    assert.ok(await gone(['deployment', 'fg', '-n', ns]));
    await dropFinalizers('configmap', 'fg-dep');
    await ok(['delete', 'configmap', 'fg-dep', '-n', ns, '--ignore-not-found']);
  });

  test('delete --cascade=orphan sets the orphan finalizer (seen by a watch) and keeps other finalizers', async () => {
    await cmWithFinalizer('orph');
    // A garbage collector removes "orphan" at once; the watch records the state the DELETE produced.
    const watch = new KubectlProcess(c, [
      'get',
      'configmap',
      'orph',
      '-n',
      ns,
      '-w',
      '--output-watch-events',
      '-o',
      'jsonpath={.type} {.object.metadata.finalizers} {.object.metadata.deletionTimestamp}{"\\n"}',
    ]);
    try {
      await watch.waitForOutput('the initial ADDED', (o) => o.startsWith('ADDED'));
      await ok(['delete', 'configmap', 'orph', '-n', ns, '--cascade=orphan', '--wait=false']);
      await watch.waitForOutput('the MODIFIED event of the deletion', (o) => /^MODIFIED /m.test(o));
      const modified = watch.stdout.split('\n').find((l) => l.startsWith('MODIFIED ')) ?? '';
      const [, finalizers, deletionTimestamp] = modified.split(' ');
      assert.deepEqual([...(JSON.parse(finalizers) as string[])].sort(), ['example.com/hold', 'orphan'], modified);
      assert.match(deletionTimestamp ?? '', /^\d{4}-\d\d-\d\dT/);
    } finally {
      await watch.stop();
    }
    const cm = await getJson<Meta>(c, ['configmap', 'orph', '-n', ns]);
    assert.ok(cm.metadata.finalizers?.includes('example.com/hold'), 'other finalizers are kept');
    assert.ok(cm.metadata.deletionTimestamp);
    await dropFinalizers('configmap', 'orph');
    assert.ok(await gone(['configmap', 'orph', '-n', ns]));
  });

  test('an object being deleted cannot get new finalizers, and a new deletion keeps the first deletionTimestamp', async () => {
    await cmWithFinalizer('frozen');
    await ok(['delete', 'configmap', 'frozen', '-n', ns, '--wait=false']);
    const first = await getJson<Meta>(c, ['configmap', 'frozen', '-n', ns]);
    await ok(['delete', 'configmap', 'frozen', '-n', ns, '--wait=false']);
    const second = await getJson<Meta>(c, ['configmap', 'frozen', '-n', ns]);
    assert.equal(second.metadata.deletionTimestamp, first.metadata.deletionTimestamp);
    const r = await kubectlFails(c, [
      'patch',
      'configmap',
      'frozen',
      '-n',
      ns,
      '--type=merge',
      '-p',
      '{"metadata":{"finalizers":["example.com/hold","example.com/new"]}}',
    ]);
    assert.match(r.stderr, /Forbidden: no new finalizers can be added if the object is being deleted/);
    await dropFinalizers('configmap', 'frozen');
    assert.ok(await gone(['configmap', 'frozen', '-n', ns]));
  });

  test('delete --wait (the default) returns only once the finalizers are gone', async () => {
    await cmWithFinalizer('held');
    const del = new KubectlProcess(c, ['delete', 'configmap', 'held', '-n', ns, '-v=6']);
    try {
      await del.waitForOutput('the wait after DELETE to watch', (_, err) => /GET \S+watch=true\S* 200 OK/.test(err));
      assert.ok((await getJson<Meta>(c, ['configmap', 'held', '-n', ns])).metadata.deletionTimestamp);
      assert.ok(del.running, `kubectl delete must wait for the finalizer:\n${del.stdout}${del.stderr}`);
      await dropFinalizers('configmap', 'held');
      const r = await del.exited();
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'configmap "held" deleted');
      assert.ok(await gone(['configmap', 'held', '-n', ns]));
    } finally {
      await del.stop();
    }
  });

  test('delete -l and --all', async () => {
    for (const [n, tier] of [
      ['l1', 'a'],
      ['l2', 'a'],
      ['l3', 'b'],
    ]) {
      await ok(['create', 'configmap', n, '-n', ns]);
      await ok(['label', 'configmap', n, '-n', ns, `tier=${tier}`]);
    }
    const out = await ok(['delete', 'configmaps', '-n', ns, '-l', 'tier=a']);
    assert.deepEqual(out.trim().split('\n').sort(), ['configmap "l1" deleted', 'configmap "l2" deleted']);
    assert.equal(await ok(['get', 'configmaps', '-n', ns, '-l', 'tier', '-o', 'name']), 'configmap/l3\n');
    await ok(['create', 'namespace', 'del-all']);
    await ok(['create', 'configmap', 'x', '-n', 'del-all']);
    await ok(['create', 'secret', 'generic', 'y', '-n', 'del-all']);
    const all = await ok(['delete', 'configmaps,secrets', '--all', '-n', 'del-all']);
    assert.match(all, /^configmap "x" deleted$/m);
    assert.match(all, /^secret "y" deleted$/m);
    // kube-root-ca.crt may be published again by its controller; what we created is gone.
    assert.ok(await gone(['configmap', 'x', '-n', 'del-all']));
    assert.ok(await gone(['secret', 'y', '-n', 'del-all']));
  });

  test('delete pods: unscheduled pods go at once; --force --grace-period=0 warns', async () => {
    await runPod(c, 'p1', ns);
    assert.equal((await ok(['delete', 'pod', 'p1', '-n', ns])).trim(), 'pod "p1" deleted');
    assert.ok(await gone(['pod', 'p1', '-n', ns]));
    await runPod(c, 'p2', ns);
    const r = await c.kubectl(['delete', 'pod', 'p2', '-n', ns, '--force', '--grace-period=0']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /Immediate deletion does not wait for confirmation that the running resource has been terminated/,
    );
    assert.match(r.stdout, /pod "p2" force deleted/);
  });

  test('deleting a namespace marks it Terminating and refuses new content', async () => {
    // Content held by a finalizer keeps the namespace Terminating even while a namespace controller runs.
    await ok(['create', 'namespace', 'doomed']);
    await ok(
      ['create', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'inside', namespace: 'doomed', finalizers: ['example.com/hold'] },
      }),
    );
    await ok(['delete', 'namespace', 'doomed', '--wait=false']);
    const n = await getJson<Meta & { status: { phase: string }; spec: { finalizers: string[] } }>(c, [
      'namespace',
      'doomed',
    ]);
    assert.equal(n.status.phase, 'Terminating');
    assert.ok(n.metadata.deletionTimestamp);
    assert.deepEqual(n.spec.finalizers, ['kubernetes']);
    const r = await kubectlFails(c, ['create', 'configmap', 'late', '-n', 'doomed']);
    assert.match(
      r.stderr,
      /configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated/,
    );
  });

  test('wait --for=condition (CRD Established, a pod condition set while waiting, =False, timeout)', async () => {
    await ok(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'gizmos.example.com' },
        spec: {
          group: 'example.com',
          scope: 'Namespaced',
          names: { plural: 'gizmos', singular: 'gizmo', kind: 'Gizmo' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
            },
          ],
        },
      }),
    );
    const est = await ok(['wait', '--for=condition=Established', 'crd/gizmos.example.com', '--timeout=60s']);
    assert.equal(est.trim(), 'customresourcedefinition.apiextensions.k8s.io/gizmos.example.com condition met');
    await ok(['wait', '--for=condition=NamesAccepted=True', 'crd/gizmos.example.com', '--timeout=60s']);

    await runPod(c, 'waiter', ns);
    // -v=6 logs each request, so the test can tell when kubectl is watching.
    const w = new KubectlProcess(c, [
      'wait',
      '--for=condition=Ready',
      'pod/waiter',
      '-n',
      ns,
      '--timeout=120s',
      '-v=6',
    ]);
    try {
      // Once kubectl watches, satisfy the condition through the status subresource.
      await w.waitForOutput('the watch request', (_, err) => /GET \S+watch=true\S* 200 OK/.test(err));
      await ok([
        'patch',
        'pod',
        'waiter',
        '-n',
        ns,
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify({ status: { conditions: [{ type: 'Ready', status: 'True' }] } }),
      ]);
      const r = await w.exited();
      assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
      assert.equal(r.stdout.trim(), 'pod/waiter condition met');
    } finally {
      await w.stop();
    }
    const notReady = await c.kubectl(['wait', '--for=condition=Ready=False', 'pod/waiter', '-n', ns, '--timeout=2s']);
    assert.equal(notReady.code, 1);
    assert.match(notReady.stderr, /timed out waiting for the condition on pods\/waiter/);
    await ok(['wait', '--for=jsonpath={.status.phase}=Pending', 'pod/waiter', '-n', ns, '--timeout=60s']);
    // A condition the object never has never matches.
    const absent = await kubectlFails(c, ['wait', '--for=condition=Bogus', 'pod/waiter', '-n', ns, '--timeout=1s']);
    assert.match(absent.stderr, /timed out waiting for the condition on pods\/waiter/);
  });

  test('wait --for=delete', async () => {
    await cmWithFinalizer('awaited');
    await ok(['delete', 'configmap', 'awaited', '-n', ns, '--wait=false']);
    const w = new KubectlProcess(c, ['wait', '--for=delete', 'configmap/awaited', '-n', ns, '--timeout=120s', '-v=6']);
    try {
      await w.waitForOutput('the watch request', (_, err) => /GET \S+watch=true\S* 200 OK/.test(err));
      await dropFinalizers('configmap', 'awaited');
      const r = await w.exited();
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'configmap/awaited condition met');
    } finally {
      await w.stop();
    }
    const already = await ok(['wait', '--for=delete', 'configmap/awaited', '-n', ns, '--timeout=10s']);
    assert.equal(already, '', 'waiting for something already gone succeeds at once');
  });

  test('--dry-run=server validates, answers with the result, persists nothing and emits no watch events', async () => {
    await ok(['create', 'configmap', 'dry', '-n', ns, '--from-literal=a=1']);
    await ok(['create', 'deployment', 'dry', '-n', ns, '--image=nginx', '--replicas=1']);
    // Watches only objects labelled "dry": the real writes below are its only events.
    const watch = new KubectlProcess(c, ['get', 'configmaps', '-n', ns, '-w', '--output-watch-events', '-l', 'dry']);
    const events = () =>
      watch.stdout
        .split('\n')
        .filter((l) => /^(ADDED|MODIFIED|DELETED)\s/.test(l))
        .map((l) => l.split(/\s+/).slice(0, 2).join(' '));
    try {
      await ok(['label', 'configmap', 'dry', '-n', ns, 'dry=yes']);
      await watch.waitForOutput('the real label change', () => events().length === 1);
      const before = await getJson<Meta>(c, ['configmap', 'dry', '-n', ns]);
      const cases: [string[], string][] = [
        [['label', 'configmap', 'dry', '-n', ns, 'x=y', '--dry-run=server'], 'configmap/dry labeled (server dry run)'],
        [
          ['annotate', 'configmap', 'dry', '-n', ns, 'x=y', '--dry-run=server'],
          'configmap/dry annotated (server dry run)',
        ],
        [
          ['patch', 'configmap', 'dry', '-n', ns, '-p', '{"data":{"a":"2"}}', '--dry-run=server'],
          // kubectl patch prints no dry-run suffix (only its printer's operation).
          'configmap/dry patched',
        ],
        [
          ['scale', 'deployment', 'dry', '-n', ns, '--replicas=5', '--dry-run=server'],
          'deployment.apps/dry scaled (server dry run)',
        ],
        [['delete', 'configmap', 'dry', '-n', ns, '--dry-run=server'], 'configmap "dry" deleted (server dry run)'],
        [
          ['create', 'configmap', 'dry2', '-n', ns, '--from-literal=b=c', '--dry-run=server'],
          'configmap/dry2 created (server dry run)',
        ],
      ];
      for (const [args, want] of cases) assert.equal((await ok(args)).trim(), want, args.join(' '));
      const replaced = await ok(
        ['replace', '--dry-run=server', '-f', '-', '-o', 'jsonpath={.data.a}'],
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'dry', namespace: ns, labels: { dry: 'yes' } },
          data: { a: 'replaced' },
        }),
      );
      assert.equal(replaced, 'replaced', 'the response is the would-be object');
      const invalid = await kubectlFails(c, [
        'create',
        'deployment',
        'Bad_Name',
        '-n',
        ns,
        '--image=nginx',
        '--dry-run=server',
      ]);
      assert.match(invalid.stderr, /is invalid: metadata\.name: Invalid value/, 'dry runs still validate');

      const after = await getJson<
        Meta & { metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } }
      >(c, ['configmap', 'dry', '-n', ns]);
      assert.deepEqual(after.data, { a: '1' });
      assert.deepEqual(after.metadata.labels, { dry: 'yes' });
      assert.equal(after.metadata.annotations, undefined);
      assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion, 'nothing written');
      assert.equal((await getJson<Meta>(c, ['deployment', 'dry', '-n', ns])).spec?.replicas, 1);
      assert.ok(await gone(['configmap', 'dry2', '-n', ns]));

      // The next real write is the next event the watch sees.
      await ok(['label', 'configmap', 'dry', '-n', ns, 'dry=done', '--overwrite']);
      await watch.waitForOutput('the second real change', () => events().length >= 2);
      assert.deepEqual(events(), ['ADDED dry', 'MODIFIED dry'], watch.stdout);
    } finally {
      await watch.stop();
    }
  });

  test('with the garbage collector: Background deletes dependents, Foreground waits for them, Orphan strips ownerReferences; namespaces empty and go', async () => {
    const owner = async (name: string) => {
      await ok(['create', 'deployment', name, '-n', ns, '--image=nginx']);
      const d = await getJson<Meta>(c, ['deployment', name, '-n', ns]);
      await ok(['create', '-f', '-'], dependent(`${name}-dep`, name, d.metadata.uid));
    };
    await owner('gc-bg');
    await ok(['delete', 'deployment', 'gc-bg', '-n', ns, '--cascade=background']);
    await eventually('gc-bg-dep collected', async () =>
      (await gone(['configmap', 'gc-bg-dep', '-n', ns])) ? true : undefined,
    );

    await owner('gc-fg');
    // kubectl waits (default --wait) until the owner is gone, which is after its blocking dependent.
    await kubectlOk(c, ['delete', 'deployment', 'gc-fg', '-n', ns, '--cascade=foreground'], { timeoutMs: 120_000 });
    assert.ok(await gone(['configmap', 'gc-fg-dep', '-n', ns]), 'dependents go before the owner');
    assert.ok(await gone(['deployment', 'gc-fg', '-n', ns]));

    await owner('gc-or');
    await kubectlOk(c, ['delete', 'deployment', 'gc-or', '-n', ns, '--cascade=orphan'], { timeoutMs: 120_000 });
    assert.ok(await gone(['deployment', 'gc-or', '-n', ns]));
    const dep = await getJson<Meta>(c, ['configmap', 'gc-or-dep', '-n', ns]);
    assert.equal(dep.metadata.ownerReferences, undefined, 'the orphaned dependent lost its ownerReference');

    // The namespace controller empties "doomed" (left Terminating above) once its content can go.
    await ok([
      'patch',
      'configmap',
      'inside',
      '-n',
      'doomed',
      '--type=merge',
      '-p',
      '{"metadata":{"finalizers":null}}',
    ]);
    await kubectlOk(c, ['wait', '--for=delete', 'namespace/doomed', '--timeout=120s'], { timeoutMs: 150_000 });
    assert.ok(await gone(['namespace', 'doomed']));
  });
});
