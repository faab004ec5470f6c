import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCertificate, generateKey } from '../../src/control-plane/apiserver/pki/x509.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { describeRun, kubectlOk } from './api-helpers.js';

/**
 * Issue 4 acceptance: multi-version CustomResourceDefinitions. A None CRD
 * (v1alpha1 served + deprecated, v1 storage) and a Webhook CRD whose
 * conversion webhook — a loopback HTTPS server with its own CA — renames
 * spec.cronSpec (v1) to spec.schedule (v2); a third CRD's webhook answers
 * with the wrong uid.
 */

interface ConversionRequest {
  uid: string;
  desiredAPIVersion: string;
  objects: { apiVersion: string; kind: string; metadata: object; spec?: Record<string, unknown> }[];
}

interface ConversionWebhook {
  url: string;
  caBundle: string;
  received: { path: string; request: ConversionRequest }[];
  close(): Promise<void>;
}

/** Renames the field between versions; `/bad` answers with a uid that is not the request's. */
function answer(path: string, req: ConversionRequest): object {
  const convertedObjects = req.objects.map((o) => {
    const { cronSpec, schedule, ...rest } = o.spec ?? {};
    const spec = req.desiredAPIVersion.endsWith('/v2')
      ? { ...rest, schedule: cronSpec }
      : { ...rest, cronSpec: schedule };
    return { ...o, apiVersion: req.desiredAPIVersion, spec };
  });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'ConversionReview',
    response: {
      uid: path === '/bad' ? 'not-the-request-uid' : req.uid,
      convertedObjects,
      result: { status: 'Success' },
    },
  };
}

async function startConversionWebhook(): Promise<ConversionWebhook> {
  const ca = generateKey();
  const now = Date.now();
  const caPEM = createCertificate({
    subject: { commonName: 'crd-versions-webhook-ca' },
    publicKey: ca.publicKey,
    selfSigningKey: ca.privateKey,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3600_000),
    isCA: true,
    keyUsage: ['digitalSignature', 'keyCertSign'],
  });
  const leaf = generateKey();
  const certPEM = createCertificate({
    subject: { commonName: '127.0.0.1' },
    publicKey: leaf.publicKey,
    issuer: { subject: { commonName: 'crd-versions-webhook-ca' }, privateKey: ca.privateKey, publicKey: ca.publicKey },
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3600_000),
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    extKeyUsage: ['serverAuth'],
    ipAddresses: ['127.0.0.1'],
  });
  const received: ConversionWebhook['received'] = [];
  const server: Server = createServer({ cert: certPEM, key: leaf.privateKeyPEM }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'https://127.0.0.1').pathname;
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request: ConversionRequest };
      received.push({ path, request: review.request });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer(path, review.request)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caBundle: Buffer.from(caPEM).toString('base64'),
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const openSchema = {
  openAPIV3Schema: {
    type: 'object',
    properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
  },
};

function crd(group: string, kind: string, versions: object[], conversion?: object): string {
  const plural = `${kind.toLowerCase()}s`;
  return JSON.stringify({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
      versions,
      ...(conversion ? { conversion } : {}),
    },
  });
}

const webhookConversion = (wh: ConversionWebhook, path: string) => ({
  strategy: 'Webhook',
  webhook: { conversionReviewVersions: ['v1'], clientConfig: { url: `${wh.url}${path}`, caBundle: wh.caBundle } },
});

interface Reply {
  status: number;
  json: any;
  headers: Record<string, string | string[] | undefined>;
}

describe('multi-version CustomResourceDefinitions', () => {
  let c: TestCluster;
  let wh: ConversionWebhook;

  const call = (method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const base = new URL(c.url);
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          host: base.hostname,
          port: base.port,
          path,
          method,
          ca: c.cp.pki.serverCA.certPEM,
          cert: c.cp.pki.admin.certPEM,
          key: c.cp.pki.admin.keyPEM,
          headers: {
            accept: 'application/json',
            'content-type': 'application/json',
            ...(payload === undefined ? {} : { 'content-length': String(Buffer.byteLength(payload)) }),
          },
          timeout: timeoutMs,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => {
            let json: unknown = text;
            try {
              // A watch stream is one JSON event per line.
              json = path.includes('watch=1')
                ? text
                    .split('\n')
                    .filter((l) => l.trim())
                    .map((l) => JSON.parse(l) as unknown)
                : JSON.parse(text);
            } catch {
              // Not JSON: keep the text for the assertion message.
            }
            resolve({ status: res.statusCode ?? 0, json, headers: res.headers });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });

  /** Creating a CRD is asynchronous in effect: its versions are served once established. */
  const waitServed = async (path: string) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const r = await call('GET', path);
      if (r.status === 200) return;
      if (Date.now() > deadline) assert.fail(`${path} never served: ${r.status} ${JSON.stringify(r.json)}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  };

  before(async () => {
    wh = await startConversionWebhook();
    c = await startTestCluster();
    await kubectlOk(c, ['create', 'namespace', 'crdv']);
    const none = crd('none.kubets.test', 'Widget', [
      { name: 'v1alpha1', served: true, storage: false, deprecated: true, schema: openSchema },
      { name: 'v1', served: true, storage: true, schema: openSchema },
    ]);
    const hooked = crd(
      'conv.kubets.test',
      'CronTab',
      [
        { name: 'v1', served: true, storage: true, schema: openSchema },
        { name: 'v2', served: true, storage: false, schema: openSchema },
      ],
      webhookConversion(wh, '/convert'),
    );
    const bad = crd(
      'bad.kubets.test',
      'Gadget',
      [
        { name: 'v1', served: true, storage: true, schema: openSchema },
        { name: 'v2', served: true, storage: false, schema: openSchema },
      ],
      webhookConversion(wh, '/bad'),
    );
    for (const m of [none, hooked, bad]) await kubectlOk(c, ['create', '-f', '-'], { stdin: m });
    await waitServed('/apis/none.kubets.test/v1alpha1/namespaces/crdv/widgets');
    await waitServed('/apis/conv.kubets.test/v2/namespaces/crdv/crontabs');
    await waitServed('/apis/bad.kubets.test/v2/namespaces/crdv/gadgets');
  });

  after(async () => {
    await c?.dispose();
    await wh?.close();
  });

  test('None: created through a deprecated version (warning), read back at the storage version', async () => {
    const widget = {
      apiVersion: 'none.kubets.test/v1alpha1',
      kind: 'Widget',
      metadata: { name: 'w1', namespace: 'crdv' },
      spec: { size: 3 },
    };
    const args = ['apply', '-f', '-'];
    const r = await c.kubectl(args, { stdin: JSON.stringify(widget) });
    assert.equal(r.code, 0, describeRun(args, r));
    assert.match(
      r.stderr,
      /Warning: none\.kubets\.test\/v1alpha1 Widget is deprecated; use none\.kubets\.test\/v1 Widget/,
    );

    const v1 = JSON.parse(
      await kubectlOk(c, [
        'get',
        'widgets.v1.none.kubets.test',
        'w1',
        '-n',
        'crdv',
        '-o',
        'json',
        '--show-managed-fields',
      ]),
    );
    assert.equal(v1.apiVersion, 'none.kubets.test/v1');
    assert.deepEqual(v1.spec, { size: 3 });
    const readArgs = ['get', 'widgets.v1alpha1.none.kubets.test', 'w1', '-n', 'crdv', '-o', 'json'];
    const read = await c.kubectl(readArgs);
    assert.equal(read.code, 0, describeRun(readArgs, read));
    assert.match(read.stderr, /Warning: none\.kubets\.test\/v1alpha1 Widget is deprecated/, 'reads warn too');
    const alpha = JSON.parse(read.stdout);
    assert.equal(alpha.apiVersion, 'none.kubets.test/v1alpha1');
    assert.equal(alpha.metadata.resourceVersion, v1.metadata.resourceVersion);
    // Client-side apply recorded its field manager at the version it used.
    assert.ok(
      v1.metadata.managedFields.some(
        (m: { apiVersion: string; manager: string }) => m.apiVersion === 'none.kubets.test/v1alpha1',
      ),
      JSON.stringify(v1.metadata.managedFields),
    );

    const def = JSON.parse(await kubectlOk(c, ['get', 'crd', 'widgets.none.kubets.test', '-o', 'json']));
    assert.deepEqual(def.status.storedVersions, ['v1']);

    const group = await call('GET', '/apis/none.kubets.test');
    assert.equal(group.json.preferredVersion.version, 'v1');
    assert.deepEqual(
      group.json.versions.map((v: { version: string }) => v.version),
      ['v1', 'v1alpha1'],
    );
  });

  test('Webhook: create in v2, read in v1 and v2 (get, list, watch) with the field renamed', async () => {
    const created = await call('POST', '/apis/conv.kubets.test/v2/namespaces/crdv/crontabs', {
      apiVersion: 'conv.kubets.test/v2',
      kind: 'CronTab',
      metadata: { name: 'ct1', namespace: 'crdv', labels: { tier: 'x' } },
      spec: { schedule: '*/5 * * * *', image: 'busybox' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.equal(created.json.apiVersion, 'conv.kubets.test/v2');
    assert.deepEqual(created.json.spec, { schedule: '*/5 * * * *', image: 'busybox' });
    assert.ok(
      wh.received.some((r) => r.path === '/convert' && r.request.desiredAPIVersion === 'conv.kubets.test/v1'),
      'the write was converted to the storage version by the webhook',
    );

    const v1 = JSON.parse(
      await kubectlOk(c, ['get', 'crontabs.v1.conv.kubets.test', 'ct1', '-n', 'crdv', '-o', 'json']),
    );
    assert.equal(v1.apiVersion, 'conv.kubets.test/v1');
    assert.deepEqual(v1.spec, { cronSpec: '*/5 * * * *', image: 'busybox' });

    const v2 = JSON.parse(
      await kubectlOk(c, ['get', 'crontabs.v2.conv.kubets.test', 'ct1', '-n', 'crdv', '-o', 'json']),
    );
    assert.equal(v2.apiVersion, 'conv.kubets.test/v2');
    assert.deepEqual(v2.spec, { schedule: '*/5 * * * *', image: 'busybox' });
    assert.equal(v2.metadata.uid, v1.metadata.uid);
    assert.equal(v2.metadata.resourceVersion, v1.metadata.resourceVersion);

    const list = await call('GET', '/apis/conv.kubets.test/v2/namespaces/crdv/crontabs?labelSelector=tier%3Dx');
    assert.equal(list.status, 200);
    assert.equal(list.json.apiVersion, 'conv.kubets.test/v2');
    assert.deepEqual(
      list.json.items.map((o: { apiVersion: string; spec: object }) => [o.apiVersion, o.spec]),
      [['conv.kubets.test/v2', { schedule: '*/5 * * * *', image: 'busybox' }]],
    );

    // A change made through v1 reaches a v2 watcher converted.
    const rv = list.json.metadata.resourceVersion as string;
    const watching = call(
      'GET',
      `/apis/conv.kubets.test/v2/namespaces/crdv/crontabs?watch=1&resourceVersion=${rv}&timeoutSeconds=3&fieldSelector=metadata.name%3Dct1`,
    );
    await kubectlOk(c, [
      'patch',
      'crontabs.v1.conv.kubets.test',
      'ct1',
      '-n',
      'crdv',
      '--type=merge',
      '-p',
      '{"spec":{"cronSpec":"0 * * * *"}}',
    ]);
    const w = await watching;
    assert.equal(w.status, 200);
    const modified = (w.json as { type: string; object: { apiVersion: string; spec: object } }[]).filter(
      (e) => e.type === 'MODIFIED',
    );
    assert.equal(modified.length, 1, JSON.stringify(w.json));
    assert.equal(modified[0]!.object.apiVersion, 'conv.kubets.test/v2');
    assert.deepEqual(modified[0]!.object.spec, { schedule: '0 * * * *', image: 'busybox' });

    const def = JSON.parse(await kubectlOk(c, ['get', 'crd', 'crontabs.conv.kubets.test', '-o', 'json']));
    assert.deepEqual(def.status.storedVersions, ['v1']);
  });

  test('Webhook: server-side apply through v2 records the manager at v2', async () => {
    const manifest = {
      apiVersion: 'conv.kubets.test/v2',
      kind: 'CronTab',
      metadata: { name: 'ct-ssa', namespace: 'crdv' },
      spec: { schedule: '1 1 * * *' },
    };
    await kubectlOk(c, ['apply', '--server-side', '--field-manager=crd-versions', '-f', '-'], {
      stdin: JSON.stringify(manifest),
    });
    const v2 = JSON.parse(
      await kubectlOk(c, [
        'get',
        'crontabs.v2.conv.kubets.test',
        'ct-ssa',
        '-n',
        'crdv',
        '-o',
        'json',
        '--show-managed-fields',
      ]),
    );
    const entry = v2.metadata.managedFields.find((m: { manager: string }) => m.manager === 'crd-versions');
    assert.equal(entry?.apiVersion, 'conv.kubets.test/v2', JSON.stringify(v2.metadata.managedFields));
    assert.equal(entry?.operation, 'Apply');
    const v1 = JSON.parse(
      await kubectlOk(c, ['get', 'crontabs.v1.conv.kubets.test', 'ct-ssa', '-n', 'crdv', '-o', 'json']),
    );
    assert.deepEqual(v1.spec, { cronSpec: '1 1 * * *' });
  });

  test('Webhook: a bad webhook answer is a 500 naming the conversion', async () => {
    const created = await call('POST', '/apis/bad.kubets.test/v1/namespaces/crdv/gadgets', {
      apiVersion: 'bad.kubets.test/v1',
      kind: 'Gadget',
      metadata: { name: 'g1', namespace: 'crdv' },
      spec: { cronSpec: 'x' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const r = await call('GET', '/apis/bad.kubets.test/v2/namespaces/crdv/gadgets/g1');
    assert.equal(r.status, 500, JSON.stringify(r.json));
    assert.equal(r.json.kind, 'Status');
    assert.match(
      r.json.message,
      /^conversion webhook for bad\.kubets\.test\/v1, Kind=Gadget failed: expected response\.uid="[0-9a-f-]{36}", got "not-the-request-uid"$/,
    );
    // The storage version needs no conversion and stays readable.
    const v1 = await call('GET', '/apis/bad.kubets.test/v1/namespaces/crdv/gadgets/g1');
    assert.equal(v1.status, 200);
  });
});
