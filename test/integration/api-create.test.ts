import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { getJson, kubectlFails, kubectlOk } from './api-helpers.js';

/**
 * Acceptance: the `kubectl create <generator>` commands. They go through
 * client-go's typed clients, so every request body is protobuf; each test reads
 * the stored object back as JSON to prove the body was decoded field by field
 * and defaulted as upstream does.
 */

/** Free-form API objects read back in assertions (their shape is what is under test). */
type Json = Record<string, any>;

const ns = 'gen';

describe('kubectl create generators (protobuf request bodies)', () => {
  let c: TestCluster;
  const ok = (args: string[]) => kubectlOk(c, args);
  const get = (args: string[]) => getJson<Json>(c, args);

  before(async () => {
    c = await startTestCluster();
  });
  after(async () => {
    await c?.dispose();
  });

  test('create namespace', async () => {
    assert.equal((await ok(['create', 'namespace', ns])).trim(), `namespace/${ns} created`);
    const n = await get(['namespace', ns]);
    assert.equal(n.status.phase, 'Active');
    assert.deepEqual(n.spec.finalizers, ['kubernetes']);
    assert.equal(n.metadata.labels['kubernetes.io/metadata.name'], ns);
    const r = await kubectlFails(c, ['create', 'namespace', ns]);
    assert.match(r.stderr, new RegExp(`Error from server \\(AlreadyExists\\): namespaces "${ns}" already exists`));
  });

  test('create deployment', async () => {
    const out = await ok(['create', 'deployment', 'web', '-n', ns, '--image=nginx:1.27', '--replicas=3', '--port=80']);
    assert.equal(out.trim(), 'deployment.apps/web created');
    const d = await get(['deployment', 'web', '-n', ns]);
    assert.deepEqual(d.metadata.labels, { app: 'web' });
    assert.equal(d.metadata.generation, 1);
    assert.equal(d.spec.replicas, 3);
    assert.deepEqual(d.spec.selector, { matchLabels: { app: 'web' } });
    assert.deepEqual(d.spec.template.metadata.labels, { app: 'web' });
    assert.deepEqual(d.spec.strategy, {
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
    });
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.equal(d.spec.progressDeadlineSeconds, 600);
    const pod = d.spec.template.spec;
    assert.equal(pod.restartPolicy, 'Always');
    assert.equal(pod.dnsPolicy, 'ClusterFirst');
    assert.equal(pod.terminationGracePeriodSeconds, 30);
    assert.deepEqual(pod.containers, [
      {
        name: 'nginx',
        image: 'nginx:1.27',
        imagePullPolicy: 'IfNotPresent',
        ports: [{ containerPort: 80, protocol: 'TCP' }],
        resources: {},
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
      },
    ]);
    const dup = await kubectlFails(c, ['create', 'deployment', 'web', '-n', ns, '--image=nginx']);
    assert.match(dup.stderr, /deployments\.apps "web" already exists/);
    const bad = await kubectlFails(c, ['create', 'deployment', 'Bad_Name', '-n', ns, '--image=nginx']);
    assert.match(
      bad.stderr,
      /Deployment\.apps "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
    );
  });

  test('create configmap (literals and files)', async () => {
    const file = c.file('settings.properties', 'x=1\ny=2\n');
    await ok([
      'create',
      'configmap',
      'cfg',
      '-n',
      ns,
      '--from-literal=a=1',
      '--from-literal=b=two words',
      `--from-file=${file}`,
    ]);
    const cm = await get(['configmap', 'cfg', '-n', ns]);
    assert.deepEqual(cm.data, { a: '1', b: 'two words', 'settings.properties': 'x=1\ny=2\n' });
    await ok(['create', 'configmap', 'bin', '-n', ns, `--from-file=blob=${c.file('blob.bin', '\u00ff\u0000\u0001')}`]);
    const bin = await get(['configmap', 'bin', '-n', ns]);
    assert.equal(bin.data?.blob, '\u00ff\u0000\u0001', 'file content stored verbatim');
  });

  test('create secret generic, docker-registry and tls', async () => {
    await ok([
      'create',
      'secret',
      'generic',
      'creds',
      '-n',
      ns,
      '--from-literal=user=admin',
      '--from-literal=pass=s3cr3t',
    ]);
    const s = await get(['secret', 'creds', '-n', ns]);
    assert.equal(s.type, 'Opaque');
    assert.deepEqual(
      Object.fromEntries(
        Object.entries(s.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
      ),
      { user: 'admin', pass: 's3cr3t' },
    );
    await ok([
      'create',
      'secret',
      'generic',
      'typed',
      '-n',
      ns,
      '--type=kubernetes.io/basic-auth',
      '--from-literal=username=u',
    ]);
    assert.equal((await get(['secret', 'typed', '-n', ns])).type, 'kubernetes.io/basic-auth');
    const missing = await kubectlFails(c, [
      'create',
      'secret',
      'generic',
      'bad',
      '-n',
      ns,
      '--type=kubernetes.io/basic-auth',
      '--from-literal=x=y',
    ]);
    assert.match(
      missing.stderr,
      /Secret "bad" is invalid: \[data\[username\]: Required value, data\[password\]: Required value\]/,
    );

    await ok([
      'create',
      'secret',
      'docker-registry',
      'pull',
      '-n',
      ns,
      '--docker-server=r.example',
      '--docker-username=u',
      '--docker-password=p',
    ]);
    const pull = await get(['secret', 'pull', '-n', ns]);
    assert.equal(pull.type, 'kubernetes.io/dockerconfigjson');
    const cfg = JSON.parse(Buffer.from(pull.data['.dockerconfigjson'], 'base64').toString()) as {
      auths: Record<string, { username: string }>;
    };
    assert.equal(cfg.auths['r.example'].username, 'u');
  });

  test('create serviceaccount', async () => {
    assert.equal((await ok(['create', 'serviceaccount', 'robot', '-n', ns])).trim(), 'serviceaccount/robot created');
    const sa = await get(['serviceaccount', 'robot', '-n', ns]);
    assert.equal(sa.metadata.name, 'robot');
    assert.match(sa.metadata.uid, /^[0-9a-f-]{36}$/);
  });

  test('create service clusterip (allocated IP, ports, selector) and headless', async () => {
    assert.equal(
      (await ok(['create', 'service', 'clusterip', 'web', '-n', ns, '--tcp=80:8080', '--tcp=443'])).trim(),
      'service/web created',
    );
    const svc = await get(['service', 'web', '-n', ns]);
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.match(svc.spec.clusterIP, /^10\.43\.\d+\.\d+$/);
    assert.deepEqual(svc.spec.clusterIPs, [svc.spec.clusterIP]);
    assert.deepEqual(svc.spec.selector, { app: 'web' });
    assert.deepEqual(svc.spec.ports, [
      { name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 },
      { name: '443', port: 443, protocol: 'TCP', targetPort: 443 },
    ]);
    assert.equal(svc.spec.sessionAffinity, 'None');
    assert.deepEqual(svc.spec.ipFamilies, ['IPv4']);
    assert.equal(svc.spec.ipFamilyPolicy, 'SingleStack');
    assert.equal(svc.spec.internalTrafficPolicy, 'Cluster');
    await ok(['create', 'service', 'clusterip', 'headless', '-n', ns, '--clusterip=None']);
    const h = await get(['service', 'headless', '-n', ns]);
    assert.equal(h.spec.clusterIP, 'None');
  });

  test('create job (and from a cronjob) and cronjob', async () => {
    await ok(['create', 'job', 'once', '-n', ns, '--image=busybox:1.36', '--', 'echo', 'hi']);
    const j = await get(['job', 'once', '-n', ns]);
    const uid = j.metadata.uid as string;
    assert.deepEqual(j.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
    assert.equal(j.spec.template.metadata.labels['batch.kubernetes.io/job-name'], 'once');
    assert.equal(j.spec.template.metadata.labels['controller-uid'], uid);
    assert.equal(j.spec.backoffLimit, 6);
    assert.equal(j.spec.completions, 1);
    assert.equal(j.spec.parallelism, 1);
    assert.equal(j.spec.completionMode, 'NonIndexed');
    assert.equal(j.spec.template.spec.restartPolicy, 'Never');
    assert.deepEqual(
      j.spec.template.spec.containers.map((k: Json) => [k.name, k.image, k.command]),
      [['once', 'busybox:1.36', ['echo', 'hi']]],
    );

    await ok(['create', 'cronjob', 'nightly', '-n', ns, '--image=busybox:1.36', '--schedule=0 3 * * *', '--', 'date']);
    const cj = await get(['cronjob', 'nightly', '-n', ns]);
    assert.equal(cj.spec.schedule, '0 3 * * *');
    assert.equal(cj.spec.concurrencyPolicy, 'Allow');
    assert.equal(cj.spec.jobTemplate.spec.template.spec.restartPolicy, 'OnFailure');
    await ok(['create', 'job', 'manual', '-n', ns, '--from=cronjob/nightly']);
    const m = await get(['job', 'manual', '-n', ns]);
    assert.equal(m.metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
    assert.deepEqual(
      m.metadata.ownerReferences.map((o: Json) => [o.kind, o.name, o.uid, o.controller]),
      [['CronJob', 'nightly', cj.metadata.uid, true]],
    );
  });

  test('create role and rolebinding (and their cluster variants)', async () => {
    await ok(['create', 'role', 'reader', '-n', ns, '--verb=get,list', '--resource=pods,configmaps,deployments.apps']);
    const role = await get(['role', 'reader', '-n', ns]);
    assert.deepEqual(role.rules, [
      { apiGroups: [''], resources: ['pods', 'configmaps'], verbs: ['get', 'list'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list'] },
    ]);
    await ok([
      'create',
      'rolebinding',
      'reader-binding',
      '-n',
      ns,
      '--role=reader',
      `--serviceaccount=${ns}:robot`,
      '--user=alice',
    ]);
    const rb = await get(['rolebinding', 'reader-binding', '-n', ns]);
    assert.deepEqual(rb.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' });
    assert.deepEqual(rb.subjects, [
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' },
      { kind: 'ServiceAccount', name: 'robot', namespace: ns },
    ]);
    const table = await ok(['get', 'rolebinding', 'reader-binding', '-n', ns, '-o', 'wide']);
    assert.match(table, /^reader-binding\s+Role\/reader\s+\S+\s+alice\s+gen\/robot$/m);

    await ok(['create', 'clusterrole', 'node-reader', '--verb=get,watch', '--resource=nodes']);
    await ok(['create', 'clusterrolebinding', 'node-readers', '--clusterrole=node-reader', '--group=devs']);
    const crb = await get(['clusterrolebinding', 'node-readers']);
    assert.deepEqual(crb.subjects, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'devs' }]);
    const can = await c.kubectl(['auth', 'can-i', 'watch', 'nodes', '--as=bob', '--as-group=devs']);
    assert.equal(can.stdout.trim(), 'yes', `${can.stdout}${can.stderr}`);
  });

  test('create quota, pdb, priorityclass and ingress', async () => {
    await ok(['create', 'quota', 'q', '-n', ns, '--hard=pods=10,requests.cpu=2']);
    assert.deepEqual((await get(['resourcequota', 'q', '-n', ns])).spec.hard, { pods: '10', 'requests.cpu': '2' });
    await ok(['create', 'pdb', 'pdb', '-n', ns, '--selector=app=web', '--min-available=1']);
    const pdb = await get(['pdb', 'pdb', '-n', ns]);
    assert.equal(pdb.spec.minAvailable, 1);
    assert.deepEqual(pdb.spec.selector, { matchLabels: { app: 'web' } });
    await ok(['create', 'priorityclass', 'high', '--value=1000', '--description=important']);
    const pc = await get(['priorityclass', 'high']);
    assert.equal(pc.value, 1000);
    assert.equal(pc.preemptionPolicy, 'PreemptLowerPriority');
    await ok(['create', 'ingress', 'ing', '-n', ns, '--rule=foo.example/bar=web:80']);
    const ing = await get(['ingress', 'ing', '-n', ns]);
    assert.deepEqual(ing.spec.rules, [
      {
        host: 'foo.example',
        http: {
          paths: [{ backend: { service: { name: 'web', port: { number: 80 } } }, path: '/bar', pathType: 'Exact' }],
        },
      },
    ]);
  });

  test('create --dry-run=server persists nothing; -o yaml shows the defaulted object', async () => {
    const out = await ok([
      'create',
      'deployment',
      'dry',
      '-n',
      ns,
      '--image=nginx',
      '--dry-run=server',
      '-o',
      'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].imagePullPolicy}',
    ]);
    assert.equal(out, '1 Always', 'defaults applied (untagged image pulls Always)');
    await kubectlFails(c, ['get', 'deployment', 'dry', '-n', ns]);
    const msg = await ok(['create', 'configmap', 'dry', '-n', ns, '--from-literal=a=b', '--dry-run=server']);
    assert.equal(msg.trim(), 'configmap/dry created (server dry run)');
    await kubectlFails(c, ['get', 'configmap', 'dry', '-n', ns]);
  });

  test('create token (TokenRequest on serviceaccounts/token)', async () => {
    await ok(['create', 'serviceaccount', 'tokened', '-n', ns]);
    const token = (await ok(['create', 'token', 'tokened', '-n', ns])).trim();
    const parts = token.split('.');
    assert.equal(parts.length, 3, `a JWT: ${token}`);
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString()) as {
      sub: string;
      exp: number;
      iat: number;
    };
    assert.equal(claims.sub, `system:serviceaccount:${ns}:tokened`);
    assert.equal(claims.exp - claims.iat, 3600);
    const short = await kubectlFails(c, ['create', 'token', 'tokened', '-n', ns, '--duration=1m']);
    assert.match(
      short.stderr,
      /spec\.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes/,
    );
  });
});
