import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Secret } from 'kubernetes-types/core/v1.js';
import { runCli } from '../cli/command.js';
import { ResourceClient, type KubeObject } from '../client/index.js';
import { startControlPlane, type ControlPlane } from './control-plane.js';
import { inProcessRest } from './in-process.js';
import { bootstrapGroup, tokenCommand, tokenKubeconfig, tokenListRows } from './token.js';

const root = mkdtempSync(join(tmpdir(), 'kbt-token-'));
after(() => rmSync(root, { recursive: true, force: true }));

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('tokenKubeconfig: --kubeconfig, then --data-dir, then $KUBECONFIG (first file), then the default data dir', () => {
  assert.equal(tokenKubeconfig({ kubeconfig: '/k.yaml', 'data-dir': '/d' }, { KUBECONFIG: '/e.yaml' }), '/k.yaml');
  assert.equal(tokenKubeconfig({ 'data-dir': '/d' }, { KUBECONFIG: '/e.yaml' }), '/d/kubeconfig.yaml');
  assert.equal(tokenKubeconfig({}, { KUBECONFIG: '/e.yaml:/f.yaml' }), '/e.yaml');
  assert.match(tokenKubeconfig({}, {}), /\/kubeconfig\.yaml$/);
});

test('tokenListRows: kubeadm columns, TTL left, <forever>/<never>/<none>, <invalid> once expired', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const secret = (id: string, data: Record<string, string>) =>
    ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `bootstrap-token-${id}` },
      data: Object.fromEntries(Object.entries({ 'token-id': id, ...data }).map(([k, v]) => [k, b64(v)])),
    }) as KubeObject;
  const rows = tokenListRows(
    [
      secret('aaaaaa', {
        'token-secret': '0123456789abcdef',
        expiration: '2026-01-01T23:30:00Z',
        'usage-bootstrap-signing': 'true',
        'usage-bootstrap-authentication': 'true',
        description: 'for ci',
        'auth-extra-groups': bootstrapGroup,
      }),
      secret('bbbbbb', { 'token-secret': 'fedcba9876543210', 'usage-bootstrap-signing': 'false' }),
      secret('cccccc', { 'token-secret': 'x'.repeat(16), expiration: '2025-12-31T00:00:00Z' }),
    ],
    now,
  );
  assert.deepEqual(rows, [
    ['TOKEN', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS'],
    ['aaaaaa.0123456789abcdef', '23h', '2026-01-01T23:30:00Z', 'authentication,signing', 'for ci', bootstrapGroup],
    ['bbbbbb.fedcba9876543210', '<forever>', '<never>', '<none>', '<none>', '<none>'],
    [`cccccc.${'x'.repeat(16)}`, '<invalid>', '2025-12-31T00:00:00Z', '<none>', '<none>', '<none>'],
  ]);
});

describe('kubets token against a real API server', () => {
  let cp: ControlPlane;
  const dataDir = join(root, 'server');
  let secrets: ResourceClient<Secret & KubeObject>;

  before(async () => {
    cp = await startControlPlane({
      dataDir,
      bindAddress: '127.0.0.1',
      httpsPort: 0,
      advertiseAddress: '127.0.0.1',
      kubeconfigPath: join(dataDir, 'kubeconfig.yaml'),
      kubeconfigMode: 0o600,
      tlsSans: [],
      serviceCIDR: '10.43.0.0/16',
      clusterCIDR: '10.42.0.0/16',
      clusterDomain: 'cluster.local',
      controllers: [],
      scheduler: false,
    });
    secrets = new ResourceClient<Secret & KubeObject>(
      inProcessRest(cp.apiserver, { username: 'admin', groups: ['system:masters'] }, 'token-test'),
      { group: '', version: 'v1', resource: 'secrets' },
      'kube-system',
    );
  });
  after(() => cp?.dispose());

  /** `kubets token ARGS --data-dir <the server's>` (over HTTPS with its admin kubeconfig). */
  async function token(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const stdout = { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream;
    const stderr = { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream;
    const code = await runCli('kubets', 'test', [tokenCommand], ['token', ...argv, '--data-dir', dataDir], {
      stdout,
      stderr,
    });
    return { code, out, err };
  }
  const data = (s: Secret) =>
    Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));

  test('create prints a new token and stores the bootstrap Secret with TTL, usages, groups, description', async () => {
    const before = Date.now();
    const r = await token('create', '--ttl', '2h', '--description', 'for ci');
    assert.equal(r.code, 0, r.err);
    const m = /^([a-z0-9]{6})\.([a-z0-9]{16})\n$/.exec(r.out);
    assert.ok(m, r.out);
    const s = await secrets.get(`bootstrap-token-${m[1]}`);
    assert.equal(s.type, 'bootstrap.kubernetes.io/token');
    const d = data(s);
    assert.equal(d['token-id'], m[1]);
    assert.equal(d['token-secret'], m[2]);
    assert.equal(d['usage-bootstrap-authentication'], 'true');
    assert.equal(d['usage-bootstrap-signing'], 'true');
    assert.equal(d['auth-extra-groups'], bootstrapGroup);
    assert.equal(d.description, 'for ci');
    assert.match(d.expiration!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const exp = Date.parse(d.expiration!);
    assert.ok(exp >= before + 2 * 3600_000 - 1000 && exp <= Date.now() + 2 * 3600_000, d.expiration);
  });

  test('create TOKEN with --ttl 0 and extra groups; list shows it; delete by token or id', async () => {
    const given = 'abcdef.0123456789abcdef';
    const extra = 'system:bootstrappers:kubets:workers';
    const c = await token('create', given, '--ttl', '0', '--groups', `${bootstrapGroup},${extra}`);
    assert.equal(c.code, 0, c.err);
    assert.equal(c.out, `${given}\n`);
    const d = data(await secrets.get('bootstrap-token-abcdef'));
    assert.equal(d.expiration, undefined, 'ttl 0: never expires');
    assert.equal(d['auth-extra-groups'], `${bootstrapGroup},${extra}`);

    const l = await token('list');
    assert.equal(l.code, 0, l.err);
    const lines = l.out.trimEnd().split('\n');
    assert.match(lines[0]!, /^TOKEN {3,}TTL {3,}EXPIRES {3,}USAGES {3,}DESCRIPTION {3,}EXTRA GROUPS$/);
    const row = lines.find((x) => x.startsWith(given));
    assert.ok(row, l.out);
    assert.deepEqual(row.split(/ {3,}/), [
      given,
      '<forever>',
      '<never>',
      'authentication,signing',
      '<none>',
      `${bootstrapGroup},${extra}`,
    ]);
    assert.ok(
      lines.some((x) => /^[a-z0-9]{6}\.[a-z0-9]{16} +1h /.test(x)),
      'the 2h token has 1h and some left',
    );

    const del = await token('delete', given);
    assert.equal(del.code, 0, del.err);
    assert.equal(del.out, 'bootstrap token "abcdef" deleted\n');
    await assert.rejects(secrets.get('bootstrap-token-abcdef'), /not found/);
    const again = await token('delete', 'abcdef');
    assert.equal(again.code, 1);
    assert.match(again.err, /not found/);
  });

  test('usage errors', async () => {
    const cases: [string[], RegExp][] = [
      [['create', '--ttl', 'soon'], /--ttl takes a duration like 24h or 90m, not "soon"/],
      [['create', 'ABCDEF.0123456789abcdef'], /the token must look like/],
      [['create', '--groups', 'admins'], /bootstrap group "admins" is invalid/],
      [['delete'], /delete needs the token id/],
      [['delete', 'abc'], /"abc" is not a token id/],
      [['frobnicate'], /unknown subcommand "frobnicate"/],
    ];
    for (const [argv, want] of cases) {
      const r = await token(...argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.err, want, argv.join(' '));
    }
  });
});
