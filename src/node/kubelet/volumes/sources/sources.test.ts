import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { downwardApiPayload, extractFieldPath, extractResourceValue, formatMap, goQuote } from './downward-api.js';
import { checkHostPathType } from './host-path.js';
import { configMapPayload, secretPayload } from './object-payload.js';

const pod: Pod = {
  metadata: {
    name: 'web',
    namespace: 'ns1',
    uid: 'u-1',
    labels: { b: 'two', a: 'one "quoted"' },
    annotations: { note: 'line1\nline2' },
  },
  spec: {
    containers: [
      { name: 'c', image: 'i', resources: { limits: { memory: '64Mi' }, requests: { cpu: '250m', memory: '32Mi' } } },
    ],
  },
};

const text = (p: Record<string, { data: Buffer; mode: number }>) =>
  Object.fromEntries(Object.entries(p).map(([k, v]) => [k, [v.data.toString(), v.mode.toString(8)]]));

test('goQuote matches Go %q for the characters labels can hold', () => {
  const cases: [string, string][] = [
    ['plain', '"plain"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['tab\tnl\n', '"tab\\tnl\\n"'],
    ['\x01', '"\\x01"'],
    ['é ü', '"é ü"'],
    ['\u00a0', '"\\u00a0"'],
  ];
  for (const [input, want] of cases) assert.equal(goQuote(input), want, JSON.stringify(input));
  assert.equal(formatMap({ b: '2', a: '1' }), 'a="1"\nb="2"');
  assert.equal(formatMap(undefined), '');
});

test('field paths of the downward API volume', () => {
  const cases: [string, string][] = [
    ['metadata.name', 'web'],
    ['metadata.namespace', 'ns1'],
    ['metadata.uid', 'u-1'],
    ['metadata.labels', 'a="one \\"quoted\\""\nb="two"'],
    ['metadata.annotations', 'note="line1\\nline2"'],
    ["metadata.labels['b']", 'two'],
    ["metadata.annotations['missing']", ''],
  ];
  for (const [path, want] of cases) assert.equal(extractFieldPath(pod, path), want, path);
  assert.throws(() => extractFieldPath(pod, 'spec.nodeName'), /unsupported fieldPath: spec\.nodeName/);
});

test('resource fields: divisors round up, unset limits come from node allocatable', () => {
  const alloc = { cpu: '2', memory: '8Gi' };
  const cases: [string, string | undefined, string][] = [
    ['requests.cpu', undefined, '1'],
    ['requests.cpu', '1m', '250'],
    ['limits.cpu', undefined, '2'],
    ['limits.memory', undefined, String(64 * 1024 * 1024)],
    ['limits.memory', '1Mi', '64'],
    ['requests.memory', '1Gi', '1'],
    ['requests.ephemeral-storage', undefined, '0'],
  ];
  for (const [resource, divisor, want] of cases) {
    assert.equal(
      extractResourceValue({ containerName: 'c', resource, divisor }, pod, alloc),
      want,
      `${resource}/${divisor}`,
    );
  }
  assert.throws(
    () => extractResourceValue({ containerName: 'x', resource: 'limits.cpu' }, pod),
    /container x not found/,
  );
});

test('downwardAPI payload: modes and aggregated errors', () => {
  const p = downwardApiPayload(
    pod,
    [
      { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
      { path: 'mem', mode: 0o600, resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } },
    ],
    0o644,
  );
  assert.deepEqual(text(p), { name: ['web', '644'], mem: ['64', '600'] });
  assert.throws(
    () =>
      downwardApiPayload(
        pod,
        [
          { path: 'a', fieldRef: { fieldPath: 'spec.x' } },
          { path: 'b', fieldRef: { fieldPath: 'status.y' } },
        ],
        0o644,
      ),
    { message: '[unsupported fieldPath: spec.x, unsupported fieldPath: status.y]' },
  );
});

test('configMap and secret payloads: all keys, items, modes, optional and missing keys', () => {
  const cm = { data: { a: 'A', b: 'B' }, binaryData: { bin: Buffer.from([0, 1]).toString('base64') } };
  assert.deepEqual(text(configMapPayload(cm, {})), {
    a: ['A', '644'],
    b: ['B', '644'],
    bin: ['\x00\x01', '644'],
  });
  assert.deepEqual(
    text(
      configMapPayload(cm, {
        defaultMode: 0o400,
        items: [
          { key: 'a', path: 'dir/x' },
          { key: 'b', path: 'y', mode: 0o777 },
        ],
      }),
    ),
    { 'dir/x': ['A', '400'], y: ['B', '777'] },
  );
  assert.throws(() => configMapPayload(cm, { items: [{ key: 'zz', path: 'z' }] }), {
    message: 'configmap references non-existent config key: zz',
  });
  assert.deepEqual(configMapPayload(cm, { items: [{ key: 'zz', path: 'z' }], optional: true }), {});
  assert.deepEqual(configMapPayload(undefined, { optional: true }), {});

  const secret = { data: { token: Buffer.from('s3cret').toString('base64') } };
  assert.deepEqual(text(secretPayload(secret, { defaultMode: 0o440 })), { token: ['s3cret', '440'] });
  assert.throws(() => secretPayload(secret, { items: [{ key: 'nope', path: 'n' }] }), {
    message: 'references non-existent secret key: nope',
  });
});

test('hostPath types: create, accept and refuse with upstream messages', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kbt-hp-'));
  const server = createServer();
  try {
    const file = join(dir, 'file');
    writeFileSync(file, 'x');
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    const sock = join(dir, 'sock');
    server.listen(sock);
    await once(server, 'listening');

    await checkHostPathType(join(dir, 'new/dir'), 'DirectoryOrCreate');
    assert.ok(statSync(join(dir, 'new/dir')).isDirectory());
    assert.equal(statSync(join(dir, 'new/dir')).mode & 0o777, 0o755 & ~process.umask());
    await checkHostPathType(join(dir, 'newfile'), 'FileOrCreate');
    assert.ok(statSync(join(dir, 'newfile')).isFile());
    await checkHostPathType(join(dir, 'anything'), '');
    assert.equal(existsSync(join(dir, 'anything')), false, 'an empty type checks and creates nothing');

    const ok: [string, string][] = [
      [sub, 'Directory'],
      [file, 'File'],
      [file, 'FileOrCreate'],
      [sock, 'Socket'],
      [sock, 'File'],
      ['/dev/null', 'CharDevice'],
    ];
    for (const [p, t] of ok) await checkHostPathType(p, t);

    const bad: [string, string, string][] = [
      [file, 'Directory', `hostPath type check failed: ${file} is not a directory`],
      [file, 'DirectoryOrCreate', `hostPath type check failed: ${file} is not a directory`],
      [join(dir, 'missing'), 'Directory', `hostPath type check failed: ${join(dir, 'missing')} is not a directory`],
      [sub, 'File', `hostPath type check failed: ${sub} is not a file`],
      [file, 'Socket', `hostPath type check failed: ${file} is not a socket file`],
      [file, 'CharDevice', `hostPath type check failed: ${file} is not a character device`],
      ['/dev/null', 'BlockDevice', 'hostPath type check failed: /dev/null is not a block device'],
      [file, 'Pipe', 'Pipe is an invalid volume type'],
    ];
    for (const [p, t, msg] of bad) await assert.rejects(checkHostPathType(p, t), { message: msg }, `${p} ${t}`);
    // A block device, when the machine has one.
    const blk = execFileSync('sh', ['-c', 'ls /dev/loop0 /dev/vda /dev/sda 2>/dev/null | head -1'], {
      encoding: 'utf8',
    }).trim();
    if (blk) await checkHostPathType(blk, 'BlockDevice');
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
