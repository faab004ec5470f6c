import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Scheduler } from '../scheduler.js';
import { noopPorts } from '../testing/framework.js';
import { defaultConfiguration, mergePluginSet } from './defaults.js';
import { ConfigError, decodeConfiguration, loadConfiguration, loadConfigurationFile } from './load.js';

const header = 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n';

test('defaults (upstream SetDefaults_KubeSchedulerConfiguration)', () => {
  const c = defaultConfiguration();
  assert.equal(c.parallelism, 16);
  assert.equal(c.percentageOfNodesToScore, 0);
  assert.equal(c.podInitialBackoffSeconds, 1);
  assert.equal(c.podMaxBackoffSeconds, 10);
  assert.equal(c.profiles.length, 1);
  assert.equal(c.profiles[0]!.schedulerName, 'default-scheduler');
  assert.deepEqual(c.leaderElection, {
    leaderElect: true,
    leaseDuration: '15s',
    renewDeadline: '10s',
    retryPeriod: '2s',
    resourceLock: 'leases',
    resourceName: 'kube-scheduler',
    resourceNamespace: 'kube-system',
  });
  assert.equal(c.clientConnection.qps, 50);
  assert.equal(c.clientConnection.burst, 100);
  const mp = c.profiles[0]!.plugins.multiPoint.enabled!;
  assert.deepEqual(
    mp.filter((p) => p.weight).map((p) => `${p.name}=${p.weight}`),
    [
      'TaintToleration=3',
      'NodeAffinity=2',
      'NodeResourcesFit=1',
      'PodTopologySpread=2',
      'InterPodAffinity=2',
      'NodeResourcesBalancedAllocation=1',
      'ImageLocality=1',
    ],
  );
  assert.equal(mp.length, 18);
});

test('plugin sets merge as upstream mergePluginSet', () => {
  const defaults = { enabled: [{ name: 'A' }, { name: 'B', weight: 1 }, { name: 'C' }] };
  assert.deepEqual(
    mergePluginSet(defaults, { enabled: [{ name: 'B', weight: 5 }, { name: 'D' }], disabled: [{ name: 'C' }] }),
    {
      enabled: [{ name: 'A' }, { name: 'B', weight: 5 }, { name: 'D' }],
      disabled: [{ name: 'C' }],
    },
  );
  assert.deepEqual(mergePluginSet(defaults, { enabled: [{ name: 'X' }], disabled: [{ name: '*' }] }), {
    enabled: [{ name: 'X' }],
    disabled: [{ name: '*' }],
  });
});

test('a --config file: profiles, plugins, weights, args', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sched-config-'));
  try {
    const path = join(dir, 'config.yaml');
    writeFileSync(
      path,
      header +
        `percentageOfNodesToScore: 30
profiles:
- schedulerName: default-scheduler
  plugins:
    score:
      enabled:
      - name: NodeResourcesFit
        weight: 5
- schedulerName: packer
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
  plugins:
    multiPoint:
      enabled:
      - name: LoadAware
        weight: 2
    score:
      disabled:
      - name: ImageLocality
`,
    );
    const cfg = await loadConfigurationFile(path);
    assert.equal(cfg.percentageOfNodesToScore, 30);
    assert.deepEqual(
      cfg.profiles.map((p) => p.schedulerName),
      ['default-scheduler', 'packer'],
    );
    const s = new Scheduler({ config: cfg, ports: noopPorts });
    const def = s.profiles.get('default-scheduler')!;
    assert.equal(def.scoreWeight('NodeResourcesFit'), 5, 'a point-specific weight overrides multiPoint');
    const packer = s.profiles.get('packer')!;
    assert.equal(packer.scoreWeight('LoadAware'), 2);
    assert.ok(packer.plugins.has('LoadAware'));
    assert.equal(
      (packer.plugins.get('NodeResourcesFit') as unknown as { args: { scoringStrategy: { type: string } } }).args
        .scoringStrategy.type,
      'MostAllocated',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('invalid configurations are rejected with field errors', async (t) => {
  const cases: { name: string; yaml: string; want: RegExp }[] = [
    {
      name: 'wrong version',
      yaml: 'apiVersion: kubescheduler.config.k8s.io/v1beta3\nkind: KubeSchedulerConfiguration\n',
      want: /no kind "KubeSchedulerConfiguration" is registered for version "kubescheduler.config.k8s.io\/v1beta3"/,
    },
    { name: 'unknown field', yaml: header + 'bogus: 1\n', want: /strict decoding error: unknown field "bogus"/ },
    {
      name: 'unknown profile field',
      yaml: header + 'profiles:\n- schedulerName: a\n  plugin: {}\n',
      want: /unknown field "profiles\[0\].plugin"/,
    },
    {
      name: 'percentage out of range',
      yaml: header + 'percentageOfNodesToScore: 101\n',
      want: /percentageOfNodesToScore: Invalid value: 101: not in valid range \[0-100\]/,
    },
    {
      name: 'backoff bounds',
      yaml: header + 'podInitialBackoffSeconds: 5\npodMaxBackoffSeconds: 2\n',
      want: /podMaxBackoffSeconds: Invalid value: 2: must be greater than or equal to PodInitialBackoffSeconds/,
    },
    {
      name: 'duplicate profile names',
      yaml: header + 'profiles:\n- schedulerName: a\n- schedulerName: a\n',
      want: /profiles\[1\].schedulerName: Duplicate value: "profiles\[0\].schedulerName"/,
    },
    {
      name: 'missing profile name with several profiles',
      yaml: header + 'profiles:\n- schedulerName: a\n- {}\n',
      want: /profiles\[1\].schedulerName: Required value/,
    },
    {
      name: 'different queue sort per profile',
      yaml:
        header +
        'profiles:\n- schedulerName: a\n- schedulerName: b\n  plugins:\n    queueSort:\n      enabled:\n      - name: DeadlineSort\n      disabled:\n      - name: "*"\n',
      want: /profiles\[1\].plugins.queueSort: Invalid value: .*must be the same for all profiles/,
    },
    {
      name: 'plugin args',
      yaml:
        header +
        'profiles:\n- schedulerName: a\n  pluginConfig:\n  - name: InterPodAffinity\n    args:\n      hardPodAffinityWeight: 200\n',
      want: /profiles\[0\].pluginConfig\[0\].args.hardPodAffinityWeight: Invalid value: 200: not in valid range \[0, 100\]/,
    },
    {
      name: 'duplicate plugin config',
      yaml: header + 'profiles:\n- schedulerName: a\n  pluginConfig:\n  - name: NodeAffinity\n  - name: NodeAffinity\n',
      want: /profiles\[0\].pluginConfig\[1\]: Duplicate value: "NodeAffinity"/,
    },
    {
      name: 'leader election lock',
      yaml: header + 'leaderElection:\n  leaderElect: true\n  resourceLock: endpoints\n',
      want: /resourceLock value must be "leases"/,
    },
    { name: 'extenders', yaml: header + 'extenders:\n- urlPrefix: http://x\n', want: /extenders: Forbidden/ },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      assert.throws(
        () => loadConfiguration(c.yaml),
        (e: unknown) => e instanceof ConfigError && c.want.test(e.message),
      );
    });
  }
});

test('decoding accepts JSON too', () => {
  const raw = decodeConfiguration(
    JSON.stringify({
      apiVersion: 'kubescheduler.config.k8s.io/v1',
      kind: 'KubeSchedulerConfiguration',
      parallelism: 4,
    }),
  );
  assert.equal(raw.parallelism, 4);
});

test('a profile referencing an unknown plugin fails when the scheduler is built', () => {
  const cfg = loadConfiguration(
    header + 'profiles:\n- schedulerName: a\n  plugins:\n    filter:\n      enabled:\n      - name: Nope\n',
  );
  assert.throws(() => new Scheduler({ config: cfg, ports: noopPorts }), /plugin "Nope" does not exist/);
});
