/**
 * The apiserver's proxy subresources through a real control plane:
 * pods/proxy, services/proxy (EndpointSlice endpoints, 503 without endpoints)
 * and nodes/proxy (a fake kubelet on loopback that requires the apiserver's
 * kubelet client certificate), WebSocket upgrades, and RBAC on `<resource>/proxy`.
 * Every backend listens on 127.0.0.1; the API server's proxy address policy is
 * opened to loopback for this cluster only.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { createPrivateKey, randomUUID } from 'node:crypto';
import { text } from 'node:stream/consumers';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { createCertificate, generateKey, publicKeyOf } from '../../src/lib/pki/x509.js';
import { setProxyAddressPolicy } from '../../src/control-plane/apiserver/proxy/address-policy.js';

const NS = 'proxy-test';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

interface Creds {
  certPEM: string;
  keyPEM: string;
}

async function listen<T extends HttpServer | HttpsServer>(server: T): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

describe('apiserver proxy subresources', () => {
  let c: TestCluster;
  let admin: Creds;
  let podServer: HttpServer;
  let podPort: number;
  let kubelet: HttpsServer;
  let kubeletPort: number;
  const sockets = new Set<Duplex>();

  function call(
    method: string,
    path: string,
    opts: { body?: string; contentType?: string; creds?: Creds; headers?: Record<string, string> } = {},
  ): Promise<Reply> {
    const u = new URL(c.url);
    const creds = opts.creds ?? admin;
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: u.hostname,
          port: u.port,
          method,
          path,
          ca: c.cp.pki.serverCA.certPEM,
          cert: creds.certPEM,
          key: creds.keyPEM,
          agent: false,
          headers: {
            ...(opts.body !== undefined ? { 'content-type': opts.contentType ?? 'application/json' } : {}),
            ...opts.headers,
          },
        },
        (res) => {
          text(res).then((body) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }), reject);
        },
      );
      req.on('error', reject);
      req.end(opts.body);
    });
  }

  async function ok(method: string, path: string, body?: unknown, contentType?: string): Promise<Reply> {
    const r = await call(method, path, {
      body: body === undefined ? undefined : JSON.stringify(body),
      contentType,
    });
    assert.ok(r.status < 300, `${method} ${path} -> ${r.status} ${r.body}`);
    return r;
  }

  before(async () => {
    // A stand-in for a pod: echoes what it received; answers WebSocket upgrades with an echo channel.
    podServer = createHttpServer(async (req, res) => {
      const body = await text(req);
      res.setHeader('content-type', 'text/plain');
      if (req.url === '/go-home') {
        res.writeHead(302, { location: '/home' }).end();
        return;
      }
      res.end(`${req.method} ${req.url} ${body}`.trimEnd());
    });
    podServer.on('upgrade', (req, socket: Duplex) => {
      sockets.add(socket);
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Path: ${req.url}\r\n\r\n`,
      );
      socket.on('data', (d: Buffer) => socket.write(`echo:${d.toString()}`));
      socket.on('error', () => socket.destroy());
    });
    podPort = await listen(podServer);

    c = await startTestCluster({ controllers: [] });
    setProxyAddressPolicy(c.cp.apiserver, { allowLoopback: true });
    admin = { certPEM: c.cp.pki.admin.certPEM, keyPEM: c.cp.pki.admin.keyPEM };

    // A fake kubelet: HTTPS with a serving certificate from the cluster's server CA,
    // accepting only client certificates from the cluster's client CA.
    const caKey = createPrivateKey(c.cp.pki.serverCA.keyPEM);
    const leaf = generateKey();
    const servingPEM = createCertificate({
      subject: { commonName: 'kubelet-n1' },
      publicKey: leaf.publicKey,
      issuer: { subject: { commonName: 'kubernetes-ca' }, privateKey: caKey, publicKey: publicKeyOf(caKey) },
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 3600_000),
      keyUsage: ['digitalSignature', 'keyEncipherment'],
      extKeyUsage: ['serverAuth'],
      ipAddresses: ['127.0.0.1'],
    });
    kubelet = createHttpsServer(
      {
        cert: servingPEM,
        key: leaf.privateKeyPEM,
        ca: c.cp.pki.clientCA.certPEM,
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        const cn = (req.socket as TLSSocket).getPeerCertificate().subject?.CN;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ path: req.url, clientCN: cn, node: { nodeName: 'n1' } }));
      },
    );
    kubeletPort = await listen(kubelet);

    await ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await ok('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name: 'default' } });
    const mkPod = async (name: string, ip: string | undefined) => {
      await ok('POST', `/api/v1/namespaces/${NS}/pods`, {
        metadata: { name },
        spec: {
          nodeName: 'n1',
          containers: [{ name: 'main', image: 'busybox', ports: [{ name: 'http', containerPort: podPort }] }],
        },
      });
      if (ip)
        await ok(
          'PATCH',
          `/api/v1/namespaces/${NS}/pods/${name}/status`,
          { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] } },
          'application/merge-patch+json',
        );
    };
    await mkPod('web', '127.0.0.1');
    await mkPod('noip', undefined);

    await ok('POST', `/api/v1/namespaces/${NS}/services`, {
      metadata: { name: 'websvc' },
      spec: { ports: [{ name: 'http', port: 80, targetPort: podPort }] },
    });
    // EndpointSlice validation refuses loopback addresses (as upstream), so the slice a
    // controller would write for the loopback "pod" goes straight into storage.
    const slices = c.cp.apiserver.preferred('discovery.k8s.io', 'endpointslices')!.store;
    await slices.deps.storage.create(
      slices.deps.keyFor(NS, 'websvc-1'),
      new TextEncoder().encode(
        JSON.stringify({
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: {
            name: 'websvc-1',
            namespace: NS,
            uid: randomUUID(),
            creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
            labels: { 'kubernetes.io/service-name': 'websvc' },
          },
          addressType: 'IPv4',
          ports: [{ name: 'http', port: podPort, protocol: 'TCP' }],
          endpoints: [
            {
              addresses: ['127.0.0.1'],
              conditions: { ready: true },
              targetRef: { kind: 'Pod', namespace: NS, name: 'web' },
            },
          ],
        }),
      ),
    );
    await ok('POST', `/api/v1/namespaces/${NS}/services`, {
      metadata: { name: 'empty' },
      spec: { ports: [{ name: 'http', port: 80 }] },
    });

    await ok('POST', '/api/v1/nodes', { metadata: { name: 'n1' } });
    await ok(
      'PATCH',
      '/api/v1/nodes/n1/status',
      {
        status: {
          addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
          daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } },
        },
      },
      'application/merge-patch+json',
    );
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    await c?.dispose();
    podServer?.close();
    kubelet?.close();
  });

  test('pods/proxy forwards GET, POST and DELETE with path, query and body', async () => {
    const base = `/api/v1/namespaces/${NS}/pods`;
    const get = await call('GET', `${base}/web/proxy/hello/?x=1`);
    assert.equal(get.status, 200, get.body);
    assert.equal(get.body, 'GET /hello/?x=1');
    const post = await call('POST', `${base}/web:http/proxy/echo`, { body: 'payload', contentType: 'text/plain' });
    assert.equal(post.body, 'POST /echo payload');
    const del = await call('DELETE', `${base}/web:${podPort}/proxy/thing`);
    assert.equal(del.body, 'DELETE /thing');
  });

  test('pods/proxy redirects the bare path, rewrites backend redirects, refuses pods without an IP', async () => {
    const base = `/api/v1/namespaces/${NS}/pods`;
    const bare = await call('GET', `${base}/web/proxy?a=b`);
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.location, `${base}/web/proxy/?a=b`);
    const moved = await call('GET', `${base}/web/proxy/go-home`);
    assert.equal(moved.status, 302);
    assert.equal(moved.headers.location, `${base}/web/proxy/home`);
    const noip = await call('GET', `${base}/noip/proxy/`);
    assert.equal(noip.status, 400);
    const st = JSON.parse(noip.body);
    assert.equal(st.reason, 'BadRequest');
    assert.equal(st.message, 'address not allowed');
  });

  test('pods/proxy forwards PUT and PATCH', async () => {
    const base = `/api/v1/namespaces/${NS}/pods`;
    const put = await call('PUT', `${base}/web/proxy/res`, { body: 'p', contentType: 'text/plain' });
    assert.equal(put.body, 'PUT /res p');
    const patch = await call('PATCH', `${base}/web/proxy/res`, { body: 'q', contentType: 'text/plain' });
    assert.equal(patch.body, 'PATCH /res q');
  });

  test('services/proxy picks a ready endpoint by port number or name; none gives 503', async () => {
    const base = `/api/v1/namespaces/${NS}/services`;
    // The slice reaches the watch cache asynchronously.
    const deadline = Date.now() + 10_000;
    while ((await call('GET', `${base}/websvc:http/proxy/`)).status !== 200 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    for (const id of ['websvc:80', 'websvc:http', 'http:websvc:80']) {
      const r = await call('GET', `${base}/${id}/proxy/svc`);
      assert.equal(r.status, 200, `${id}: ${r.body}`);
      assert.equal(r.body, 'GET /svc');
    }
    const none = await call('GET', `${base}/empty/proxy/`);
    assert.equal(none.status, 503);
    const st = JSON.parse(none.body);
    assert.equal(st.kind, 'Status');
    assert.equal(st.reason, 'ServiceUnavailable');
    assert.equal(st.message, 'no endpoints available for service "empty"');
    // As upstream, no port selects the endpoint port with an empty name; this service's port is named.
    const unnamed = await call('GET', `${base}/websvc/proxy/`);
    assert.equal(unnamed.status, 503);
    assert.equal(JSON.parse(unnamed.body).message, 'no endpoints available for service "websvc"');
    const badPort = await call('GET', `${base}/websvc:81/proxy/`);
    assert.equal(badPort.status, 503);
    assert.equal(JSON.parse(badPort.body).message, 'no service port 81 found for service "websvc"');
  });

  test('nodes/proxy reaches the kubelet with the apiserver kubelet client certificate (kubectl get --raw)', async () => {
    const r = await c.kubectl(['get', '--raw', '/api/v1/nodes/n1/proxy/stats/summary']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.path, '/stats/summary');
    assert.equal(out.clientCN, 'kube-apiserver-kubelet-client');
    const missing = await call('GET', '/api/v1/nodes/nope/proxy/stats/summary');
    assert.equal(missing.status, 404);
  });

  test('WebSocket upgrades are spliced through pods/proxy', async () => {
    const u = new URL(c.url);
    const req = httpsRequest({
      host: u.hostname,
      port: u.port,
      path: `/api/v1/namespaces/${NS}/pods/web/proxy/ws?q=1`,
      ca: c.cp.pki.serverCA.certPEM,
      cert: admin.certPEM,
      key: admin.keyPEM,
      agent: false,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket' },
    });
    req.end();
    const [res, socket] = (await once(req, 'upgrade')) as [
      { statusCode: number; headers: Record<string, string> },
      Duplex,
    ];
    try {
      assert.equal(res.statusCode, 101);
      assert.equal(res.headers['x-path'], '/ws?q=1');
      socket.write('ping');
      const [data] = (await once(socket, 'data')) as [Buffer];
      assert.equal(data.toString(), 'echo:ping');
    } finally {
      socket.destroy();
    }
  });

  test('RBAC: proxy is authorized on <resource>/proxy with the request verb', async () => {
    const mk = (cn: string) => c.cp.pki.clientCert(`client-test-${cn}`, { commonName: cn, organizations: [] });
    const viewer = mk('pod-viewer');
    const proxier = mk('pod-proxier');
    await ok('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`, {
      metadata: { name: 'view-pods' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
    });
    await ok('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`, {
      metadata: { name: 'proxy-pods' },
      rules: [{ apiGroups: [''], resources: ['pods/proxy'], verbs: ['get'] }],
    });
    for (const [role, user] of [
      ['view-pods', 'pod-viewer'],
      ['proxy-pods', 'pod-proxier'],
    ])
      await ok('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, {
        metadata: { name: `${role}-${user}` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
        subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: user }],
      });
    const path = `/api/v1/namespaces/${NS}/pods/web/proxy/rbac`;
    // Grants reach the authorizer through its caches: wait until both are visible.
    const deadline = Date.now() + 20_000;
    let allowed: Reply;
    let pod: Reply;
    for (;;) {
      allowed = await call('GET', path, { creds: proxier });
      pod = await call('GET', `/api/v1/namespaces/${NS}/pods/web`, { creds: viewer });
      if ((allowed.status === 200 && pod.status === 200) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(allowed.status, 200, allowed.body);
    assert.equal(allowed.body, 'GET /rbac');
    assert.equal(pod.status, 200, pod.body);

    const denied = await call('GET', path, { creds: viewer });
    assert.equal(denied.status, 403);
    const st = JSON.parse(denied.body);
    assert.equal(st.reason, 'Forbidden');
    assert.equal(
      st.message,
      `pods "web" is forbidden: User "pod-viewer" cannot get resource "pods/proxy" in API group "" in the namespace "${NS}"`,
    );
    // The proxier may only get: a POST is a create on pods/proxy.
    const post = await call('POST', path, { creds: proxier, body: 'x', contentType: 'text/plain' });
    assert.equal(post.status, 403);
    assert.match(JSON.parse(post.body).message, /cannot create resource "pods\/proxy"/);
  });
});
