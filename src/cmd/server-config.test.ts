import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseFlags, UsageError } from '../cli/flags.js';
import { writeMemberState } from '../control-plane/storage/etcd/managed/member-state.js';
import { haPaths } from './ha/ha-datastore.js';
import { defaultDataDir } from './local-paths.js';
import { compileDisabledAddons, compileServerConfig, primaryIPv4, serverFlags } from './server.js';

const dir = mkdtempSync(join(tmpdir(), 'kbt-server-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const flagsOf = (argv: string[]) => parseFlags(argv, serverFlags).flags;
const compile = (argv: string[]) => compileServerConfig(flagsOf(argv));

test('compileServerConfig: defaults (k3s values)', () => {
  const dataDir = join(dir, 'defaults');
  const c = compile(['--data-dir', dataDir]);
  // Field by field: other flags (and their fields) are added to server.ts over time.
  const want = {
    ha: undefined,
    leaderElect: false,
    dataDir,
    bindAddress: '0.0.0.0',
    httpsPort: 6443,
    advertiseAddress: primaryIPv4(),
    datastoreEndpoint: undefined,
    kubeconfigPath: join(dataDir, 'kubeconfig.yaml'),
    kubeconfigMode: 0o600,
    tlsSans: [],
    serviceCIDR: '10.43.0.0/16',
    clusterCIDR: '10.42.0.0/16',
    clusterDomain: 'cluster.local',
    controllers: ['*'],
    tokenAuthFile: undefined,
    encryptionConfigPath: undefined,
    audit: undefined,
    disabledAdmissionPlugins: undefined,
  };
  for (const [k, v] of Object.entries(want)) assert.deepEqual(c[k as keyof typeof c], v, k);
  // Without --data-dir: /var/lib/kubets as root, ~/.kubets otherwise (the same place the other commands look).
  assert.equal(compileServerConfig({}).dataDir, defaultDataDir());
});

test('compileServerConfig: flags are carried over, lists split, paths resolved', () => {
  const c = compile([
    '--data-dir', 'rel-data',
    '--https-listen-port', '7443',
    '--bind-address', '10.0.0.1',
    '--advertise-address', '10.0.0.2',
    '--write-kubeconfig', 'out/kc.yaml',
    '--write-kubeconfig-mode', '0644',
    '--tls-san', 'a.example', '--tls-san', '10.9.9.9',
    '--service-cidr', '10.96.0.0/12',
    '--cluster-cidr', '10.244.0.0/16',
    '--cluster-domain', 'corp.local',
    '--controllers', '*, -ttl,,',
    '--disable-admission-plugins', 'LimitRanger, ServiceAccount',
    '--audit-policy-file', 'policy.yaml',
    '--audit-log-path', '/var/log/audit.log',
    '--audit-log-maxsize', '5',
    '--token-auth-file', '/etc/tokens.csv',
    '--encryption-provider-config', '/etc/enc.yaml',
  ]); // prettier-ignore
  assert.equal(c.dataDir, resolve('rel-data'));
  assert.equal(c.httpsPort, 7443);
  assert.equal(c.bindAddress, '10.0.0.1');
  assert.equal(c.advertiseAddress, '10.0.0.2');
  assert.equal(c.kubeconfigPath, resolve('out/kc.yaml'));
  assert.equal(c.kubeconfigMode, 0o644);
  assert.deepEqual(c.tlsSans, ['a.example', '10.9.9.9']);
  assert.equal(c.serviceCIDR, '10.96.0.0/12');
  assert.equal(c.clusterCIDR, '10.244.0.0/16');
  assert.equal(c.clusterDomain, 'corp.local');
  assert.deepEqual(c.controllers, ['*', '-ttl']);
  assert.deepEqual(c.disabledAdmissionPlugins, ['LimitRanger', 'ServiceAccount']);
  assert.deepEqual(c.audit, {
    policyPath: resolve('policy.yaml'),
    logPath: '/var/log/audit.log',
    maxSizeMB: 5,
    maxBackups: 10,
    maxAgeDays: 0,
  });
  assert.equal(c.tokenAuthFile, '/etc/tokens.csv');
  assert.equal(c.encryptionConfigPath, '/etc/enc.yaml');
});

test('compileServerConfig: leader election whenever another server can share the datastore', () => {
  const d = (n: string) => ['--data-dir', join(dir, n)];
  const cases: [string, string[], boolean, boolean][] = [
    // name, argv, leaderElect, managed etcd
    ['embedded SQLite', d('le-1'), false, false],
    ['sqlite:// endpoint', [...d('le-2'), '--datastore-endpoint', 'sqlite:///tmp/x.db'], false, false],
    ['external etcd', [...d('le-3'), '--datastore-endpoint', 'etcd://10.0.0.5:2379'], true, false],
    ['external etcd over https', [...d('le-4'), '--datastore-endpoint', 'https://10.0.0.5:2379'], true, false],
    ['--cluster-init', [...d('le-5'), '--cluster-init'], true, true],
    ['--server joins', [...d('le-6'), '--server', 'https://10.0.0.1:6443', '--token', 't'], true, true],
  ];
  for (const [name, argv, le, managed] of cases) {
    const c = compile(argv);
    assert.equal(c.leaderElect, le, name);
    assert.equal(c.ha !== undefined, managed, name);
  }
  const ha = compile([...d('le-5'), '--cluster-init', '--etcd-arg', 'quota-backend-bytes=1']).ha!;
  assert.deepEqual(ha, {
    clusterInit: true,
    server: undefined,
    token: undefined,
    etcdClientPort: 2379,
    etcdPeerPort: 2380,
    etcdArgs: ['quota-backend-bytes=1'],
  });
  // A data dir that already holds a managed etcd member restarts it without HA flags.
  const member = join(dir, 'member');
  writeMemberState(haPaths(member).memberState, {
    name: 'm',
    clientURL: 'https://10.0.0.1:2379',
    peerURL: 'https://10.0.0.1:2380',
    phase: 'member',
  });
  const again = compile(['--data-dir', member]);
  assert.equal(again.ha?.clusterInit, false);
  assert.equal(again.leaderElect, true);
});

test('compileServerConfig: usage errors', () => {
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'K10abc::server:secret\n');
  const d = ['--data-dir', join(dir, 'errors')];
  const cases: [string[], RegExp][] = [
    [['--write-kubeconfig-mode', '999'], /--write-kubeconfig-mode takes an octal mode like 600 or 644, not "999"/],
    [['--write-kubeconfig-mode', 'rw'], /not "rw"/],
    [['--https-listen-port', '70000'], /--https-listen-port must be a port number \(0-65535\), not 70000/],
    [['--https-listen-port', '-1'], /--https-listen-port must be a port number/],
    [['--audit-policy-file', 'p.yaml'], /audit logging needs both --audit-policy-file and --audit-log-path/],
    [['--audit-log-path', 'a.log'], /audit logging needs both/],
    [
      ['--cluster-init', '--server', 'https://10.0.0.1:6443'],
      /--cluster-init starts a new cluster and --server joins one/,
    ],
    [['--cluster-init', '--datastore-endpoint', 'etcd://h:2379'], /cannot be combined with managed etcd/],
    [['--cluster-init', '--etcd-client-port', '2380'], /--etcd-client-port and --etcd-peer-port must differ/],
    [['--cluster-init', '--etcd-peer-port', '0'], /--etcd-peer-port must be a port number/],
    [['--token', 't', '--token-file', tokenFile], /give either --token or --token-file, not both/],
    [['--token-file', join(dir, 'missing')], /cannot read --token-file/],
  ];
  for (const [argv, want] of cases) {
    assert.throws(
      () => compile([...d, ...argv]),
      (err: unknown) => err instanceof UsageError && want.test(err.message),
      argv.join(' '),
    );
  }
  assert.equal(compile([...d, '--https-listen-port', '0']).httpsPort, 0, 'port 0 picks a free port');
  assert.equal(compile([...d, '--write-kubeconfig-mode', '0640']).kubeconfigMode, 0o640);
});

test('compileDisabledAddons: canonical names, aliases, comma lists; unknown names are usage errors', () => {
  const cases: [string[], string[]][] = [
    [[], []],
    [['--disable', 'coredns'], ['coredns']],
    [['--disable', 'dns'], ['coredns']],
    [['--disable', ' CoreDNS , dns,'], ['coredns']],
    [['--disable', 'dns', '--disable', 'coredns'], ['coredns']],
  ];
  for (const [argv, want] of cases) assert.deepEqual([...compileDisabledAddons(flagsOf(argv))], want, argv.join(' '));
  assert.throws(
    () => compileDisabledAddons(flagsOf(['--disable', 'coredns,traefik'])),
    (err: unknown) =>
      err instanceof UsageError &&
      err.message === '--disable traefik: unknown addon; choose from coredns, local-storage',
  );
});
