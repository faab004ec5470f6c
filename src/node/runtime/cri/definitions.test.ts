import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as protoLoader from '@grpc/proto-loader';
import { criPackage, criPackageDefinition, decodeCriMessage, encodeCriMessage } from './definitions.js';

const bytes = (...parts: (number | string)[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from([p]))));

test('both services expose the RPCs the brief lists, with upstream paths', () => {
  const def = criPackageDefinition();
  const want: Record<string, string[]> = {
    RuntimeService: [
      'Version',
      'RunPodSandbox',
      'StopPodSandbox',
      'RemovePodSandbox',
      'PodSandboxStatus',
      'ListPodSandbox',
      'CreateContainer',
      'StartContainer',
      'StopContainer',
      'RemoveContainer',
      'ListContainers',
      'ContainerStatus',
      'UpdateContainerResources',
      'ExecSync',
      'Exec',
      'Attach',
      'PortForward',
      'ContainerStats',
      'ListContainerStats',
      'PodSandboxStats',
      'Status',
      'UpdateRuntimeConfig',
    ],
    ImageService: ['ListImages', 'ImageStatus', 'PullImage', 'RemoveImage', 'ImageFsInfo'],
  };
  for (const [svc, methods] of Object.entries(want)) {
    const service = def[`${criPackage}.${svc}`] as protoLoader.ServiceDefinition;
    for (const m of methods) {
      assert.equal(service[m]?.path, `/runtime.v1.${svc}/${m}`, `${svc}.${m}`);
      assert.equal(service[m]?.responseStream, false, `${svc}.${m} is unary`);
    }
  }
});

// Expected bytes are written out by hand from upstream field numbers: tag = (field << 3) | wire type.
test('requests encode with upstream field numbers', () => {
  const cases: [string, object, Buffer][] = [
    ['VersionRequest', { version: 'v1' }, bytes(0x0a, 2, 'v1')],
    [
      'CreateContainerRequest',
      { podSandboxId: 'p', config: { metadata: { name: 'c', attempt: 1 }, logPath: 'x' } },
      // 1: pod_sandbox_id; 2: config { 1: metadata { 1: name, 2: attempt }, 11: log_path }
      bytes(0x0a, 1, 'p', 0x12, 10, 0x0a, 5, 0x0a, 1, 'c', 0x10, 1, 0x5a, 1, 'x'),
    ],
    [
      'UpdateContainerResourcesRequest',
      { containerId: 'c', linux: { cpuShares: 2, memoryLimitInBytes: 300 } },
      // 2: linux { 3: cpu_shares, 4: memory_limit_in_bytes (varint 300 = ac 02) }
      bytes(0x0a, 1, 'c', 0x12, 5, 0x18, 2, 0x20, 0xac, 0x02),
    ],
    ['StopContainerRequest', { containerId: 'c', timeout: 30 }, bytes(0x0a, 1, 'c', 0x10, 30)],
    [
      'ExecSyncRequest',
      { containerId: 'c', cmd: ['echo', 'hi'], timeout: 5 },
      bytes(0x0a, 1, 'c', 0x12, 4, 'echo', 0x12, 2, 'hi', 0x18, 5),
    ],
    [
      'RunPodSandboxRequest',
      { config: { metadata: { uid: 'u' }, logDirectory: '/l', labels: { a: 'b' } }, runtimeHandler: 'h' },
      // config { 1: metadata { 2: uid }, 3: log_directory, 6: labels entry { 1: key, 2: value } }, 2: runtime_handler
      bytes(0x0a, 17, 0x0a, 3, 0x12, 1, 'u', 0x1a, 2, '/l', 0x32, 6, 0x0a, 1, 'a', 0x12, 1, 'b', 0x12, 1, 'h'),
    ],
    [
      'PullImageRequest',
      { image: { image: 'i' }, auth: { username: 'u', serverAddress: 's' } },
      bytes(0x0a, 3, 0x0a, 1, 'i', 0x12, 6, 0x0a, 1, 'u', 0x22, 1, 's'),
    ],
    [
      'ListContainersRequest',
      { filter: { state: { state: 'CONTAINER_EXITED' }, podSandboxId: 'p' } },
      bytes(0x0a, 7, 0x12, 2, 0x08, 2, 0x1a, 1, 'p'),
    ],
  ];
  for (const [type, value, want] of cases) {
    assert.deepEqual(encodeCriMessage(type, value), want, type);
  }
});

test('responses decode with upstream field numbers, camelCase names and defaults', () => {
  // ContainerStatusResponse { 1: status { 3: state=RUNNING, 7: exit_code, 15: log_path, 17: image_id } }
  const status = decodeCriMessage<{ status: Record<string, unknown>; info: object }>(
    'ContainerStatusResponse',
    bytes(0x0a, 12, 0x18, 1, 0x38, 7, 0x7a, 1, 'l', 0x8a, 0x01, 2, 'id'),
  );
  assert.equal(status.status.state, 'CONTAINER_RUNNING');
  assert.equal(status.status.exitCode, 7);
  assert.equal(status.status.logPath, 'l');
  assert.equal(status.status.imageId, 'id');
  assert.equal(status.status.metadata, null);
  assert.deepEqual(status.status.labels, {});
  assert.deepEqual(status.info, {});

  // PodSandboxStatusResponse { 1: status { 5: network { 1: ip } } }
  const sandbox = decodeCriMessage<{ status: { network: { ip: string; additionalIps: unknown[] } } }>(
    'PodSandboxStatusResponse',
    bytes(0x0a, 8, 0x2a, 6, 0x0a, 4, '1.2.'),
  );
  assert.deepEqual(sandbox.status.network, { ip: '1.2.', additionalIps: [] });

  // ListImagesResponse { 1: image { 1: id, 2: repo_tags, 4: size } }
  const images = decodeCriMessage<{ images: { id: string; repoTags: string[]; size: number }[] }>(
    'ListImagesResponse',
    bytes(0x0a, 10, 0x0a, 1, 'i', 0x12, 1, 't', 0x20, 0x80, 0x80, 0x04),
  );
  assert.deepEqual(
    images.images.map((i) => [i.id, i.repoTags, i.size]),
    [['i', ['t'], 65536]],
  );

  // ExecSyncResponse { 1: stdout, 3: exit_code }
  const exec = decodeCriMessage<{ stdout: Buffer; stderr: Buffer; exitCode: number }>(
    'ExecSyncResponse',
    bytes(0x0a, 3, 'hi\n', 0x18, 2),
  );
  assert.equal(exec.stdout.toString(), 'hi\n');
  assert.equal(exec.stderr.length, 0);
  assert.equal(exec.exitCode, 2);

  // VersionResponse { 2: runtime_name, 4: runtime_api_version }
  assert.deepEqual(decodeCriMessage('VersionResponse', bytes(0x12, 1, 'c', 0x22, 2, 'v1')), {
    version: '',
    runtimeName: 'c',
    runtimeVersion: '',
    runtimeApiVersion: 'v1',
  });
});

test('64-bit nanosecond timestamps survive as numbers to sub-microsecond precision', () => {
  const ns = Number(1_767_225_600_123_456_789n);
  const round = decodeCriMessage<{ status: { createdAt: number } }>(
    'ContainerStatusResponse',
    encodeCriMessage('ContainerStatusResponse', { status: { createdAt: ns } }),
  );
  assert.ok(Math.abs(round.status.createdAt - ns) < 1000);
});
