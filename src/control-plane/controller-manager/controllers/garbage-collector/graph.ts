import type { DiscoveredResource } from '../../discovery.js';

export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** One object in the ownership graph (upstream `garbagecollector/graph.go`). */
export interface GraphNode {
  uid: string;
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  resource?: DiscoveredResource;
  owners: OwnerRef[];
  dependents: Set<string>;
  /** metadata.deletionTimestamp is set. */
  beingDeleted: boolean;
  /** Being deleted with the `foregroundDeletion` finalizer: waits for blocking dependents. */
  deletingDependents: boolean;
  /** Being deleted with the `orphan` finalizer. */
  orphaning: boolean;
  /** Known only as someone's owner, not observed yet. */
  virtual: boolean;
}

export interface ObjectView {
  apiVersion?: string;
  kind?: string;
  metadata: {
    uid?: string;
    name?: string;
    namespace?: string;
    ownerReferences?: OwnerRef[];
    deletionTimestamp?: string;
    finalizers?: string[];
  };
}

/**
 * The ownership graph: nodes by UID with owner -> dependents edges. Owners seen
 * only through references are virtual until observed (or found absent).
 */
export class OwnershipGraph {
  readonly nodes = new Map<string, GraphNode>();

  private ensure(uid: string, init: () => GraphNode): GraphNode {
    let n = this.nodes.get(uid);
    if (!n) {
      n = init();
      this.nodes.set(uid, n);
    }
    return n;
  }

  /** Records an observed object; returns the previous owner UIDs (for change detection). */
  upsert(obj: ObjectView, resource: DiscoveredResource): { node: GraphNode; previousOwners: OwnerRef[] } {
    const m = obj.metadata;
    const uid = m.uid!;
    const node = this.ensure(uid, () => ({
      uid,
      apiVersion: obj.apiVersion ?? '',
      kind: obj.kind ?? resource.kind,
      namespace: m.namespace ?? '',
      name: m.name ?? '',
      owners: [],
      dependents: new Set(),
      beingDeleted: false,
      deletingDependents: false,
      orphaning: false,
      virtual: false,
    }));
    const previousOwners = node.owners;
    node.virtual = false;
    node.resource = resource;
    node.apiVersion = obj.apiVersion ?? (resource.group ? `${resource.group}/${resource.version}` : resource.version);
    node.kind = obj.kind ?? resource.kind;
    node.namespace = m.namespace ?? '';
    node.name = m.name ?? '';
    node.owners = m.ownerReferences ?? [];
    node.beingDeleted = !!m.deletionTimestamp;
    const fins = m.finalizers ?? [];
    node.deletingDependents = node.beingDeleted && fins.includes('foregroundDeletion');
    node.orphaning = node.beingDeleted && fins.includes('orphan');
    const before = new Set(previousOwners.map((o) => o.uid));
    const after = new Set(node.owners.map((o) => o.uid));
    for (const o of previousOwners) if (!after.has(o.uid)) this.nodes.get(o.uid)?.dependents.delete(uid);
    for (const o of node.owners) {
      if (before.has(o.uid) && this.nodes.has(o.uid)) {
        this.nodes.get(o.uid)!.dependents.add(uid);
        continue;
      }
      const owner = this.ensure(o.uid, () => ({
        uid: o.uid,
        apiVersion: o.apiVersion,
        kind: o.kind,
        namespace: node.namespace,
        name: o.name,
        owners: [],
        dependents: new Set(),
        beingDeleted: false,
        deletingDependents: false,
        orphaning: false,
        virtual: true,
      }));
      owner.dependents.add(uid);
    }
    return { node, previousOwners };
  }

  /** Forgets an object; returns its dependents and owners (who may need attention). */
  remove(uid: string): { dependents: string[]; owners: OwnerRef[] } | undefined {
    const node = this.nodes.get(uid);
    if (!node) return undefined;
    const owners = node.owners;
    for (const o of owners) {
      const owner = this.nodes.get(o.uid);
      owner?.dependents.delete(uid);
      if (owner && owner.virtual && owner.dependents.size === 0) this.nodes.delete(o.uid);
    }
    const dependents = [...node.dependents];
    if (dependents.length > 0) {
      // Keep a virtual stand-in so dependents still point somewhere until they are handled.
      node.virtual = true;
      node.owners = [];
      node.beingDeleted = false;
      node.deletingDependents = false;
      node.orphaning = false;
    } else {
      this.nodes.delete(uid);
    }
    return { dependents, owners };
  }
}
