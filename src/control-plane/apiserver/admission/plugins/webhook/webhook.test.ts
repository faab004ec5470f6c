import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type {
  MutatingWebhook,
  MutatingWebhookConfiguration,
  ValidatingWebhookConfiguration,
} from 'kubernetes-types/admissionregistration/v1.js';
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import { createCertificate, generateKey } from '../../../pki/x509.js';
import { auditAnnotationsOf } from '../../../audit/annotations.js';
import { attrs, rejection } from '../testing.js';
import { WebhookClient } from './client.js';
import { MutatingWebhookPlugin } from './mutating.js';
import { ValidatingWebhookPlugin } from './validating.js';

interface Review {
  apiVersion: string;
  request: {
    uid: string;
    kind: { group: string; version: string; kind: string };
    resource: { resource: string };
    operation: string;
    namespace?: string;
    name?: string;
    object: Pod | null;
    oldObject: Pod | null;
    dryRun: boolean;
    userInfo: { username: string };
    options: { kind?: string } | null;
  };
}

type Handler = (review: Review) => unknown;

let server: Server;
let port = 0;
let caBundle = '';
let closedPort = 0;
const handlers = new Map<string, Handler>();
const calls: { path: string; review: Review }[] = [];

before(async () => {
  const now = new Date();
  const later = new Date(now.getTime() + 3600_000);
  const ca = generateKey();
  const caPem = createCertificate({
    subject: { commonName: 'webhook-ca' },
    publicKey: ca.publicKey,
    selfSigningKey: ca.privateKey,
    notBefore: now,
    notAfter: later,
    isCA: true,
    keyUsage: ['digitalSignature', 'keyCertSign'],
  });
  const srv = generateKey();
  const cert = createCertificate({
    subject: { commonName: 'hooks' },
    publicKey: srv.publicKey,
    issuer: { subject: { commonName: 'webhook-ca' }, privateKey: ca.privateKey, publicKey: ca.publicKey },
    notBefore: now,
    notAfter: later,
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    extKeyUsage: ['serverAuth'],
    dnsNames: ['hooks.system.svc'],
    ipAddresses: ['127.0.0.1'],
  });
  caBundle = Buffer.from(caPem).toString('base64');
  server = createServer({ key: srv.privateKeyPEM, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://x');
      const review = JSON.parse(Buffer.concat(chunks).toString()) as Review;
      calls.push({ path: url.pathname, review });
      const h = handlers.get(url.pathname);
      if (!h) {
        res.writeHead(404).end('no handler');
        return;
      }
      const out = h(review);
      if (out === 'hang') return; // never answers: exercises timeouts
      if (typeof out === 'string') {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(out);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  // A port nothing listens on: bind, note it, close.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
});

after(async () => {
  client.dispose();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const client = new WebhookClient({ resolveService: () => `https://127.0.0.1:${port}` });

function allow(review: Review, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: review.request.uid, allowed: true, ...extra },
  };
}

function jsonPatch(ops: unknown[]) {
  return { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64') };
}

function hook(name: string, path: string, more: Partial<MutatingWebhook> = {}): MutatingWebhook {
  return {
    name,
    clientConfig: { url: `https://127.0.0.1:${port}${path}`, caBundle },
    rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] } as never],
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    timeoutSeconds: 5,
    ...more,
  };
}

const namespaces: Namespace[] = [
  { metadata: { name: 'default', labels: { 'kubernetes.io/metadata.name': 'default', env: 'prod' } } },
  { metadata: { name: 'dev', labels: { env: 'dev' } } },
];

function mutating(...webhooks: MutatingWebhook[]) {
  const cfg: MutatingWebhookConfiguration = { metadata: { name: 'cfg' }, webhooks };
  return new MutatingWebhookPlugin({
    client,
    listConfigurations: () => [cfg],
    getNamespace: (n) => namespaces.find((x) => x.metadata?.name === n),
  });
}

function validating(...webhooks: MutatingWebhook[]) {
  const cfg = { metadata: { name: 'vcfg' }, webhooks } as ValidatingWebhookConfiguration;
  return new ValidatingWebhookPlugin({
    client,
    listConfigurations: () => [cfg],
    getNamespace: (n) => namespaces.find((x) => x.metadata?.name === n),
  });
}

const pod = (name = 'web', labels: Record<string, string> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
});

test('a mutating webhook patches the object; the review carries the request', async () => {
  handlers.set('/mutate', (r) =>
    allow(r, {
      ...jsonPatch([{ op: 'add', path: '/metadata/labels/injected', value: 'yes' }]),
      warnings: ['patched by test'],
    }),
  );
  calls.length = 0;
  const obj = pod();
  const a = attrs({ resource: 'pods', object: obj, options: { fieldManager: 'kubectl' } });
  await mutating(hook('inject.example.com', '/mutate')).admit(a);
  assert.equal(obj.metadata!.labels!.injected, 'yes');
  assert.deepEqual(a.ctx.warnings, ['patched by test']);
  const sent = calls[0]!.review;
  assert.equal(sent.apiVersion, 'admission.k8s.io/v1');
  assert.deepEqual(sent.request.kind, { group: '', version: 'v1', kind: 'Pod' });
  assert.equal(sent.request.operation, 'CREATE');
  assert.equal(sent.request.namespace, 'default');
  assert.equal(sent.request.name, 'web');
  assert.equal(sent.request.userInfo.username, 'alice');
  assert.equal(sent.request.object!.metadata!.name, 'web');
  assert.equal(sent.request.oldObject, null);
  assert.equal(sent.request.dryRun, false);
  assert.equal(sent.request.options!.kind, 'CreateOptions');
  assert.equal(
    auditAnnotationsOf(a.ctx)['mutation.webhook.admission.k8s.io/round_0_index_0'],
    '{"configuration":"cfg","webhook":"inject.example.com","mutated":true}',
  );
});

test('a denial carries the webhook status and upstream message', async () => {
  handlers.set('/deny', (r) => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid: r.request.uid,
      allowed: false,
      status: { code: 403, reason: 'Forbidden', message: 'pods named web are not allowed' },
    },
  }));
  const e = await rejection(() =>
    validating(hook('deny.example.com', '/deny')).validate(attrs({ resource: 'pods', object: pod() })),
  );
  assert.equal(e.code, 403);
  assert.equal(e.reason, 'Forbidden');
  assert.equal(e.message, 'admission webhook "deny.example.com" denied the request: pods named web are not allowed');
  handlers.set('/deny-bare', (r) => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: r.request.uid, allowed: false },
  }));
  const bare = await rejection(() =>
    mutating(hook('bare.example.com', '/deny-bare')).admit(attrs({ resource: 'pods', object: pod() })),
  );
  assert.equal(bare.code, 400);
  assert.equal(bare.message, 'admission webhook "bare.example.com" denied the request without explanation');
});

test('failurePolicy: timeouts and refused connections fail closed with Fail and open with Ignore', async () => {
  handlers.set('/hang', () => 'hang');
  const slow = hook('slow.example.com', '/hang', { timeoutSeconds: 1 });
  const started = Date.now();
  const e = await rejection(() => validating(slow).validate(attrs({ resource: 'pods', object: pod() })));
  assert.ok(Date.now() - started >= 900, 'the timeout is honoured');
  assert.equal(e.code, 500);
  assert.equal(
    e.message,
    `Internal error occurred: failed calling webhook "slow.example.com": failed to call webhook: Post "https://127.0.0.1:${port}/hang?timeout=1s": context deadline exceeded`,
  );
  const a = attrs({ resource: 'pods', object: pod() });
  await validating({ ...slow, failurePolicy: 'Ignore' }).validate(a);
  assert.equal(
    auditAnnotationsOf(a.ctx)['failed-open.validating.webhook.admission.k8s.io/round_0_index_0'],
    'slow.example.com',
  );

  const refused = hook('down.example.com', '/x', {
    clientConfig: { url: `https://127.0.0.1:${closedPort}/x`, caBundle },
  });
  const r = await rejection(() => mutating(refused).admit(attrs({ resource: 'pods', object: pod() })));
  assert.equal(
    r.message,
    `Internal error occurred: failed calling webhook "down.example.com": failed to call webhook: Post "https://127.0.0.1:${closedPort}/x?timeout=5s": dial tcp 127.0.0.1:${closedPort}: connect: connection refused`,
  );
  const b = attrs({ resource: 'pods', object: pod() });
  await mutating({ ...refused, failurePolicy: 'Ignore' }).admit(b);
  assert.equal(
    auditAnnotationsOf(b.ctx)['failed-open.mutation.webhook.admission.k8s.io/round_0_index_0'],
    'down.example.com',
  );
});

test('bad answers: unknown CA, wrong uid, server errors', async () => {
  handlers.set('/ok', (r) => allow(r));
  const untrusted = await rejection(() =>
    validating(hook('ca.example.com', '/ok', { clientConfig: { url: `https://127.0.0.1:${port}/ok` } })).validate(
      attrs({ resource: 'pods', object: pod() }),
    ),
  );
  assert.match(untrusted.message, /x509: certificate signed by unknown authority$/);
  handlers.set('/uid', () => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: 'nope', allowed: true },
  }));
  const uid = await rejection(() =>
    validating(hook('uid.example.com', '/uid')).validate(attrs({ resource: 'pods', object: pod() })),
  );
  assert.match(
    uid.message,
    /failed calling webhook "uid.example.com": received invalid webhook response: expected response.uid="[0-9a-f-]+", got "nope"$/,
  );
  handlers.set('/boom', () => 'kaboom');
  const boom = await rejection(() =>
    validating(hook('boom.example.com', '/boom')).validate(attrs({ resource: 'pods', object: pod() })),
  );
  assert.equal(
    boom.message,
    'Internal error occurred: failed calling webhook "boom.example.com": failed to call webhook: an error on the server ("kaboom") has prevented the request from succeeding',
  );
  handlers.set('/vpatch', (r) => allow(r, jsonPatch([])));
  const vpatch = await rejection(() =>
    validating(hook('vp.example.com', '/vpatch')).validate(attrs({ resource: 'pods', object: pod() })),
  );
  assert.match(vpatch.message, /validating webhook may not return response.patch$/);
});

test('service references resolve through resolveService and verify the service DNS name', async () => {
  handlers.set('/svc', (r) =>
    allow(r, jsonPatch([{ op: 'add', path: '/metadata/annotations', value: { via: 'service' } }])),
  );
  const obj = pod();
  await mutating(
    hook('svc.example.com', '', {
      clientConfig: { service: { namespace: 'system', name: 'hooks', path: '/svc', port: 8443 }, caBundle },
    }),
  ).admit(attrs({ resource: 'pods', object: obj }));
  assert.deepEqual(obj.metadata!.annotations, { via: 'service' });
});

test('rules, namespaceSelector, objectSelector and matchConditions decide who is called', async () => {
  handlers.set('/count', (r) => allow(r));
  const plugin = mutating(
    hook('prod-only', '/count', { namespaceSelector: { matchLabels: { env: 'prod' } } }),
    hook('labelled', '/count', { objectSelector: { matchExpressions: [{ key: 'inject', operator: 'Exists' }] } }),
    hook('cel', '/count', {
      matchConditions: [{ name: 'x', expression: 'object.metadata.?labels.?cel.orValue("") == "yes"' }],
    }),
  );
  const names = async (a: ReturnType<typeof attrs>) => {
    calls.length = 0;
    await plugin.admit(a);
    return calls.length;
  };
  assert.equal(await names(attrs({ resource: 'pods', object: pod() })), 1);
  assert.equal(await names(attrs({ resource: 'pods', namespace: 'dev', object: pod() })), 0);
  assert.equal(await names(attrs({ resource: 'pods', namespace: 'dev', object: pod('x', { inject: '1' }) })), 1);
  assert.equal(await names(attrs({ resource: 'pods', namespace: 'dev', object: pod('x', { cel: 'yes' }) })), 1);
  assert.equal(await names(attrs({ resource: 'configmaps', object: { metadata: { name: 'cm' } } })), 0);
  // A false matchCondition skips the webhook without a warning.
  const a = attrs({ resource: 'pods', object: pod() });
  await plugin.admit(a);
  assert.deepEqual(a.ctx.warnings, []);
  const missing = await rejection(() => plugin.admit(attrs({ resource: 'pods', namespace: 'gone', object: pod() })));
  assert.equal(missing.message, 'namespaces "gone" not found');
});

test('dry run: webhooks with side effects refuse; side-effect-free ones see dryRun', async () => {
  handlers.set('/dry', (r) => allow(r));
  const e = await rejection(() =>
    mutating(hook('effects.example.com', '/dry', { sideEffects: 'Unknown' })).admit(
      attrs({ resource: 'pods', object: pod(), dryRun: true }),
    ),
  );
  assert.equal(e.code, 400);
  assert.equal(e.message, 'admission webhook "effects.example.com" does not support dry run');
  calls.length = 0;
  await mutating(hook('pure.example.com', '/dry')).admit(attrs({ resource: 'pods', object: pod(), dryRun: true }));
  assert.equal(calls[0]!.review.request.dryRun, true);
});

test('reinvocationPolicy IfNeeded calls an earlier webhook again after a later one changed the object', async () => {
  let firstCalls = 0;
  handlers.set('/first', (r) => {
    firstCalls++;
    // Adds a label derived from the others; must see the second webhook's label.
    const seen = Object.keys(r.request.object!.metadata!.labels ?? {})
      .sort()
      .join('.');
    return allow(r, jsonPatch([{ op: 'add', path: '/metadata/labels/seen', value: seen }]));
  });
  handlers.set('/second', (r) =>
    r.request.object!.metadata!.labels?.second
      ? allow(r)
      : allow(r, jsonPatch([{ op: 'add', path: '/metadata/labels/second', value: 'x' }])),
  );
  const obj = pod('web', {});
  await mutating(hook('first', '/first', { reinvocationPolicy: 'IfNeeded' }), hook('second', '/second')).admit(
    attrs({ resource: 'pods', object: obj }),
  );
  assert.equal(firstCalls, 2);
  assert.deepEqual(obj.metadata!.labels, { seen: 'second.seen', second: 'x' });
  firstCalls = 0;
  await mutating(hook('first', '/first'), hook('second', '/second')).admit(
    attrs({ resource: 'pods', object: pod('web', {}) }),
  );
  assert.equal(firstCalls, 1);
});

test('validating webhooks run in parallel on updates and deletes with old objects', async () => {
  handlers.set('/v', (r) => allow(r, { auditAnnotations: { checked: r.request.operation } }));
  calls.length = 0;
  const del = attrs({
    resource: 'pods',
    operation: 'DELETE',
    name: 'web',
    oldObject: pod(),
    options: { propagationPolicy: 'Background' },
  });
  const plugin = validating(
    hook('a', '/v', {
      rules: [{ operations: ['DELETE'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] } as never],
    }),
    hook('b', '/v', {
      rules: [{ operations: ['*'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] } as never],
    }),
  );
  await plugin.validate(del);
  assert.equal(calls.length, 2);
  assert.equal(calls[0]!.review.request.object, null);
  assert.equal(calls[0]!.review.request.oldObject!.metadata!.name, 'web');
  assert.equal(calls[0]!.review.request.options!.kind, 'DeleteOptions');
  assert.deepEqual(auditAnnotationsOf(del.ctx), { 'a/checked': 'DELETE', 'b/checked': 'DELETE' });
  // Requests about webhook configurations never reach webhooks.
  assert.equal(
    plugin.handles(attrs({ resource: 'validatingwebhookconfigurations', object: { metadata: { name: 'x' } } })),
    false,
  );
});
