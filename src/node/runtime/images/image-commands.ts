/**
 * One-shot image operations against a CRI endpoint, for `kubets image ls|pull|rm`
 * (the CLI prints; these only talk to the runtime). Import is `importImage` in
 * containerd/ctr.ts: CRI has no import RPC.
 */
import { CriClient, type CallOptions } from '../cri/cri-client.js';
import type { AuthConfig, Image } from '../cri/image-stats-types.js';
import type { CriInput } from '../cri/types.js';

async function withClient<T>(endpoint: string, fn: (cri: CriClient) => Promise<T>): Promise<T> {
  const cri = new CriClient({ endpoint });
  try {
    return await fn(cri);
  } finally {
    cri.close();
  }
}

/** Every image the runtime has (CRI ListImages): tagged ones by first tag, then untagged ones by ID. */
export function listImages(endpoint: string, opts?: CallOptions): Promise<Image[]> {
  const key = (i: Image): [number, string, string] => [i.repoTags.length > 0 ? 0 : 1, i.repoTags[0] ?? '', i.id];
  const cmp = (a: Image, b: Image): number => {
    const [ka, kb] = [key(a), key(b)];
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
    return 0;
  };
  return withClient(endpoint, async (cri) => (await cri.listImages(undefined, opts)).sort(cmp));
}

/** Pulls `ref` through CRI and returns the image ID. */
export function pullImage(endpoint: string, ref: string, auth?: CriInput<AuthConfig>, opts?: CallOptions) {
  return withClient(endpoint, (cri) => cri.pullImage(ref, auth, undefined, opts));
}

/** Removes `ref` (idempotent in CRI). */
export function removeImage(endpoint: string, ref: string, opts?: CallOptions): Promise<void> {
  return withClient(endpoint, (cri) => cri.removeImage(ref, opts));
}
