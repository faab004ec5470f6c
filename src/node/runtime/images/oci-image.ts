/**
 * Builds OCI images (image-spec v1) in memory and writes them as OCI archive
 * tarballs (an OCI image layout: `oci-layout`, `index.json`, `blobs/sha256/*`,
 * tarred) that `ctr images import` accepts. Everything is deterministic: layers
 * come from writeTar with fixed mtimes, gzip carries no timestamp, JSON is built
 * with a fixed key order, so a rebuild from the same inputs gives the same digests.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { fixedMtime, writeTar, type TarEntry } from './tar-writer.js';

export const mediaTypes = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** The containerd annotation carrying an image's full name in an archive's index.json. */
export const containerdImageNameAnnotation = 'io.containerd.image.name';
export const ociRefNameAnnotation = 'org.opencontainers.image.ref.name';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export interface Layer {
  /** The gzipped tar (the blob). */
  blob: Buffer;
  descriptor: Descriptor;
  /** sha256 of the uncompressed tar: what `rootfs.diff_ids` lists. */
  diffId: string;
}

export interface ImageRuntimeConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  StopSignal?: string;
  Labels?: Record<string, string>;
}

export interface ImageSpec {
  /** Full reference, e.g. `kubets.local/busybox:1`. */
  name: string;
  layers: Layer[];
  config: ImageRuntimeConfig;
  /** OCI architecture (`amd64`, `arm64`); default: this machine's. */
  architecture?: string;
}

export interface BuiltImage {
  name: string;
  /** Blobs by digest: layers, config, manifest. */
  blobs: Map<string, Buffer>;
  manifest: Descriptor;
  config: Descriptor;
  /** What the CRI reports as the image ID (containerd: the config digest). */
  imageId: string;
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function descriptorOf(mediaType: string, blob: Buffer): Descriptor {
  return { mediaType, digest: sha256(blob), size: blob.length };
}

/** One gzipped layer from tar entries. */
export function buildLayer(entries: TarEntry[]): Layer {
  const tar = writeTar(entries);
  const blob = gzipSync(tar, { level: 9 });
  return { blob, descriptor: descriptorOf(mediaTypes.layerGzip, blob), diffId: sha256(tar) };
}

/** OCI's name for this machine's architecture. */
export function ociArchitecture(arch: string = process.arch): string {
  const names: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le' };
  return names[arch] ?? arch;
}

const created = new Date(fixedMtime * 1000).toISOString().replace('.000Z', 'Z');

export function buildImage(spec: ImageSpec): BuiltImage {
  const architecture = spec.architecture ?? ociArchitecture();
  const configJson = {
    created,
    architecture,
    os: 'linux',
    config: spec.config,
    rootfs: { type: 'layers', diff_ids: spec.layers.map((l) => l.diffId) },
    history: spec.layers.map(() => ({ created, created_by: 'kubets build-test-images' })),
  };
  const configBlob = Buffer.from(JSON.stringify(configJson));
  const config = descriptorOf(mediaTypes.config, configBlob);
  const manifestBlob = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: mediaTypes.manifest,
      config,
      layers: spec.layers.map((l) => l.descriptor),
    }),
  );
  const manifest = descriptorOf(mediaTypes.manifest, manifestBlob);
  const blobs = new Map<string, Buffer>();
  for (const l of spec.layers) blobs.set(l.descriptor.digest, l.blob);
  blobs.set(config.digest, configBlob);
  blobs.set(manifest.digest, manifestBlob);
  return { name: spec.name, blobs, manifest, config, imageId: config.digest };
}

/** The tag part of a reference (`kubets.local/busybox:1` -> `1`; `latest` when untagged). */
export function tagOf(name: string): string {
  const lastPart = name.slice(name.lastIndexOf('/') + 1);
  const at = lastPart.indexOf('@');
  const base = at >= 0 ? lastPart.slice(0, at) : lastPart;
  const colon = base.lastIndexOf(':');
  return colon >= 0 ? base.slice(colon + 1) : 'latest';
}

/** The OCI archive (tarred image layout) holding `images`. */
export function ociArchive(images: BuiltImage[], architecture: string = ociArchitecture()): Buffer {
  const index = {
    schemaVersion: 2,
    mediaType: mediaTypes.index,
    manifests: images.map((img) => ({
      ...img.manifest,
      annotations: { [containerdImageNameAnnotation]: img.name, [ociRefNameAnnotation]: tagOf(img.name) },
      platform: { architecture, os: 'linux' },
    })),
  };
  const blobs = new Map<string, Buffer>();
  for (const img of images) for (const [d, b] of img.blobs) blobs.set(d, b);
  const entries: TarEntry[] = [
    { type: 'file', path: 'oci-layout', data: Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })) },
    { type: 'file', path: 'index.json', data: Buffer.from(JSON.stringify(index)) },
    { type: 'dir', path: 'blobs' },
    { type: 'dir', path: 'blobs/sha256' },
    ...[...blobs.keys()]
      .sort()
      .map((d): TarEntry => ({ type: 'file', path: `blobs/sha256/${d.slice('sha256:'.length)}`, data: blobs.get(d)! })),
  ];
  return writeTar(entries);
}
