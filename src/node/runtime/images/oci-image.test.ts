import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { readTar } from './tar-writer.js';
import {
  buildImage,
  buildLayer,
  containerdImageNameAnnotation,
  mediaTypes,
  ociArchitecture,
  ociArchive,
  ociRefNameAnnotation,
  sha256,
  tagOf,
} from './oci-image.js';

const layerA = buildLayer([{ type: 'file', path: 'a.txt', data: Buffer.from('a') }]);
const layerB = buildLayer([{ type: 'file', path: 'b.txt', data: Buffer.from('b') }]);

test('a layer: gzip blob, descriptor of the blob, diff ID of the uncompressed tar', () => {
  assert.equal(layerA.descriptor.mediaType, mediaTypes.layerGzip);
  assert.equal(layerA.descriptor.digest, sha256(layerA.blob));
  assert.equal(layerA.descriptor.size, layerA.blob.length);
  const tar = gunzipSync(layerA.blob);
  assert.equal(layerA.diffId, sha256(tar));
  assert.deepEqual(
    readTar(tar).map((e) => [e.path, e.data.toString()]),
    [['a.txt', 'a']],
  );
  assert.deepEqual(buildLayer([{ type: 'file', path: 'a.txt', data: Buffer.from('a') }]), layerA, 'deterministic');
});

test('an image: config lists diff IDs in order, manifest references config and layers', () => {
  const img = buildImage({
    name: 'kubets.local/x:2',
    layers: [layerA, layerB],
    config: { Cmd: ['sh'] },
    architecture: 'amd64',
  });
  const config = JSON.parse(img.blobs.get(img.config.digest)!.toString());
  assert.deepEqual(config.rootfs, { type: 'layers', diff_ids: [layerA.diffId, layerB.diffId] });
  assert.equal(config.os, 'linux');
  assert.equal(config.architecture, 'amd64');
  assert.deepEqual(config.config, { Cmd: ['sh'] });
  assert.equal(config.history.length, 2);
  const manifest = JSON.parse(img.blobs.get(img.manifest.digest)!.toString());
  assert.deepEqual(manifest, {
    schemaVersion: 2,
    mediaType: mediaTypes.manifest,
    config: img.config,
    layers: [layerA.descriptor, layerB.descriptor],
  });
  assert.equal(img.imageId, img.config.digest);
  for (const [digest, blob] of img.blobs) assert.equal(sha256(blob), digest);
});

test('an OCI archive: layout marker, index with name annotations, every blob once', () => {
  const a = buildImage({ name: 'kubets.local/a:1', layers: [layerA], config: {}, architecture: 'amd64' });
  const b = buildImage({ name: 'kubets.local/b:1', layers: [layerA, layerB], config: {}, architecture: 'amd64' });
  const files = new Map(readTar(ociArchive([a, b], 'amd64')).map((e) => [e.path, e.data]));
  assert.deepEqual(JSON.parse(files.get('oci-layout')!.toString()), { imageLayoutVersion: '1.0.0' });
  const index = JSON.parse(files.get('index.json')!.toString());
  assert.equal(index.mediaType, mediaTypes.index);
  assert.deepEqual(
    index.manifests.map((m: any) => [
      m.digest,
      m.annotations[containerdImageNameAnnotation],
      m.annotations[ociRefNameAnnotation],
    ]),
    [
      [a.manifest.digest, 'kubets.local/a:1', '1'],
      [b.manifest.digest, 'kubets.local/b:1', '1'],
    ],
  );
  assert.deepEqual(index.manifests[0].platform, { architecture: 'amd64', os: 'linux' });
  const blobPaths = [...files.keys()].filter((p) => p.startsWith('blobs/sha256/') && p !== 'blobs/sha256/');
  // a: layerA, config, manifest; b: layerA (shared), layerB, config, manifest.
  assert.equal(blobPaths.length, 6);
  for (const p of blobPaths) assert.equal(sha256(files.get(p)!), `sha256:${p.slice('blobs/sha256/'.length)}`);
});

test('tagOf and ociArchitecture', () => {
  const tags: [string, string][] = [
    ['kubets.local/busybox:1', '1'],
    ['localhost:5000/app', 'latest'],
    ['localhost:5000/app:v2', 'v2'],
    ['app@sha256:abc', 'latest'],
    ['busybox', 'latest'],
  ];
  for (const [ref, want] of tags) assert.equal(tagOf(ref), want, ref);
  assert.equal(ociArchitecture('x64'), 'amd64');
  assert.equal(ociArchitecture('arm64'), 'arm64');
  assert.equal(ociArchitecture('riscv64'), 'riscv64');
});
