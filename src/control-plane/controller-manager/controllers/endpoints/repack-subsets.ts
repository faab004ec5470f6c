import type { EndpointAddress, EndpointPort, EndpointSubset, Endpoints } from 'kubernetes-types/core/v1.js';

/** Most addresses one Endpoints object carries before truncation (upstream `maxCapacity`). */
export const maxEndpointsCapacity = 1000;

const portKey = (p: EndpointPort | undefined) =>
  p ? JSON.stringify([p.name ?? '', p.port, p.protocol ?? '', p.appProtocol ?? '']) : 'none';
const addrKey = (a: EndpointAddress) => `${a.ip}|${a.targetRef?.uid ?? ''}`;

function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  const ua = a.targetRef?.uid ?? '';
  const ub = b.targetRef?.uid ?? '';
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

/**
 * Regroups subsets into the canonical N-to-M form (upstream
 * `endpoints.RepackSubsets`): one subset per distinct set of addresses that
 * share exactly the same ports; an address ready for a port in any input
 * subset is ready. Subsets without ports keep their addresses (a portless
 * headless Service). Output order is deterministic: addresses by IP then
 * target UID, ports by name/number, subsets by content.
 */
export function repackSubsets(subsets: EndpointSubset[]): EndpointSubset[] {
  const addrs = new Map<string, EndpointAddress>();
  const byPort = new Map<string, { port: EndpointPort | undefined; ready: Map<string, boolean> }>();
  const note = (a: EndpointAddress, port: EndpointPort | undefined, ready: boolean) => {
    const k = addrKey(a);
    if (!addrs.has(k)) addrs.set(k, a);
    const pk = portKey(port);
    let entry = byPort.get(pk);
    if (!entry) byPort.set(pk, (entry = { port, ready: new Map() }));
    if (!entry.ready.get(k)) entry.ready.set(k, ready);
  };
  for (const ss of subsets) {
    const ports: (EndpointPort | undefined)[] = ss.ports?.length ? ss.ports : [undefined];
    for (const p of ports) {
      for (const a of ss.addresses ?? []) note(a, p, true);
      for (const a of ss.notReadyAddresses ?? []) note(a, p, false);
    }
  }
  // Group ports by the identical (address, readiness) set they map to.
  const groups = new Map<string, { ready: Map<string, boolean>; ports: (EndpointPort | undefined)[] }>();
  for (const { port, ready } of byPort.values()) {
    const key = JSON.stringify([...ready.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ready, ports: [] }));
    g.ports.push(port);
  }
  const out: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const ready: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const [k, r] of g.ready) (r ? ready : notReady).push(addrs.get(k)!);
    const ports = g.ports.filter((p): p is EndpointPort => p !== undefined);
    ports.sort((a, b) => (portKey(a) < portKey(b) ? -1 : portKey(a) > portKey(b) ? 1 : 0));
    const ss: EndpointSubset = {};
    if (ready.length) ss.addresses = ready.sort(compareAddresses);
    if (notReady.length) ss.notReadyAddresses = notReady.sort(compareAddresses);
    if (ports.length) ss.ports = ports;
    out.push(ss);
  }
  const keyOf = (s: EndpointSubset) => JSON.stringify([s.ports ?? [], s.addresses ?? [], s.notReadyAddresses ?? []]);
  return out.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

/**
 * Caps an Endpoints object at `maxEndpointsCapacity` addresses (upstream
 * `truncateEndpoints`): not-ready addresses go first, shared across subsets
 * in proportion to their size (rounded up); when the ready addresses alone
 * exceed the cap, every not-ready address goes and the ready ones are cut
 * proportionally. Returns whether anything was cut; mutates `ep` (a copy).
 */
export function truncateEndpoints(ep: Endpoints, capacity = maxEndpointsCapacity): boolean {
  const subsets = ep.subsets ?? [];
  let totalReady = 0;
  let totalNotReady = 0;
  for (const s of subsets) {
    totalReady += s.addresses?.length ?? 0;
    totalNotReady += s.notReadyAddresses?.length ?? 0;
  }
  if (totalReady + totalNotReady <= capacity) return false;
  const truncateReady = totalReady > capacity;
  const max = truncateReady ? capacity : capacity - totalReady;
  const numTotal = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = max;
  for (const s of subsets) {
    const inSubset = (truncateReady ? s.addresses?.length : s.notReadyAddresses?.length) ?? 0;
    const toBeAdded = Math.min(Math.ceil((inSubset / numTotal) * max), canBeAdded);
    if (truncateReady) {
      s.addresses = (s.addresses ?? []).slice(0, toBeAdded);
      s.notReadyAddresses = [];
      canBeAdded -= s.addresses.length;
    } else {
      s.notReadyAddresses = (s.notReadyAddresses ?? []).slice(0, toBeAdded);
      canBeAdded -= s.notReadyAddresses.length;
    }
  }
  return true;
}

/** Subsets compared ignoring `targetRef.resourceVersion` (which changes on every pod write). */
export function subsetsEqual(a: EndpointSubset[] | undefined, b: EndpointSubset[] | undefined): boolean {
  const norm = (s: EndpointSubset[] | undefined) =>
    JSON.stringify(
      (s ?? []).map((ss) => ({
        a: (ss.addresses ?? []).map(stripRV),
        n: (ss.notReadyAddresses ?? []).map(stripRV),
        p: (ss.ports ?? []).map((p) => [p.name ?? '', p.port, p.protocol ?? 'TCP', p.appProtocol ?? '']),
      })),
    );
  return norm(a) === norm(b);
}

function stripRV(a: EndpointAddress) {
  return [
    a.ip,
    a.hostname ?? '',
    a.nodeName ?? '',
    a.targetRef?.kind ?? '',
    a.targetRef?.namespace ?? '',
    a.targetRef?.name ?? '',
    a.targetRef?.uid ?? '',
  ];
}
