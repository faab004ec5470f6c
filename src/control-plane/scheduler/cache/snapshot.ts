import type { SharedLister } from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';

/**
 * The node view a scheduling cycle reads (upstream cache.Snapshot). The
 * cache updates it incrementally: only NodeInfos whose generation moved are
 * copied, into the same objects, so the lists keep their references.
 */
export class Snapshot implements SharedLister {
  readonly nodeInfoMap = new Map<string, NodeInfo>();
  nodeInfoList: NodeInfo[] = [];
  havePodsWithAffinityNodeInfoList: NodeInfo[] = [];
  havePodsWithRequiredAntiAffinityNodeInfoList: NodeInfo[] = [];
  usedPVCSet = new Set<string>();
  /** The highest NodeInfo generation copied so far. */
  generation = 0;
  /** The node tree version the node list was built from (-1: never). */
  nodeTreeVersion = -1;

  list(): readonly NodeInfo[] {
    return this.nodeInfoList;
  }
  havePodsWithAffinityList(): readonly NodeInfo[] {
    return this.havePodsWithAffinityNodeInfoList;
  }
  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[] {
    return this.havePodsWithRequiredAntiAffinityNodeInfoList;
  }
  get(nodeName: string): NodeInfo | undefined {
    return this.nodeInfoMap.get(nodeName);
  }
  numNodes(): number {
    return this.nodeInfoList.length;
  }
  isPVCUsedByPods(key: string): boolean {
    return this.usedPVCSet.has(key);
  }
}
