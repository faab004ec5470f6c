import type { Node } from 'kubernetes-types/core/v1.js';

/** Upstream utilnode.GetZoneKey: `region:\0:zone` from the topology (or legacy beta) labels; '' for none. */
export function zoneKey(node: Node): string {
  const l = node.metadata?.labels;
  if (!l) return '';
  const zone = l['topology.kubernetes.io/zone'] ?? l['failure-domain.beta.kubernetes.io/zone'] ?? '';
  const region = l['topology.kubernetes.io/region'] ?? l['failure-domain.beta.kubernetes.io/region'] ?? '';
  if (!zone && !region) return '';
  return `${region}:\x00:${zone}`;
}

/**
 * Node names grouped by zone (upstream nodeTree). `list()` interleaves the
 * zones (first node of each zone, then the second, ...), so a cycle that
 * only looks at a fraction of the nodes still spreads across zones.
 */
export class NodeTree {
  private readonly tree = new Map<string, string[]>();
  private readonly zones: string[] = [];
  private count = 0;
  /** Bumped whenever list() would change (membership or zone moves). */
  version = 0;

  get numNodes(): number {
    return this.count;
  }

  addNode(node: Node): void {
    const zone = zoneKey(node);
    const name = node.metadata?.name ?? '';
    let names = this.tree.get(zone);
    if (!names) {
      names = [];
      this.tree.set(zone, names);
      this.zones.push(zone);
    }
    if (names.includes(name)) return;
    names.push(name);
    this.count++;
    this.version++;
  }

  removeNode(node: Node): boolean {
    const zone = zoneKey(node);
    const names = this.tree.get(zone);
    const name = node.metadata?.name ?? '';
    const i = names ? names.indexOf(name) : -1;
    if (!names || i < 0) return false;
    names.splice(i, 1);
    if (names.length === 0) {
      this.tree.delete(zone);
      this.zones.splice(this.zones.indexOf(zone), 1);
    }
    this.count--;
    this.version++;
    return true;
  }

  /** Moves a node between zones when its zone labels changed. */
  updateNode(oldNode: Node | undefined, newNode: Node): void {
    if (oldNode && zoneKey(oldNode) === zoneKey(newNode)) return;
    if (oldNode) this.removeNode(oldNode);
    this.addNode(newNode);
  }

  list(): string[] {
    const out: string[] = [];
    for (let idx = 0; out.length < this.count; idx++) {
      for (const zone of this.zones) {
        const names = this.tree.get(zone)!;
        if (idx < names.length) out.push(names[idx]!);
      }
    }
    return out;
  }
}
