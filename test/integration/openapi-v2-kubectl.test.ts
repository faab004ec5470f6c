/**
 * Real kubectl v1.32 against a stub HTTPS server that serves our gnostic
 * encoding of the generated `/openapi/v2` document (and 404 for `/openapi/v3`,
 * so kubectl falls back to v2), plus just enough discovery for its REST mapper.
 * `explain` printing field docs and `create --validate=strict` rejecting an
 * unknown field inside a `kind: List` show that kubectl decoded the document
 * and resolved models by their x-kubernetes-group-version-kind extension.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultDefinitionsPath, loadDefinitions } from '../../src/api/openapi/definitions.js';
import { builtinResources } from '../../src/api/scheme/builtin-resources.js';
import { groupVersionString, type ResourceInfo } from '../../src/api/scheme/types.js';
import { openApiV2ProtobufFor } from '../../src/api/openapi/v2-protobuf/for-resources.js';
import * as x509 from '../../src/control-plane/apiserver/pki/x509.js';
import * as kubeconfigModule from '../../src/control-plane/apiserver/pki/kubeconfig.js';
import * as clients from '../harness/clients.js';

interface Logged {
  method: string;
  path: string;
  accept: string;
}

interface Stub {
  url: string;
  requests: Logged[];
  server: Server;
}

const json = (body: unknown) => ({ type: 'application/json', body: Buffer.from(JSON.stringify(body)) });

function discovery(resources: ResourceInfo[], port: number): Map<string, { type: string; body: Buffer }> {
  const served = resources.filter((r) => r.group === '' || r.group === 'apps');
  const byGV = new Map<string, ResourceInfo[]>();
  for (const r of served) byGV.set(groupVersionString(r), [...(byGV.get(groupVersionString(r)) ?? []), r]);
  const routes = new Map<string, { type: string; body: Buffer }>();
  routes.set(
    '/version',
    json({ major: '1', minor: '32', gitVersion: 'v1.32.0', platform: 'linux/amd64', goVersion: 'go1.23.0' }),
  );
  routes.set(
    '/api',
    json({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${port}` }],
    }),
  );
  const apps = { groupVersion: 'apps/v1', version: 'v1' };
  routes.set(
    '/apis',
    json({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [{ name: 'apps', versions: [apps], preferredVersion: apps }],
    }),
  );
  for (const [gv, list] of byGV) {
    routes.set(
      gv === 'v1' ? '/api/v1' : `/apis/${gv}`,
      json({
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: gv,
        resources: list.map((r) => ({
          name: r.plural,
          singularName: r.singular,
          namespaced: r.namespaced,
          kind: r.kind,
          verbs: r.verbs,
          shortNames: r.shortNames,
          categories: r.categories,
        })),
      }),
    );
  }
  return routes;
}

async function startStub(dir: string, v2: Uint8Array, resources: ResourceInfo[]): Promise<Stub & { caPEM: string }> {
  const ca = x509.generateKey();
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 3600_000);
  const caPEM = x509.createCertificate({
    subject: { commonName: 'v2-protobuf-test-ca' },
    publicKey: ca.publicKey,
    selfSigningKey: ca.privateKey,
    notBefore,
    notAfter,
    isCA: true,
    keyUsage: ['digitalSignature', 'keyCertSign'],
  });
  const leaf = x509.generateKey();
  const certPEM = x509.createCertificate({
    subject: { commonName: 'stub-apiserver' },
    publicKey: leaf.publicKey,
    issuer: { subject: { commonName: 'v2-protobuf-test-ca' }, privateKey: ca.privateKey, publicKey: ca.publicKey },
    notBefore,
    notAfter,
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    extKeyUsage: ['serverAuth'],
    ipAddresses: ['127.0.0.1'],
  });

  const requests: Logged[] = [];
  let routes = new Map<string, { type: string; body: Buffer }>();
  const server = createServer({ key: leaf.privateKeyPEM, cert: certPEM }, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://stub').pathname;
    requests.push({ method: req.method ?? '', path, accept: req.headers.accept ?? '' });
    const hit =
      path === '/openapi/v2'
        ? { type: 'application/octet-stream', body: Buffer.from(v2) }
        : req.method === 'GET'
          ? routes.get(path)
          : undefined;
    if (!hit) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'the server could not find the requested resource',
          reason: 'NotFound',
          code: 404,
        }),
      );
      return;
    }
    res.writeHead(200, { 'Content-Type': hit.type, 'Content-Length': hit.body.length });
    res.end(hit.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  routes = discovery(resources, port);
  writeFileSync(join(dir, 'ca.crt'), caPEM);
  return { url: `https://127.0.0.1:${port}`, requests, server, caPEM };
}

function runKubectl(
  bin: string,
  args: string[],
  home: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      env: { PATH: process.env.PATH ?? '', HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kubectl ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

const deployment = (extraSpec: string) => `  - apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      replicas: 2${extraSpec}
      selector:
        matchLabels:
          app: web
      template:
        metadata:
          labels:
            app: web
        spec:
          containers:
            - name: app
              image: registry.invalid/app:1
              ports:
                - containerPort: 8080
`;

const list = (extraSpec: string) => `apiVersion: v1
kind: List
items:
${deployment(extraSpec)}  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: settings
    data:
      mode: fast
`;

test('real kubectl reads our gnostic /openapi/v2: explain and kind: List validation', async (t) => {
  if (!existsSync(defaultDefinitionsPath())) {
    t.skip(`generated OpenAPI definitions missing at ${defaultDefinitionsPath()}; run npm run build first`);
    return;
  }
  const defs = loadDefinitions();
  // Everything built in whose schema has been generated (all of it after a full build).
  const resources = builtinResources().filter((r) => !r.definition || defs[r.definition]);
  const { bytes } = openApiV2ProtobufFor(resources, defs);

  const dir = mkdtempSync(join(tmpdir(), 'kubets-v2pb-'));
  let stub: (Stub & { caPEM: string }) | undefined;
  try {
    stub = await startStub(dir, bytes, resources);
    const { renderKubeconfig } = kubeconfigModule;
    const { kubectlPath } = clients;
    const kubeconfig = join(dir, 'kubeconfig.yaml');
    writeFileSync(kubeconfig, renderKubeconfig({ server: stub.url, caPEM: stub.caPEM, token: 'test-token' }));
    const kubectl = (...args: string[]) =>
      runKubectl(kubectlPath(), ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], dir);

    await t.test('explain falls back to v2 and prints the field docs', async () => {
      const r = await kubectl('explain', 'deployment.spec.replicas');
      assert.equal(r.code, 0, r.stderr);
      // The v2 renderer's layout (the v3 renderer starts with a GROUP: line).
      assert.match(r.stdout, /^KIND:\s+Deployment\nVERSION:\s+apps\/v1\n/);
      assert.match(r.stdout, /FIELD:\s+replicas <integer>/);
      assert.match(r.stdout, /Number of desired pods\. This is a pointer to distinguish between explicit\s+zero/);
      assert.ok(
        stub!.requests.some((q) => q.path === '/openapi/v2' && q.accept.includes('protobuf')),
        'kubectl fetched /openapi/v2 as protobuf',
      );
    });

    await t.test('create --validate=strict checks each item of a List against the v2 schema', async () => {
      const good = join(dir, 'good.yaml');
      writeFileSync(good, list(''));
      const ok = await kubectl('create', '--dry-run=client', '--validate=strict', '-f', good);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /deployment\.apps\/web created \(dry run\)/);
      assert.match(ok.stdout, /configmap\/settings created \(dry run\)/);

      const bad = join(dir, 'bad.yaml');
      writeFileSync(bad, list('\n      bogusField: 1'));
      const rejected = await kubectl('create', '--dry-run=client', '--validate=strict', '-f', bad);
      assert.notEqual(rejected.code, 0, rejected.stdout);
      assert.match(
        rejected.stderr,
        /ValidationError\(Deployment\.spec\): unknown field "bogusField" in io\.k8s\.api\.apps\.v1\.DeploymentSpec/,
      );
      assert.doesNotMatch(rejected.stdout, /created/);
    });

    await t.test('type errors are found in nested, referenced schemas', async () => {
      const bad = join(dir, 'bad-type.yaml');
      writeFileSync(bad, list('').replace('containerPort: 8080', 'containerPort: "http"'));
      const r = await kubectl('create', '--dry-run=client', '--validate=strict', '-f', bad);
      assert.notEqual(r.code, 0, r.stdout);
      assert.match(r.stderr, /containerPort\): invalid type for io\.k8s\.api\.core\.v1\.ContainerPort\.containerPort/);
    });
  } finally {
    if (stub) {
      stub.server.closeAllConnections();
      await new Promise<void>((resolve) => stub!.server.close(() => resolve()));
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
