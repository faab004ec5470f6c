import { Code, Status } from './status.js';

/**
 * Why each node was rejected in a cycle (upstream NodeToStatus): explicit
 * statuses for evaluated nodes, and one status standing for every node not
 * listed (nodes a PreFilter ruled out, or all nodes when PreFilter failed).
 */
export class NodeToStatus {
  private readonly byNode = new Map<string, Status>();
  private absent: Status;

  constructor(absent: Status = new Status(Code.UnschedulableAndUnresolvable)) {
    this.absent = absent;
  }

  set(node: string, s: Status): void {
    this.byNode.set(node, s);
  }

  /** The node's status, or the absent-nodes status when the node has none. */
  get(node: string): Status {
    return this.byNode.get(node) ?? this.absent;
  }

  has(node: string): boolean {
    return this.byNode.has(node);
  }

  setAbsentNodesStatus(s: Status): void {
    this.absent = s;
  }

  absentNodesStatus(): Status {
    return this.absent;
  }

  /** Number of explicit entries. */
  get size(): number {
    return this.byNode.size;
  }

  forEachExplicit(fn: (node: string, s: Status) => void): void {
    for (const [n, s] of this.byNode) fn(n, s);
  }
}
