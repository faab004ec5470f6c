import type { CycleState } from '../../framework/cycle-state.js';
import type { Plugin, Handle } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { MaxNodeScore } from '../../framework/interfaces.js';
import { Names } from '../names.js';

const mb = 1024 * 1024;
/** Below this total the images are too small to matter (upstream minThreshold). */
export const minThreshold = 23 * mb;
/** Per container, larger images count no more (upstream maxContainerThreshold). */
export const maxContainerThreshold = 1000 * mb;

/** Appends `:latest` to an image reference without a tag (upstream normalizedImageName). */
export function normalizedImageName(name: string): string {
  if (name.lastIndexOf(':') <= name.lastIndexOf('/')) return `${name}:latest`;
  return name;
}

/** Maps the summed scaled image size into [0, MaxNodeScore] (upstream calculatePriority). */
export function calculatePriority(sumScores: number, numContainers: number): number {
  const maxThreshold = maxContainerThreshold * numContainers;
  const s = Math.min(Math.max(sumScores, minThreshold), maxThreshold);
  return Math.trunc((MaxNodeScore * (s - minThreshold)) / (maxThreshold - minThreshold));
}

/**
 * Score: nodes that already hold the pod's images score higher, in
 * proportion to image size and how widely the image is spread (to avoid
 * piling pods onto the few nodes that have it).
 */
export class ImageLocality implements Plugin {
  readonly name = Names.ImageLocality;

  constructor(private readonly handle: Handle) {}

  score(_s: CycleState, pi: PodInfo, nodeInfo: NodeInfo): number {
    const spec = pi.pod.spec;
    const numContainers = (spec?.initContainers?.length ?? 0) + (spec?.containers?.length ?? 0);
    if (numContainers === 0) return 0;
    if (nodeInfo.imageStates.size === 0) return calculatePriority(0, numContainers);
    const total = this.handle.snapshotSharedLister().numNodes();
    let sum = 0;
    const add = (image: string | undefined) => {
      if (!image) return;
      const st = nodeInfo.imageStates.get(normalizedImageName(image));
      if (st) sum += Math.trunc(st.size * (st.numNodes / total));
    };
    for (const c of spec?.initContainers ?? []) add(c.image);
    for (const c of spec?.containers ?? []) add(c.image);
    return calculatePriority(sum, numContainers);
  }
}

export const newImageLocality = (_args: unknown, h: Handle): Plugin => new ImageLocality(h);
