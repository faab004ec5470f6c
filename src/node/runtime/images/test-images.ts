/**
 * The images kubets builds locally (no registry is reachable on our machines):
 *
 *   - `kubets.local/pause:1`   the sandbox image: one hand-assembled static binary
 *                              (pause-binary.ts), entrypoint `/pause`;
 *   - `kubets.local/busybox:1` a shell image like docker.io/library/busybox: Debian's
 *                              static busybox, a symlink per applet in /bin, minimal
 *                              /etc; `Cmd ["sh"]` and no entrypoint, so pod specs
 *                              written for upstream busybox (`args: [sleep, 3600]`,
 *                              `command: [sh, -c, ...]`) behave the same;
 *   - `kubets.local/httpd:1`   the busybox layer plus /www/index.html, running
 *                              `httpd -f -v -p 8080 -h /www` (serves on :8080).
 *
 * Each is written as its own OCI archive (`<short name>.tar`) for `ctr images
 * import`. Output depends only on the busybox binary, so digests are stable.
 *
 * Name resolution in pods: the busybox is glibc-static, and since glibc 2.34
 * the `files` and `dns` NSS services are built into libc, so its getaddrinfo
 * (wget, nc, ping) reads the kubelet's /etc/hosts and resolv.conf with no
 * shared objects in the image; /etc/nsswitch.conf pins the order (files,
 * then DNS, as docker's busybox:glibc has it) rather than leaving it to
 * glibc's built-in default. Beware `wget -T`: Debian builds busybox without
 * FEATURE_WGET_TIMEOUT, and its wget then dies with SIGSEGV when given -T;
 * wrap it in `timeout N wget ...` instead.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TarEntry } from './tar-writer.js';
import { buildImage, buildLayer, ociArchitecture, ociArchive, type BuiltImage, type Layer } from './oci-image.js';
import { pauseBinary } from './pause-binary.js';

export const pauseImage = 'kubets.local/pause:1';
export const busyboxImage = 'kubets.local/busybox:1';
export const httpdImage = 'kubets.local/httpd:1';

/** The image's /etc/nsswitch.conf (glibc reads it; musl and busybox's own nslookup ignore it). */
export const nsswitchConf = 'passwd: files\ngroup: files\nhosts: files dns\n';

/** The page httpd serves at `/`. */
export const httpdIndexHtml = '<!doctype html>\n<title>kubets</title>\n<h1>Hello from kubets httpd</h1>\n';

const defaultPath = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface TestImageResult {
  name: string;
  /** The archive written. */
  file: string;
  manifestDigest: string;
  /** What CRI ListImages/ImageStatus report as `id`. */
  imageId: string;
}

export interface BuildTestImagesOptions {
  /** The static busybox to package; default `/bin/busybox` (Debian `busybox-static`). */
  busyboxPath?: string;
  /** Which images; default all three. */
  only?: ('pause' | 'busybox' | 'httpd')[];
}

/** The pause image (needs no busybox). */
export function buildPauseImage(): BuiltImage {
  if (ociArchitecture() !== 'amd64') {
    throw new Error(`the pause image's hand-assembled binary is x86-64 only; this machine is ${process.arch}`);
  }
  const layer = buildLayer([{ type: 'file', path: 'pause', data: pauseBinary(), mode: 0o755 }]);
  return buildImage({ name: pauseImage, layers: [layer], config: { Entrypoint: ['/pause'], Env: [defaultPath] } });
}

/** Applet names of a busybox binary (`busybox --list`), sorted. */
export function busyboxApplets(busyboxPath: string): string[] {
  const out = execFileSync(busyboxPath, ['--list'], { encoding: 'utf8' });
  return [
    ...new Set(
      out
        .split('\n')
        .map((s) => s.trim())
        .filter((s) => s !== '' && s !== 'busybox' && !s.includes('/')),
    ),
  ].sort();
}

/** The root filesystem layer shared by the busybox and httpd images. */
export function busyboxLayer(busyboxPath = '/bin/busybox'): Layer {
  const entries: TarEntry[] = [
    { type: 'dir', path: 'bin' },
    { type: 'file', path: 'bin/busybox', data: readFileSync(busyboxPath), mode: 0o755 },
    ...busyboxApplets(busyboxPath).map((a): TarEntry => ({ type: 'symlink', path: `bin/${a}`, target: 'busybox' })),
    { type: 'dir', path: 'etc' },
    { type: 'file', path: 'etc/group', data: Buffer.from('root:x:0:\nnogroup:x:65534:\n') },
    {
      type: 'file',
      path: 'etc/passwd',
      data: Buffer.from('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n'),
    },
    { type: 'file', path: 'etc/nsswitch.conf', data: Buffer.from(nsswitchConf) },
    { type: 'dir', path: 'root', mode: 0o700 },
    { type: 'symlink', path: 'sbin', target: 'bin' },
    { type: 'dir', path: 'tmp', mode: 0o1777 },
    { type: 'dir', path: 'usr' },
    { type: 'symlink', path: 'usr/bin', target: '../bin' },
    { type: 'symlink', path: 'usr/sbin', target: '../bin' },
    { type: 'dir', path: 'var' },
  ];
  return buildLayer(entries);
}

export function buildBusyboxImage(layer: Layer): BuiltImage {
  return buildImage({ name: busyboxImage, layers: [layer], config: { Cmd: ['sh'], Env: [defaultPath] } });
}

export function buildHttpdImage(base: Layer): BuiltImage {
  const www = buildLayer([
    { type: 'dir', path: 'www' },
    { type: 'file', path: 'www/index.html', data: Buffer.from(httpdIndexHtml) },
  ]);
  return buildImage({
    name: httpdImage,
    layers: [base, www],
    config: {
      Cmd: ['httpd', '-f', '-v', '-p', '8080', '-h', '/www'],
      Env: [defaultPath],
      ExposedPorts: { '8080/tcp': {} },
    },
  });
}

/** The archive file name for an image (`kubets.local/busybox:1` -> `busybox.tar`). */
export function archiveFileName(name: string): string {
  const repo = name.slice(name.lastIndexOf('/') + 1).replace(/[:@].*$/, '');
  return `${repo}.tar`;
}

/** Builds the selected images into `outDir` (created if missing). */
export function buildTestImages(outDir: string, opts: BuildTestImagesOptions = {}): TestImageResult[] {
  const only = new Set(opts.only ?? ['pause', 'busybox', 'httpd']);
  mkdirSync(outDir, { recursive: true });
  const images: BuiltImage[] = [];
  if (only.has('pause')) images.push(buildPauseImage());
  if (only.has('busybox') || only.has('httpd')) {
    const base = busyboxLayer(opts.busyboxPath);
    if (only.has('busybox')) images.push(buildBusyboxImage(base));
    if (only.has('httpd')) images.push(buildHttpdImage(base));
  }
  return images.map((img) => {
    const file = join(outDir, archiveFileName(img.name));
    writeFileSync(file, ociArchive([img]));
    return { name: img.name, file, manifestDigest: img.manifest.digest, imageId: img.imageId };
  });
}
