import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import {
  addressTypesForService,
  findPort,
  isPodReady,
  podIPsOfFamily,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from '../endpoints/pod-endpoints.js';
import { isHeadless } from '../endpoints/endpoints-controller.js';

export const serviceNameLabel = 'kubernetes.io/service-name';
export const managedByLabel = 'endpointslice.kubernetes.io/managed-by';
export const controllerName = 'endpointslice-controller.k8s.io';
export const zoneLabel = 'topology.kubernetes.io/zone';
/** Upstream `--max-endpoints-per-slice` default. */
export const defaultMaxEndpointsPerSlice = 100;

export interface ReconcileInput {
  service: Service;
  pods: Pod[];
  /** Slices labelled as this Service's and managed by this controller, not being deleted. */
  existing: EndpointSlice[];
  node(name: string): Node | undefined;
  maxEndpointsPerSlice?: number;
}

export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
  /** Pods left out because their node is not (yet) known: the Service should be synced again. */
  skippedPods: string[];
}

/** Identity of an endpoint within a port group: addresses, hostname and target pod. */
export function endpointKey(ep: Endpoint): string {
  return JSON.stringify([
    [...ep.addresses].sort(),
    ep.hostname ?? '',
    ep.targetRef?.namespace ?? '',
    ep.targetRef?.name ?? '',
  ]);
}

const beyondKey = (ep: Endpoint) =>
  JSON.stringify([ep.conditions ?? {}, ep.nodeName ?? '', ep.zone ?? '', ep.hints ?? null, ep.targetRef?.uid ?? '']);

/** Port-group key: the sorted set of ports. */
export function portsKey(ports: EndpointPort[] | undefined): string {
  return JSON.stringify(
    (ports ?? [])
      .map((p) => [p.name ?? '', p.port ?? 0, p.protocol ?? '', p.appProtocol ?? ''])
      .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
  );
}

/** The labels a managed slice carries: the Service's, the headless marker, service-name and managed-by. */
export function sliceLabels(svc: Service, managedBy = controllerName): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata?.labels ?? {})) {
    if (k === serviceNameLabel || k === managedByLabel || k === 'service.kubernetes.io/headless') continue;
    out[k] = v;
  }
  if (isHeadless(svc)) out['service.kubernetes.io/headless'] = '';
  out[serviceNameLabel] = svc.metadata!.name!;
  out[managedByLabel] = managedBy;
  return out;
}

const sameLabels = (a: Record<string, string> | undefined, b: Record<string, string>) =>
  Object.keys(a ?? {}).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a?.[k] === v);

/** `<service>-` unless that is not a valid name prefix (then `slice-`). */
export function slicePrefix(name: string): string {
  const prefix = `${name}-`;
  return prefix.length <= 253 - 5 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?-$/.test(prefix) ? prefix : 'slice-';
}

export function ownedBy(slice: EndpointSlice, svc: Service): boolean {
  return (slice.metadata?.ownerReferences ?? []).some(
    (r) => r.uid === svc.metadata?.uid && r.kind === 'Service' && r.apiVersion === 'v1',
  );
}

export function newSlice(svc: Service, ports: EndpointPort[], addressType: string): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: slicePrefix(svc.metadata!.name!),
      namespace: svc.metadata!.namespace,
      labels: sliceLabels(svc),
      ownerReferences: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          name: svc.metadata!.name!,
          uid: svc.metadata!.uid!,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    addressType,
    endpoints: [],
    ports,
  };
}

/** The slice ports one pod yields: every Service port whose target resolves on the pod. */
export function endpointPorts(svc: Service, pod: Pod): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    out.push({
      name: sp.name ?? '',
      port,
      protocol: sp.protocol ?? 'TCP',
      ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}),
    });
  }
  return out;
}

/** One pod as a slice endpoint (upstream `podToEndpoint`): serving = Ready, ready = serving and not terminating. */
export function podToEndpoint(pod: Pod, node: Node | undefined, svc: Service, addressType: 'IPv4' | 'IPv6'): Endpoint {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata?.deletionTimestamp;
  const ready = !!svc.spec?.publishNotReadyAddresses || (serving && !terminating);
  const ep: Endpoint = {
    addresses: podIPsOfFamily(pod, addressType),
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata!.namespace, name: pod.metadata!.name, uid: pod.metadata!.uid },
  };
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  const zone = node?.metadata?.labels?.[zoneLabel];
  if (zone) ep.zone = zone;
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec!.hostname;
  return ep;
}

/**
 * Plans the writes that bring a Service's EndpointSlices to the desired state
 * (upstream `k8s.io/endpointslice` Reconciler) with minimal churn: endpoints
 * stay in the slice they are in and are updated in place; slices that changed
 * anyway are filled first, then one unchanged slice with room, and only then
 * new slices are created (at most `maxEndpointsPerSlice` endpoints each);
 * slices left empty are deleted, or recycled (by name) for slices that would
 * otherwise be created. A Service with no endpoints keeps one placeholder
 * slice per address type. Inputs are never mutated.
 */
export function planSlices(input: ReconcileInput): SlicePlan {
  const { service: svc } = input;
  const max = input.maxEndpointsPerSlice ?? defaultMaxEndpointsPerSlice;
  const plan: SlicePlan = { create: [], update: [], delete: [], skippedPods: [] };
  const types = addressTypesForService(svc);
  const byType = new Map<string, EndpointSlice[]>();
  for (const s of input.existing) {
    if (!types.includes(s.addressType as 'IPv4')) plan.delete.push(s);
    else byType.set(s.addressType, [...(byType.get(s.addressType) ?? []), s]);
  }
  const pods = [...input.pods].sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
  for (const type of types) {
    const existing = byType.get(type) ?? [];
    const create: EndpointSlice[] = [];
    const update: EndpointSlice[] = [];
    const del: EndpointSlice[] = [];
    const existingByPorts = new Map<string, EndpointSlice[]>();
    for (const s of existing) {
      if (!ownedBy(s, svc)) del.push(s);
      else existingByPorts.set(portsKey(s.ports), [...(existingByPorts.get(portsKey(s.ports)) ?? []), s]);
    }
    const desired = new Map<string, { ports: EndpointPort[]; endpoints: Map<string, Endpoint> }>();
    for (const pod of pods) {
      if (!shouldPodBeInEndpoints(pod, true)) continue;
      const ports = endpointPorts(svc, pod);
      const pk = portsKey(ports);
      let group = desired.get(pk);
      if (!group) desired.set(pk, (group = { ports, endpoints: new Map() }));
      const node = pod.spec?.nodeName ? input.node(pod.spec.nodeName) : undefined;
      if (!node && !svc.spec?.publishNotReadyAddresses) {
        plan.skippedPods.push(`${pod.metadata!.namespace}/${pod.metadata!.name}`);
        continue;
      }
      const ep = podToEndpoint(pod, node, svc, type);
      if (ep.addresses.length) group.endpoints.set(endpointKey(ep), ep);
    }
    for (const [pk, group] of desired) {
      const r = byPortMapping(svc, existingByPorts.get(pk) ?? [], group.endpoints, group.ports, type, max);
      create.push(...r.create);
      update.push(...r.update);
      del.push(...r.delete);
    }
    for (const [pk, slices] of existingByPorts) if (!desired.has(pk)) del.push(...slices);

    if (existing.length === del.length && create.length === 0) {
      const placeholder = newSlice(svc, [], type);
      if (del.length === 1 && isPlaceholderOf(del[0]!, placeholder)) del.length = 0;
      else create.push(placeholder);
    }
    // Recycle slices about to be deleted for slices about to be created.
    for (let i = 0; i < del.length && create.length > 0;) {
      const victim = del[i]!;
      if (victim.addressType === type && ownedBy(victim, svc)) {
        const fresh = create.pop()!;
        const recycled = structuredClone(victim);
        recycled.ports = fresh.ports;
        recycled.endpoints = fresh.endpoints;
        recycled.metadata!.labels = fresh.metadata!.labels;
        update.push(recycled);
        del.splice(i, 1);
      } else i++;
    }
    if (svc.metadata?.deletionTimestamp) create.length = 0;
    plan.create.push(...create);
    plan.update.push(...update);
    plan.delete.push(...del);
  }
  return plan;
}

function isPlaceholderOf(s: EndpointSlice, placeholder: EndpointSlice): boolean {
  return (
    (s.endpoints ?? []).length === 0 &&
    (s.ports ?? []).length === 0 &&
    s.addressType === placeholder.addressType &&
    sameLabels(s.metadata?.labels, placeholder.metadata!.labels!) &&
    JSON.stringify(s.metadata?.ownerReferences ?? []) === JSON.stringify(placeholder.metadata!.ownerReferences)
  );
}

function byPortMapping(
  svc: Service,
  existing: EndpointSlice[],
  desired: Map<string, Endpoint>,
  ports: EndpointPort[],
  type: string,
  max: number,
): { create: EndpointSlice[]; update: EndpointSlice[]; delete: EndpointSlice[] } {
  const labels = sliceLabels(svc);
  const toUpdate = new Map<string, EndpointSlice>();
  const unchanged = new Map<string, EndpointSlice>();
  const toDelete: EndpointSlice[] = [];
  // 1. Keep wanted endpoints where they are, refresh changed ones, drop the rest.
  for (const slice of existing) {
    const kept: Endpoint[] = [];
    let changed = false;
    for (const ep of slice.endpoints ?? []) {
      const key = endpointKey(ep);
      const want = desired.get(key);
      if (!want) continue;
      kept.push(want);
      if (beyondKey(want) !== beyondKey(ep)) changed = true;
      desired.delete(key);
    }
    const labelsChanged = !sameLabels(slice.metadata?.labels, labels);
    if (changed || kept.length !== (slice.endpoints ?? []).length) {
      if (kept.length === 0) toDelete.push(slice);
      else
        toUpdate.set(slice.metadata!.name!, {
          ...structuredClone(slice),
          endpoints: kept,
          metadata: { ...structuredClone(slice.metadata!), labels },
        });
    } else if (labelsChanged) {
      toUpdate.set(slice.metadata!.name!, {
        ...structuredClone(slice),
        metadata: { ...structuredClone(slice.metadata!), labels },
      });
    } else unchanged.set(slice.metadata!.name!, slice);
  }
  const remaining = [...desired.values()];
  // 2. Fill slices that are being written anyway, fullest first.
  if (remaining.length && toUpdate.size) {
    const fill = [...toUpdate.values()].sort((a, b) => b.endpoints.length - a.endpoints.length);
    for (const s of fill) while (remaining.length && s.endpoints.length < max) s.endpoints.push(remaining.shift()!);
  }
  // 3. Fit the rest in one unchanged slice with room (fullest that fits), else new slices.
  const create: EndpointSlice[] = [];
  while (remaining.length) {
    let target: EndpointSlice | undefined;
    if (remaining.length < max && unchanged.size) {
      const candidates = [...unchanged.values()].sort((a, b) => b.endpoints.length - a.endpoints.length);
      const fit = candidates.find((s) => s.endpoints.length + remaining.length <= max);
      if (fit) {
        target = structuredClone(fit);
        unchanged.delete(fit.metadata!.name!);
        toUpdate.set(fit.metadata!.name!, target);
      }
    }
    if (!target) {
      target = newSlice(svc, ports, type);
      create.push(target);
    }
    while (remaining.length && target.endpoints.length < max) target.endpoints.push(remaining.shift()!);
  }
  return { create, update: [...toUpdate.values()], delete: toDelete };
}
