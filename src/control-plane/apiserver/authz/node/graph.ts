import type { PersistentVolume, Pod } from 'kubernetes-types/core/v1.js';
import {
  podClaimNames,
  podConfigMapNames,
  podResourceClaimNames,
  podSecretNames,
  pvKubeletSecretRefs,
} from './pod-references.js';

/**
 * The Node authorizer's object graph (upstream `plugin/pkg/auth/authorizer/node/graph.go`).
 * Edges point from an object towards the node that may use it:
 * secret/configmap/pvc/serviceaccount/resourceclaim -> pod -> node,
 * pv -> pvc, secret -> pv, volumeattachment -> node, resourceslice -> node.
 * The apiserver feeds it from its caches; the authorizer asks whether a path
 * leads from an object to a node. Deleting an object removes the vertices only
 * it kept alive, so access is revoked when the last referencing pod goes away.
 */
export type VertexType =
  | 'configmap'
  | 'node'
  | 'pod'
  | 'pvc'
  | 'pv'
  | 'resourceclaim'
  | 'resourceslice'
  | 'secret'
  | 'serviceaccount'
  | 'volumeattachment';

interface Vertex {
  readonly type: VertexType;
  readonly namespace: string;
  readonly name: string;
  readonly out: Map<Vertex, Edge>;
  readonly in: Map<Vertex, Edge>;
}

interface Edge {
  readonly from: Vertex;
  readonly to: Vertex;
  /** The node this edge ultimately leads to, when known (pod-derived edges). */
  readonly destination?: Vertex;
}

const key = (type: VertexType, namespace: string, name: string) => `${type}\u0000${namespace}\u0000${name}`;
const mirrorPodAnnotation = 'kubernetes.io/config.mirror';

export class NodeGraph {
  private readonly vertices = new Map<string, Vertex>();
  /** For each vertex, how many of its outgoing edges lead to each node: the fast path of `hasPath`. */
  private readonly destinations = new Map<Vertex, Map<Vertex, number>>();

  /** Number of vertices (tests and metrics). */
  get size(): number {
    return this.vertices.size;
  }

  hasVertex(type: VertexType, namespace: string, name: string): boolean {
    return this.vertices.has(key(type, namespace, name));
  }

  // ---- feeding --------------------------------------------------------------

  /** A scheduled pod was added or changed; unscheduled pods are ignored. */
  addPod(pod: Pod): void {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) return;
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    this.deleteVertex('pod', ns, name);
    const podV = this.vertex('pod', ns, name);
    const nodeV = this.vertex('node', '', nodeName);
    this.setEdge(podV, nodeV, nodeV);
    // A mirror pod is created by the node itself, so it must not grant the node anything more.
    if (pod.metadata?.annotations?.[mirrorPodAnnotation] !== undefined) return;
    const sa = pod.spec?.serviceAccountName;
    if (sa) this.setEdge(this.vertex('serviceaccount', ns, sa), podV, nodeV);
    for (const s of podSecretNames(pod)) this.setEdge(this.vertex('secret', ns, s), podV, nodeV);
    for (const c of podConfigMapNames(pod)) this.setEdge(this.vertex('configmap', ns, c), podV, nodeV);
    for (const c of podClaimNames(pod)) this.setEdge(this.vertex('pvc', ns, c), podV, nodeV);
    for (const c of podResourceClaimNames(pod)) this.setEdge(this.vertex('resourceclaim', ns, c), podV, nodeV);
  }

  /**
   * An informer update (upstream graph populator): references in a pod spec are
   * immutable, so only a new node, a new UID or changed claim statuses rebuild it.
   */
  updatePod(old: Pod | undefined, pod: Pod): void {
    if (!pod.spec?.nodeName) return;
    if (
      old &&
      old.spec?.nodeName === pod.spec.nodeName &&
      old.metadata?.uid === pod.metadata?.uid &&
      JSON.stringify(podResourceClaimNames(old)) === JSON.stringify(podResourceClaimNames(pod))
    ) {
      return;
    }
    this.addPod(pod);
  }

  deletePod(namespace: string, name: string): void {
    this.deleteVertex('pod', namespace, name);
  }

  /** A PV grants access through its bound claim (and to the secrets its node plugin reads). */
  addPV(pv: PersistentVolume): void {
    const name = pv.metadata?.name ?? '';
    this.deleteVertex('pv', '', name);
    const claim = pv.spec?.claimRef;
    if (!claim) return;
    const pvV = this.vertex('pv', '', name);
    this.setEdge(pvV, this.vertex('pvc', claim.namespace ?? '', claim.name ?? ''));
    for (const s of pvKubeletSecretRefs(pv)) this.setEdge(this.vertex('secret', s.namespace, s.name), pvV);
  }

  deletePV(name: string): void {
    this.deleteVertex('pv', '', name);
  }

  addVolumeAttachment(name: string, nodeName: string): void {
    this.deleteVertex('volumeattachment', '', name);
    if (!nodeName) return;
    const nodeV = this.vertex('node', '', nodeName);
    this.setEdge(this.vertex('volumeattachment', '', name), nodeV, nodeV);
  }

  deleteVolumeAttachment(name: string): void {
    this.deleteVertex('volumeattachment', '', name);
  }

  addResourceSlice(name: string, nodeName: string): void {
    this.deleteVertex('resourceslice', '', name);
    if (!nodeName) return;
    const nodeV = this.vertex('node', '', nodeName);
    this.setEdge(this.vertex('resourceslice', '', name), nodeV, nodeV);
  }

  deleteResourceSlice(name: string): void {
    this.deleteVertex('resourceslice', '', name);
  }

  // ---- queries --------------------------------------------------------------

  /**
   * Whether `node` may reach the object: returns an explanation (upstream's
   * error text) when not, undefined when a path exists. Edges leading to other
   * nodes are never followed.
   */
  pathError(nodeName: string, type: VertexType, namespace: string, name: string): string | undefined {
    const nodeV = this.vertices.get(key('node', '', nodeName));
    const what = `${type} ${namespace}/${name}`;
    if (!nodeV) return `unknown node '${nodeName}' cannot get ${what}`;
    const start = this.vertices.get(key(type, namespace, name));
    if (!start) return `node '${nodeName}' cannot get unknown ${what}`;
    if (this.destinations.get(start)?.has(nodeV)) return undefined;
    const seen = new Set<Vertex>([start]);
    const stack = [start];
    while (stack.length) {
      const v = stack.pop()!;
      for (const [to, edge] of v.out) {
        if (edge.destination && edge.destination !== nodeV) continue;
        if (to === nodeV || edge.destination === nodeV) return undefined;
        if (!seen.has(to)) {
          seen.add(to);
          stack.push(to);
        }
      }
    }
    return `node '${nodeName}' cannot get ${what}, no relationship to this object was found in the node authorizer graph`;
  }

  // ---- internals ------------------------------------------------------------

  private vertex(type: VertexType, namespace: string, name: string): Vertex {
    const k = key(type, namespace, name);
    let v = this.vertices.get(k);
    if (!v) {
      v = { type, namespace, name, out: new Map(), in: new Map() };
      this.vertices.set(k, v);
    }
    return v;
  }

  private setEdge(from: Vertex, to: Vertex, destination?: Vertex): void {
    const existing = from.out.get(to);
    if (existing) this.removeEdge(existing);
    const e: Edge = destination ? { from, to, destination } : { from, to };
    from.out.set(to, e);
    to.in.set(from, e);
    if (destination) {
      let idx = this.destinations.get(from);
      if (!idx) this.destinations.set(from, (idx = new Map()));
      idx.set(destination, (idx.get(destination) ?? 0) + 1);
    }
  }

  private removeEdge(e: Edge): void {
    e.from.out.delete(e.to);
    e.to.in.delete(e.from);
    if (!e.destination) return;
    const idx = this.destinations.get(e.from);
    if (!idx) return;
    const n = (idx.get(e.destination) ?? 0) - 1;
    if (n > 0) idx.set(e.destination, n);
    else idx.delete(e.destination);
    if (idx.size === 0) this.destinations.delete(e.from);
  }

  private removeVertex(v: Vertex): void {
    for (const e of [...v.out.values(), ...v.in.values()]) this.removeEdge(e);
    this.vertices.delete(key(v.type, v.namespace, v.name));
    this.destinations.delete(v);
  }

  /** Removes a vertex and every neighbour whose only edge was to it. */
  private deleteVertex(type: VertexType, namespace: string, name: string): void {
    const v = this.vertices.get(key(type, namespace, name));
    if (!v) return;
    const orphans: Vertex[] = [];
    for (const n of [...v.out.keys(), ...v.in.keys()]) if (n.out.size + n.in.size === 1) orphans.push(n);
    this.removeVertex(v);
    for (const n of orphans) this.removeVertex(n);
  }
}
