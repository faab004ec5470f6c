import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { describeRun, getJson, kubectlFails, kubectlOk, rootCAConfigMap, runPod } from './api-helpers.js';

/**
 * Acceptance: describe, edit (KUBE_EDITOR), patch (strategic, merge, JSON; main
 * resource and subresources; built-in and custom kinds), label/annotate,
 * scale, and `auth whoami` / `auth can-i` with real kubectl.
 */

/** Free-form API objects read back in assertions (their shape is what is under test). */
type Json = Record<string, any>;

const ns = 'mut';

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'app', namespace: ns, labels: { app: 'app' } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'app' } },
    template: {
      metadata: { labels: { app: 'app' } },
      spec: {
        containers: [
          { name: 'main', image: 'nginx:1.27', env: [{ name: 'A', value: '1' }] },
          { name: 'side', image: 'busybox:1.36', command: ['sleep', '3600'] },
        ],
        tolerations: [{ key: 'k1', operator: 'Exists' }],
      },
    },
  },
};

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'pumps.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'pumps', singular: 'pump', kind: 'Pump' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: {
          status: {},
          scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
        },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  replicas: { type: 'integer' },
                  flow: { type: 'string' },
                  tags: { type: 'array', items: { type: 'string' } },
                },
              },
              status: { type: 'object', properties: { replicas: { type: 'integer' } } },
            },
          },
        },
      },
    ],
  },
};

describe('kubectl describe, edit, patch, label/annotate, scale and auth', () => {
  let c: TestCluster;
  const ok = (args: string[], opts?: { stdin?: string; env?: Record<string, string> }) => kubectlOk(c, args, opts);
  const get = (args: string[]) => getJson<Json>(c, args);
  /** kubectl edit with a scripted editor; TMPDIR keeps its temp and "copy of your changes" files in the cluster dir. */
  const editor = (command: string) => ({ KUBE_EDITOR: command, TMPDIR: c.dir });
  const containers = async () =>
    ((await get(['deploy', 'app', '-n', ns])).spec.template.spec.containers as Json[]).map((k) => k.name);

  before(async () => {
    c = await startTestCluster();
    await ok(['create', 'namespace', ns]);
    await ok(['apply', '-f', '-'], { stdin: JSON.stringify(deployment) });
    await ok(['apply', '-f', '-'], { stdin: JSON.stringify(crd) });
    await ok(['wait', '--for=condition=Established', 'crd/pumps.example.com', '--timeout=60s']);
    await ok(['apply', '-f', '-'], {
      stdin: JSON.stringify({
        apiVersion: 'example.com/v1',
        kind: 'Pump',
        metadata: { name: 'p1', namespace: ns },
        spec: { replicas: 1, flow: 'low', tags: ['a'] },
      }),
    });
  });
  after(async () => {
    await c?.dispose();
  });

  test('describe deployment, pod, service, configmap, namespace and a custom resource', async () => {
    const d = await ok(['describe', 'deployment', 'app', '-n', ns]);
    assert.match(d, /^Name:\s+app$/m);
    assert.match(d, /^Namespace:\s+mut$/m);
    assert.match(d, /^Selector:\s+app=app$/m);
    // The counts come from the deployment controller; only the desired count is the spec's.
    assert.match(d, /^Replicas:\s+1 desired \| \d+ updated \| \d+ total \| \d+ available \| \d+ unavailable$/m);
    assert.match(d, /^StrategyType:\s+RollingUpdate$/m);
    assert.match(d, /^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m);
    assert.match(d, /^ {3}main:\n {4}Image:\s+nginx:1\.27$/m);
    assert.match(d, /^ {6}A:\s+1$/m);
    assert.match(d, /^ {3}side:/m);

    await runPod(c, 'pod1', ns, ['--labels=app=pod1']);
    const p = await ok(['describe', 'pod', 'pod1', '-n', ns]);
    assert.match(p, /^Status:\s+Pending$/m);
    assert.match(p, /^Node:\s+<none>$/m);
    assert.match(p, /^Labels:\s+app=pod1$/m);
    assert.match(p, /^ {2}pod1:\n {4}Image:\s+nginx:1\.27$/m);
    assert.match(p, /^QoS Class:\s+BestEffort$/m);

    await ok(['create', 'service', 'clusterip', 'svc', '-n', ns, '--tcp=80:8080']);
    const s = await ok(['describe', 'service', 'svc', '-n', ns]);
    assert.match(s, /^Type:\s+ClusterIP$/m);
    assert.match(s, /^IP:\s+10\.43\.\d+\.\d+$/m);
    assert.match(s, /^Port:\s+80-8080\s+80\/TCP$/m);
    assert.match(s, /^TargetPort:\s+8080\/TCP$/m);
    assert.match(s, /^Session Affinity:\s+None$/m);

    await ok(['create', 'configmap', 'cm', '-n', ns, '--from-literal=greeting=hello']);
    const cm = await ok(['describe', 'configmap', 'cm', '-n', ns]);
    assert.match(cm, /^Data\n====\ngreeting:\n----\nhello\n/m);

    const n = await ok(['describe', 'namespace', ns]);
    assert.match(n, /^Status:\s+Active$/m);
    assert.match(n, /^Labels:\s+kubernetes\.io\/metadata\.name=mut$/m);

    const cr = await ok(['describe', 'pump', 'p1', '-n', ns]);
    assert.match(cr, /^API Version:\s+example\.com\/v1$/m);
    assert.match(cr, /^Kind:\s+Pump$/m);
    assert.match(cr, /^ {2}Flow:\s+low$/m);

    const many = await ok(['describe', 'configmaps', '-n', ns]);
    assert.match(many, /^Name:\s+cm$/m);
  });

  test('edit via KUBE_EDITOR changes the object; an unchanged file cancels; invalid edits are refused', async () => {
    await ok(['create', 'configmap', 'editme', '-n', ns, '--from-literal=color=green']);
    const out = await ok(['edit', 'configmap', 'editme', '-n', ns], {
      env: editor('sed -i -e s/color:\\ green/color:\\ purple/'),
    });
    assert.equal(out.trim(), 'configmap/editme edited');
    assert.equal((await get(['configmap', 'editme', '-n', ns])).data.color, 'purple');

    const gen = (await get(['deploy', 'app', '-n', ns])).metadata.generation as number;
    await ok(['edit', 'deployment', 'app', '-n', ns], { env: editor('sed -i -e s/nginx:1.27/nginx:1.28/') });
    const d = await get(['deploy', 'app', '-n', ns]);
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.28');
    assert.equal(d.metadata.generation, gen + 1);

    const same = await c.kubectl(['edit', 'configmap', 'editme', '-n', ns], { env: editor('true') });
    assert.equal(same.code, 0, describeRun(['edit'], same));
    assert.match(same.stderr, /Edit cancelled, no changes made\./);

    const bad = await c.kubectl(['edit', 'deployment', 'app', '-n', ns], {
      env: editor('sed -i -e s/replicas:\\ 1$/replicas:\\ -1/'),
    });
    assert.equal(bad.code, 1, describeRun(['edit'], bad));
    assert.match(bad.stderr, /deployments\.apps "app" is invalid/);
    const saved = /A copy of your changes has been stored to "([^"]+)"/.exec(bad.stderr);
    assert.ok(saved, bad.stderr);
    assert.match(
      readFileSync(saved[1], 'utf8'),
      /spec\.replicas: Invalid value: -1: must be greater than or equal to 0/,
    );
    assert.equal((await get(['deploy', 'app', '-n', ns])).spec.replicas, 1);

    const renamed = await c.kubectl(['edit', 'configmap', 'editme', '-n', ns], {
      env: editor('sed -i -e s/name:\\ editme/name:\\ other/'),
    });
    assert.equal(renamed.code, 1);
    assert.match(renamed.stderr, /At least one of apiVersion, kind and name was changed/);
  });

  test('patch --type=strategic merges lists by key, honours $patch directives, replaces unkeyed lists', async () => {
    await ok([
      'patch',
      'deployment',
      'app',
      '-n',
      ns,
      '-p',
      JSON.stringify({
        spec: {
          template: { spec: { containers: [{ name: 'main', image: 'nginx:1.29', env: [{ name: 'B', value: '2' }] }] } },
        },
      }),
    ]);
    let d = await get(['deploy', 'app', '-n', ns]);
    const main = d.spec.template.spec.containers[0] as Json;
    assert.equal(main.image, 'nginx:1.29');
    assert.deepEqual(
      main.env,
      [
        { name: 'B', value: '2' },
        { name: 'A', value: '1' },
      ],
      'env merged by name (patch entries first, as upstream)',
    );
    assert.deepEqual(await containers(), ['main', 'side'], 'the other container is kept');

    await ok([
      'patch',
      'deployment',
      'app',
      '-n',
      ns,
      '--type=strategic',
      '-p',
      JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'side', $patch: 'delete' }] } } } }),
    ]);
    assert.deepEqual(await containers(), ['main']);

    await ok([
      'patch',
      'deployment',
      'app',
      '-n',
      ns,
      '-p',
      JSON.stringify({ spec: { template: { spec: { tolerations: [{ key: 'k2', operator: 'Exists' }] } } } }),
    ]);
    d = await get(['deploy', 'app', '-n', ns]);
    assert.deepEqual(
      d.spec.template.spec.tolerations,
      [{ key: 'k2', operator: 'Exists' }],
      'tolerations have no merge key: replaced',
    );

    const unchanged = await ok(['patch', 'deployment', 'app', '-n', ns, '-p', '{"spec":{"replicas":1}}']);
    assert.equal(unchanged.trim(), 'deployment.apps/app patched (no change)');
  });

  test('patch --type=merge replaces lists and deletes with null', async () => {
    await ok([
      'patch',
      'deployment',
      'app',
      '-n',
      ns,
      '--type=merge',
      '-p',
      JSON.stringify({
        metadata: { labels: { extra: 'x' } },
        spec: { template: { spec: { containers: [{ name: 'solo', image: 'busybox:1.36' }] } } },
      }),
    ]);
    assert.deepEqual(await containers(), ['solo'], 'a merge patch replaces the whole list');
    await ok(['patch', 'deployment', 'app', '-n', ns, '--type=merge', '-p', '{"metadata":{"labels":{"extra":null}}}']);
    assert.deepEqual((await get(['deploy', 'app', '-n', ns])).metadata.labels, { app: 'app' });
  });

  test('patch --type=json: add, replace, remove, test, and errors', async () => {
    await ok([
      'patch',
      'deployment',
      'app',
      '-n',
      ns,
      '--type=json',
      '-p',
      JSON.stringify([
        { op: 'add', path: '/metadata/annotations', value: { a: '1' } },
        { op: 'replace', path: '/spec/replicas', value: 2 },
        { op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'added', image: 'nginx:1.27' } },
      ]),
    ]);
    let d = await get(['deploy', 'app', '-n', ns]);
    assert.equal(d.spec.replicas, 2);
    assert.deepEqual(await containers(), ['solo', 'added']);
    assert.equal(d.metadata.annotations.a, '1');
    await ok([
      'patch',
      'deployment',
      'app',
      '-n',
      ns,
      '--type=json',
      '-p',
      '[{"op":"test","path":"/spec/replicas","value":2},{"op":"remove","path":"/metadata/annotations/a"}]',
    ]);
    d = await get(['deploy', 'app', '-n', ns]);
    assert.equal(d.metadata.annotations?.a, undefined);
    const failed = await kubectlFails(c, [
      'patch',
      'deployment',
      'app',
      '-n',
      ns,
      '--type=json',
      '-p',
      '[{"op":"test","path":"/spec/replicas","value":7},{"op":"replace","path":"/spec/replicas","value":9}]',
    ]);
    assert.match(failed.stderr, /test failed/);
    assert.equal((await get(['deploy', 'app', '-n', ns])).spec.replicas, 2);
    const invalid = await kubectlFails(c, [
      'patch',
      'deployment',
      'app',
      '-n',
      ns,
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/replicas","value":-3}]',
    ]);
    assert.match(
      invalid.stderr,
      /The Deployment "app" is invalid: spec\.replicas: Invalid value: -3: must be greater than or equal to 0/,
    );
    const missing = await kubectlFails(c, ['patch', 'deployment', 'nope', '-n', ns, '--type=merge', '-p', '{}']);
    assert.match(missing.stderr, /Error from server \(NotFound\): deployments\.apps "nope" not found/);
  });

  test('patch subresources (status, scale)', async () => {
    // Status of a custom resource no controller writes; the main resource ignores status changes.
    await ok([
      'patch',
      'pump',
      'p1',
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"replicas":5}}',
    ]);
    assert.equal((await get(['pump', 'p1', '-n', ns])).status.replicas, 5);
    await ok(['patch', 'pump', 'p1', '-n', ns, '--type=merge', '-p', '{"status":{"replicas":9}}']);
    assert.equal(
      (await get(['pump', 'p1', '-n', ns])).status.replicas,
      5,
      'status written through the main resource is ignored',
    );
    // ... and the status subresource ignores everything but status.
    await ok([
      'patch',
      'pump',
      'p1',
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"spec":{"flow":"ignored"},"status":{"replicas":6}}',
    ]);
    const pump = await get(['pump', 'p1', '-n', ns]);
    assert.equal(pump.status.replicas, 6);
    assert.notEqual(pump.spec.flow, 'ignored');
    await ok([
      'patch',
      'deployment',
      'app',
      '-n',
      ns,
      '--subresource=scale',
      '--type=merge',
      '-p',
      '{"spec":{"replicas":3}}',
    ]);
    const d = await get(['deploy', 'app', '-n', ns]);
    assert.equal(d.spec.replicas, 3);
    const scale = await getJson<Json>(c, ['deploy', 'app', '-n', ns, '--subresource=scale']);
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.apiVersion, 'autoscaling/v1');
    assert.deepEqual(scale.spec, { replicas: 3 });
    assert.equal(scale.status.selector, 'app=app');
  });

  test('patch custom resources: merge and JSON patch work, strategic merge is refused with 415', async () => {
    await ok(['patch', 'pump', 'p1', '-n', ns, '--type=merge', '-p', '{"spec":{"flow":"high","tags":["b"]}}']);
    assert.deepEqual((await get(['pump', 'p1', '-n', ns])).spec, { replicas: 1, flow: 'high', tags: ['b'] });
    await ok([
      'patch',
      'pump',
      'p1',
      '-n',
      ns,
      '--type=json',
      '-p',
      '[{"op":"add","path":"/spec/tags/-","value":"c"}]',
    ]);
    assert.deepEqual((await get(['pump', 'p1', '-n', ns])).spec.tags, ['b', 'c']);
    const r = await kubectlFails(c, ['patch', 'pump', 'p1', '-n', ns, '-p', '{"spec":{"flow":"x"}}']);
    assert.match(r.stderr, /application\/strategic-merge-patch\+json is not supported by example\.com\/v1, Kind=Pump/);
    assert.match(
      r.stderr,
      /accepted media types include: application\/json-patch\+json, application\/merge-patch\+json, application\/apply-patch\+yaml/,
    );
  });

  test('label and annotate: add, --overwrite, remove, selectors, --all', async () => {
    await ok(['create', 'configmap', 'l1', '-n', ns]);
    await ok(['create', 'configmap', 'l2', '-n', ns]);
    assert.equal(
      (await ok(['label', 'configmap', 'l1', '-n', ns, 'tier=web', 'team=a'])).trim(),
      'configmap/l1 labeled',
    );
    const conflict = await kubectlFails(c, ['label', 'configmap', 'l1', '-n', ns, 'tier=db']);
    assert.match(conflict.stderr, /'tier' already has a value \(web\), and --overwrite is false/);
    await ok(['label', 'configmap', 'l1', '-n', ns, 'tier=db', '--overwrite']);
    assert.equal((await ok(['label', 'configmap', 'l1', '-n', ns, 'team-'])).trim(), 'configmap/l1 unlabeled');
    assert.deepEqual((await get(['configmap', 'l1', '-n', ns])).metadata.labels, { tier: 'db' });
    const bad = await kubectlFails(c, ['label', 'configmap', 'l1', '-n', ns, 'bad_value=a b']);
    assert.match(bad.stderr, /invalid label value/);

    await ok(['label', 'configmaps', '--all', '-n', ns, 'swept=yes']);
    assert.deepEqual(
      (await ok(['get', 'configmaps', '-n', ns, '-l', 'swept=yes', '-o', 'name']))
        .trim()
        .split('\n')
        .filter((n) => n !== `configmap/${rootCAConfigMap}`)
        .sort(),
      ['configmap/cm', 'configmap/editme', 'configmap/l1', 'configmap/l2'],
    );
    await ok(['label', 'configmaps', '-n', ns, '-l', 'tier=db', 'picked=1']);
    assert.equal(await ok(['get', 'configmaps', '-n', ns, '-l', 'picked', '-o', 'name']), 'configmap/l1\n');

    assert.equal(
      (await ok(['annotate', 'configmap', 'l2', '-n', ns, 'note=first line'])).trim(),
      'configmap/l2 annotated',
    );
    const noOverwrite = await kubectlFails(c, ['annotate', 'configmap', 'l2', '-n', ns, 'note=second']);
    assert.match(
      noOverwrite.stderr,
      /--overwrite is false but found the following declared annotation\(s\): 'note' already has a value \(first line\)/,
    );
    await ok(['annotate', 'configmap', 'l2', '-n', ns, 'note=second', '--overwrite']);
    assert.equal((await get(['configmap', 'l2', '-n', ns])).metadata.annotations.note, 'second');
    await ok(['annotate', 'configmap', 'l2', '-n', ns, 'note-']);
    assert.equal(
      (await get(['configmap', 'l2', '-n', ns])).metadata.annotations,
      undefined,
      'the last annotation removed leaves none',
    );
  });

  test('scale deployments and custom resources; --current-replicas and --resource-version preconditions', async () => {
    assert.equal(
      (await ok(['scale', 'deployment', 'app', '-n', ns, '--replicas=4'])).trim(),
      'deployment.apps/app scaled',
    );
    let d = await get(['deploy', 'app', '-n', ns]);
    assert.equal(d.spec.replicas, 4);
    await ok(['scale', 'deployment', 'app', '-n', ns, '--replicas=2', '--current-replicas=4']);
    const wrong = await kubectlFails(c, [
      'scale',
      'deployment',
      'app',
      '-n',
      ns,
      '--replicas=7',
      '--current-replicas=4',
    ]);
    assert.match(wrong.stderr, /Expected replicas to be 4, was 2/);
    d = await get(['deploy', 'app', '-n', ns]);
    await ok([
      'scale',
      'deployment',
      'app',
      '-n',
      ns,
      '--replicas=3',
      `--resource-version=${d.metadata.resourceVersion}`,
    ]);
    assert.equal((await get(['deploy', 'app', '-n', ns])).spec.replicas, 3);
    await ok(['create', 'deployment', 'zero', '-n', ns, '--image=nginx']);
    await ok(['scale', 'deployment', 'zero', '-n', ns, '--replicas=0']);
    assert.equal((await get(['deploy', 'zero', '-n', ns])).spec.replicas, 0);

    assert.equal((await ok(['scale', 'pump', 'p1', '-n', ns, '--replicas=5'])).trim(), 'pump.example.com/p1 scaled');
    assert.equal((await get(['pump', 'p1', '-n', ns])).spec.replicas, 5);
    const scale = await getJson<Json>(c, ['pump', 'p1', '-n', ns, '--subresource=scale']);
    assert.equal(scale.spec.replicas, 5);
  });

  test('auth whoami and auth can-i for the admin', async () => {
    const table = await ok(['auth', 'whoami']);
    assert.match(table, /^ATTRIBUTE\s+VALUE$/m);
    assert.match(table, /^Username\s+admin$/m);
    assert.match(table, /^Groups\s+\[system:masters system:authenticated\]$/m);
    const json = JSON.parse(await ok(['auth', 'whoami', '-o', 'json'])) as Json;
    assert.equal(json.kind, 'SelfSubjectReview');
    assert.equal(json.apiVersion, 'authentication.k8s.io/v1');
    assert.equal(json.status.userInfo.username, 'admin');
    assert.deepEqual([...json.status.userInfo.groups].sort(), ['system:authenticated', 'system:masters']);
    assert.equal((await ok(['auth', 'can-i', 'create', 'deployments', '-n', ns])).trim(), 'yes');
    assert.equal((await ok(['auth', 'can-i', '*', '*'])).trim(), 'yes');
  });

  test('auth whoami and can-i through impersonation (--as/--as-group)', async () => {
    const jane = await ok(['auth', 'whoami', '--as=jane', '--as-group=devs']);
    assert.match(jane, /^Username\s+jane$/m);
    assert.match(jane, /^Groups\s+\[devs system:authenticated\]$/m);
    const no = await c.kubectl(['auth', 'can-i', 'get', 'pods', '-n', ns, '--as=nobody']);
    assert.equal(no.code, 1, describeRun(['auth', 'can-i'], no));
    assert.equal(no.stdout.trim(), 'no');
    const forbidden = await kubectlFails(c, ['get', 'pods', '-n', ns, '--as=nobody']);
    assert.match(
      forbidden.stderr,
      /Error from server \(Forbidden\): pods is forbidden: User "nobody" cannot list resource "pods" in API group "" in the namespace "mut"/,
    );
  });
});
