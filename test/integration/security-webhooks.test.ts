import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminIdentity, certIdentity, ok, type Identity } from './fixtures/security/identities.js';
import { waitFor } from './fixtures/security/wait.js';
import {
  closedPort,
  startWebhookServer,
  type AdmissionRequest,
  type WebhookServer,
} from './fixtures/security/webhook-server.js';

/**
 * Issue 5 acceptance: a validating and a mutating webhook served by a test
 * HTTPS server on loopback change and reject objects; failurePolicy Fail and
 * Ignore both behave when the webhook cannot be reached (closed port) or does
 * not answer in time.
 */
const denyLabel = 'security.kubets.test/deny';
const mutatedLabel = 'security.kubets.test/mutated-by';
const makeDenyAnnotation = 'security.kubets.test/make-deny';

const cm = (
  name: string,
  ns: string,
  extra: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: ns, ...extra },
    data: { k: 'v' },
  });

function webhook(
  name: string,
  url: string,
  caBundle: string,
  suite: string,
  o: { failurePolicy?: 'Fail' | 'Ignore'; timeoutSeconds?: number; operations?: string[] } = {},
): object {
  return {
    name,
    clientConfig: { url, caBundle },
    rules: [
      {
        operations: o.operations ?? ['CREATE', 'UPDATE'],
        apiGroups: [''],
        apiVersions: ['v1'],
        resources: ['configmaps'],
      },
    ],
    namespaceSelector: { matchLabels: { 'webhook-suite': suite } },
    failurePolicy: o.failurePolicy ?? 'Fail',
    ...(o.timeoutSeconds ? { timeoutSeconds: o.timeoutSeconds } : {}),
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
  };
}

const config = (kind: 'Mutating' | 'Validating', name: string, webhooks: object[]) =>
  JSON.stringify({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: `${kind}WebhookConfiguration`,
    metadata: { name },
    webhooks,
  });

describe('security: admission webhooks on a loopback HTTPS server', () => {
  let c: TestCluster;
  let admin: Identity;
  let wh: WebhookServer;
  let deadPort: number;

  const labelsOf = async (name: string, ns: string): Promise<Record<string, string> | undefined> => {
    const r = await admin.kubectl(['get', 'configmap', name, '-n', ns, '-o', 'json']);
    return r.code === 0 ? (JSON.parse(r.stdout).metadata.labels ?? {}) : undefined;
  };
  const reviewsFor = (path: string, name: string): AdmissionRequest[] =>
    wh.received.filter((r) => r.path === path && r.request.name === name).map((r) => r.request);

  before(async () => {
    wh = await startWebhookServer({
      '/mutate': (req) => {
        const labels = req.object?.metadata?.labels;
        const add: Record<string, string> = { [mutatedLabel]: 'webhook' };
        if (req.object?.metadata?.annotations?.[makeDenyAnnotation]) add[denyLabel] = 'true';
        const patch = labels
          ? Object.entries(add).map(([k, v]) => ({
              op: 'add',
              path: `/metadata/labels/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`,
              value: v,
            }))
          : [{ op: 'add', path: '/metadata/labels', value: add }];
        return { allowed: true, patch, warnings: ['mutated by the security suite'] };
      },
      '/validate': (req) =>
        req.object?.metadata?.labels?.[denyLabel] === 'true'
          ? {
              allowed: false,
              status: { code: 403, reason: 'Forbidden', message: `objects labelled ${denyLabel}=true are not allowed` },
            }
          : { allowed: true },
      '/hang': () => 'hang',
    });
    deadPort = await closedPort();
    c = await startTestCluster();
    admin = adminIdentity(c);
    for (const [ns, suite] of [
      ['wh', 'on'],
      ['wh-off', 'off'],
      ['wh-fail', 'fail'],
      ['wh-ignore', 'ignore'],
      ['wh-fail-m', 'fail-mutating'],
      ['wh-ignore-m', 'ignore-mutating'],
      ['wh-slow-fail', 'slow-fail'],
      ['wh-slow-ignore', 'slow-ignore'],
    ]) {
      ok(await admin.kubectl(['create', 'namespace', ns]), `ns ${ns}`);
      ok(await admin.kubectl(['label', 'namespace', ns, `webhook-suite=${suite}`]), `label ${ns}`);
    }
    const dead = `https://127.0.0.1:${deadPort}`;
    const manifests = [
      config('Mutating', 'security-mutate', [
        webhook('mutate.security.kubets.test', `${wh.url}/mutate`, wh.caBundle, 'on'),
        webhook('fail-closed-m.security.kubets.test', `${dead}/mutate`, wh.caBundle, 'fail-mutating', {
          timeoutSeconds: 5,
        }),
        webhook('ignore-closed-m.security.kubets.test', `${dead}/mutate`, wh.caBundle, 'ignore-mutating', {
          failurePolicy: 'Ignore',
        }),
      ]),
      config('Validating', 'security-validate', [
        webhook('deny.security.kubets.test', `${wh.url}/validate`, wh.caBundle, 'on'),
        webhook('fail-closed.security.kubets.test', `${dead}/validate`, wh.caBundle, 'fail', { timeoutSeconds: 5 }),
        webhook('ignore-closed.security.kubets.test', `${dead}/validate`, wh.caBundle, 'ignore', {
          failurePolicy: 'Ignore',
        }),
        webhook('slow-fail.security.kubets.test', `${wh.url}/hang`, wh.caBundle, 'slow-fail', { timeoutSeconds: 1 }),
        webhook('slow-ignore.security.kubets.test', `${wh.url}/hang`, wh.caBundle, 'slow-ignore', {
          failurePolicy: 'Ignore',
          timeoutSeconds: 1,
        }),
      ]),
    ];
    for (const m of manifests) ok(await admin.kubectl(['create', '-f', '-'], { stdin: m }), 'webhook config');
    // Webhook configurations reach admission through a cache; wait until both are active.
    let n = 0;
    await waitFor(
      'webhooks active',
      async () => {
        const name = `warmup-${n++}`;
        const created = await admin.kubectl(['create', '-f', '-'], {
          stdin: cm(name, 'wh', { labels: { [denyLabel]: 'true' } }),
        });
        const mutated = wh.received.some((r) => r.path === '/mutate' && r.request.name === name);
        return mutated && created.code !== 0 && /denied the request/.test(created.stderr);
      },
      15_000,
    );
  });

  after(async () => {
    await c?.dispose();
    await wh?.close();
  });

  test('the mutating webhook adds a label (JSONPatch) and its warning reaches kubectl', async () => {
    const r = ok(await admin.kubectl(['create', '-f', '-'], { stdin: cm('mutated', 'wh') }), 'create');
    assert.equal(r.stdout.trim(), 'configmap/mutated created');
    assert.match(r.stderr, /^Warning: mutated by the security suite$/m);
    assert.deepEqual(await labelsOf('mutated', 'wh'), { [mutatedLabel]: 'webhook' });
    const [review] = reviewsFor('/mutate', 'mutated');
    assert.ok(review, 'mutating webhook called');
    assert.equal(review.operation, 'CREATE');
    assert.equal(review.namespace, 'wh');
    assert.deepEqual(review.kind, { group: '', version: 'v1', kind: 'ConfigMap' });
    assert.deepEqual(review.resource, { group: '', version: 'v1', resource: 'configmaps' });
    assert.equal(review.userInfo.username, 'admin');
    assert.equal(review.dryRun, false);
    assert.equal(wh.received.find((x) => x.request === review)!.query, '?timeout=10s');
    // The validating webhook saw the mutated object.
    const [v] = reviewsFor('/validate', 'mutated');
    assert.equal(v?.object?.metadata?.labels?.[mutatedLabel], 'webhook');
  });

  test('objects outside the namespaceSelector are not sent to the webhooks', async () => {
    ok(
      await admin.kubectl(['create', '-f', '-'], { stdin: cm('plain', 'wh-off', { labels: { [denyLabel]: 'true' } }) }),
      'create',
    );
    assert.deepEqual(await labelsOf('plain', 'wh-off'), { [denyLabel]: 'true' });
    assert.equal(reviewsFor('/mutate', 'plain').length + reviewsFor('/validate', 'plain').length, 0);
  });

  test('the validating webhook rejects with upstream text, for any user, and nothing is stored', async () => {
    const r = await admin.kubectl(['create', '-f', '-'], {
      stdin: cm('denied', 'wh', { labels: { [denyLabel]: 'true' } }),
    });
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.replace(/^Warning: .*\n/gm, '').trim(),
      `Error from server (Forbidden): error when creating "STDIN": admission webhook "deny.security.kubets.test" denied the request: objects labelled ${denyLabel}=true are not allowed`,
    );
    assert.equal(await labelsOf('denied', 'wh'), undefined);
    // Even system:masters goes through admission.
    assert.equal(reviewsFor('/validate', 'denied')[0]?.userInfo.username, 'admin');
    const user = certIdentity(c, 'webhook-user');
    ok(
      await admin.kubectl([
        'create',
        'rolebinding',
        'wu-edit',
        '-n',
        'wh',
        '--clusterrole=edit',
        '--user=webhook-user',
      ]),
      'rb',
    );
    await waitFor(
      'edit',
      async () => (await user.kubectl(['auth', 'can-i', 'create', 'configmaps', '-n', 'wh'])).code === 0,
    );
    const u = await user.kubectl(['create', '-f', '-'], {
      stdin: cm('denied2', 'wh', { labels: { [denyLabel]: 'true' } }),
    });
    assert.match(u.stderr, /admission webhook "deny\.security\.kubets\.test" denied the request/);
    assert.equal(reviewsFor('/validate', 'denied2')[0]?.userInfo.username, 'webhook-user');
  });

  test('validation runs after mutation: a label added by the mutating webhook gets the object rejected', async () => {
    const r = await admin.kubectl(['create', '-f', '-'], {
      stdin: cm('made-bad', 'wh', { annotations: { [makeDenyAnnotation]: 'yes' } }),
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /admission webhook "deny\.security\.kubets\.test" denied the request/);
    assert.equal(await labelsOf('made-bad', 'wh'), undefined);
  });

  test('UPDATE is admitted too: labelling an existing object with the deny label is rejected', async () => {
    ok(await admin.kubectl(['create', '-f', '-'], { stdin: cm('to-update', 'wh') }), 'create');
    const r = await admin.kubectl(['label', 'configmap', 'to-update', '-n', 'wh', `${denyLabel}=true`]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.replace(/^Warning: .*\n/gm, '').trim(),
      `Error from server (Forbidden): admission webhook "deny.security.kubets.test" denied the request: objects labelled ${denyLabel}=true are not allowed`,
    );
    assert.deepEqual(await labelsOf('to-update', 'wh'), { [mutatedLabel]: 'webhook' });
    const upd = reviewsFor('/validate', 'to-update').find((x) => x.operation === 'UPDATE');
    assert.ok(upd?.oldObject, 'UPDATE review carries oldObject');
  });

  test('server-side dry run calls side-effect-free webhooks with dryRun=true and stores nothing', async () => {
    const r = ok(
      await admin.kubectl(['create', '-f', '-', '--dry-run=server', '-o', 'json'], { stdin: cm('dry', 'wh') }),
      'dry',
    );
    assert.equal(JSON.parse(r.stdout).metadata.labels[mutatedLabel], 'webhook');
    assert.equal(reviewsFor('/mutate', 'dry')[0]?.dryRun, true);
    assert.equal(await labelsOf('dry', 'wh'), undefined);
  });

  test('failurePolicy Fail: an unreachable validating webhook refuses the request', async () => {
    const r = await admin.kubectl(['create', '-f', '-'], { stdin: cm('x', 'wh-fail') });
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      `Error from server (InternalError): error when creating "STDIN": Internal error occurred: failed calling webhook "fail-closed.security.kubets.test": failed to call webhook: Post "https://127.0.0.1:${deadPort}/validate?timeout=5s": dial tcp 127.0.0.1:${deadPort}: connect: connection refused`,
    );
    assert.equal(await labelsOf('x', 'wh-fail'), undefined);
  });

  test('failurePolicy Fail: an unreachable mutating webhook refuses the request', async () => {
    const r = await admin.kubectl(['create', '-f', '-'], { stdin: cm('x', 'wh-fail-m') });
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      `Error from server (InternalError): error when creating "STDIN": Internal error occurred: failed calling webhook "fail-closed-m.security.kubets.test": failed to call webhook: Post "https://127.0.0.1:${deadPort}/mutate?timeout=5s": dial tcp 127.0.0.1:${deadPort}: connect: connection refused`,
    );
    assert.equal(await labelsOf('x', 'wh-fail-m'), undefined);
  });

  test('failurePolicy Ignore: unreachable webhooks let the request through unchanged', async () => {
    for (const ns of ['wh-ignore', 'wh-ignore-m']) {
      const r = ok(
        await admin.kubectl(['create', '-f', '-'], { stdin: cm('x', ns, { labels: { a: 'b' } }) }),
        `create in ${ns}`,
      );
      assert.equal(r.stdout.trim(), 'configmap/x created');
      assert.deepEqual(await labelsOf('x', ns), { a: 'b' });
    }
  });

  test('a webhook that does not answer within timeoutSeconds: Fail refuses, Ignore admits', async () => {
    const t0 = Date.now();
    const r = await admin.kubectl(['create', '-f', '-'], { stdin: cm('x', 'wh-slow-fail') });
    const took = Date.now() - t0;
    assert.equal(r.code, 1);
    assert.match(
      r.stderr.trim(),
      new RegExp(
        `^Error from server \\(InternalError\\): error when creating "STDIN": Internal error occurred: failed calling webhook "slow-fail\\.security\\.kubets\\.test": failed to call webhook: Post "${wh.url.replace(/\./g, '\\.')}/hang\\?timeout=1s": context deadline exceeded`,
      ),
    );
    assert.ok(took < 10_000, `took ${took} ms`);
    assert.equal(await labelsOf('x', 'wh-slow-fail'), undefined);
    ok(await admin.kubectl(['create', '-f', '-'], { stdin: cm('x', 'wh-slow-ignore') }), 'ignore');
    assert.deepEqual(await labelsOf('x', 'wh-slow-ignore'), {});
  });
});
