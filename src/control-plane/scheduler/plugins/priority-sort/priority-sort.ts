import type { Plugin, QueuedPodInfo } from '../../framework/interfaces.js';
import { Names } from '../names.js';

/** QueueSort: higher priority first, then the pod queued earlier (upstream PrioritySort). */
export class PrioritySort implements Plugin {
  readonly name = Names.PrioritySort;

  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
    const pa = a.podInfo.priority;
    const pb = b.podInfo.priority;
    return pa > pb || (pa === pb && (a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.seq < b.seq)));
  }
}

export const newPrioritySort = (): Plugin => new PrioritySort();
