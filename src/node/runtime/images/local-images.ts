/**
 * Making the locally built images present in a runtime: those the CRI does not
 * report yet are built (test-images.ts) and imported. Used by the managed
 * containerd for its sandbox image and by tests for busybox/httpd.
 */
import type { CriClient } from '../cri/cri-client.js';
import { busyboxImage, buildTestImages, httpdImage, pauseImage } from './test-images.js';

export type LocalImage = 'pause' | 'busybox' | 'httpd';

export const localImageRefs: Record<LocalImage, string> = {
  pause: pauseImage,
  busybox: busyboxImage,
  httpd: httpdImage,
};

/**
 * Imports the images among `names` that `cri` lacks, building their archives in
 * `workDir`; `importFile` does the import (ctr against the right socket and
 * snapshotter). Returns the references imported.
 */
export async function ensureLocalImages(
  cri: CriClient,
  names: LocalImage[],
  workDir: string,
  importFile: (file: string) => Promise<unknown>,
  busyboxPath?: string,
): Promise<string[]> {
  const missing: LocalImage[] = [];
  for (const n of names) {
    if ((await cri.imageStatus(localImageRefs[n])).image === null) missing.push(n);
  }
  if (missing.length === 0) return [];
  const built = buildTestImages(workDir, { only: missing, busyboxPath });
  for (const img of built) await importFile(img.file);
  return built.map((b) => b.name);
}
